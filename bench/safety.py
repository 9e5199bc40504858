"""How fast the safety net reads a long message: `safety_scan_ms_p99` for 4,096 characters.

Every message is checked before anything else happens to it, so the check must stay linear and
quick on Telegram's longest message. The net is measured as a running process meets it: it has
read the tuned part of the evaluation corpus (ordinary traffic, its words now cached), and is then
timed on messages built from the held-out part (danger and ordinary lines, shuffled) with made-up
words mixed in, so the caches do not flatter the figure: the held-out part's own new words and one
word in twenty never seen before.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from bot.safety import detector
from tests.safety.report import lines

LENGTH = 4096
#: Of every twenty words, how many are made up (never seen before in this run): names, typos
#: and chat spellings, more than most messages hold.
NEW_WORDS = 1


def _messages(count: int, seed: int = 7, part: str = "heldout") -> list[str]:
    rng = random.Random(seed)
    corpus = [line.text for line in lines(part)]
    made_up = 0
    messages = []
    for _ in range(count):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < LENGTH:
            for word in rng.choice(corpus).split():
                if rng.randrange(20) < NEW_WORDS:
                    made_up += 1
                    word = f"{word[:4]}{made_up:x}"
                words.append(word)
        messages.append(" ".join(words)[:LENGTH])
    return messages


def scan_speed(count: int = 400) -> dict[str, Any]:
    """The p50 and p99 time, in milliseconds, to assess a 4,096-character message."""
    net = detector()  # compiled and warmed up as a process does at start
    for line in lines("dev"):  # what a running process has read before
        net.assess(line.text)
    took = []
    for message in _messages(count):
        started = time.perf_counter()
        net.assess(message)
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    p99 = took[min(len(took) - 1, int(len(took) * 0.99))]
    print(f"  safety: {count} messages of {LENGTH} characters, p50 "
          f"{statistics.median(took):.2f} ms, p99 {p99:.2f} ms")  # fmt: skip
    return {
        "safety_scan_ms_p50": round(statistics.median(took), 3),
        "safety_scan_ms_p99": round(p99, 3),
    }
