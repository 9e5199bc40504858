"""A question to a coach end to end: `druppel run` as a real process, the fake Bot API over
HTTP. The participant asks after /coach; both trainers get it in their own chat; one answers by
replying to it, the other's copy says it is taken; the answer reaches the participant once; the
participant's reply to it goes back to that coach alone; /coach stop closes it. The thread is in
the participant's export, and when they erase everything the coaches' copies say "(gewist)"."""

from __future__ import annotations

import asyncio
import json
import signal

import pytest

from bot.core import texts, texts_care, texts_coach
from scheduler.clock import Clock
from storage.models import Channel
from tests.e2e.processes import COURSES, PRECISE, STARTUP, eventually
from tests.e2e.telegram_world import TelegramWorld
from tests.fakes.telegram_api import SentMessage

ANNA, BERT = 5_000_201, 5_000_202
QUESTION = "Mijn vriend wil samenwonen en ik krijg er buikpijn van. Is dat normaal?"
ANSWER = "Heel normaal, Sanne. Wat zou je willen dat er gebeurt?"
FOLLOW_UP = "Dat we het eerst een jaar proberen."
PLAN = "ik heb pillen gespaard en vanavond neem ik ze allemaal in"


class CoachWorld(TelegramWorld):
    """The usual world, with two trainers to answer questions."""

    def world_env(self) -> dict[str, str]:
        env = super().world_env()
        env["TRAINER_IDS"] = f"{ANNA},{BERT}"
        return env


pytestmark = pytest.mark.world(kind=CoachWorld)
NAMES = {ANNA: "Anna", BERT: "Bert"}


async def _question_asked(
    w: CoachWorld, chat: int, clock: Clock, coaches: tuple[int, ...]
) -> dict[int, SentMessage]:
    """Each coach has opened their chat with the bot; `chat` signs up and asks QUESTION after
    /coach. Each coach's copy of it."""
    for coach in coaches:
        w.tg.user_sends(coach, "/inbox", first_name=NAMES[coach])
        await w.next(coach, within=STARTUP)
    await w.sign_up(chat, "twijfel", clock, deep_link=True)
    w.tg.user_sends(chat, "/coach")
    await w.next(chat)
    w.tg.user_sends(chat, QUESTION)
    await w.next(chat)
    return {coach: await w.next(coach, lambda m: m.text.startswith("Vraag #")) for coach in coaches}


async def test_a_question_is_answered_by_reply_and_the_follow_up_goes_to_that_coach(
    world: CoachWorld,
) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    clock = await w.up()
    for coach, name in ((ANNA, "Anna"), (BERT, "Bert")):  # each coach has opened their chat
        tg.user_sends(coach, "/inbox", first_name=name)
        empty = await w.next(coach, within=STARTUP)
        assert empty.text == texts_coach.INBOX_EMPTY
    chat = 8301
    await w.sign_up(chat, "twijfel", clock, deep_link=True)
    await w.receive_day(chat, COURSES["twijfel"], 1)

    tg.user_sends(chat, "/coach")
    intro = await w.next(chat)
    assert "coaches van je cursus" in intro.text
    tg.user_sends(chat, QUESTION)
    sent = await w.next(chat)
    assert sent.text.startswith("Je vraag is naar je coach gestuurd.")
    anna_copy = await w.next(ANNA, lambda m: m.text.startswith("Vraag #"))
    bert_copy = await w.next(BERT, lambda m: m.text.startswith("Vraag #"))
    assert QUESTION in anna_copy.text
    assert "van Sanne, " in anna_copy.text
    tid = anna_copy.text.split("#")[1][:5]
    assert anna_copy.callback_data == [f"q:take:{tid}", f"q:close:{tid}"]
    assert bert_copy.callback_data == anna_copy.callback_data

    tg.user_sends(ANNA, ANSWER, first_name="Anna", reply_to=anna_copy.message_id)
    done = await w.next(ANNA)
    assert done.text == texts_coach.ANSWER_SENT.format(name="Sanne", tid=tid)
    answer = await w.next(chat, lambda m: m.text.startswith(texts_coach.COACH_ANSWER_MARK))
    assert ANSWER in answer.text
    taken = await tg.wait_for_message(BERT, lambda m: m.is_edit, include_edits=True)
    assert taken.text == texts_coach.TAKEN_BY_OTHER.format(tid=tid, name="Sanne", coach="Anna")
    assert taken.callback_data == []

    tg.user_sends(chat, FOLLOW_UP, reply_to=answer.message_id)
    added = await w.next(chat)
    assert added.text == texts_coach.COACH_ADDED
    follow_up = await w.next(ANNA, lambda m: m.text.startswith(f"Vervolg op #{tid}"))
    assert FOLLOW_UP in follow_up.text

    tg.user_sends(chat, "/coach stop")
    stopped = await w.next(chat)
    assert stopped.text == texts_coach.COACH_STOPPED
    told = await w.next(ANNA, lambda m: m.text.endswith("heeft het gesprek gesloten."))
    assert told.text == texts_coach.PARTICIPANT_CLOSED.format(tid=tid, name="Sanne")

    await tg.wait_until_fetched()
    answers = [m for m in tg.messages_to(chat) if m.text.startswith(texts_coach.COACH_ANSWER_MARK)]
    assert len(answers) == 1  # exactly once
    assert not [m for m in tg.messages_to(BERT) if FOLLOW_UP in m.text]  # the owner's alone


