"""Find where the vocabulary's pieces and rules occur in a message's tokens.

Every word of a piece (``slaan``, ``@hit``, ``zelfmoord*``, ``a|b``) is compiled once into a term
id; an alternative of several words joined by ``+`` (``nog+steeds|altijd``) makes the piece a
set of alternative word sequences, the joined words standing next to each other. A token is
looked up once for the ids it carries (by its forms, then by the beginnings and
ends of its forms for the ``*`` words). A piece is then found by walking the positions of its
first term; a rule by taking its rarest piece as the anchor and looking for the others near it,
in the same sentence. Everything is linear in the length of the message.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

from bot.safety.normalise import Token
from bot.safety.vocabulary import GAP, Vocabulary

#: A piece's words in order, as term ids, each a number of words after the last at most.
Piece = tuple[tuple[int, int], ...]
#: A piece as written: its alternative word sequences (one, unless a word has ``a+b``).
Pattern = tuple[Piece, ...]
#: What a rule's pieces need of a message before their places are walked: per piece, the term
#: ids of each of its word sequences (see `needs`).
Needs = tuple[tuple[tuple[int, ...], ...], ...]


class Span(NamedTuple):
    """Where a piece or a rule was found: its first and last token and the tokens it used."""

    start: int
    end: int
    used: tuple[int, ...]
    sentence: int


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


class Found:
    """Where each term occurs in one message, and the pieces found there.

    Besides each term's positions, every term has a bit mask of the sentences it occurs in
    (bit n: the n-th sentence), so a rule whose pieces never share a sentence is set aside with
    a few integer operations, however long the message.
    """

    def __init__(
        self,
        tokens: Sequence[Token],
        terms: Terms,
        masked: frozenset[int] = frozenset(),
        ids: Sequence[tuple[int, ...]] | None = None,
    ) -> None:
        self.tokens = tokens
        # The reader looked the ids up once per word (`Reader(ids=terms.ids_of)`).
        self.ids = [t.ids for t in tokens] if ids is None else ids
        self._terms = terms
        # Tokens that carry the same ids (the same word, mostly) are grouped first, so each
        # term's positions grow by whole lists and its sentences by one mask per word.
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, numbers in enumerate(self.ids):
            if numbers and not (masked and i in masked):
                group = groups.get(numbers)
                if group is None:
                    groups[numbers] = [i]
                else:
                    group.append(i)
        where: dict[int, list[int]] = {}
        bits: dict[int, int] = {}
        for numbers, at in groups.items():
            mask = 0
            for i in at:
                mask |= 1 << tokens[i].sentence
            for number in numbers:
                places = where.get(number)
                if places is None:
                    where[number] = list(at)
                    bits[number] = mask
                else:
                    places.extend(at)
                    bits[number] |= mask
        for places in where.values():
            places.sort()
        self.where = where
        self.bits = bits

    def without(self, masked: frozenset[int]) -> Found:
        """The same message with some tokens set aside (an everyday phrase): only the terms
        those tokens carry are counted again."""
        other = Found.__new__(Found)
        other.tokens, other.ids, other._terms = self.tokens, self.ids, self._terms
        tokens = self.tokens
        where, bits = dict(self.where), dict(self.bits)
        for number in {n for i in masked for n in self.ids[i]}:
            kept = [i for i in where[number] if i not in masked]
            if kept:
                where[number] = kept
                mask = 0
                for i in kept:
                    mask |= 1 << tokens[i].sentence
                bits[number] = mask
            else:
                del where[number], bits[number]
        other.where, other.bits = where, bits
        return other

    def positions(self, term: int) -> list[int]:
        return self.where.get(term, [])

    def spans(self, pattern: Pattern, sentences: int = -1) -> list[Span]:
        """Every place the pattern occurs, earliest first, never across a sentence; only in
        the `sentences` given as bits, if given."""
        high = len(self.tokens)
        if len(pattern) == 1:
            return self._spans(pattern[0], 0, high, sentences)
        found = [s for piece in pattern for s in self._spans(piece, 0, high, sentences)]
        found.sort(key=_start)
        return found

    def _count(self, pattern: Pattern) -> int:
        where, count = self.where, 0
        for piece in pattern:
            places = where.get(piece[0][0])
            if places:
                count += len(places)
        return count

    def _spans(self, piece: Piece, low: int, high: int, sentences: int = -1) -> list[Span]:
        """The piece's occurrences that start between `low` and `high`, in one of the
        `sentences` (bits; all of them by default)."""
        where = self.where
        for term, _ in piece:
            if term not in where:
                return []
        (first, _), rest = piece[0], piece[1:]
        starts = where[first]
        tokens = self.tokens
        begin = bisect_left(starts, low)
        new = tuple.__new__  # what Span(...) does, without its keyword handling
        if not rest:
            stop = bisect_left(starts, high + 1, begin)
            if sentences == -1:
                return [
                    new(Span, (at, at, (at,), tokens[at].sentence)) for at in starts[begin:stop]
                ]
            return [
                new(Span, (at, at, (at,), sentence))
                for at in starts[begin:stop]
                if (1 << (sentence := tokens[at].sentence)) & sentences
            ]
        # The sentences that hold every word of the piece: a start elsewhere leads nowhere.
        bits = self.bits
        shared = bits[first] & sentences
        for term, _ in rest:
            shared &= bits[term]
        found: list[Span] = []
        if not shared:
            return found
        for k in range(begin, len(starts)):
            start = starts[k]
            if start > high:
                break
            sentence = tokens[start].sentence
            if not (1 << sentence) & shared:
                continue
            used = [start]
            for term, gap in rest:
                places = where[term]
                last = used[-1]
                at = bisect_left(places, last + 1)
                if (
                    at == len(places)
                    or places[at] > last + 1 + gap
                    or tokens[places[at]].sentence != sentence
                ):
                    break
                used.append(places[at])
            else:
                found.append(new(Span, (start, used[-1], tuple(used), sentence)))
        return found

    def shared(self, needs: Needs) -> int | None:
        """The sentences (a bit each) in which every piece has every word of one of its
        sequences; None where a piece has them in no sentence at all. Most rules end here, with
        a few integer operations, so it is written out."""
        bits = self.bits
        shared = -1
        for sequences in needs:
            mask = 0
            for terms in sequences:
                words = -1
                for term in terms:
                    words &= bits.get(term, 0)
                    if not words:
                        break
                mask |= words
            if not mask:
                return None
            shared &= mask
        return shared

    def together(
        self, pieces: Sequence[Pattern], window: int, across: bool, shared: int
    ) -> Iterator[Span]:
        """Where all the pieces occur in one sentence (or, `across`, in neighbouring ones)
        within `window` words of each other, given the sentences they share (`shared`); the
        rarest piece is found first and the others are looked for only near it."""
        if not across and not shared:
            return
        order = sorted(pieces, key=self._count) if len(pieces) > 1 else pieces
        # An anchor is looked for only in the sentences all the pieces share.
        for span in self.spans(order[0], -1 if across else shared):
            chosen = [span]
            taken = set(span.used)
            for pattern in order[1:]:
                # Each piece needs words of its own: one word never stands for two pieces.
                near = self._near(pattern, span, window, across, taken)
                if near is None:
                    break
                chosen.append(near)
                taken.update(near.used)
            else:
                start = min(s.start for s in chosen)
                end = max(s.end for s in chosen)
                if end - start <= window:
                    used = tuple(sorted({u for s in chosen for u in s.used}))
                    yield Span(start, end, used, span.sentence)

    def _near(
        self, pattern: Pattern, anchor: Span, window: int, across: bool, taken: set[int]
    ) -> Span | None:
        """The occurrence of the pattern within `window` words of the anchor, in its sentence
        (any sentence, `across`), that starts nearest to it and uses no `taken` word."""
        best: Span | None = None
        low, high = anchor.end - window, anchor.start + window
        sentences = -1 if across else 1 << anchor.sentence
        for piece in pattern:
            for c in self._spans(piece, max(0, low - 1), high, sentences):
                if not taken.isdisjoint(c.used):
                    continue
                if max(c.end, anchor.end) - min(c.start, anchor.start) > window:
                    continue
                if best is None or abs(c.start - anchor.start) < abs(best.start - anchor.start):
                    best = c
        return best


def _start(span: Span) -> int:
    return span.start


def masked_by(found: Found, lookalikes: Iterable[Pattern]) -> frozenset[int]:
    """The tokens that belong to an everyday phrase, which no rule may use."""
    return frozenset(u for piece in lookalikes for s in found.spans(piece) for u in s.used)
