"""Find where the vocabulary's pieces and rules occur in a message's tokens.

The pieces arrive compiled into term ids (`terms.Terms`), and each token carries the ids its forms
match. A piece is found by walking the positions of its first
term; a rule by taking its rarest piece as the anchor and looking for the others near it,
in the same sentence. Everything is linear in the length of the message.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from bot.safety.normalise import Token
from bot.safety.terms import Needs, Pattern, Piece


class Span(NamedTuple):
    """Where a piece or a rule was found: its first and last token and the tokens it used."""

    start: int
    end: int
    used: tuple[int, ...]
    sentence: int


class Found:
    """Where each term occurs in one message, and the pieces found there.

    Besides each term's positions, every term has a bit mask of the sentences it occurs in
    (bit n: the n-th sentence), so a rule whose pieces never share a sentence is set aside with
    a few integer operations, however long the message.
    """

    def __init__(self, tokens: Sequence[Token], masked: frozenset[int] = frozenset()) -> None:
        """`tokens` carry their term ids (the reader looked them up once per word,
        `Reader(ids=terms.ids_of)`); the `masked` ones are left out."""
        self.tokens = tokens
        self.ids = [t.ids for t in tokens]
        # The places of each word that carries ids are gathered first (a word's ids follow
        # from its text, and a string keeps its hash, where a tuple of ids is hashed anew at
        # every look-up), so each term's positions grow by whole lists and its sentences by
        # one mask per word.
        ids = self.ids
        groups: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            if ids[i] and not (masked and i in masked):
                group = groups.get(token.text)
                if group is None:
                    groups[token.text] = [i]
                else:
                    group.append(i)
        where: dict[int, list[int]] = {}
        bits: dict[int, int] = {}
        grown: set[int] = set()  # terms of more than one word: their own list, sorted last
        for at in groups.values():
            numbers = ids[at[0]]
            mask = 0
            for i in at:
                mask |= 1 << tokens[i].sentence
            for number in numbers:
                places = where.get(number)
                if places is None:
                    where[number] = at  # a term of one word shares that word's list
                    bits[number] = mask
                else:
                    if number not in grown:
                        grown.add(number)
                        places = where[number] = list(places)
                    places.extend(at)
                    bits[number] |= mask
        for number in grown:
            where[number].sort()
        self.where = where
        self.bits = bits

    def without(self, masked: frozenset[int]) -> Found:
        """The same message with some tokens set aside (an everyday phrase): only the terms
        those tokens carry are counted again."""
        other = Found.__new__(Found)
        other.tokens, other.ids = self.tokens, self.ids
        tokens, ids = self.tokens, self.ids
        where, bits = dict(self.where), dict(self.bits)
        removed: dict[int, list[int]] = {}
        for i in masked:
            for number in ids[i]:
                gone = removed.get(number)
                if gone is None:
                    removed[number] = [i]
                else:
                    gone.append(i)
        for number, gone in removed.items():
            kept = [i for i in where[number] if i not in masked]
            if not kept:
                del where[number], bits[number]
                continue
            where[number] = kept
            mask = bits[number]
            for i in gone:
                # A sentence leaves the term's mask where none of its kept places is in it:
                # the kept places nearest the one set aside tell (sentences run in order).
                sentence = tokens[i].sentence
                at = bisect_left(kept, i)
                if not (
                    (at < len(kept) and tokens[kept[at]].sentence == sentence)
                    or (at and tokens[kept[at - 1]].sentence == sentence)
                ):
                    mask &= ~(1 << sentence)
            bits[number] = mask
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


def near(span: Span, signals: list[Span], within: int | None) -> bool:
    """Whether `span` lies within `within` words of one of `signals` (None: anywhere)."""
    if within is None:
        return True
    return any(
        span.start - within <= signal.end and signal.start <= span.end + within
        for signal in signals
    )
