"""The learned model's reading of one message (see `learned`): laid out once, then asked of
the whole message and of the choices of its sentences that deciding weighs (the rules' own,
those the rules left open), each choice read once and exactly as its words alone would be."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import compress
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from bot.safety.learned import Model
from bot.safety.normalise import Token
from bot.safety.vocabulary import Category

_Rows = npt.NDArray[np.intp]


class Laid:
    """What the model reads of one message's words, laid out once, each row with the sentence
    it comes from: any choice of the message's sentences is read by picking rows, not by
    walking its words again. The runs of letters are read from the line of the words chosen
    (`runs`: a few array steps), so a choice reads exactly as its words alone would."""

    @classmethod
    def of(cls, model: Model, tokens: Sequence[Token]) -> Laid:
        """`tokens` laid out for `model`."""
        words, counts = model.words(tokens)
        sentences = np.array([token.sentence for token in tokens], dtype=np.intp)
        return cls(model, [token.text for token in tokens], sentences, words, counts)

    def __init__(
        self, model: Model, texts: list[str], sentences: _Rows, words: _Rows, counts: list[int]
    ) -> None:
        self.model = model
        self.texts = texts
        #: The sentence of each word.
        self.sentences = sentences
        #: The rows of the words' known forms and pairs, and the sentence of each.
        self.words = words
        self.word_sentences = np.repeat(sentences, counts)

    def danger(self, kept: Collection[int] | None = None) -> float:
        """`Model.danger` of the message, or of its sentences `kept` alone."""
        model = self.model
        if kept is None:
            return model.score(self.words, model.runs(self.texts))
        keeps = self._keeps(kept)
        texts = list(compress(self.texts, keeps[self.sentences].tolist()))
        return model.score(self.words[keeps[self.word_sentences]], model.runs(texts))

    def category(self, kept: Collection[int] | None = None) -> Category:
        """`Model.category` of the message, or of its sentences `kept` alone."""
        if kept is None:
            return self.model.resembles(self.words)
        return self.model.resembles(self.words[self._keeps(kept)[self.word_sentences]])

    def count(self, kept: Collection[int]) -> int:
        """How many words the sentences `kept` hold."""
        return int(np.count_nonzero(self._keeps(kept)[self.sentences]))

    def _keeps(self, kept: Collection[int]) -> npt.NDArray[np.bool_]:
        """Whether each sentence is kept (one more, never kept, so that an empty message
        has a sentence to look up)."""
        keeps = np.zeros(int(self.sentences.max(initial=-1)) + 2, dtype=np.bool_)
        keeps[[s for s in kept if 0 <= s < keeps.size - 1]] = True
        return keeps


class Reading:
    """The model's reading of one message, each choice of its sentences read once: deciding
    asks of the whole message, of a rule's sentences and of those the rules left open, often
    more than once (whether it is ordinary, a plan, which category). The message is laid out
    once, on the first question (`Laid`)."""

    def __init__(self, model: Model, tokens: Sequence[Token]) -> None:
        self.model = model
        self.veto, self.alone = model.veto, model.alone
        self._tokens = tokens
        self._laid: Laid | None = None
        self._read: dict[tuple[str, tuple[int, ...]], Any] = {}

    def danger(self, tokens: Sequence[Token]) -> float:
        """`Model.danger` of `tokens`: whole sentences of the one message this reading is of."""
        return float(self._once("danger", tokens))

    def category(self, tokens: Sequence[Token]) -> Category:
        """`Model.category` of `tokens`, whole sentences of this reading's message."""
        return cast(Category, self._once("category", tokens))

    def _once(self, what: str, tokens: Sequence[Token]) -> Any:
        sentences = tuple(dict.fromkeys(token.sentence for token in tokens))
        key = (what, sentences)
        if key not in self._read:
            self._read[key] = self._of(what, tokens, sentences)
        return self._read[key]

    def _of(self, what: str, tokens: Sequence[Token], sentences: tuple[int, ...]) -> Any:
        if self._laid is None:
            self._laid = Laid.of(self.model, self._tokens)
        laid = self._laid
        if len(tokens) == len(self._tokens):
            kept = None  # the whole message
        elif laid.count(sentences) == len(tokens):
            kept = sentences
        else:  # not whole sentences of this message: read on their own
            model = self.model
            return model.danger(tokens) if what == "danger" else model.category(tokens)
        return laid.danger(kept) if what == "danger" else laid.category(kept)
