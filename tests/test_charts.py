"""The operators' chart: numbers in, a real PNG out, drawn headless and without pyplot."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from bot.ops.charts import (
    BAR_COLOUR,
    DPI,
    LINE_COLOUR,
    ROW_HEIGHT,
    WIDTH,
    CourseSeries,
    stats_chart,
)

ROOT = Path(__file__).resolve().parent.parent
TWIJFEL = CourseSeries("Help! Ik twijfel", reached=(3, 2, 0), reflected=(1, 0, 0))
PARTNER = CourseSeries("Mijn partner twijfelt", reached=(4, 4), reflected=(4, 2))


def _pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(imread(io.BytesIO(png), format="png"))


def _shows(pixels: np.ndarray, colour: str) -> bool:
    """Whether some pixel has (nearly) this colour."""
    rgb = np.array(to_rgb(colour))
    return bool((np.abs(pixels[..., :3] - rgb).max(axis=-1) < 0.02).any())


def test_a_chart_is_a_png_one_row_per_course() -> None:
    pixels = _pixels(stats_chart([TWIJFEL, PARTNER]))
    height, width = pixels.shape[:2]
    assert width == round(WIDTH * DPI)
    assert height == round(2 * ROW_HEIGHT * DPI)
    assert _shows(pixels, BAR_COLOUR)  # the funnel's bars
    assert _shows(pixels, LINE_COLOUR)  # the reflection rate's line


def test_without_courses_there_is_still_a_picture() -> None:
    pixels = _pixels(stats_chart([]))
    assert pixels.shape[0] == round(ROW_HEIGHT * DPI)
    assert not _shows(pixels, BAR_COLOUR)


def test_a_course_nobody_started_draws_no_bars() -> None:
    pixels = _pixels(stats_chart([CourseSeries("Leeg", (0, 0, 0), (0, 0, 0))]))
    assert not _shows(pixels, BAR_COLOUR)


def test_the_rate_is_a_percentage_of_who_got_the_day_and_blank_where_nobody_did() -> None:
    rates = TWIJFEL.rates()
    assert rates[:2] == [pytest.approx(100 / 3), 0.0]
    assert math.isnan(rates[2])
    assert PARTNER.rates() == [100.0, 50.0]


def test_each_day_needs_both_numbers() -> None:
    with pytest.raises(ValueError, match="one number per day"):
        CourseSeries("Scheef", (1, 2), (1,))


def test_drawing_never_touches_pyplot_or_a_display() -> None:
    """In a fresh interpreter with every warning an error, as a server process would run it."""
    script = (
        "import sys\n"
        "from bot.ops.charts import CourseSeries, stats_chart\n"
        "png = stats_chart([CourseSeries('T', (2, 1), (1, 1))])\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
