"""The vocabulary compiled into term ids, once: what the matcher (`match`) looks for.

Every word of a piece (``slaan``, ``@hit``, ``zelfmoord*``, ``a|b``) is compiled once into a term
id; an alternative of several words joined by ``+`` (``nog+steeds|altijd``) makes the piece a
set of alternative word sequences, the joined words standing next to each other. A token is
looked up once for the ids it carries (by its forms, then by the beginnings and ends of its forms
for the ``*`` words).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from bot.safety.vocabulary import GAP, Vocabulary

#: A piece's words in order, as term ids, each a number of words after the last at most.
Piece = tuple[tuple[int, int], ...]
#: A piece as written: its alternative word sequences (one, unless a word has ``a+b``).
Pattern = tuple[Piece, ...]
#: What a rule's pieces need of a message before their places are walked: per piece, the term
#: ids of each of its word sequences (see `needs`).
Needs = tuple[tuple[tuple[int, ...], ...], ...]


class Terms:
    """Every word the vocabulary uses, compiled: which ids a token's forms carry."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self._concepts = vocabulary.concepts
        self._ids: dict[str, int] = {}
        self._exact: dict[str, set[int]] = {}
        self._prefix: dict[str, set[int]] = {}
        self._suffix: dict[str, set[int]] = {}
        self._infix: list[tuple[str, int]] = []
        # The longest beginning and end: no longer part of a form is looked up; and the first
        # and last three letters of each: a form that starts (ends) with none of them has no
        # beginning (end) to look up.
        self._longest_prefix = self._longest_suffix = 0
        self._prefix_heads: set[str] = set()
        self._suffix_tails: set[str] = set()
        #: Per term, how often it is expected to occur (see `cost`).
        self._costs: list[float] = []
        self.ids_of = lru_cache(maxsize=65536)(self._ids_of)

    def words(self) -> set[str]:
        """Every whole word the compiled terms match."""
        return set(self._exact)

    def term(self, word: str) -> int:
        """The id of one word of a piece (``@concept``, ``a|b``, ``stem*``, a plain word)."""
        if word in self._ids:
            return self._ids[word]
        number = len(self._ids)
        self._ids[word] = number
        cost = 0.0
        for alternative in word.split("|"):
            for entry in self._expand(alternative):
                self._add(entry, number)
                cost += _cost(entry)
        self._costs.append(cost)
        return number

    def cost(self, term: int) -> float:
        """How often a term is expected to occur, roughly: short words and parts of words
        often, long whole words seldom; a guess that only decides which terms a `Sieve` files
        by, never what matches."""
        return self._costs[term]

    def _expand(self, word: str) -> Iterable[str]:
        if word.startswith("@"):
            return self._concepts[word[1:]]
        return (word,)

    def _add(self, entry: str, number: int) -> None:
        if entry.startswith("*") and entry.endswith("*") and len(entry) > 2:
            self._infix.append((entry[1:-1], number))
        elif entry.endswith("*"):
            self._prefix.setdefault(entry[:-1], set()).add(number)
            self._longest_prefix = max(self._longest_prefix, len(entry) - 1)
            self._prefix_heads.add(entry[:3])
        elif entry.startswith("*"):
            self._suffix.setdefault(entry[1:], set()).add(number)
            self._longest_suffix = max(self._longest_suffix, len(entry) - 1)
            self._suffix_tails.add(entry[-3:])
        else:
            self._exact.setdefault(entry, set()).add(number)

    def piece(self, text: str) -> Pattern:
        """A piece compiled: its alternative word sequences, each word a term id with the gap
        allowed before it (none inside an ``a+b`` sequence)."""
        pieces: list[list[tuple[int, int]]] = [[]]
        gap = 0
        for word in text.split():
            if word == "...":
                gap = GAP * 2
                continue
            single = [a for a in word.split("|") if "+" not in a]
            options: list[list[int]] = [[self.term("|".join(single))]] if single else []
            options += [[self.term(w) for w in a.split("+")] for a in word.split("|") if "+" in a]
            pieces = [
                [
                    *done,
                    *(
                        (term, (gap if done else 0) if i == 0 else 0)
                        for i, term in enumerate(option)
                    ),
                ]
                for done in pieces
                for option in options
            ]
            gap = GAP
        return tuple(tuple(p) for p in pieces)

    def _ids_of(self, forms: tuple[str, ...]) -> tuple[int, ...]:
        ids: set[int] = set()
        exact, prefix, suffix = self._exact, self._prefix, self._suffix
        heads, tails = self._prefix_heads, self._suffix_tails
        for form in forms:
            ids.update(exact.get(form, ()))
            if form[:3] in heads:
                for cut in range(3, min(len(form), self._longest_prefix) + 1):
                    ids.update(prefix.get(form[:cut], ()))
            if form[-3:] in tails:
                for cut in range(max(0, len(form) - self._longest_suffix), len(form) - 2):
                    ids.update(suffix.get(form[cut:], ()))
            ids.update(number for part, number in self._infix if part in form)
        return tuple(sorted(ids))


def needs(pieces: Sequence[Pattern], cost: Callable[[int], float]) -> Needs:
    """The term ids each piece needs, the piece least likely to occur first (by `cost`, see
    `Terms.cost`), so a message that lacks one is told so after as few look-ups as may be."""

    def likely(sequences: tuple[tuple[int, ...], ...]) -> float:
        # A sequence occurs only where its rarest word does; a piece where any sequence does.
        return max(min(map(cost, terms)) for terms in sequences)

    compiled = [
        tuple(tuple(dict.fromkeys(term for term, _ in piece)) for piece in pattern)
        for pattern in pieces
    ]
    return tuple(sorted(compiled, key=likely))


def _cost(entry: str) -> float:
    if entry.startswith("*") or entry.endswith("*"):
        return 30.0
    return 10.0 if len(entry) <= 3 else 4.0 if len(entry) == 4 else 1.0
