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

import numpy as np
import numpy.typing as npt

from bot.safety import kept
from bot.safety.combine import Combiner
from bot.safety.normalise import Token
from bot.safety.runs import Runs
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
    """A learnt model, ready to read messages.

    Its weights are arrays, a message's features their row numbers: what a word's forms add
    is looked up once per word and kept, and the runs of letters of a whole line are found in
    tables at once (`runs`), so a long message costs a lookup a word and a few array steps, not
    one per feature."""

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
        self._category_intercepts = np.array(data["category_intercepts"], dtype=np.float64)
        # feature -> row of (idf, weight for danger, weights per category)
        self._word_rows, words = _table(data["weights"], 2 + len(self.categories))
        self._word_idf, self._word_danger = words[:, 0], words[:, 1]
        self._word_categories = words[:, 2:]
        # letter run -> row of (idf, weight for danger)
        self._run_rows, runs = _table(data["letters"], 2)
        self._run_idf, self._run_danger = runs[:, 0], runs[:, 1]
        #: How a rule's concern is weighed against the model (`combine`); None: by `veto`.
        self.combiner = Combiner.from_data(data["combiner"]) if data.get("combiner") else None
        self._forms_known = lru_cache(maxsize=65536)(self._forms)
        self._letters = Runs([name.removeprefix("c:") for name in self._run_rows], LETTER_RUNS)

    def danger(self, tokens: Sequence[Token]) -> float:
        """The probability of danger, as trained: term counts made sublinear (1 + log), times
        their idf, each kind (words, letters) scaled to unit length on its own, through a
        logistic regression."""
        words, _ = self.words(tokens)
        return self.score(words, self.runs([token.text for token in tokens]))

    def category(self, tokens: Sequence[Token]) -> Category:
        """The danger category the message resembles most (a multinomial regression)."""
        return self.resembles(self.words(tokens)[0])

    def words(self, tokens: Sequence[Token]) -> tuple[_Rows, list[int]]:
        """The rows of the known word features of `tokens`, and how many each word adds:
        every known form of each word, looked up once per word, and the pair it makes with
        the next word of its sentence."""
        known, pair_of = self._forms_known, self._word_rows.get
        words: list[int] = []
        counts: list[int] = []
        last = len(tokens) - 1
        for i, token in enumerate(tokens):
            mine = known(token.forms)
            words.extend(mine)
            count = len(mine)
            if i < last:
                following = tokens[i + 1]
                if following.sentence == token.sentence:
                    pair = pair_of(f"b:{token.text}_{following.text}")
                    if pair is not None:
                        words.append(pair)
                        count += 1
            counts.append(count)
        return np.array(words, dtype=np.intp), counts

    def runs(self, texts: Sequence[str]) -> _Rows:
        """The rows of the known runs of letters of `texts` (words as typed after normalising),
        each word with a space on both sides, one a time each run occurs."""
        return self._letters.rows(" " + " ".join(texts) + " ")

    def score(self, words: _Rows, runs: _Rows) -> float:
        """`danger` from the rows a message's words and letters make, one a time each occurs."""
        score = 0.0
        rows, values = _weighed(words, self._word_idf)
        if rows.size:
            score = float(values @ self._word_danger[rows]) / math.sqrt(float(values @ values))
        rows, values = _weighed(runs, self._run_idf)
        if rows.size:
            score += float(values @ self._run_danger[rows]) / math.sqrt(float(values @ values))
        return _sigmoid(self._intercept + score)

    def resembles(self, words: _Rows) -> Category:
        """`category` from the rows a message's words make."""
        rows, values = _weighed(words, self._word_idf)
        scores = self._category_intercepts
        if rows.size:
            norm = math.sqrt(float(values @ values))
            scores = scores + (values @ self._word_categories[rows]) / norm
        return self.categories[int(np.argmax(scores))]

    def _forms(self, forms: tuple[str, ...]) -> tuple[int, ...]:
        row_of = self._word_rows.get
        return tuple(r for r in (row_of("f:" + form) for form in forms) if r is not None)


_Rows = npt.NDArray[np.intp]
_Floats = npt.NDArray[np.float64]


def _table(packed: dict[str, Any], width: int) -> tuple[dict[str, int], _Floats]:
    """A packed table (`pack`) as its names' row numbers and one array of its rows."""
    names = str(packed["names"]).split("\n") if packed["names"] else []
    if names and int(packed["width"]) != width:
        raise ValueError(f"a table is {packed['width']} wide, not {width}")
    numbers = packed["rows"]
    if isinstance(numbers, bytes):  # as kept on disk (`_keep`)
        rows = np.frombuffer(numbers, dtype=np.float64)
    else:
        rows = np.array(numbers, dtype=np.float64)
    if rows.size != len(names) * width:
        raise ValueError("a table's numbers do not fill its rows")
    return {name: i for i, name in enumerate(names)}, rows.reshape(len(names), width)


def _weighed(rows: _Rows, idf: _Floats) -> tuple[_Rows, _Floats]:
    """Each row once, in order, with its count made sublinear (1 + log) times its idf.

    Counted by sorting the rows and marking where the value changes: a long message's
    twelve thousand runs of letters in a fraction of what counting into a table of every row
    the model knows costs (finding the few thousand rows set among a hundred thousand is
    most of that)."""
    if rows.size == 0:
        return rows, idf[rows]
    ordered = np.sort(rows)
    starts = np.empty(ordered.size, dtype=np.bool_)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    at = np.flatnonzero(starts)
    counts = np.diff(at, append=ordered.size)
    found = ordered[at]
    return found, idf[found] * (1.0 + np.log(counts))


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
    """The model at `path` (the shipped one by default), checked.

    Parsing the model's 8 MB of JSON takes a process about a fifth of a second at start: once
    parsed, it is kept in the user's cache folder (`kept`) under its digest, its tables' numbers
    as raw bytes, and later processes read it from there in a fraction of that time."""
    path = path or model_path()
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise VocabularyError(f"{path.name}: cannot read the learned model ({error})") from None
    folder = kept.cache_folder()
    cached = (
        None if folder is None else folder / _KEPT.format(hashlib.blake2b(raw).hexdigest()[:32])
    )
    found = None if cached is None else kept.read(cached)
    if isinstance(found, dict):
        try:
            return Model(cast(dict[str, Any], found))
        except (KeyError, TypeError, ValueError, IndexError, VocabularyError):
            pass  # kept by another release, or damaged: the file is read anew
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise VocabularyError(f"{path.name}: cannot read the learned model ({error})") from None
    if not isinstance(data, dict):
        raise VocabularyError(f"{path.name}: the learned model is not an object")
    try:
        model = Model(cast(dict[str, Any], data))
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise VocabularyError(f"{path.name}: the learned model is malformed ({error})") from None
    if cached is not None:  # only a model that loads is kept
        _keep(cached, cast(dict[str, Any], data))
    return model


#: The name of a parsed model kept on disk, by the digest of its file.
_KEPT = "safety-model-{}.marshal"


def _keep(path: Path, data: dict[str, Any]) -> None:
    """Keeps a parsed model for later processes, its tables' numbers as raw bytes."""
    try:
        packed = dict(data)
        for name in ("weights", "letters"):
            table = dict(packed[name])
            table["rows"] = np.array(table["rows"], dtype=np.float64).tobytes()
            packed[name] = table
    except (KeyError, TypeError, ValueError):
        return  # a malformed model: `Model` says what is wrong with it
    kept.write(path, packed, replacing=_KEPT.format("*"))


def corpus_digest(paths: Iterable[Path]) -> str:
    """A digest of the corpus files a model learns from, to tell when they changed."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
