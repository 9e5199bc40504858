"""What one worker spends on the messages it sends: its CPU time, and the Redis commands.

CPU time is the process's user + system time, read from /proc (Linux); where that cannot be
read the figure is left out. Redis is counted twice over: `INFO commandstats` counts every
command the server ran, those a client sent and those a Lua script ran for it alike, so the
commands clients sent (the round trips that cost a worker its CPU) are told apart by watching
the server with MONITOR, which marks a script's own commands as such.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections import Counter
from pathlib import Path

import redis.asyncio as aioredis


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds the process has used so far; None where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime field 14, stime field 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _said(log: Path) -> bytes:
    return log.read_bytes() if log.exists() else b""


async def started(log: Path, within: float = 60.0) -> None:
    """Wait until a druppel process says it has started (its start-up is not what is measured)."""
    deadline = time.monotonic() + within
    while b": started" not in await asyncio.to_thread(_said, log):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{log.name}: no start after {within:.0f} s")
        await asyncio.sleep(0.1)


async def commands(redis: aioredis.Redis) -> Counter[str]:
    """Every command the server has run, by name (a script's own commands included)."""
    stats = await redis.info("commandstats")
    return Counter({name.removeprefix("cmdstat_"): int(s["calls"]) for name, s in stats.items()})


async def redis_cpu_seconds(redis: aioredis.Redis) -> float:
    """User + system CPU seconds the Redis server has used (its main thread and the rest)."""
    cpu = await redis.info("cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


class Watch:
    """Counts the commands clients send and those scripts run, by MONITOR, while it runs."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self.sent: Counter[str] = Counter()
        self.in_scripts: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._mark = f"end of the watch {secrets.token_hex(4)}"

    async def __aenter__(self) -> Watch:
        self._task = asyncio.create_task(self._watch())
        await asyncio.wait_for(self._ready.wait(), 10)
        return self

    async def __aexit__(self, *_: object) -> None:
        """Stop once everything run so far was read: MONITOR's lines can lag far behind on a
        busy machine, so the count goes on up to a mark sent last."""
        if self._task is None:
            return
        await self._redis.echo(self._mark)
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 300)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            raise RuntimeError("MONITOR fell more than five minutes behind") from None

    async def _watch(self) -> None:
        async with self._redis.monitor() as monitor:
            self._ready.set()
            connection = monitor.connection
            assert connection is not None
            while True:
                line = await connection.read_response()
                entry = line.decode(errors="replace") if isinstance(line, bytes) else str(line)
                # '<time> [<db> <client or "lua">] "<COMMAND>" "<arg>" ...'
                client, _, command = entry.partition("] ")
                name = command.split('"', 2)[1].lower() if command.count('"') >= 2 else ""
                if name == "echo" and self._mark in command:
                    return
                if not name or name in ("monitor", "info"):
                    continue
                where = self.in_scripts if client.endswith(" lua") else self.sent
                where[name] += 1
