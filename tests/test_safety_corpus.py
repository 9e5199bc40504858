"""The safety net against its evaluation corpus: the bar it must clear, on the part it was tuned
on and on the held-out third it never was (see tests/safety/report.py, `make safety-report`)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.safety import CATEGORIES, detector
from tests.safety.report import PARTS, STYLES, lines, measure

#: The bar the net is built toward, on messages it was never tuned on, is help for at least 95%
#: of danger, every plan acute and at most 5% of ordinary reflections flagged. The floors are
#: where it stands today, per part, and it may not fall below them; the held-out part is still
#: short of the bar (see README, "When someone is not safe"). Raise them as it rises; the corpus
#: grows harder too (pairs of lines that share their words, one in danger and one not; a set of
#: plans told without their words, whose held-out third took the held-out plans from 97.7% to
#: 97.0%: the release before it read 96.3% there).
FLOOR = {
    "dev": {"recall": 0.99, "plans": 0.99, "acute": 0.97, "false_alarms": 0.07},
    "heldout": {"recall": 0.955, "plans": 0.965, "acute": 0.93, "false_alarms": 0.11},
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


@pytest.mark.parametrize("name", PARTS)
def test_danger_is_answered_with_help_and_ordinary_words_seldom_alarm(name: str) -> None:
    """Each part keeps its floors: danger answered with help, suicide plans acute, danger now
    (a plan, violence or a weapon now, a child in danger now) answered as acute, and few false
    alarms among ordinary reflections. One test a part: reading a part takes seconds, and
    every test process that ran one of three tests read it again."""
    figures, _ = measure(lines(name), detector())
    floor = FLOOR[name]
    below = []
    if figures.recall < floor["recall"]:
        below.append(f"danger answered {figures.recall:.2%} < {floor['recall']:.2%}")
    if figures.plans_acute / figures.plans < floor["plans"]:
        below.append(f"plans acute {figures.plans_acute}/{figures.plans} < {floor['plans']:.2%}")
    if figures.acute_heard / figures.acute < floor["acute"]:
        below.append(f"acute as acute {figures.acute_heard}/{figures.acute} < {floor['acute']:.2%}")
    if figures.false_alarm_rate > floor["false_alarms"]:
        below.append(f"false alarms {figures.false_alarm_rate:.2%} > {floor['false_alarms']:.2%}")
    assert not below, f"{name}: " + "; ".join(below)