async def test_an_answer_waiting_in_the_queue_survives_a_sigkill_and_arrives_once(
    world: CoachWorld,
) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    await w.set_clock()
    bot = await w.start()
    clock = await w.clock()
    chat = 8302
    copy = (await _question_asked(w, chat, clock, (ANNA,)))[ANNA]
    pid = (await w.participant(chat)).id

    # Telegram holds the participant's chat back once: the answer waits in their queue...
    tg.force_flood(1, retry_after=5, chat_id=chat)
    tg.user_sends(ANNA, ANSWER, first_name="Anna", reply_to=copy.message_id)

    async def held() -> bool | None:
        tried = [p for p in tg.calls_to("sendMessage") if str(p.get("chat_id")) == str(chat)]
        tried_answer = any(ANSWER in str(p.get("text")) for p in tried)
        queued = [i for i in await w.store.queue.items(pid) if i.kind == "coach"]
        return True if tried_answer and queued else None

    await eventually(held, STARTUP, "the answer refused once and still queued")
    # ...when the process that holds it is killed.
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    await w.start()
    await w.start("worker")
    answer = await w.next(
        chat, lambda m: m.text.startswith(texts_coach.COACH_ANSWER_MARK), within=STARTUP * 2
    )
    assert ANSWER in answer.text
    await asyncio.sleep(3)  # anything sent twice would have come by now
    answers = [m for m in tg.messages_to(chat) if m.text.startswith(texts_coach.COACH_ANSWER_MARK)]
    assert len(answers) == 1
    [thread] = await w.store.threads.all(pid)
    assert [m.text for m in thread.messages] == [QUESTION, ANSWER]


async def test_the_export_carries_the_thread_and_erasing_blanks_the_coaches_copies(
    world: CoachWorld,
) -> None:
    w, tg = world, world.tg
    clock = await w.up()
    chat = 8303
    copies = await _question_asked(w, chat, clock, (ANNA, BERT))
    tg.user_sends(ANNA, ANSWER, first_name="Anna", reply_to=copies[ANNA].message_id)
    await w.next(chat, lambda m: m.text.startswith(texts_coach.COACH_ANSWER_MARK))

    tg.user_sends(chat, "/mijngegevens")
    export = await w.next(chat, lambda m: m.document is not None)
    assert export.document is not None
    [thread] = json.loads(export.document)["coach_threads"]
    assert [(m["who"], m["text"]) for m in thread["messages"]] == [
        ("participant", QUESTION), ("coach", ANSWER),
    ]  # fmt: skip
    assert str(ANNA) not in json.dumps(thread["messages"])  # nothing of who the coach is

    tg.user_sends(chat, "/wisgegevens")
    await w.next(chat, lambda m: "w:ja" in m.callback_data)
    w.tap(chat, "w:ja")
    assert (await w.next(chat)).text == texts.DELETE_DONE
    for coach, copy in copies.items():

        def blanked(m: SentMessage, mid: int = copy.message_id) -> bool:
            return m.is_edit and m.message_id == mid and m.text == texts_coach.ERASED

        found = await tg.wait_for_message(coach, blanked, include_edits=True, timeout=STARTUP)
        assert found.callback_data == []
    assert await w.store.participants.by_chat(Channel.TELEGRAM, str(chat)) is None


async def test_an_urgent_question_gets_help_at_once_and_reaches_the_coaches_marked(
    world: CoachWorld,
) -> None:
    w, tg = world, world.tg
    clock = await w.up()
    for coach in (ANNA, BERT):
        tg.user_sends(coach, "/inbox", first_name=NAMES[coach])
        await w.next(coach, within=STARTUP)
    chat = 8304
    await w.sign_up(chat, "twijfel", clock, deep_link=True)
    tg.user_sends(chat, "/coach")
    await w.next(chat)
    tg.user_sends(chat, PLAN)
    help_now = await w.next(chat)
    assert help_now.text.split("\n")[0] == texts_care.ACT_113
    assert "gestuurd" not in help_now.text  # the help first, nothing routine
    for coach in (ANNA, BERT):
        copy = await w.next(coach, lambda m: PLAN in m.text)
        assert copy.text.startswith("⚠️ DRINGEND (plan voor zelfdoding)")
    tg.user_sends(ANNA, "/inbox", first_name="Anna")
    listing = await w.next(ANNA, lambda m: m.text.startswith("Open vragen"))
    assert "⚠️ #" in listing.text
    assert PLAN not in listing.text
