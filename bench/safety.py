"""How fast the safety net reads a long message: `safety_scan_ms_p99` for 4,096 characters.

Every message is checked before anything else happens to it, so the check must stay linear and
quick on Telegram's longest message. The net is measured as a running process meets it: it has
read the tuned part of the evaluation corpus (ordinary traffic, its words now cached), and is then
timed on messages built from the held-out part with made-up words mixed in, so the caches do not
flatter the figure: the held-out part's own new words and one word in twenty never seen before.
Half the messages mix danger and ordinary lines (a rule almost always speaks, and the learned
model is seldom asked); the other half are long ordinary reflections only, where the rules are
weighed against the model, or the model is heard alone, on thousands of characters.
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


def _messages(
    count: int, seed: int = 7, part: str = "heldout", ordinary: bool = False
) -> list[str]:
    rng = random.Random(seed)
    corpus = [line.text for line in lines(part) if not ordinary or line.tier == "none"]
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
    """The p50 and p99 time, in milliseconds, to assess a 4,096-character message; the p99 of
    each half (mixed danger and ordinary lines; ordinary reflections only) apart too."""
    net = detector()  # compiled and warmed up as a process does at start
    for line in lines("dev"):  # what a running process has read before
        net.assess(line.text)
    half = count // 2
    took: dict[str, list[float]] = {"mixed": [], "ordinary": []}
    mixed, ordinary = _messages(count - half), _messages(half, seed=11, ordinary=True)
    for kind, message in [("mixed", m) for m in mixed] + [("ordinary", m) for m in ordinary]:
        started = time.perf_counter()
        net.assess(message)
        took[kind].append((time.perf_counter() - started) * 1000)
    every = sorted(took["mixed"] + took["ordinary"])
    figures = {
        "safety_scan_ms_p50": round(statistics.median(every), 3),
        "safety_scan_ms_p99": round(_p99(every), 3),
        "safety_scan_mixed_ms_p99": round(_p99(took["mixed"]), 3),
        "safety_scan_ordinary_ms_p99": round(_p99(took["ordinary"]), 3),
    }
    print(f"  safety: {count} messages of {LENGTH} characters, p50 "
          f"{figures['safety_scan_ms_p50']:.2f} ms, p99 {figures['safety_scan_ms_p99']:.2f} ms "
          f"(mixed {figures['safety_scan_mixed_ms_p99']:.2f}, ordinary only "
          f"{figures['safety_scan_ordinary_ms_p99']:.2f})")  # fmt: skip
    return figures


def _p99(took: list[float]) -> float:
    ordered = sorted(took)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
