"""The safety net against its evaluation corpus: the bar it must clear, on the part it was tuned
on and on the held-out third it never was (see tests/safety/report.py, `make safety-report`)."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from bot.safety import CATEGORIES, detector
from tests.safety.report import PARTS, STYLES, Figures, lines, measure

#: The bar the net is built toward, on messages it was never tuned on, is help for at least 95%
#: of danger, every plan acute and at most 5% of ordinary reflections flagged. The floors are
#: where it stands today, per part, and it may not fall below them; the held-out part is still
#: short of the bar (see README, "When someone is not safe"). Raise them as it rises; the corpus
#: grows harder too (pairs of lines that share their words, one in danger and one not).
FLOOR = {
    "dev": {"recall": 0.99, "plans": 0.99, "false_alarms": 0.08},
    "heldout": {"recall": 0.955, "plans": 0.95, "false_alarms": 0.125},
}


def test_the_corpus_is_large_varied_and_a_third_is_held_out() -> None:
    every = [line for part in PARTS for line in lines(part)]
    danger = [line for line in every if line.tier != "none"]
    ordinary = [line for line in every if line.tier == "none"]
    assert len(danger) >= 400
    assert len(ordinary) >= 400
    assert {line.category for line in danger} == set(CATEGORIES)
    assert {line.style for line in every} == set(STYLES)
    assert all(line.tier == "acute" for line in danger if line.category == "suicide_plan")
    # The regression lines (an earlier detector's own phrasings) are all in the tuned part.
    written = [line for line in every if not line.where.startswith("regression")]
    held_out = len(lines("heldout")) / len(written)
    assert 0.28 <= held_out <= 0.38
    assert not [text for text, n in Counter(line.text for line in every).items() if n > 1]


@cache
def _measured(name: str) -> Figures:
    """A part read once per test process: reading the tuned part takes seconds, and a
    module-scoped fixture is read again whenever another module's test runs in between (as
    with pytest-xdist)."""
    found, _ = measure(lines(name), detector())
    return found


@pytest.fixture(params=PARTS)
def part(request: pytest.FixtureRequest) -> tuple[str, Figures]:
    return request.param, _measured(request.param)


def test_danger_is_answered_with_help(part: tuple[str, Figures]) -> None:
    name, figures = part
    assert figures.recall >= FLOOR[name]["recall"]


def test_suicide_plans_are_acute(part: tuple[str, Figures]) -> None:
    name, figures = part
    assert figures.plans_acute / figures.plans >= FLOOR[name]["plans"]


def test_ordinary_reflections_raise_few_false_alarms(part: tuple[str, Figures]) -> None:
    name, figures = part
    assert figures.false_alarm_rate <= FLOOR[name]["false_alarms"]
