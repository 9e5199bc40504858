"""`make safety-report`: how well the safety net hears the evaluation corpus.

The corpus (``tests/safety/corpus/``) holds messages written as participants write, one a line:
``TIER<TAB>CATEGORY<TAB>STYLE<TAB>TEXT``. Two parts: ``dev`` is what the vocabulary is tuned
against; ``heldout`` is never tuned on and says how the net does on words it has not seen.

Printed per part: recall (danger answered with help, any tier) per category and per style, how
many suicide plans were treated as acute, acute recall, and false alarms among ordinary
reflections. ``--misses`` lists the dev part's misses and false alarms, to tune by; it refuses
the held-out part.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.safety import Assessment, Detector, detector

CORPUS = Path(__file__).parent / "corpus"
PARTS = ("dev", "heldout")
TIERS = ("acute", "concern", "none")
STYLES = ("nl", "be", "en", "chat")


@dataclass(frozen=True, slots=True)
class Line:
    tier: str
    category: str
    style: str
    text: str
    where: str


def lines(part: str) -> list[Line]:
    """Every message of one part of the corpus."""
    found = []
    for path in sorted((CORPUS / part).glob("*.tsv")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip() or raw.startswith("#"):
                continue
            tier, category, style, text = raw.split("\t", 3)
            if tier not in TIERS or style not in STYLES:
                raise ValueError(f"{path.name}:{number}: bad tier or style")
            found.append(Line(tier, category, style, text, f"{path.name}:{number}"))
    return found


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of one part."""

    danger: int
    heard: int
    plans: int
    plans_acute: int
    acute: int
    acute_heard: int
    ordinary: int
    false_alarms: int
    by_category: dict[str, tuple[int, int]]
    by_style: dict[str, tuple[int, int]]

    @property
    def recall(self) -> float:
        return self.heard / self.danger if self.danger else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.ordinary if self.ordinary else 0.0


def measure(part: list[Line], net: Detector) -> tuple[Figures, list[tuple[Line, Assessment]]]:
    """The part's figures, and every line the net got wrong (misses and false alarms)."""
    wrong: list[tuple[Line, Assessment]] = []
    category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    style: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    plans = plans_acute = acute = acute_heard = ordinary = false_alarms = 0
    for line in part:
        said = net.assess(line.text)
        if line.tier == "none":
            ordinary += 1
            false_alarms += said.danger
            if said.danger:
                wrong.append((line, said))
            continue
        category[line.category][0] += 1
        category[line.category][1] += said.danger
        style[line.style][0] += 1
        style[line.style][1] += said.danger
        if line.tier == "acute":
            acute += 1
            acute_heard += said.tier == "acute"
        if line.category == "suicide_plan":
            plans += 1
            plans_acute += said.tier == "acute"
        if not said.danger or (line.tier == "acute" and said.tier != "acute"):
            wrong.append((line, said))
    danger = sum(n for n, _ in category.values())
    figures = Figures(
        danger=danger,
        heard=sum(h for _, h in category.values()),
        plans=plans,
        plans_acute=plans_acute,
        acute=acute,
        acute_heard=acute_heard,
        ordinary=ordinary,
        false_alarms=false_alarms,
        by_category={k: (n, h) for k, (n, h) in sorted(category.items())},
        by_style={k: (n, h) for k, (n, h) in sorted(style.items())},
    )
    return figures, wrong


def _pct(heard: int, total: int) -> str:
    return f"{100 * heard / total:5.1f}% ({heard}/{total})" if total else "    - (0)"


def report(name: str, figures: Figures) -> Iterator[str]:
    yield f"== {name}"
    yield f"  danger answered with help  {_pct(figures.heard, figures.danger)}"
    yield f"  suicide plans acute        {_pct(figures.plans_acute, figures.plans)}"
    yield f"  acute treated as acute     {_pct(figures.acute_heard, figures.acute)}"
    yield f"  false alarms (ordinary)    {_pct(figures.false_alarms, figures.ordinary)}"
    yield "  recall per category:"
    for category, (n, h) in figures.by_category.items():
        yield f"    {category:<14}{_pct(h, n)}"
    yield "  recall per style:"
    for style, (n, h) in figures.by_style.items():
        yield f"    {style:<14}{_pct(h, n)}"


def _wrong(wrong: Iterable[tuple[Line, Assessment]]) -> Iterator[str]:
    for line, said in wrong:
        yield (
            f"{line.where}\texpected {line.tier}/{line.category}\tgot {said.tier}/"
            f"{said.category or '-'} {','.join(said.why)}\t{line.text}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the dev part's mistakes")
    args = parser.parse_args(argv)
    net = detector()
    for part in PARTS:
        figures, wrong = measure(lines(part), net)
        print("\n".join(report(part, figures)))
        if args.misses and part == "dev":
            print("\n".join(_wrong(wrong)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
