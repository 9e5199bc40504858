"""Heartbeats of the running processes, so an operator sees which workers are alive.

A long-running process beats every few seconds (`keep_beating`) and retires its entry when it
stops; `workers` lists the beats, forgetting entries of processes that died long ago.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime, timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from redis.exceptions import RedisError

from scheduler.clock import RealClock
from storage.store import Store
from storage.workers import WorkerBeat, WorkerRepo

log = logging.getLogger(__name__)

#: Real seconds between two heartbeats of one process.
BEAT_EVERY = 10.0
#: A heartbeat older than this is a process that died without retiring; it is forgotten.
FORGET_AFTER = timedelta(days=1)


@cache
def druppel_version() -> str:
    try:
        return package_version("druppel")
    except PackageNotFoundError:
        return "unknown"


def new_worker_id(role: str) -> str:
    """Host, role and process id: unique among live processes, and telling in a list."""
    return f"{socket.gethostname()}:{role}:{os.getpid()}"


def _repo(store: Store) -> WorkerRepo:
    return WorkerRepo(store.redis, store.keys)


async def heartbeat(store: Store, role: str, worker_id: str, now: datetime) -> None:
    """Record that `worker_id` (a `role` process) was alive at `now` (real time)."""
    beat = WorkerBeat(id=worker_id, role=role, at=now, version=druppel_version())
    await _repo(store).beat(beat)


async def retire(store: Store, worker_id: str) -> None:
    """Remove a stopping process from the list, so it is not mistaken for a dead one."""
    await _repo(store).forget([worker_id])


async def workers(
    store: Store, now: datetime | None = None, forget_after: timedelta = FORGET_AFTER
) -> list[WorkerBeat]:
    """Every process's last heartbeat, by id. Given `now`, beats older than `forget_after` are
    removed for good and left out."""
    repo = _repo(store)
    beats = await repo.all()
    if now is None:
        return beats
    stale = [b.id for b in beats if now - b.at > forget_after]
    await repo.forget(stale)
    return [b for b in beats if b.id not in stale]


async def keep_beating(store: Store, role: str, worker_id: str, every: float = BEAT_EVERY) -> None:
    """Beat every `every` real seconds until cancelled; a failed beat is logged and retried."""
    clock = RealClock()
    while True:
        try:
            async with asyncio.timeout(every):
                await heartbeat(store, role, worker_id, clock.now())
        except (RedisError, OSError, TimeoutError) as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # The Redis client turned our cancellation into an error of its own: the stop
                # was meant for us, so stop instead of beating on.
                raise asyncio.CancelledError from exc
            log.warning("heartbeat of %s failed: %s", worker_id, exc)
        await asyncio.sleep(every)
