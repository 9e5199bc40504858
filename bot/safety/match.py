"""Find where the vocabulary's pieces and rules occur in a message's tokens.

The pieces arrive compiled into term ids (`terms.Terms`), and each token carries the ids its forms
match. A piece is found by walking the positions of its first
term; a rule by taking its rarest piece as the anchor and looking for the others near it,
in the same sentence. Everything is linear in the length of the message.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, KeysView, Sequence
from itertools import chain
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

    A long message's words carry thousands of term ids, and a message is asked the places of a
    few hundred of them: so the places are counted per word (a word's ids follow from its
    text), each term is filed under the words that carry it with its sentences gathered in the
    same pass, and a term's places are merged from its words the first time they are asked for.
    """

    def __init__(self, tokens: Sequence[Token], masked: frozenset[int] = frozenset()) -> None:
        """`tokens` carry their term ids (the reader looked them up once per word,
        `Reader(ids=terms.ids_of)`); the `masked` ones are left out."""
        self.tokens = tokens
        # The places of each word that carries ids, in order of first appearance (a string
        # keeps its hash, where a tuple of ids is hashed anew at every look-up).
        index: dict[str, int] = {}
        places: list[list[int]] = []
        for i, token in enumerate(tokens):
            if token.ids and not (masked and i in masked):
                word = index.get(token.text)
                if word is None:
                    index[token.text] = len(places)
                    places.append([i])
                else:
                    places[word].append(i)
        masks = [_sentences(tokens, at) for at in places]
        # Each term filed under its words, with the sentences it occurs in: nearly every term
        # present is asked for its sentences (the sieve and `shared` read them), so they are
        # gathered here in one pass; a term's places are merged only when asked for.
        ids = [tokens[at[0]].ids for at in places]
        words_of: dict[int, list[int]] = {}
        bits: dict[int, int] = {}
        for word, numbers in enumerate(ids):
            mask = masks[word]
            for number in numbers:
                words = words_of.get(number)
                if words is None:
                    words_of[number] = [word]
                    bits[number] = mask
                else:
                    words.append(word)
                    bits[number] |= mask
        self._index = index
        self._places = places
        self._masks = masks
        #: The term ids of each word.
        self._ids = ids
        self._words_of = words_of
        self._bits = bits
        self._where: dict[int, list[int]] = {}

    @property
    def present(self) -> KeysView[int]:
        """The terms that occur in the message."""
        return self._words_of.keys()

    def positions(self, term: int) -> list[int]:
        """The places of `term`, in order (none where it does not occur)."""
        found = self._where.get(term)
        if found is None:
            words = self._words_of.get(term)
            if words is None:
                found = []
            elif len(words) == 1:
                found = self._places[words[0]]  # shared with the word: never changed
            else:
                places = self._places
                found = sorted(chain.from_iterable(places[w] for w in words))
            self._where[term] = found
        return found

    def mask(self, term: int) -> int:
        """The sentences (a bit each) `term` occurs in; 0 where it does not occur."""
        return self._bits.get(term, 0)

    def without(self, masked: frozenset[int]) -> Found:
        """The same message with some tokens set aside (an everyday phrase): only the words of
        those tokens are counted again."""
        other = Found.__new__(Found)
        tokens = other.tokens = self.tokens
        places, masks = list(self._places), list(self._masks)
        index = self._index
        touched = {index[tokens[i].text] for i in masked if tokens[i].text in index}
        emptied: list[int] = []
        for word in touched:
            if not places[word]:
                continue  # set aside before
            kept = [i for i in places[word] if i not in masked]
            places[word] = kept
            masks[word] = _sentences(tokens, kept)
            if not kept:
                emptied.append(word)
        words_of, bits = self._words_of, dict(self._bits)
        if emptied:
            words_of = dict(words_of)
            gone = set(emptied)
            for word in emptied:
                for number in self._ids[word]:
                    words = words_of.get(number)
                    if words is None:
                        continue  # already left by another word set aside
                    rest = [w for w in words if w not in gone]
                    if rest:
                        words_of[number] = rest
                    else:
                        del words_of[number], bits[number]
        # The sentences of every term a word set aside carries, gathered again from its words.
        for number in {number for word in touched for number in self._ids[word]}:
            words = words_of.get(number)
            if words is not None:
                mask = 0
                for word in words:
                    mask |= masks[word]
                bits[number] = mask
        other._index, other._places, other._masks, other._ids = index, places, masks, self._ids
        other._words_of, other._bits = words_of, bits
        other._where = {}
        return other

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
        return sum(len(self.positions(piece[0][0])) for piece in pattern)

    def _spans(self, piece: Piece, low: int, high: int, sentences: int = -1) -> list[Span]:
        """The piece's occurrences that start between `low` and `high`, in one of the
        `sentences` (bits; all of them by default)."""
        words_of = self._words_of
        for term, _ in piece:
            if term not in words_of:
                return []
        (first, _), rest = piece[0], piece[1:]
        # Read here directly: a method call per look-up costs more than the look-up (every
        # term of the piece is present, so it has its sentences; `positions` fills `where`
        # the first time a term's places are asked for).
        where, bits = self._where, self._bits
        shared = sentences
        if rest:
            # The sentences that hold every word of the piece: a start elsewhere leads nowhere.
            for term, _ in piece:
                shared &= bits[term]
            if not shared:
                return []
        starts = where.get(first)
        if starts is None:
            starts = self.positions(first)
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
        found: list[Span] = []
        for k in range(begin, len(starts)):
            start = starts[k]
            if start > high:
                break
            sentence = tokens[start].sentence
            if not (1 << sentence) & shared:
                continue
            used = [start]
            for term, gap in rest:
                places = where.get(term)
                if places is None:
                    places = self.positions(term)
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
        bits = self._bits
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


def _sentences(tokens: Sequence[Token], places: Iterable[int]) -> int:
    """The sentences (a bit each) the tokens at `places` stand in."""
    mask = 0
    for i in places:
        mask |= 1 << tokens[i].sentence
    return mask


def _start(span: Span) -> int:
    return span.start


#: A lookalike as the matcher reads it: one way of writing it, the pieces that, in the same
#: sentence, keep it from setting anything aside, and whether the learned model still reads
#: its sentence (`Lookalike.model_reads`).
EverydayPhrase = tuple[Pattern, tuple[Pattern, ...], bool]


def masked_by(
    found: Found, lookalikes: Iterable[EverydayPhrase]
) -> tuple[frozenset[int], frozenset[int]]:
    """The tokens that belong to an everyday phrase, which no rule may use: not in a sentence
    that holds one of the phrase's `unless` pieces (the harm said to be real after all); and
    those of them that hide their sentence from the learned model."""
    masked: set[int] = set()
    hidden: set[int] = set()
    for pattern, unless, model_reads in lookalikes:
        spans = found.spans(pattern)
        if spans and unless:
            real = {s.sentence for piece in unless for s in found.spans(piece)}
            spans = [s for s in spans if s.sentence not in real]
        for span in spans:
            masked.update(span.used)
            if not model_reads:
                hidden.update(span.used)
    return frozenset(masked), frozenset(hidden)


def near(span: Span, signals: list[Span], within: int | None) -> bool:
    """Whether `span` lies within `within` words of one of `signals` (None: anywhere)."""
    if within is None:
        return True
    return any(
        span.start - within <= signal.end and signal.start <= span.end + within
        for signal in signals
    )
