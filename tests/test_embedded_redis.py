"""The embedded Redis belongs to its data directory, not to the process that started it.

Real druppel-like processes (small Python children that open the store the way `druppel run` and
`druppel worker` do) against the real redis-server: they start in the same instant, stop, restart
and are killed, and must keep sharing one server, which ends when the last of them leaves.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from storage.embedded import PID_FILE, EmbeddedRedis, socket_path_for

pytestmark = pytest.mark.skipif(not Path("/proc/self").exists(), reason="counts servers in /proc")

ROOT = Path(__file__).resolve().parent.parent
WAIT = 15.0  # seconds any one step may take before the test fails

#: A stand-in for a druppel process: waits for "go", opens the store, then answers commands on
#: stdin ("set k v", "get k", "server", "quit") until told to quit, SIGTERMed or its stdin closes.
USER = """
import asyncio, signal, sys
from pathlib import Path
from storage.store import open_store

async def main(data_dir):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.readline()
    async with open_store(None, Path(data_dir)) as store:
        print("ready", flush=True)
        while not stop.is_set():
            line = asyncio.ensure_future(reader.readline())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({line, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not line.done():
                line.cancel()
                break
            words = line.result().decode().split()
            if not words or words[0] == "quit":
                break
            if words[0] == "set":
                await store.redis.set(words[1], words[2])
                print("ok", flush=True)
            elif words[0] == "get":
                print(await store.redis.get(words[1]), flush=True)
            elif words[0] == "server":
                print((await store.redis.info("server"))["process_id"], flush=True)

asyncio.run(main(sys.argv[1]))
"""


class User:
    """One child process using the embedded Redis of `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", USER, str(data_dir)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self._buffer = b""

    def go(self) -> None:
        self.send("go")

    def ready(self) -> User:
        assert self.line() == "ready"
        return self

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        self.process.stdin.flush()

    def line(self) -> str:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + WAIT
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, "the child did not answer in time"
            if select.select([fd], [], [], left)[0]:
                chunk = os.read(fd, 4096)
                assert chunk, f"the child ended (exit code {self.process.poll()})"
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def ask(self, command: str) -> str:
        self.send(command)
        return self.line()

    def server(self) -> int:
        return int(self.ask("server"))

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.wait()

    def quit(self) -> int:
        self.send("quit")
        return self.wait()

    def wait(self) -> int:
        code = self.process.wait(timeout=WAIT)
        self.close()
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def servers_in(data_dir: Path) -> list[int]:
    """The running redis-server processes working in `data_dir`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if b"redis-server" in cmdline and Path(cwd) == data_dir.resolve():
            found.append(int(entry.name))
    return found


def answers(data_dir: Path) -> bool:
    client = redis.Redis(
        unix_socket_path=str(socket_path_for(data_dir)),
        socket_timeout=1,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data directory whose servers are killed after the test, whatever it left behind."""
    folder = tmp_path / "var"
    try:
        yield folder
    finally:
        for pid in servers_in(folder):
            os.kill(pid, signal.SIGKILL)
        until(lambda: not servers_in(folder), "a test's redis-server would not die")


@pytest.fixture
def users(data_dir: Path) -> Iterator[list[User]]:
    """Children started by a test; any still running at the end are killed."""
    started: list[User] = []
    try:
        yield started
    finally:
        for user in started:
            user.close()


def start(users: list[User], data_dir: Path, count: int = 1) -> list[User]:
    """`count` users that open the store in the same instant."""
    new = [User(data_dir) for _ in range(count)]
    users.extend(new)
    for user in new:
        user.go()
    return [user.ready() for user in new]


def test_processes_started_in_the_same_instant_share_one_server(
    data_dir: Path, users: list[User]
) -> None:
    group = start(users, data_dir, count=4)
    group[0].ask("set greeting hallo")
    assert [user.ask("get greeting") for user in group] == ["hallo"] * 4
    assert len({user.server() for user in group}) == 1
    assert servers_in(data_dir) == [group[0].server()]


def test_the_server_outlives_the_process_that_started_it(data_dir: Path, users: list[User]) -> None:
    (first,) = start(users, data_dir)
    server = first.server()
    (second,) = start(users, data_dir)
    assert first.stop() == 0
    assert second.ask("set after-first-left ja") == "ok"
    assert second.server() == server
    (third,) = start(users, data_dir)
    assert third.ask("get after-first-left") == "ja"
    assert servers_in(data_dir) == [server]


def test_the_worker_started_first_may_stop_without_taking_redis_from_the_bot(
    data_dir: Path, users: list[User]
) -> None:
    (worker,) = start(users, data_dir)
    (bot,) = start(users, data_dir)
    assert worker.quit() == 0
    time.sleep(0.3)  # the bot keeps using it afterwards, not only in the instant after
    assert bot.ask("set still-here ja") == "ok"
    assert bot.ask("get still-here") == "ja"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["restarted", "killed"])
def test_each_process_restarted_or_killed_in_turn_leaves_the_other_working(
    data_dir: Path, users: list[User], sig: signal.Signals
) -> None:
    running = start(users, data_dir) + start(users, data_dir)  # a worker, then the bot
    server = running[0].server()
    for round_ in range(4):  # the older one goes each time, starting with the starter
        leaving, staying = running
        assert leaving.ask(f"set round {round_}") == "ok"
        assert leaving.stop(sig) == (0 if sig == signal.SIGTERM else -sig)
        assert staying.ask("get round") == str(round_)
        running = [staying, *start(users, data_dir)]
        assert running[1].server() == server
    assert servers_in(data_dir) == [server]
    for user in running:
        assert user.quit() == 0
    until(lambda: not servers_in(data_dir), "the server outlived its last user")


def test_a_killed_starters_server_is_adopted_not_doubled(data_dir: Path, users: list[User]) -> None:
    (starter,) = start(users, data_dir)
    server = starter.server()
    (other,) = start(users, data_dir)
    assert starter.stop(signal.SIGKILL) == -signal.SIGKILL
    assert other.ask("set survived ja") == "ok"
    (late,) = start(users, data_dir)
    assert late.server() == server
    assert late.ask("get survived") == "ja"
    assert servers_in(data_dir) == [server]


def test_an_orphan_nobody_uses_is_adopted_and_stopped_by_the_next_last_user(
    data_dir: Path, users: list[User]
) -> None:
    first, second = start(users, data_dir, count=2)
    server = first.server()
    first.ask("set kept ja")
    first.stop(signal.SIGKILL)
    second.stop(signal.SIGKILL)
    assert servers_in(data_dir) == [server]  # an orphan, with two dead registrations
    (heir,) = start(users, data_dir)
    assert heir.server() == server
    assert heir.ask("get kept") == "ja"
    assert heir.quit() == 0
    until(lambda: not servers_in(data_dir), "the orphan outlived its last user")


def test_the_last_clean_exit_stops_the_server_and_keeps_the_data(
    data_dir: Path, users: list[User]
) -> None:
    first, second = start(users, data_dir, count=2)
    first.ask("set kept ja")
    assert first.quit() == 0
    assert answers(data_dir)
    assert second.stop() == 0
    assert not answers(data_dir)
    assert servers_in(data_dir) == []
    assert not (data_dir / PID_FILE).exists()
    (again,) = start(users, data_dir)
    assert again.ask("get kept") == "ja"


def leave_files_of_a_dead_server(data_dir: Path) -> None:
    data_dir.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (data_dir / PID_FILE).write_text(f"{gone.pid}\n")
    socket_path_for(data_dir).write_text("")  # a socket file nobody listens on


async def test_stale_files_of_a_dead_server_are_cleared(data_dir: Path) -> None:
    leave_files_of_a_dead_server(data_dir)
    embedded = EmbeddedRedis(data_dir)
    await embedded.start()
    try:
        assert answers(data_dir)
        assert len(servers_in(data_dir)) == 1
    finally:
        await embedded.stop()
    assert servers_in(data_dir) == []


async def test_two_users_in_one_process_count_as_two(data_dir: Path) -> None:
    first, second = EmbeddedRedis(data_dir), EmbeddedRedis(data_dir)
    await first.start()
    await second.start()
    try:
        await first.stop()
        assert answers(data_dir)
    finally:
        await first.stop()
        await second.stop()
    assert not answers(data_dir)
