"""A second opinion learned from how people write: a small linear model over the message's words.

The vocabulary hears what it was written for; people also write what nobody wrote a rule for
("the rope is in the boot of my car"), and use danger words in harmless ways no lookalike
foresaw. A logistic regression over the tokens the `normalise` step already made (every form of
every word, and each pair of neighbouring words) and over the letters of the words as typed
(every run of three to five, which hears a new spelling, compound or typo by its parts) gives a
probability that a message signals danger; one over the words alone, the danger category it
resembles most. `decide` weighs it with the rules:

- a rule's concern stands unless the model finds the rule's own sentences and the whole message
  clearly ordinary (below `veto`, and only where the sentences hold twelve words or more); an
  acute rule always stands;
- with no rule, the model alone is heard when it is confident (above `alone`), on the sentences
  the rules left open and only where they hold ten words or more.

The model is data like the vocabulary: `model.json`, written by `make safety-model` from the
tuned part of the evaluation corpus (``tests/safety/train.py``); it keeps the digest of the
corpus it learnt from, so a test notices when the corpus moved on without it. Nothing here
keeps or logs a word: features live only while one message is read.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from bot.safety.normalise import Token
from bot.safety.vocabulary import CATEGORIES, Category, VocabularyError

#: Bumped whenever `features` changes: a model learnt on other features refuses to load.
FEATURES_VERSION = 2
#: The runs of letters read: three to five.
LETTER_RUNS = (3, 4, 5)


def features(tokens: Sequence[Token]) -> list[str]:
    """What the model reads of a message: every form of every word (``f:``) and each pair of
    neighbouring words of one sentence (``b:``), as typed after normalising."""
    found: list[str] = []
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        found.extend("f:" + form for form in token.forms)
        if i < last and tokens[i + 1].sentence == token.sentence:
            found.append(f"b:{token.text}_{tokens[i + 1].text}")
    return found


def letters(tokens: Sequence[Token]) -> list[str]:
    """Every run of three to five letters (``c:``) of the message's words as typed after
    normalising, each word with a space on both sides, so a run may span a word's edge."""
    line = " " + " ".join(token.text for token in tokens) + " "
    size = len(line)
    return [f"c:{line[i : i + n]}" for n in LETTER_RUNS for i in range(size - n + 1)]


class Model:
    """A learnt model, ready to read messages."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("features_version") != FEATURES_VERSION:
            raise VocabularyError(
                f"the learned model reads features version {data.get('features_version')}, "
                f"druppel makes version {FEATURES_VERSION}: run `make safety-model`"
            )
        self.categories: tuple[Category, ...] = tuple(data["categories"])
        unknown = set(self.categories) - set(CATEGORIES)
        if unknown:
            raise VocabularyError(f"the learned model names unknown categories: {unknown}")
        self.veto = float(data["veto"])
        self.alone = float(data["alone"])
        self.corpus = str(data["corpus"])
        self._intercept = float(data["intercept"])
        self._category_intercepts = [float(x) for x in data["category_intercepts"]]
        # feature -> (idf, weight for danger, weights per category)
        self._weights: dict[str, tuple[float, float, tuple[float, ...]]] = {
            name: (row[0], row[1], tuple(row[2:])) for name, row in unpack(data["weights"])
        }
        # letter run -> (idf, weight for danger)
        self._letters: dict[str, tuple[float, float]] = {
            name: (row[0], row[1]) for name, row in unpack(data["letters"])
        }
        self._known_forms = lru_cache(maxsize=65536)(self._forms_known)

    def danger(self, tokens: Sequence[Token]) -> float:
        """The probability of danger, as trained: term counts made sublinear (1 + log), times
        their idf, each kind (words, letters) scaled to unit length on its own, through a
        logistic regression."""
        values = self._values(tokens)
        weights = self._weights
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        score = sum(v * weights[name][1] for name, v in values.items()) / norm
        runs: dict[str, int] = {}
        known = self._letters
        for name in letters(tokens):
            if name in known:
                runs[name] = runs.get(name, 0) + 1
        if runs:
            letter_values = [
                (known[name], 1.0 if count == 1 else 1.0 + math.log(count))
                for name, count in runs.items()
            ]
            letter_norm = math.sqrt(sum((idf * tf) ** 2 for (idf, _), tf in letter_values))
            score += sum(idf * tf * w for (idf, w), tf in letter_values) / letter_norm
        return _sigmoid(self._intercept + score)

    def category(self, tokens: Sequence[Token]) -> Category:
        """The danger category the message resembles most (a multinomial regression)."""
        values = self._values(tokens)
        weights = self._weights
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        scores = list(self._category_intercepts)
        for name, value in values.items():
            for k, w in enumerate(weights[name][2]):
                scores[k] += value * w / norm
        return self.categories[max(range(len(scores)), key=scores.__getitem__)]

    def _values(self, tokens: Sequence[Token]) -> dict[str, float]:
        """Each known feature of the message with its weighed value (what `features` makes,
        the unknown left out early: a word's known forms are looked up once per word)."""
        counts: dict[str, int] = {}
        weights = self._weights
        known_forms = self._known_forms
        last = len(tokens) - 1
        for i, token in enumerate(tokens):
            for name in known_forms(token.forms):
                counts[name] = counts.get(name, 0) + 1
            if i < last:
                following = tokens[i + 1]
                if following.sentence == token.sentence:
                    name = f"b:{token.text}_{following.text}"
                    if name in weights:
                        counts[name] = counts.get(name, 0) + 1
        return {
            name: weights[name][0] if count == 1 else (1.0 + math.log(count)) * weights[name][0]
            for name, count in counts.items()
        }

    def _forms_known(self, forms: tuple[str, ...]) -> tuple[str, ...]:
        weights = self._weights
        return tuple(name for name in ("f:" + form for form in forms) if name in weights)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def pack(rows: dict[str, list[float]]) -> dict[str, Any]:
    """A table of rows of one width as the model file keeps it: the names one string, the
    numbers one list (a dictionary of small lists takes three times as long to read, and
    every druppel process reads it at start)."""
    width = len(next(iter(rows.values()), []))
    if any(len(row) != width for row in rows.values()):
        raise ValueError("the rows of a table differ in width")
    return {
        "names": "\n".join(rows),
        "width": width,
        "rows": [number for row in rows.values() for number in row],
    }


def unpack(table: dict[str, Any]) -> Iterator[tuple[str, list[float]]]:
    """Each name of a packed table with its row."""
    names = str(table["names"]).split("\n") if table["names"] else []
    width = int(table["width"])
    rows = [float(x) for x in table["rows"]]
    if len(rows) != len(names) * width:
        raise ValueError("a table's numbers do not fill its rows")
    for i, name in enumerate(names):
        yield name, rows[i * width : (i + 1) * width]


MODEL_FILE = "model.json"


def model_path() -> Path:
    """Where the shipped model lies."""
    return Path(str(resources.files("bot.safety").joinpath(MODEL_FILE)))


def load_model(path: Path | None = None) -> Model:
    """The model at `path` (the shipped one by default), checked."""
    path = path or model_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise VocabularyError(f"{path.name}: cannot read the learned model ({error})") from None
    if not isinstance(data, dict):
        raise VocabularyError(f"{path.name}: the learned model is not an object")
    try:
        return Model(cast(dict[str, Any], data))
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise VocabularyError(f"{path.name}: the learned model is malformed ({error})") from None


def corpus_digest(paths: Iterable[Path]) -> str:
    """A digest of the corpus files a model learns from, to tell when they changed."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
