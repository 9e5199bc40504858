"""Where a worker's time goes: py-spy samples of a running process, summed by library.

`make install` brings py-spy (a dev dependency). Sampling needs permission to read another
process's memory (ptrace); where that is refused, the benchmark says so and goes on without.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path

#: Libraries by the path of their frames, in the order a stack is attributed (deepest first
#: wins for the first one found walking from the top of the stack down).
LIBRARIES = {
    "python-telegram-bot + HTTP": (
        "telegram/",
        "httpx/",
        "httpcore/",
        "anyio/",
        "h11/",
        "aiohttp/",
        "yarl/",
        "multidict/",
    ),
    "redis-py": ("redis/",),
    "pydantic": ("pydantic",),
}
OURS = ("bot/", "scheduler/", "storage/", "courses/")


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


async def record(pid: int, seconds: float, out: Path) -> bool:
    """Sample `pid` for `seconds` (only while it holds the GIL); False when that was refused."""
    spy = py_spy()
    if spy is None:
        return False
    process = await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
        "--gil", "--format", "raw", "--output", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    return await process.wait() == 0


def summarize(raw: Path) -> dict[str, float]:
    """Shares of samples (0..1) by library, and the druppel functions worth naming."""
    total = 0
    libraries: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        library = "druppel and asyncio"
        for frame in frames:
            found = next((name for name, marks in LIBRARIES.items()
                          if any(m in frame for m in marks)), None)  # fmt: skip
            if found:
                library = found
                break
        libraries[library] += n
        seen = set()
        for frame in frames:
            name, _, where = frame.partition(" (")
            if any(where.startswith(p) for p in OURS) and name not in seen:
                seen.add(name)
                functions[name] += n
    if not total:
        return {}
    shares = {f"share {name}": round(n / total, 3) for name, n in libraries.most_common()}
    for name, n in functions.most_common():
        if 0.03 <= n / total < 0.99:  # not the entry point every sample passes through
            shares[f"in {name}"] = round(n / total, 3)
    return shares
