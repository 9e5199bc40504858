"""The runs of letters the learned model knows, found in a line of text in a few array steps.

The model reads every run of three to five characters of a message's words as typed (`learned`):
about three runs a character, twelve thousand on Telegram's longest message. Looked up one by
one in a dictionary, that is most of the time the model takes. Here the runs the model knows
are kept as tables indexed by their characters: a run of three by its three characters, a run
of four by the run of three it starts with and its fourth, a run of five likewise, so that
every run of a line is looked up at once with numpy, whatever words it holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_Ints = npt.NDArray[np.int64]


class Runs:
    """The tables of the runs of letters `names` (the model's order: a run's row is its place)."""

    def __init__(self, names: Sequence[str], lengths: Sequence[int] = (3, 4, 5)) -> None:
        if tuple(lengths) != (3, 4, 5):
            raise ValueError(f"runs of {tuple(lengths)} letters cannot be tabled")
        alphabet = sorted(set("".join(names)))
        # The tables hold row numbers and numbers of runs as 32-bit integers (a few megabytes);
        # what is computed from them, as 64-bit ones.
        # Each character the runs hold has a code from 1; any other character is 0, and no
        # run holding it is known.
        self._base = base = len(alphabet) + 1
        self._codes = np.zeros(max((ord(c) for c in alphabet), default=0) + 2, dtype=np.int64)
        self._codes[[ord(c) for c in alphabet]] = np.arange(1, base, dtype=np.int64)
        sizes = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
        if np.any((sizes < 3) | (sizes > 5)):
            raise ValueError("a run of letters is not three to five characters long")
        row_numbers = {n: np.flatnonzero(sizes == n) for n in (3, 4, 5)}
        coded = {n: self._coded([names[i] for i in row_numbers[n].tolist()], n) for n in (3, 4, 5)}
        three = base**3
        # Runs of three: by their characters.
        self._three = np.full(three, -1, dtype=np.int32)
        firsts = _index(coded[3], base)
        self._three[firsts] = row_numbers[3]
        # The runs of three that begin a longer run, numbered from 1 (0: none does).
        starts = (_index(coded[4][:, :3], base), _index(coded[5][:, :3], base))
        begins = np.unique(np.concatenate(starts))
        self._begins_three = np.zeros(three, dtype=np.int32)
        self._begins_three[begins] = np.arange(1, begins.size + 1)
        # Runs of four: by the number of the run of three they begin with, and their fourth.
        fours = (begins.size + 1) * base
        self._four = np.full(fours, -1, dtype=np.int32)
        self._four[self._after_three(coded[4])] = row_numbers[4]
        begin_fours = np.unique(self._after_three(coded[5][:, :4]))
        self._begins_four = np.zeros(fours, dtype=np.int32)
        self._begins_four[begin_fours] = np.arange(1, begin_fours.size + 1)
        # Runs of five: by the number of the run of four they begin with, and their fifth.
        self._five = np.full((begin_fours.size + 1) * base, -1, dtype=np.int32)
        at = self._begins_four[self._after_three(coded[5][:, :4])].astype(np.int64) * base
        at += coded[5][:, 4]
        self._five[at] = row_numbers[5]

    def rows(self, line: str) -> _Ints:
        """The row of every known run of three to five characters of `line`, one a time it
        occurs, runs of three first."""
        points = np.frombuffer(line.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        codes = self._codes[np.minimum(points, self._codes.size - 1)]
        size, base = codes.size, self._base
        if size < 3:
            return np.zeros(0, dtype=np.int64)
        three = (codes[:-2] * base + codes[1:-1]) * base + codes[2:]
        found = [self._three[three]]
        begun = self._begins_three[three[: size - 3]].astype(np.int64) * base + codes[3:]
        found.append(self._four[begun])
        fifth = self._begins_four[begun[: size - 4]].astype(np.int64) * base + codes[4:]
        found.append(self._five[fifth])
        rows = np.concatenate(found).astype(np.int64)
        return rows[rows >= 0]

    def _coded(self, names: list[str], n: int) -> _Ints:
        """Each name's characters' codes, one name a row."""
        if not names:
            return np.zeros((0, n), dtype=np.int64)
        points = np.frombuffer("".join(names).encode("utf-32-le"), dtype=np.uint32)
        return self._codes[points.astype(np.int64)].reshape(len(names), n)

    def _after_three(self, coded: _Ints) -> _Ints:
        """Where runs of four characters (rows of `coded`) stand in the table of runs of four."""
        begun = self._begins_three[_index(coded[:, :3], self._base)].astype(np.int64)
        return begun * self._base + coded[:, 3]


def _index(coded: _Ints, base: int) -> _Ints:
    """Where runs of three characters (rows of `coded`) stand in the table of runs of three."""
    return (coded[:, 0] * base + coded[:, 1]) * base + coded[:, 2]
