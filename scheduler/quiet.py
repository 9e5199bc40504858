"""Logging that stays readable during an outage: one line per kind of trouble per interval.

When Redis or a platform is away, the same failure repeats every tick, for every participant.
An operator needs one line that says what is wrong and how often, not thousands of tracebacks,
so each kind of trouble is logged at most once per interval, with the count of the ones held
back since.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

#: Real seconds between two lines about the same kind of trouble.
EVERY = 10.0


class Quiet:
    def __init__(self, logger: logging.Logger, every: float = EVERY) -> None:
        self._log = logger
        self._every = every
        self._last: dict[str, float] = {}
        self._held: Counter[str] = Counter()

    def log(self, level: int, kind: str, message: str, *args: object) -> bool:
        """Log `message` unless a line of this `kind` went out less than `every` ago; returns
        whether it was logged. A line says how many like it were held back meanwhile."""
        now = time.monotonic()
        if now - self._last.get(kind, -self._every) < self._every:
            self._held[kind] += 1
            return False
        self._last[kind] = now
        held = self._held.pop(kind, 0)
        if held:
            message = f"{message} (and {held} more like it in the last {self._every:g}s)"
        self._log.log(level, message, *args)
        return True

    def warning(self, kind: str, message: str, *args: object) -> bool:
        return self.log(logging.WARNING, kind, message, *args)

    def error(self, kind: str, message: str, *args: object) -> bool:
        return self.log(logging.ERROR, kind, message, *args)

    def recovered(self, kind: str, message: str, *args: object) -> None:
        """The trouble of `kind` is over: say so once, if it was ever logged."""
        if self._last.pop(kind, None) is not None:
            self._held.pop(kind, None)
            self._log.info(message, *args)
