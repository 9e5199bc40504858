"""Which of many entries (rules, lookalikes) can occur in a message at all, found without a walk
over every entry.

An entry is a list of patterns that must all occur; a pattern occurs only where every term of
one of its alternatives does. So each entry is filed once, under one term of each alternative of
the pattern least likely to occur: where none of those terms is in the message, the entry cannot
match and is never looked at. The message's terms meet the filed ones in one set intersection,
so the cost follows what the message holds, not how many entries the vocabulary has. An entry
found so must also have every term its patterns cannot do without (a term that stands in every
alternative of a pattern), tested as one subset. An entry that passes is matched as before: the
sieve only leaves out what could not have matched.
"""

from __future__ import annotations

from collections.abc import Callable, KeysView, Sequence

from bot.safety.terms import Pattern


class Sieve:
    """Entries filed by the terms one of them needs."""

    def __init__(self, entries: Sequence[Sequence[Pattern]], cost: Callable[[int], float]) -> None:
        """`cost` says how often a term is expected to occur: the rarest are chosen to file by."""
        filed: dict[int, list[int]] = {}
        required: list[frozenset[int]] = []
        for number, patterns in enumerate(entries):
            required.append(
                frozenset().union(
                    *(
                        set.intersection(*({term for term, _ in piece} for piece in pattern))
                        for pattern in patterns
                    )
                )
            )
            best: set[int] | None = None
            for pattern in patterns:
                # One term of each alternative: without it the alternative cannot occur.
                chosen = {min((term for term, _ in piece), key=cost) for piece in pattern}
                if best is None or sum(map(cost, chosen)) < sum(map(cost, best)):
                    best = chosen
            for term in best or ():
                filed.setdefault(term, []).append(number)
        self._filed = {term: tuple(numbers) for term, numbers in filed.items()}
        self._required = required
        #: How many entries there are.
        self.size = len(entries)

    def candidates(self, present: KeysView[int]) -> list[int]:
        """The entries that may occur in a message holding the `present` terms, in order."""
        filed, required = self._filed, self._required
        found: set[int] = set()
        for term in filed.keys() & present:
            found.update(filed[term])
        return [number for number in sorted(found) if required[number] <= present]
