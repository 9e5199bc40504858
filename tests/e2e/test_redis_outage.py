"""Redis goes away for a while under `druppel run` and `druppel worker`: both keep running, log
about it in a line now and then instead of a traceback per tick, participants who write meanwhile
are told kindly to send it again, and everything carries on when Redis is back."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from bot.core import texts
from bot.safety import assess
from bot.safety import reply as care
from scheduler.clock import FixedClock
from scheduler.dispatcher import Dispatcher
from storage.crypto import TextCipher
from storage.embedded import server_args, socket_path_for
from storage.keys import Keys
from storage.redis_server import redis_server_binary
from storage.store import Store, connect_redis
from tests.e2e.processes import COURSES, PRECISE, STARTUP, WorldRedis
from tests.e2e.telegram_world import TelegramWorld, day_texts
from tests.journey_kit import TEST_KEY

#: Real seconds Redis is away.
OUTAGE = 12.0


class OwnRedis:
    """A redis-server of the test's own, with its files in a folder, to stop and start again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = socket_path_for(folder)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_binary(), *server_args(self.folder, self.socket)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
        try:
            for _ in range(200):
                try:
                    if client.ping():
                        return
                except (redis.RedisError, OSError):
                    pass
                subprocess.run(["sleep", "0.05"], check=True)
            raise RuntimeError("the test's redis-server did not answer")
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path / "redis")
    server.folder.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def world_redis(own_redis: OwnRedis) -> AsyncIterator[WorldRedis]:
    """The world keeps its data in the test's own Redis, the one that goes away."""
    client = await connect_redis(own_redis.url)
    try:
        yield WorldRedis(Store(client, Keys("outage"), TextCipher([TEST_KEY])), own_redis.url)
    finally:
        await client.aclose()


async def test_a_redis_outage_is_survived_quietly_and_kindly(
    world: TelegramWorld, own_redis: OwnRedis
) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    await w.set_clock()
    bot = await w.start()
    worker = await w.start("worker")
    clock = await w.clock()
    chats = [9101, 9102, 9103]
    for chat in chats:
        await w.sign_up(chat, "twijfel", clock, deep_link=True)
    # Both are up (not still starting: a process that never reached Redis stops, as it should).
    for _ in range(int(STARTUP * 10)):
        if all(f"druppel {p.command}: started" in p.output() for p in (bot, worker)):
            break
        await asyncio.sleep(0.1)
    assert all(f"druppel {p.command}: started" in p.output() for p in (bot, worker)), w.logs()
    lines_before = [len(p.output().splitlines()) for p in (bot, worker)]

    own_redis.stop()
    mark = tg.mark()
    for chat in chats:
        tg.user_sends(chat, f"Een antwoord tijdens de storing van {chat}.")
    kind = [await w.next(chat, within=STARTUP, since=mark) for chat in chats]
    assert all(m.text == texts.KEPT_FOR_LATER for m in kind)  # told once, without Redis
    # Help for danger does not wait for Redis; the message itself waits with the rest.
    danger = "ik wil niet meer leven, de pillen liggen klaar voor vannacht"
    helped = tg.mark()
    tg.user_sends(chats[0], danger)
    expected = care.replies(assess(danger), "nl", can_pause=False)
    got = [await w.next(chats[0], within=STARTUP, since=helped) for _ in expected]
    assert [m.text for m in got] == [m.text for m in expected]
    await asyncio.sleep(OUTAGE)
    for p in (bot, worker):
        assert p.process.returncode is None  # still running

    back = tg.mark()
    own_redis.start()
    # What waited is handled once Redis is back, in order: every answer is kept and thanked.
    for chat in chats:
        # Lessons that fell due meanwhile may come first: the thanks is among what follows.
        await w.next(chat, lambda m: m.text.startswith("Dank je wel"), STARTUP, since=back)
        pid = (await w.participant(chat)).id
        kept = [r.text for r in await w.store.reflections.all(pid)]
        # A second message to the same day grows that day's answer (the danger message of the
        # first chat joins its answer): the words are kept, in one answer or their own.
        assert any(f"Een antwoord tijdens de storing van {chat}." in r for r in kept)
    await asyncio.sleep(3)
    outage_lines = [
        len(p.output().splitlines()) - before
        for p, before in zip((bot, worker), lines_before, strict=True)
    ]
    # A line now and then per kind of trouble, never one per tick (a tick is 50 ms here).
    assert all(n <= 4 + 3 * OUTAGE / 10 for n in outage_lines), outage_lines
    for p in (bot, worker):
        assert "Traceback" not in p.output()

    after = tg.mark()
    tg.user_sends(chats[0], "/voortgang")  # answered normally again
    progress = await w.next(chats[0], within=STARTUP, since=after)
    assert progress.text.startswith("“")


