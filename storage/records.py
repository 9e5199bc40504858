"""Reading and writing pydantic records as JSON, with optimistic read-modify-write.

A record that two processes may change at once (a participant pausing while the dispatcher
records a delivery) is updated under WATCH/MULTI: the change applies to what is really stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from storage.crypto import TextCipher
from storage.errors import Conflict
from storage.keys import Keys
from storage.scripts import Scripts

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
T = TypeVar("T")


def text(value: bytes | str) -> str:
    """Our clients decode replies; this keeps the type checker honest about redis-py's unions."""
    return value.decode() if isinstance(value, bytes) else value


class ScriptedRepo:
    """A repository that writes with Lua scripts and keeps participants' words sealed: what it
    works with, given once by the store."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, scripts: Scripts, cipher: TextCipher
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._cipher = cipher


def readable(
    raws: Iterable[R], read: Callable[[R], T],
    unreadable: type[Exception] | tuple[type[Exception], ...],
) -> list[T]:  # fmt: skip
    """What `read` makes of each stored value, in order, leaving out those it refuses with
    `unreadable` (a record in a form not understood, text no configured key opens)."""
    found: list[T] = []
    for raw in raws:
        try:
            found.append(read(raw))
        except unreadable:
            continue
    return found


UPDATE_ATTEMPTS = 50


async def load(redis: aioredis.Redis, key: str, model: type[M]) -> M | None:
    raw = await redis.get(key)
    return None if raw is None else model.model_validate_json(raw)


async def update(
    redis: aioredis.Redis,
    key: str,
    model: type[M],
    change: Callable[[M], M | None],
    also: Callable[[Pipeline, M, M], None] | None = None,
) -> M | None:
    """Apply `change` to the stored record and write the result atomically.

    `change` gets a copy of the record as stored and returns the new record, or None to leave it
    as it is. `also(pipe, before, after)` may queue more commands (on keys in the same hash slot)
    that commit together with the change. Returns what is stored afterwards, or None when there
    is no such record.
    """

    async def read(pipe: Pipeline) -> M | None:
        await pipe.watch(key)
        raw = await pipe.get(key)
        return None if raw is None else model.model_validate_json(raw)

    def write(pipe: Pipeline, before: M, after: M) -> None:
        pipe.set(key, after.model_dump_json())
        if also is not None:
            also(pipe, before, after)

    return await watched(redis, key, read, write, change)


async def watched(
    redis: aioredis.Redis,
    what: str,
    read: Callable[[Pipeline], Awaitable[M | None]],
    write: Callable[[Pipeline, M, M], None],
    change: Callable[[M], M | None],
) -> M | None:
    """The optimistic read-modify-write under every update: `read` watches the keys the record
    lives in and reads it, `change` changes a copy, `write(pipe, before, after)` writes it in one
    MULTI, and all of it again when another process changed those keys meanwhile. None when
    there is no record; the record as it stands when `change` leaves it."""
    async with redis.pipeline(transaction=True) as pipe:
        for _ in range(UPDATE_ATTEMPTS):
            try:
                current = await read(pipe)
                if current is None:
                    await pipe.reset()  # type: ignore[no-untyped-call]
                    return None
                changed = change(current.model_copy(deep=True))
                if changed is None:
                    await pipe.reset()  # type: ignore[no-untyped-call]
                    return current
                pipe.multi()  # type: ignore[no-untyped-call]
                write(pipe, current, changed)
                await pipe.execute()
                return changed
            except WatchError:
                continue
    raise Conflict(f"{what} kept changing; gave up after {UPDATE_ATTEMPTS} attempts")
