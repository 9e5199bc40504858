"""`druppel privacy delete` and `druppel privacy retention`: erasure from the command line.

Both run the same code as the chat and the daily pass (Store.delete_participant, the retention
pass), with WhatsApp's chat eraser when WhatsApp is configured. Redis then rewrites its
append-only file, so the erased values leave the disk too, not only the memory.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from bot.app.settings import Settings, stored
from bot.core.errors import SetupError
from storage.models import Channel, ParticipantId
from storage.retention import NOTICE_DAYS
from storage.store import Store

_PARTICIPANT_ID = TypeAdapter(ParticipantId)


def _is_participant_id(value: str) -> bool:
    try:
        _PARTICIPANT_ID.validate_python(value)
    except ValidationError:
        return False
    return True


@asynccontextmanager
async def erasing_store(settings: Settings) -> AsyncIterator[Store]:
    """The store, with every configured channel's chat eraser."""
    from bot.app.whatsapp import configured, repo

    async with stored(settings) as store:
        if configured(settings):
            store.chat_erasers[Channel.WHATSAPP] = repo(store, settings).forget
        yield store


async def compact(store: Store) -> str | None:
    """Ask Redis to rewrite its append-only file without the erased values: a line saying so,
    or None when it keeps no such file. A server that refuses is told kindly, not an error."""
    try:
        info = await store.redis.info("persistence")
        if not int(info.get("aof_enabled", 0)):
            return None
        await store.redis.bgrewriteaof()
    except RedisError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (
            f"redis did not rewrite its append-only file ({reason}); it still holds the old "
            "values until it rewrites the file by itself (see README, Storage)"
        )
    return "redis: rewriting the append-only file, so the erased values leave the disk too"


async def delete(settings: Settings, pid: str) -> int:
    found, said = False, None
    if _is_participant_id(pid):
        async with erasing_store(settings) as store:
            found = await store.delete_participant(pid)
            said = await compact(store) if found else None
    if not found:
        print(f"druppel: there is no participant {pid!r}", file=sys.stderr)
        return 1
    print(f"deleted participant {pid}: records, answers, queue, schedule and chat link")
    if said is not None:
        print(said)
    return 0


async def retention(settings: Settings, days: int | None) -> int:
    from bot.app.wiring import shared_clock
    from bot.delivery.journey import Journey
    from bot.ops.retention import Retention

    days = days if days is not None else settings.retention_days
    if days < 1:
        raise SetupError("retention is off (DRUPPEL_RETENTION_DAYS=0); pass --days N to run it")
    async with erasing_store(settings) as store:
        clock = await shared_clock(store, settings.clock_speed)
        journey = Journey(store, {}, clock, settings.default_timezone)
        done = await Retention(journey, days).once()
        said = await compact(store) if done.erased else None
    print(
        f"retention: told {_count(done.told, 'participant')} quiet for {days - NOTICE_DAYS} days, "
        f"erased {_count(done.erased, 'participant')} quiet for {days} days"
    )
    if said is not None:
        print(said)
    return 0


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"
