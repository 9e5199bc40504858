"""`druppel safety scan`: read messages one a line and print what the safety net hears in each.

One line out per line in: ``TIER<TAB>CATEGORY<TAB>WHY``, where CATEGORY is ``-`` and WHY empty for
a message that signals nothing, and WHY names the vocabulary entries that matched, so a trainer
can try a wording and see which entry caught it (or that none did).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.safety.decide import Detector


def scan(lines: Iterable[str], detector: Detector) -> Iterator[str]:
    """One result line per message line."""
    for line in lines:
        found = detector.assess(line.rstrip("\r\n"))
        yield f"{found.tier}\t{found.category or '-'}\t{','.join(found.why)}"
