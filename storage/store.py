"""Opening storage: one Redis connection (embedded or at a URL) and the repositories on it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from storage.activity import Activity
from storage.answers import CheckinRepo, ReflectionRepo
from storage.broadcasts import Broadcasts, Previews, Roles
from storage.canary import check_keys
from storage.crypto import KEY_FILE, TextCipher
from storage.due import DueIndex
from storage.embedded import EmbeddedRedis
from storage.enrollments import EnrollmentRepo
from storage.erasure import ChatEraser, CopyBlanker, Eraser
from storage.errors import RedisUnavailable
from storage.failures import FailureLog
from storage.keyfile import keys_to_use
from storage.keys import Keys
from storage.models import Channel
from storage.ops_state import OpsState
from storage.participants import ParticipantRepo
from storage.queue import ChatQueue
from storage.records import text
from storage.scripts import Scripts
from storage.threads import ThreadRepo
from storage.versions import CourseVersions

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 5.0  # seconds for any one command; a stuck server must not hang a tick forever
CONNECT_TIMEOUT = 5.0


def redacted(url: str) -> str:
    """The URL without its password, fit for an error line or a log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class Store:
    """The repositories over one Redis client; `cipher` seals everything personal before it
    reaches Redis."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher
        self.scripts = Scripts(redis)
        self.participants = ParticipantRepo(redis, keys, self.scripts, cipher)
        self.enrollments = EnrollmentRepo(redis, keys, cipher)
        self.reflections = ReflectionRepo(redis, keys, cipher)
        self.checkins = CheckinRepo(redis, keys, cipher)
        self.due = DueIndex(redis, keys, self.scripts)
        self.queue = ChatQueue(redis, keys, self.scripts, cipher)
        self.roles = Roles(redis, keys)
        self.broadcasts = Broadcasts(redis, keys, self.scripts)
        self.previews = Previews(redis, keys)
        self.failures = FailureLog(redis, keys)
        self.ops = OpsState(redis, keys)
        self.activity = Activity(redis, keys)
        self.threads = ThreadRepo(redis, keys, cipher)
        self.versions = CourseVersions(redis, keys)
        self._eraser = Eraser(
            redis, keys, cipher, self.participants, self.enrollments, self.due, self.threads,
            shared=(self.broadcasts.forget_recipient, self.failures.forget, self.activity.forget),
        )  # fmt: skip

    @property
    def chat_erasers(self) -> dict[Channel, ChatEraser]:
        """What each channel keeps under a chat outside the participant's keys, erased with
        them; a channel's wiring adds its own (WhatsApp's inbox, by the chat's hash)."""
        return self._eraser.chat_erasers

    def blank_copies_with(self, blank: CopyBlanker) -> None:
        """What blanks the coaches' copies of an erased participant's threads (the coaches'
        inbox edits its messages in their chats)."""
        self._eraser.blank_copies = blank

    async def blank_pending(self) -> int:
        """Blank the coaches' copies that erasures left to do (an erasure from the command
        line has no chat to edit them with): how many."""
        return await self._eraser.blank_pending()

    async def clock_anchor(self, candidate: str) -> str:
        """The sped-up clock's shared anchor: `candidate` if none was set, else the one set."""
        key = self.keys.clock_anchor()
        await self.redis.set(key, candidate, nx=True)
        raw = await self.redis.get(key)
        if raw is None:
            raise RuntimeError(f"the clock anchor {key} vanished right after it was set")
        return text(raw)

    async def delete_participant(self, pid: str, chat: tuple[Channel, str] | None = None) -> bool:
        """Forget a participant entirely: every key family that can name them (storage/
        families.py lists them), in an order no write in flight can undo (see erasure.py).
        `chat`: the chat they asked from, if they did. Returns False when there was no such
        participant. Safe to run twice."""
        return await self._eraser.erase(pid, chat)


async def _cluster_enabled(client: aioredis.Redis) -> bool:
    info = await client.info("cluster")
    return bool(info.get("cluster_enabled"))


async def connect_redis(url: str, cluster: bool | None = None) -> aioredis.Redis:
    """A client for the server at `url`, checked with a PING.

    With `cluster` True (or None and the server says it runs in cluster mode) the client is
    redis-py's cluster client, which follows the cluster's slots from the one node named. It
    speaks the same commands for everything druppel does (each script and transaction stays in
    one hash slot), so the rest of druppel holds it as a plain client.
    """
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
    }
    try:
        client = aioredis.Redis.from_url(url, health_check_interval=30, **options)
    except ValueError as exc:
        raise RedisUnavailable(f"REDIS_URL is not a Redis URL ({redacted(url)}): {exc}") from exc
    try:
        await client.ping()
        if cluster is None:
            cluster = await _cluster_enabled(client)
    except (RedisError, OSError) as exc:
        await client.aclose()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RedisUnavailable(f"cannot reach Redis at {redacted(url)}: {reason}") from exc
    if not cluster:
        return client
    await client.aclose()
    nodes = RedisCluster.from_url(url, **options)
    try:
        await nodes.initialize()
    except BaseException as exc:
        # Half made (a node that did not answer, or a caller that gave up): its connections
        # are closed here, as nobody else holds it.
        await nodes.aclose()
        if not isinstance(exc, (RedisError, OSError)):
            raise
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RedisUnavailable(
            f"cannot reach the Redis Cluster at {redacted(url)}: {reason}"
        ) from exc
    return cast(aioredis.Redis, nodes)


@asynccontextmanager
async def open_store(
    redis_url: str | None,
    data_dir: Path,
    prefix: str = "druppel",
    cluster: bool | None = None,
    encryption_keys: Sequence[str] = (),
    check: bool = True,
) -> AsyncIterator[Store]:
    """A Store on the server at `redis_url` (a cluster's node, when `cluster`), or on an
    embedded one under `data_dir`; everything personal is sealed with `encryption_keys`, newest
    first (required with a `redis_url`; the embedded one makes its own, see storage/keyfile.py).
    With `check`, keys that cannot open what is stored are refused (storage/canary.py)."""
    # A bad or missing key fails here, before anything starts.
    cipher = TextCipher(keys_to_use(redis_url, data_dir, encryption_keys))
    embedded: EmbeddedRedis | None = None
    if redis_url is None:
        embedded = EmbeddedRedis(data_dir)
        redis_url = await embedded.start()
    try:
        client = await connect_redis(redis_url, cluster)
        try:
            if check:
                own = str(data_dir / KEY_FILE) if embedded is not None else ""
                await check_keys(client, Keys(prefix), cipher, own)
            yield Store(client, Keys(prefix), cipher)
        finally:
            await client.aclose()
    finally:
        if embedded is not None:
            await embedded.stop()
