"""A thread with a coach under the participant's say: /privacy tells of it, /mijngegevens
carries it (their words and the coach's answers, nothing of the coaches), /wisgegevens erases it
from everywhere, Redis never holds its words in the clear, and operators see only counts."""

from __future__ import annotations

import json

import pytest

from bot.core import texts_coach
from bot.core.messages import Incoming, Kind
from storage.models import Channel
from storage.store import Store
from tests.coach_kit import PLAN, QUESTION, asked, coach_taps, coach_types, data
from tests.journey_kit import Kit

OPERATOR = "900001"
ANSWER = "Heel normaal dat je buik dat voelt. Wat zou je willen dat er gebeurt?"
FOLLOW_UP = "En als hij dan boos wordt op mijn twijfel?"

pytestmark = pytest.mark.kit(trainer_ids="42,43", operator_ids=OPERATOR)


async def _answered(kit: Kit) -> str:
    first, _ = await asked(kit)
    await coach_types(kit, "42", ANSWER, replied_to=first.text)
    return first.text


async def _raw_dump(kit: Kit) -> str:
    store = kit.engine.store
    dump: list[str] = []
    async for key in store.redis.scan_iter(match=store.keys.everything()):
        kind = await store.redis.type(key)
        if kind == "hash":
            dump.append(repr(await store.redis.hgetall(key)))
        elif kind == "string":
            dump.append(repr(await store.redis.get(key)))
        elif kind == "list":
            dump.append(repr(await store.redis.lrange(key, 0, -1)))
        elif kind in ("zset", "set"):
            dump.append(repr(await store.redis.zrange(key, 0, -1) if kind == "zset"
                             else await store.redis.smembers(key)))  # fmt: skip
        dump.append(key)
    return "\n".join(dump)


async def test_privacy_says_what_coaches_read(kit: Kit) -> None:
    [statement] = await kit.answer("1", "/privacy")
    assert "• je vragen via /coach, en de antwoorden" in statement.text
    assert (
        "Je vragen via /coach (met je naam) en wat je zelf met ze deelt, lezen alleen de "
        "coaches." in statement.text
    )


async def test_mijngegevens_carries_the_thread_and_nothing_of_the_coaches(kit: Kit) -> None:
    await _answered(kit)
    [file] = await kit.answer("1", "/mijngegevens")
    assert file.document is not None
    data = json.loads(file.document[1])
    [thread] = data["coach_threads"]
    assert [(m["who"], m["text"]) for m in thread["messages"]] == [
        ("participant", QUESTION),
        ("coach", ANSWER),
    ]
    assert thread["status"] == "open"
    assert (thread["course_id"], thread["day"]) == ("twijfel", 1)
    assert "42" not in json.dumps({k: v for k, v in thread.items() if k != "id"})  # nor the tid
    assert "copies" not in thread
    assert "owner" not in thread


async def test_wisgegevens_erases_the_thread_from_everywhere(kit: Kit) -> None:
    question = await _answered(kit)
    await kit.answer("1", "/coach stop")
    await kit.answer("1", "/coach")
    await kit.answer("1", FOLLOW_UP)  # a second thread, shown to both coaches again
    await kit.answer("1", "/wisgegevens")
    await kit.engine.conversation.answer(Incoming(Channel.CONSOLE, "1", Kind.BUTTON, data="w:ja"))
    assert await kit.engine.store.threads.open_threads() == []
    [inbox] = await coach_types(kit, "42", "/inbox")
    assert inbox.text == texts_coach.INBOX_EMPTY
    [gone] = await coach_types(kit, "42", "Nog een vraag terug?", replied_to=question)
    assert gone.text == texts_coach.GONE
    assert QUESTION not in await _raw_dump(kit)
    # What the coaches were shown of it now says only that it was erased.
    # (Anna, who answered, also had "Sent to Sanne" and "Sanne closed it"; Bert, the two
    # questions only.)
    for coach, shown in (("42", 4), ("43", 2)):
        texts = [m.text for m in kit.channel.to(coach)]
        assert texts.count(texts_coach.ERASED) == shown
        assert not [t for t in texts if QUESTION in t or FOLLOW_UP in t or "heeft het gesprek" in t]
    # Only this test's keys: on a shared Redis other tests keep threads of their own meanwhile.
    store = kit.engine.store
    assert not [k async for k in store.redis.scan_iter(match=f"{store.keys.prefix}:*:threads")]


async def test_wisgegevens_blanks_what_the_coaches_were_told_of_her(kit: Kit) -> None:
    """Not only the question: every message a coach got that names her (taken, sent to her,
    the inbox's line, closed) says only that it was erased."""
    first, _ = await asked(kit)
    [take, _close] = data(first)
    [taken] = await coach_taps(kit, "42", take)
    assert "Sanne" in taken.text
    [sent] = await coach_types(kit, "42", ANSWER)
    assert "Sanne" in sent.text
    [inbox] = await coach_types(kit, "42", "/inbox")
    assert "Sanne" in inbox.text
    [closed] = await coach_taps(kit, "42", _close)
    assert "Sanne" in closed.text
    await kit.answer("1", "/wisgegevens")
    await kit.engine.conversation.answer(Incoming(Channel.CONSOLE, "1", Kind.BUTTON, data="w:ja"))
    for coach in ("42", "43"):
        texts = [m.text for m in kit.channel.to(coach)]
        assert not [t for t in texts if "Sanne" in t], coach
    assert [m.text for m in kit.channel.to("42")].count(texts_coach.ERASED) == 5


