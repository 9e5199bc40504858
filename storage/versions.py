"""Published versions of courses: the whole validated course as JSON, with who published it,
when, and a short digest; which version is a course's newest; and where a migration moves the
enrollments of an older version.

Storage knows no course text: a version's body is opaque JSON here, read by the catalogue
(bot/delivery/catalogue.py). A version once published never changes, so every process may keep
it as long as it runs. Nothing here is personal.
"""

from __future__ import annotations

from typing import Annotated

import redis.asyncio as aioredis
from pydantic import Field, StringConstraints
from redis.exceptions import WatchError

from storage import records
from storage.errors import Conflict
from storage.keys import Keys
from storage.models import CourseId, Record, UtcDatetime

#: How long a course file a trainer sent waits for their "Publiceren" (seconds).
UPLOAD_SECONDS = 24 * 3600

Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")]


class Published(Record):
    """One published version of a course."""

    course_id: CourseId
    version: int = Field(ge=1)
    by: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    at: UtcDatetime
    digest: Digest
    #: The validated course, as JSON.
    body: Annotated[str, StringConstraints(min_length=2)]


class Upload(Record):
    """A course file a trainer sent in the chat, checked, waiting for their "Publiceren"."""

    course_id: CourseId
    version: int = Field(ge=1)
    #: The newest version when it was checked: publishing it after another one came in would
    #: publish changes the trainer never saw.
    against: int = Field(ge=1)
    digest: Digest
    body: Annotated[str, StringConstraints(min_length=2)]
    at: UtcDatetime


class CourseVersions:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def newest(self, course_id: str) -> int | None:
        """The newest published version of a course; None when none was published."""
        raw = await self._redis.hget(self._keys.course_newest(), course_id)
        return None if raw is None else int(raw)

    async def newest_all(self) -> dict[str, int]:
        raw = await self._redis.hgetall(self._keys.course_newest())
        return {records.text(k): int(v) for k, v in raw.items()}

    async def get(self, course_id: str, version: int) -> Published | None:
        key = self._keys.course_versions(course_id)
        raw = await self._redis.hget(key, str(version))
        return None if raw is None else Published.model_validate_json(raw)

    async def all(self, course_id: str) -> list[Published]:
        """Every published version of a course, oldest first."""
        raw = await self._redis.hgetall(self._keys.course_versions(course_id))
        found = [Published.model_validate_json(v) for v in raw.values()]
        return sorted(found, key=lambda p: p.version)

    async def publish(self, published: Published, base: int) -> int | None:
        """Store `published` as the course's newest version, if it is the one after the newest
        (`base` when none was published: the shipped file's). Returns None when it was stored,
        else the newest version it would have had to follow."""
        newest, versions = (
            self._keys.course_newest(),
            self._keys.course_versions(published.course_id),
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(records.UPDATE_ATTEMPTS):
                try:
                    await pipe.watch(newest, versions)
                    raw = await pipe.hget(newest, published.course_id)
                    current = base if raw is None else int(raw)
                    if published.version != current + 1:
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        return current
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.hset(versions, str(published.version), published.model_dump_json())
                    pipe.hset(newest, published.course_id, str(published.version))
                    await pipe.execute()
                    return None
                except WatchError:
                    continue
        raise Conflict(f"{published.course_id} kept changing; gave up publishing")

    # -- migrations ---------------------------------------------------------------------------
    async def move(self, course_id: str, moves: dict[int, int]) -> None:
        """From their next day on, enrollments on each version in `moves` go to its value."""
        if moves:
            key = self._keys.course_moves(course_id)
            await self._redis.hset(key, mapping={str(k): str(v) for k, v in moves.items()})

    async def moves(self, course_id: str) -> dict[int, int]:
        raw = await self._redis.hgetall(self._keys.course_moves(course_id))
        return {int(k): int(v) for k, v in raw.items()}

    # -- a trainer's upload -------------------------------------------------------------------
    async def save_upload(self, user_hash: str, upload: Upload) -> None:
        key = self._keys.staff_upload(user_hash)
        await self._redis.set(key, upload.model_dump_json(), ex=UPLOAD_SECONDS)

    async def take_upload(self, user_hash: str) -> Upload | None:
        """The trainer's upload, removed: one tap publishes once."""
        key = self._keys.staff_upload(user_hash)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.delete(key)
            raw, _ = await pipe.execute()
        return None if raw is None else Upload.model_validate_json(raw)
