"""The participant's personal summary at the end of a course: the last thing they take home.

Which causes they recognised most, from their own 1-5 check-ins: a chart (one bar per day's
theme, their own scores) and a few warm sentences. Their reflections, gathered in one place,
follow it (see bot/delivery/answers.py). Drawn headless with matplotlib's object-oriented API on
the Agg canvas (never pyplot), in a thread, since drawing blocks for a moment.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
from collections.abc import Mapping, Sequence

from bot.core import texts
from bot.core.messages import Outgoing
from courses.models import Course
from storage.models import CheckIn

BAR_COLOUR = "#4c8fbd"
STRONG_COLOUR = "#d9822b"
#: A score at least this high counts as "recognised strongly".
STRONG = 4


def themes(course: Course, checkins: Sequence[CheckIn]) -> list[tuple[str, int]]:
    """(the day's theme, their score) for each day of this course they scored, in day order."""
    scores = {c.day: c.score for c in checkins if c.course_id == course.id}
    return [(course.day(d).title, scores[d]) for d in sorted(scores) if d <= course.length]


def sentences(scored: Sequence[tuple[str, int]], nothing_strong: str | None = None) -> str:
    """A few warm words on what stood out, from their scores alone.

    `nothing_strong` is the course's own sentence for when no theme scored high (a course for the
    partner of the one who doubts needs other words); without it the general one is used.
    """
    if not scored:
        return texts.SUMMARY_NO_SCORES
    top = max(score for _, score in scored)
    if top < STRONG:  # nothing stood out: no theme is named as the strongest
        return f"{nothing_strong or texts.SUMMARY_NOTHING_STRONG} {texts.SUMMARY_ALL_BELOW}"
    strongest = [title for title, score in scored if score == top]
    if len(strongest) == len(scored) > 1:  # every theme alike: none is named above the rest
        return f"{texts.SUMMARY_ALL_ALIKE.format(score=top)} {texts.SUMMARY_ALL_BELOW}"
    named = ", ".join(f"“{t}”" for t in strongest[:-1])
    named = f"{named} en “{strongest[-1]}”" if named else f"“{strongest[-1]}”"
    return f"{texts.SUMMARY_STRONGEST.format(themes=named, score=top)} {texts.SUMMARY_CLOSING}"


def chart(course_title: str, scored: Sequence[tuple[str, int]]) -> bytes:
    """One bar per theme they scored, the strongest in a warmer colour; PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.0, 1.2 + 0.55 * max(1, len(scored))), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = ["\n".join(textwrap.wrap(title, 28)) for title, _ in scored]
    values = [score for _, score in scored]
    top = max(values, default=0)
    colours = [STRONG_COLOUR if v == top and v >= STRONG else BAR_COLOUR for v in values]
    axes.barh(range(len(values)), values, color=colours)
    axes.set_yticks(range(len(values)), labels=labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 5)
    axes.set_xticks(range(6))
    axes.set_xlabel(texts.SUMMARY_AXIS)
    axes.set_title(texts.SUMMARY_TITLE.format(title=course_title))
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def summary(
    course: Course, checkins: Sequence[CheckIn], answers: Mapping[int, str] | None = None
) -> Outgoing:
    """The summary message: the chart (when there are scores) with the sentences as caption,
    and the course's line that quotes one of their answers (`answers`, read as it is sent)."""
    scored = themes(course, checkins)
    text = sentences(scored, course.summary_nothing_strong)
    if course.summary_quote is not None:
        text = f"{text}\n\n{course.summary_quote.render(answers or {})}"
    if not scored:
        return Outgoing(text)
    image = await asyncio.to_thread(chart, course.title, scored)
    return Outgoing(text, image=image)
