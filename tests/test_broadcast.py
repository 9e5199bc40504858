"""Trainers broadcast to a segment: preview, confirm, once per participant, in order with their
lessons, with live progress; operators grant the role; nobody else learns the commands exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import texts, texts_staff
from bot.core.messages import Incoming, Kind, Outgoing
from bot.delivery.errors import Transient
from courses.render import render_day
from storage.models import BroadcastState, Channel, Lane
from tests.journey_kit import Kit, RecordingChannel

AMS = ZoneInfo("Europe/Amsterdam")
OPERATOR, TRAINER, NEW_TRAINER = "900001", "900002", "900003"
PRIVILEGED = ["/broadcast", "/broadcasts", "/preview twijfel", "/trainer add 5", "/trainers"]


pytestmark = pytest.mark.kit(operator_ids=OPERATOR, trainer_ids=TRAINER)


async def _type(kit: Kit, chat: str, text: str) -> list[Outgoing]:
    before = len(kit.channel.to(chat))
    await kit.engine.conversation.answer(Incoming.from_text(Channel.CONSOLE, chat, text))
    return kit.channel.to(chat)[before:]


async def _tap(kit: Kit, chat: str, data: str) -> list[Outgoing]:
    before = len(kit.channel.to(chat))
    await kit.engine.conversation.answer(Incoming(Channel.CONSOLE, chat, Kind.BUTTON, data=data))
    return kit.channel.to(chat)[before:]


class Unreachable(RecordingChannel):
    """A channel whose every send fails for now (the network is away)."""

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        raise Transient("the network is away")


async def _people(kit: Kit, chats: list[str], course: str = "twijfel") -> None:
    for chat in chats:
        await kit.sign_up(chat, course)


async def _run_broadcast(kit: Kit, limit: int = 50) -> None:
    for _ in range(limit):
        kit.clock.advance(timedelta(seconds=5))
        await kit.tick()
        recent = await kit.engine.store.broadcasts.recent()
        if recent and recent[0].state is not BroadcastState.RUNNING:
            return


async def test_a_trainer_broadcasts_to_one_course_with_preview_and_confirm(kit: Kit) -> None:
    await _people(kit, ["1", "2"], "twijfel")
    await _people(kit, ["3"], "partner")
    [choose] = await _type(kit, TRAINER, "/broadcast")
    assert choose.text == texts_staff.BROADCAST_CHOOSE
    [ask] = await _tap(kit, TRAINER, "b:s:course:twijfel")
    assert "Typ nu je bericht" in ask.text
    preview, question = await _type(kit, TRAINER, "Morgen is er een <b>extra</b> sessie & meer.")
    assert preview.heading == texts_staff.BROADCAST_HEADING
    assert preview.text == "Morgen is er een <b>extra</b> sessie & meer."  # as typed, escaped later
    assert "2 deelnemers" in question.text
    assert await kit.engine.store.broadcasts.recent() == []  # nothing before the confirm
    for chat in ("1", "2", "3"):
        assert all(m.heading != texts_staff.BROADCAST_HEADING for m in kit.channel.to(chat))

    assert await _tap(kit, TRAINER, "b:ok") == []
    await _run_broadcast(kit)
    for chat in ("1", "2"):
        got = [m for m in kit.channel.to(chat) if m.heading == texts_staff.BROADCAST_HEADING]
        assert len(got) == 1
    assert not [m for m in kit.channel.to("3") if m.heading == texts_staff.BROADCAST_HEADING]
    [done] = await kit.engine.store.broadcasts.recent()
    assert done.state is BroadcastState.DONE
    assert await kit.engine.store.broadcasts.outcomes(done.id) == {"sent": 2}
    progress = [m.text for m in kit.channel.to(TRAINER) if ": bericht aan" in m.text]
    assert progress[-1].startswith(texts_staff.BROADCAST_DONE)
    assert "2 verstuurd · 0 mislukt · 0 geblokkeerd · 0 te gaan (van 2)" in progress[-1]
    assert len(progress) == 1  # one message, edited as it went
    # Tapping confirm again sends nothing more.
    assert [m.text for m in await _tap(kit, TRAINER, "b:ok")] == [texts_staff.BROADCAST_STALE]


async def test_a_broadcast_waits_for_the_lessons_due_and_arrives_after_them(kit: Kit) -> None:
    await _people(kit, ["1"])
    await _type(kit, TRAINER, "/broadcast")
    await _tap(kit, TRAINER, "b:s:all")
    await _type(kit, TRAINER, "Fijne dag!")
    lesson_time = datetime(2026, 11, 26, 7, 0, tzinfo=AMS).astimezone(UTC)
    kit.clock.set(lesson_time)
    await _tap(kit, TRAINER, "b:ok")  # confirmed just as the lesson is due
    await kit.tick()
    await _run_broadcast(kit)
    received = kit.channel.to("1")
    first_lesson = next(i for i, m in enumerate(received) if m.heading and "Dag 1" in m.heading)
    broadcast = next(
        i for i, m in enumerate(received) if m.heading == texts_staff.BROADCAST_HEADING
    )
    assert first_lesson < broadcast


async def test_a_broadcast_cut_off_by_a_restart_finishes_without_repeats(kit: Kit) -> None:
    chats = [str(i) for i in range(1, 61)]
    await _people(kit, chats)
    await _type(kit, TRAINER, "/broadcast")
    await _tap(kit, TRAINER, "b:s:active")
    await _type(kit, TRAINER, "Een bericht voor iedereen die bezig is.")
    await _tap(kit, TRAINER, "b:ok")
    [broadcast] = await kit.engine.store.broadcasts.recent()
    # A run that died after queuing some recipients but before noting it: they are handed
    # back to the to-do list and queued again; each participant's record keeps it to once.
    taken = await kit.engine.store.broadcasts.take(broadcast.id, 10)
    from bot.broadcast.runner import item

    for pid in taken[:5]:
        await kit.engine.store.broadcasts.queue_for(pid, broadcast.id, item(broadcast))
    await kit.engine.store.broadcasts.give_back(broadcast.id, taken)
    await _run_broadcast(kit)
    for chat in chats:
        got = [m for m in kit.channel.to(chat) if m.heading == texts_staff.BROADCAST_HEADING]
        assert len(got) == 1, chat
    outcomes = await kit.engine.store.broadcasts.outcomes(broadcast.id)
    assert outcomes == {"sent": 60}


async def test_a_trainer_can_stop_a_running_broadcast(kit: Kit) -> None:
    chats = [str(i) for i in range(1, 81)]
    await _people(kit, chats)
    await _type(kit, TRAINER, "/broadcast")
    await _tap(kit, TRAINER, "b:s:all")
    await _type(kit, TRAINER, "Dit stoppen we halverwege.")
    await _tap(kit, TRAINER, "b:ok")
    [broadcast] = await kit.engine.store.broadcasts.recent()
    kit.clock.advance(timedelta(seconds=5))
    await kit.tick()  # one batch goes out
    [stopping] = await _tap(kit, TRAINER, f"b:x:{broadcast.id}")
    assert stopping.text == texts_staff.BROADCAST_STOPPING
    await _run_broadcast(kit)
    got = sum(
        1
        for chat in chats
        for m in kit.channel.to(chat)
        if m.heading == texts_staff.BROADCAST_HEADING
    )
    assert 0 < got < len(chats)
    [stopped] = await kit.engine.store.broadcasts.recent()
    assert stopped.state is BroadcastState.CANCELLED
    listed = await _type(kit, TRAINER, "/broadcasts")
    assert texts_staff.BROADCAST_CANCELLED in listed[0].text


async def test_an_operator_grants_and_revokes_the_trainer_role(kit: Kit) -> None:
    [denied] = await _type(kit, NEW_TRAINER, "/broadcast")
    assert denied.text == texts.NOT_STARTED  # exactly what any unknown command gets
    [added] = await _type(kit, OPERATOR, f"/trainer add {NEW_TRAINER}")
    assert added.text == texts_staff.TRAINER_ADDED.format(user=NEW_TRAINER)
    [listing] = await _type(kit, OPERATOR, "/trainers")
    assert NEW_TRAINER in listing.text
    assert TRAINER in listing.text
    [choose] = await _type(kit, NEW_TRAINER, "/broadcast")
    assert choose.text == texts_staff.BROADCAST_CHOOSE
    await _type(kit, OPERATOR, f"/trainer remove {NEW_TRAINER}")
    [denied] = await _type(kit, NEW_TRAINER, "/broadcasts")
    assert denied.text == texts.NOT_STARTED
    [usage] = await _type(kit, OPERATOR, "/trainer add iemand")
    assert usage.text == texts_staff.TRAINER_USAGE


@pytest.mark.parametrize("command", PRIVILEGED)
async def test_every_privileged_command_is_unknown_to_participants_and_strangers(
    kit: Kit, command: str
) -> None:
    await _people(kit, ["1"])
    as_participant = await _type(kit, "1", command)
    as_stranger = await _type(kit, "777", command)
    assert [m.text for m in as_participant] == [texts.UNKNOWN_COMMAND]
    assert [m.text for m in as_stranger] == [texts.NOT_STARTED]
    assert [m.text for m in await _tap(kit, "1", "b:ok")] == [texts.STALE_BUTTON]


@pytest.mark.parametrize(
    ("command", "trainer_may", "operator_may"),
    [("/broadcast", True, True), ("/broadcasts", True, True),
     ("/trainer add 5", False, True), ("/trainers", False, True)],
)  # fmt: skip
async def test_the_role_matrix(
    kit: Kit, command: str, trainer_may: bool, operator_may: bool
) -> None:
    for chat, may in ((TRAINER, trainer_may), (OPERATOR, operator_may)):
        [reply] = await _type(kit, chat, command)
        unknown = reply.text in (texts.NOT_STARTED, texts.UNKNOWN_COMMAND)
        assert unknown is not may, (chat, command, reply.text)


async def test_each_role_gets_its_own_command_menu(kit: Kit) -> None:
    menus: dict[str, list[str]] = {}

    async def set_menu(chat: str, commands: list[tuple[str, str]]) -> None:
        menus[chat] = [name for name, _ in commands]

    kit.engine.staff.menus = set_menu
    await kit.engine.staff.refresh_menus()
    assert "broadcast" in menus[TRAINER]
    assert "trainer" not in menus[TRAINER]
    assert {"broadcast", "trainer", "trainers"} <= set(menus[OPERATOR])
    assert "1" not in menus
    await _type(kit, OPERATOR, f"/trainer add {NEW_TRAINER}")
    assert "broadcast" in menus[NEW_TRAINER]
    await _type(kit, OPERATOR, f"/trainer remove {NEW_TRAINER}")
    assert "broadcast" not in menus[NEW_TRAINER]


async def test_a_trainer_previews_a_course_day_by_day_and_can_stop_it(kit: Kit) -> None:
    course = kit.engine.courses["twijfel"]
    [started] = await _type(kit, TRAINER, "/preview twijfel")
    assert course.title in started.text
    await kit.tick()
    assert [m.text for m in kit.channel.to(TRAINER)[1:]] == [
        m.text for m in render_day(course, 1)
    ]  # day 1 at once, exactly as participants get it, buttons included
    kit.clock.advance(timedelta(seconds=5))
    await kit.tick()
    assert kit.channel.headings(TRAINER)[-1].startswith("Dag 2 van 9")
    [stopped] = await _type(kit, TRAINER, "/preview stop")
    assert stopped.text == texts.PREVIEW_STOPPED
    seen = len(kit.channel.to(TRAINER))
    kit.clock.advance(timedelta(seconds=30))
    await kit.tick()
    assert len(kit.channel.to(TRAINER)) == seen
    assert kit.engine.journey.counters is not None
    totals = await kit.engine.journey.counters.totals()
    assert totals.get("messages_sent", 0) == 0  # counted in no statistic
    [choose] = await _type(kit, TRAINER, "/preview")
    assert sorted(b.data for row in choose.buttons for b in row) == ["b:pv:partner", "b:pv:twijfel"]
    [denied] = await _type(kit, "12345", "/preview twijfel")
    assert denied.text == texts.NOT_STARTED


async def test_a_broadcast_at_a_time_reaches_each_participant_at_that_hour_in_their_own_zone(
    kit: Kit,
) -> None:
    await _people(kit, ["1"])  # Amsterdam
    await kit.say("2", "/start twijfel")
    await kit.tap("2", "t:07:00")
    await kit.tap("2", "z:?")
    await kit.say("2", "America/Paramaribo")  # four hours behind Amsterdam in winter
    await _type(kit, TRAINER, "/broadcast")
    await _tap(kit, TRAINER, "b:s:all")
    await _type(kit, TRAINER, "Goedenavond!")
    [ask] = await _tap(kit, TRAINER, "b:at")
    assert ask.text == texts_staff.BROADCAST_ASK_TIME
    [bad] = await _type(kit, TRAINER, "straks")
    assert bad.text == texts_staff.BROADCAST_BAD_TIME
    [confirm] = await _type(kit, TRAINER, "19:00")
    assert "19:00" in confirm.text
    await _tap(kit, TRAINER, "b:ok")
    got: dict[str, datetime] = {}
    while kit.clock.now() < datetime(2026, 11, 26, 2, 0, tzinfo=UTC) and len(got) < 2:
        kit.clock.advance(timedelta(minutes=10))
        await kit.tick()
        for chat in ("1", "2"):
            if chat not in got and any(
                m.heading == texts_staff.BROADCAST_HEADING for m in kit.channel.to(chat)
            ):
                got[chat] = kit.clock.now()
    assert got["1"].astimezone(AMS).hour == 19
    assert got["2"].astimezone(ZoneInfo("America/Paramaribo")).hour == 19
    await _run_broadcast(kit)
    [done] = await kit.engine.store.broadcasts.recent()
    assert done.state is BroadcastState.DONE


async def test_a_broadcast_whose_recipient_erased_themselves_still_ends(kit: Kit) -> None:
    await _people(kit, ["1", "2"])
    await _type(kit, TRAINER, "/broadcast")
    await _tap(kit, TRAINER, "b:s:all")
    await _type(kit, TRAINER, "Tot ziens!")
    await _tap(kit, TRAINER, "b:ok")
    [broadcast] = await kit.engine.store.broadcasts.recent()
    kit.engine.senders[Channel.CONSOLE] = Unreachable()  # nothing goes out for a while
    for _ in range(3):
        kit.clock.advance(timedelta(seconds=5))
        await kit.tick()
    # "1" erases everything while the message still waits in their queue.
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None
    await kit.engine.store.delete_participant(p.id)
    kit.engine.senders[Channel.CONSOLE] = kit.channel
    await _run_broadcast(kit)
    kit.clock.advance(timedelta(minutes=11))
    await _run_broadcast(kit)
    [done] = await kit.engine.store.broadcasts.recent()
    assert done.id == broadcast.id
    assert done.state is BroadcastState.DONE
    assert await kit.engine.store.broadcasts.outcomes(done.id) == {"sent": 1}
