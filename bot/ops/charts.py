"""Charts for operators, drawn headless: numbers in, PNG bytes out.

Drawn with matplotlib's object-oriented API on the Agg canvas, never through pyplot, so nothing
global changes and no display is needed. The function is pure and blocking (about a tenth of a
second): callers in the event loop run it in a thread.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core import texts_ops

#: Inches per course row, and the resolution: a phone shows 800 pixels wide sharply.
ROW_HEIGHT = 2.8
WIDTH = 8.0
DPI = 100
BAR_COLOUR = "#4c8fbd"
LINE_COLOUR = "#d9822b"


@dataclass(frozen=True, slots=True)
class CourseSeries:
    """One course's funnel: per day (from day 1) how many got the lesson and how many of them
    sent a reflection for it."""

    title: str
    reached: tuple[int, ...]
    reflected: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.reached) != len(self.reflected):
            raise ValueError("reached and reflected need one number per day each")

    def rates(self) -> list[float]:
        """Per day, the share (in %) of those who got the lesson that reflected; NaN for a day
        nobody got, which the line leaves out."""
        pairs = zip(self.reached, self.reflected, strict=True)
        return [100.0 * r / n if n else math.nan for n, r in pairs]


def stats_chart(courses: Sequence[CourseSeries]) -> bytes:
    """One row per course: bars of how many got each day, beside the reflection rate per day."""
    # Imported here: matplotlib takes a moment to load (and the first time builds its font
    # cache), which only a /stats should pay for, in the thread it is drawn in.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = max(1, len(courses))
    figure = Figure(figsize=(WIDTH, ROW_HEIGHT * rows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    if not courses:
        axes = figure.add_subplot()
        axes.set_axis_off()
        axes.text(0.5, 0.5, texts_ops.CHART_NO_COURSES, ha="center", va="center", fontsize=14)
    grid = figure.subplots(rows, 2, squeeze=False) if courses else None
    for row, course in enumerate(courses):
        assert grid is not None
        funnel, rate = grid[row][0], grid[row][1]
        days = list(range(1, len(course.reached) + 1))
        bars = funnel.bar(days, course.reached, color=BAR_COLOUR)
        funnel.bar_label(bars, labels=[str(n) if n else "" for n in course.reached], fontsize=8)
        funnel.set_title(
            f"{texts_ops.CHART_TITLE.format(title=course.title)}: {texts_ops.CHART_REACHED}",
            fontsize=10,
        )
        funnel.set_xlabel(texts_ops.CHART_DAY)
        funnel.set_ylabel(texts_ops.CHART_PARTICIPANTS)
        funnel.set_xticks(days)
        funnel.yaxis.set_major_locator(MaxNLocator(integer=True))
        funnel.set_ylim(0, max((1, *course.reached)) * 1.15)
        rate.plot(days, course.rates(), color=LINE_COLOUR, marker="o")
        rate.set_title(texts_ops.CHART_RATE, fontsize=10)
        rate.set_xlabel(texts_ops.CHART_DAY)
        rate.set_ylabel("%")
        rate.set_xticks(days)
        rate.set_ylim(0, 105)
        if days:
            rate.set_xlim(0.5, len(days) + 0.5)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