async def test_an_erasure_with_no_chat_to_edit_leaves_the_copies_for_the_engine(kit: Kit) -> None:
    """`druppel privacy delete` has no Telegram to edit with: the coaches' copies wait, with
    nothing of the participant, until an engine that can edit them blanks them."""
    await _answered(kit)
    engine = kit.engine.store
    participant = await engine.participants.by_chat(Channel.CONSOLE, "1")
    assert participant is not None
    pid = participant.id
    elsewhere = Store(engine.redis, engine.keys, engine.cipher)  # as the command line has it
    assert await elsewhere.delete_participant(pid)
    shown = {"42": 2, "43": 1}  # the question, as each coach was shown it; "sent to Sanne"
    assert [m.text for m in kit.channel.to("42")].count(texts_coach.ERASED) == 0
    assert QUESTION not in await _raw_dump(kit)
    assert await engine.blank_pending() == sum(shown.values())
    for coach, count in shown.items():
        texts = [m.text for m in kit.channel.to(coach)]
        assert texts.count(texts_coach.ERASED) == count
        assert not [t for t in texts if QUESTION in t]
    assert await engine.blank_pending() == 0  # done once


async def test_copies_an_erasure_adds_meanwhile_are_not_dropped_by_another_turn(kit: Kit) -> None:
    """Two turns of blanking at once (the watch's, an erasure's) each remove only the copies
    they handled: a copy added between their reading and their removal waits for the next."""
    store = kit.engine.store
    key = store.keys.coach_blanks()
    await store.redis.rpush(key, "42 1", "43 2")
    blanked: list[list[tuple[str, str]]] = []

    async def slow_blank(copies: list[tuple[str, str]]) -> list[tuple[str, str]]:
        blanked.append(copies)
        # Meanwhile another process's turn, which read the same two, removes them, and another
        # erasure adds a third.
        await store.redis.lrem(key, 1, "42 1")
        await store.redis.lrem(key, 1, "43 2")
        await store.redis.rpush(key, "42 3")
        return []

    store.blank_copies_with(slow_blank)
    assert await store.blank_pending() == 2
    assert blanked == [[("42", "1"), ("43", "2")]]
    assert await store.redis.lrange(key, 0, -1) == ["42 3"]


async def test_a_raw_redis_dump_holds_no_word_of_a_thread(kit: Kit) -> None:
    first, _ = await asked(kit)
    await kit.answer("1", "/coach")
    await coach_types(kit, "42", ANSWER, replied_to=first.text)
    answer = kit.channel.to("1")[-1]
    before = len(kit.channel.to("1"))
    event = Incoming(Channel.CONSOLE, "1", Kind.TEXT, text=PLAN, first_name="Sanne",
                     replied_to=answer.text)  # fmt: skip
    await kit.engine.conversation.answer(event)
    assert len(kit.channel.to("1")) > before
    dump = await _raw_dump(kit)
    # (the counters name the safety net's categories, by design: counts, not anyone's thread)
    for words in ("buikpijn", "samenwonen", "gebeurt", "pillen", "Sanne", "urgent"):
        assert words not in dump, words


async def test_stats_counts_open_and_urgent_threads_and_never_shows_a_word(kit: Kit) -> None:
    await asked(kit)
    await kit.sign_up("2")
    await kit.answer("2", "/coach")
    await kit.answer("2", PLAN)
    _, numbers = await coach_types(kit, OPERATOR, "/stats")
    assert "Vragen aan coaches: 2 open, waarvan 1 dringend" in numbers.text
    assert QUESTION not in numbers.text
    assert "pillen" not in numbers.text


async def test_an_operator_who_is_no_coach_sees_no_inbox(kit: Kit) -> None:
    await asked(kit)
    replies = await coach_types(kit, OPERATOR, "/inbox")
    assert all(QUESTION not in r.text and "Sanne" not in r.text for r in replies)


async def test_copies_that_cannot_be_edited_now_wait_for_a_later_turn(kit: Kit) -> None:
    """A copy Telegram asks to wait for (rate limit, a time-out) stays listed; a process with
    no Telegram to edit with leaves every copy for one that has."""
    store = kit.engine.store
    key = store.keys.coach_blanks()
    await store.redis.rpush(key, "42 1", "43 2")

    async def busy(copies: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [("43", "2")]

    store.blank_copies_with(busy)
    assert await store.blank_pending() == 1
    assert await store.redis.lrange(key, 0, -1) == ["43 2"]

    async def no_telegram(copies: list[tuple[str, str]]) -> None:
        return None

    store.blank_copies_with(no_telegram)
    assert await store.blank_pending() == 0
    assert await store.redis.lrange(key, 0, -1) == ["43 2"]
