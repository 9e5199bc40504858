"""Forgive a typo: read an unknown word as the vocabulary word it differs from by a letter or two.

Only the vocabulary's words marked for it (`typos: true`) are candidates, and a word is compared
only with those a typo away in length: one letter under eight letters, two from eight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein


def typos(length: int) -> int:
    """How many letters a word of `length` may differ from a vocabulary word it is read as."""
    return 1 if length < 8 else 2


def nearest(words: Iterable[str]) -> Callable[[str], str | None]:
    """A function that gives the one of `words` a typo away from a word, or None; the lists
    of candidates by length are made once."""
    by_length: dict[int, list[str]] = {}
    for word in sorted(words):
        by_length.setdefault(len(word), []).append(word)
    longest = max(by_length, default=0) + 3
    choices_for = {
        size: [
            w
            for n in range(size - typos(size), size + typos(size) + 1)
            for w in by_length.get(n, ())
        ]
        for size in range(longest)
    }

    def near(word: str) -> str | None:
        choices = choices_for.get(len(word))
        if not choices:
            return None
        best = process.extractOne(
            word, choices, scorer=Levenshtein.distance, score_cutoff=typos(len(word))
        )
        return None if best is None else str(best[0])

    return near
