"""A trainer's broadcast end to end: `druppel run` as a real process, the fake Bot API over HTTP.

The trainer taps through /broadcast, sees the preview, confirms; exactly the chosen segment
receives the message once, the progress message is edited until it shows the final counts, and a
restart in the middle of a broadcast finishes it without sending anyone the message twice.
"""

from __future__ import annotations

import asyncio
import signal

import pytest

from bot.core import texts_staff
from storage.models import BroadcastState
from tests.e2e.processes import PRECISE, REPLY, STARTUP, eventually
from tests.e2e.telegram_world import TelegramWorld
from tests.fakes.telegram_api import FakeTelegram, SentMessage

TRAINER = 5_000_001
HEADING = texts_staff.BROADCAST_HEADING


class StaffWorld(TelegramWorld):
    """The usual world, with a trainer named in the processes' settings."""

    def world_env(self) -> dict[str, str]:
        env = super().world_env()
        env["TRAINER_IDS"] = str(TRAINER)
        # Course days last seconds here; at Telegram's real budget the lessons alone would run
        # late, and a broadcast rightly waits while lessons are late.
        env["TELEGRAM_MAX_PER_SECOND"] = env["TELEGRAM_BULK_PER_SECOND"] = "1000"
        return env  # a test's own settings (extra_env) still win


pytestmark = pytest.mark.world(kind=StaffWorld)


def _broadcasts(tg: FakeTelegram, chat: int) -> list[SentMessage]:
    return [m for m in tg.messages_to(chat) if m.text.startswith(HEADING)]


async def _compose(w: StaffWorld, segment: str, body: str) -> SentMessage:
    """Tap through /broadcast to the preview; returns the question with the confirm button."""
    w.tg.user_sends(TRAINER, "/broadcast")
    choose = await w.next(TRAINER, within=STARTUP)
    assert choose.text == texts_staff.BROADCAST_CHOOSE
    assert f"b:s:{segment}" in choose.callback_data
    w.tap(TRAINER, f"b:s:{segment}")
    await w.next(TRAINER, lambda m: m.text.startswith("Typ nu je bericht"))
    w.tg.user_sends(TRAINER, body)
    preview = await w.next(TRAINER)
    assert preview.text == f"{HEADING}\n\n{body}"  # exactly as participants will see it
    question = await w.next(TRAINER)
    assert question.callback_data == ["b:ok", "b:no", "b:at"]
    return question


async def test_a_trainer_broadcasts_to_one_course_and_sees_the_final_counts(
    world: StaffWorld,
) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    clock = await w.up()
    twijfel, partner = [6001, 6002, 6003], [6004]
    for chat in twijfel:
        await w.sign_up(chat, "twijfel", clock, deep_link=True)
    for chat in partner:
        await w.sign_up(chat, "partner", clock, deep_link=True)
    tg.user_sends(TRAINER, "/start")  # Telegram only knows chats that started the bot
    await w.next(TRAINER, within=STARTUP)

    question = await _compose(w, "course:twijfel", "Vanavond om 20:00 is er een vragenuur <3")
    assert "3 deelnemers" in question.text
    assert all(not _broadcasts(tg, c) for c in twijfel + partner)  # nothing before the confirm
    w.tap(TRAINER, "b:ok")

    def final(m: SentMessage) -> bool:
        return m.text.startswith(texts_staff.BROADCAST_DONE)

    done = await tg.wait_for_message(TRAINER, final, REPLY, since=0, include_edits=True)
    assert "3 verstuurd · 0 mislukt · 0 geblokkeerd · 0 te gaan (van 3)" in done.text
    for chat in twijfel:
        [got] = _broadcasts(tg, chat)
        assert got.text == f"{HEADING}\n\nVanavond om 20:00 is er een vragenuur <3"
    assert not _broadcasts(tg, partner[0])
    # One progress message, edited in place as the counts changed.
    progress = [m for m in tg.messages_to(TRAINER) if ": bericht aan" in m.text]
    assert len(progress) == 1
    assert tg.calls_to("editMessageText")


async def test_a_restart_mid_broadcast_finishes_it_without_repeats(world: StaffWorld) -> None:
    w, tg = world, world.tg
    # Broadcasts paced at 5 a second with no burst: the kill lands in the middle, and at most
    # the message or two in flight at that moment can come twice. The clock runs slowly enough
    # that no lesson falls due meanwhile (they would go at that pace too).
    w.speed = 100.0
    w.extra_env["TELEGRAM_BULK_PER_SECOND"] = "5"
    await w.set_clock()
    bot = await w.start()
    clock = await w.clock()
    chats = list(range(7001, 7031))
    for chat in chats:
        await w.sign_up(chat, "twijfel", clock, deep_link=True)
    tg.user_sends(TRAINER, "/start")
    await w.next(TRAINER, within=STARTUP)
    question = await _compose(w, "active", "Een bericht dat een herstart overleeft.")
    assert f"{len(chats)} deelnemers" in question.text
    tg.answer_delay = 0.2
    w.tap(TRAINER, "b:ok")
    await eventually(
        lambda: asyncio.sleep(0.05, sum(1 for c in chats if _broadcasts(tg, c)) >= 5),
        REPLY,
        "the first recipients",
    )
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    assert sum(1 for c in chats if _broadcasts(tg, c)) < len(chats)
    tg.answer_delay = 0.0
    await w.start()
    await eventually(
        lambda: asyncio.sleep(0.05, all(_broadcasts(tg, c) for c in chats)),
        STARTUP + 30,
        "everyone has the broadcast",
    )
    repeats = [c for c in chats if len(_broadcasts(tg, c)) > 1]
    assert len(repeats) <= 2, f"{len(repeats)} got it twice"  # only those in flight at the kill
    [broadcast] = await w.store.broadcasts.recent()

    async def finished() -> bool:
        b = await w.store.broadcasts.get(broadcast.id)
        return b is not None and b.state is BroadcastState.DONE

    # The message in flight at the kill is counted once the dead process's lock on that chat has
    # run out (DRUPPEL_LEASE_SECONDS, 15 s) and it was sent again.
    await eventually(finished, 15 + REPLY, "the broadcast done")