async def test_redis_lost_while_handling_leaves_no_task_error_unretrieved(
    own_redis: OwnRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis goes away while handlers run: finishing their claims and claiming more fail.
    Every such failure is said in a quiet log line; none is left for the loop to print as
    'Task exception was never retrieved' with a traceback."""
    loop = asyncio.get_running_loop()
    unretrieved: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: unretrieved.append(context))
    client = await connect_redis(own_redis.url)
    store = Store(client, Keys("lost"), TextCipher([TEST_KEY]))
    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    for i in range(40):
        await store.due.schedule(f"m{i}", now)

    async def handler(member: str) -> datetime | None:
        if member == "m0":
            own_redis.stop()
        await asyncio.sleep(0.05)
        return None

    dispatcher = Dispatcher(store.due, FixedClock(now), handler, batch=10, concurrency=10)
    try:
        with caplog.at_level(logging.WARNING):
            with contextlib.suppress(Exception):
                await dispatcher.pulse()
            await dispatcher.settle()
            for _ in range(20):  # the refills a finished handler starts
                await asyncio.sleep(0.05)
            gc.collect()  # an unretrieved task exception is reported when its task is freed
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
        await client.aclose()
    assert unretrieved == []
    assert "could not finish the claim" in caplog.text


async def test_a_message_in_hand_when_the_process_dies_is_answered_after_the_restart(
    world: TelegramWorld, own_redis: OwnRedis
) -> None:
    """Telegram lets go of an update only once druppel has kept it: a process that dies while
    handling one (here Redis stalls, so the answer cannot be stored yet) leaves it with
    Telegram, and the next process answers it."""
    w, tg = world, world.tg
    w.speed = PRECISE
    await w.set_clock()
    bot = await w.start()
    clock = await w.clock()
    chat = 9201
    await w.sign_up(chat, "twijfel", clock, deep_link=True)
    await w.receive_day(chat, COURSES["twijfel"], 1)  # the answer has a question to answer

    # Real seconds, well under the 5 s a Redis command may take before it counts as failed
    # (then the message would go to the spool, which a crash loses, as the README says).
    stall = 2.5
    admin = redis.Redis(unix_socket_path=str(own_redis.socket), socket_timeout=2)
    try:
        admin.client_pause(int(stall * 1000), all=True)
        stalled = asyncio.get_running_loop().time()
        tg.user_sends(chat, "Wat ik vandaag schreef, vlak voor het einde.")
        await tg.wait_until_fetched()
        await asyncio.sleep(1.2)  # more than a round of polling: a fetched update is confirmed
        assert await bot.stop(signal.SIGKILL) != 0
        await asyncio.sleep(max(0.0, stalled + stall + 0.2 - asyncio.get_running_loop().time()))
    finally:
        admin.client_unpause()
        admin.close()

    restarted = tg.mark()
    await w.start()
    await w.next(chat, lambda m: m.text.startswith("Dank je wel"), STARTUP, since=restarted)
    pid = (await w.participant(chat)).id
    kept = [r.text for r in await w.store.reflections.all(pid)]
    assert kept == ["Wat ik vandaag schreef, vlak voor het einde."]


async def test_after_an_outage_mid_lesson_only_what_was_on_its_way_goes_out_twice(
    world: TelegramWorld, own_redis: OwnRedis
) -> None:
    """Redis goes away while the first lessons are going out, slowly: afterwards every chat gets
    its whole day, and no chat gets more than the one message that was on its way then twice."""
    w, tg = world, world.tg
    w.speed = 2000.0  # a course hour is 1.8 s: everyone signs up before the first lesson is due
    await w.set_clock()
    await w.start()
    await w.start("worker")
    clock = await w.clock()
    course = COURSES["twijfel"]
    chats = list(range(9301, 9311))
    for chat in chats:
        await w.sign_up(chat, course.id, clock, deep_link=True)
    tg.answer_delay = 0.4  # every send takes a while: many are on their way at any moment
    going = tg.mark()
    first_day = day_texts(course, 1)
    deadline = asyncio.get_running_loop().time() + w.real(timedelta(days=1)) + STARTUP
    while not any(m.text == first_day[0] for m in tg.sent[going:]):
        assert asyncio.get_running_loop().time() < deadline, "day 1 never started"
        await asyncio.sleep(0.05)
    own_redis.stop()
    await asyncio.sleep(5)
    own_redis.start()
    tg.answer_delay = 0.0

    for chat in chats:
        while not set(first_day) <= {m.text for m in tg.messages_to(chat)}:
            assert asyncio.get_running_loop().time() < deadline + 3 * STARTUP, (
                f"chat {chat} did not get all of day 1\n{w.logs()}"
            )
            await asyncio.sleep(0.1)
    for chat in chats:
        sent = [m.text for m in tg.sent[going:] if m.chat_id == chat]
        twice = {t: sent.count(t) for t in first_day if sent.count(t) > 1}
        assert sum(twice.values()) - len(twice) <= 1, f"chat {chat} got {twice} repeated"
