"""End to end: `druppel run` as a real process, talking HTTP to a fake Telegram on loopback.

Nothing inside druppel is replaced: the test starts `python -m bot.app.cli run`, plays participants
through FakeTelegram (real python-telegram-bot long polling on the bot's side), and checks what
they see and what Redis keeps. The course clock runs thousands of times faster than real time so
a course day takes seconds; the test reads the same clock (its anchor lives in Redis) to know
when lessons are due, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.conversation.buttons import COMMON_TIMES
from bot.core import texts, texts_care, texts_ops
from courses.models import Course
from courses.render import question
from storage.models import Enrollment, EnrollmentStatus
from tests.e2e.processes import (
    COURSES,
    FAST,
    PARTNER,
    PRECISE,
    REPLY,
    ROOT,
    STARTUP,
    TZ,
    ZONE,
    eventually,
    local_hhmm,
    next_slot,
    shown,
)
from tests.e2e.telegram_world import TOKEN, TelegramWorld, day_texts, enrolled_texts
from tests.fakes.telegram_api import FakeTelegram, SentMessage


def heading(course: Course, number: int) -> str:
    return f"Dag {number} van {course.length} · {course.day(number).title}"


def headings(tg: FakeTelegram, chat: int) -> list[str]:
    """The day headings the chat received, in order; a lesson sent twice shows up twice."""
    return [m.text.split("\n", 1)[0] for m in tg.messages_to(chat) if m.text.startswith("Dag ")]


#: Every day's reminder of both courses, as sent.
NUDGES = frozenset(
    day.nudge for course in COURSES.values() for day in course.days if day.nudge is not None
)


def text_is(text: str) -> Callable[[SentMessage], bool]:
    return lambda m: m.text == text


async def test_sign_up_by_buttons_and_deep_link_then_the_first_lesson_on_time(
    world: TelegramWorld,
) -> None:
    """Three people sign up three ways; each first lesson comes at the time they chose."""
    w, tg = world, world.tg
    w.speed = PRECISE
    clock = await w.up()
    sanne, bram, quick = 1001, 1002, 1003

    # Sanne: /start -> course button -> time button -> "Ja, klopt".
    tg.user_sends(sanne, "/start", first_name="Sanne")
    welcome = await w.next(sanne, within=STARTUP)
    assert welcome.text == f"{texts.greeting('Sanne')} {texts.WELCOME}"
    assert sorted(welcome.callback_data) == sorted(f"c:{c}" for c in COURSES)
    for language in ("", "nl"):  # the menu is registered before polling starts
        menu = tg.commands[('{"type": "default"}', language)]
        assert menu == [{"command": c, "description": d} for c, d in texts.MENU]
    w.tap(sanne, "c:partner")
    assert (await w.next(sanne)).text.startswith(f"Je kiest voor “{PARTNER.title}”")
    assert (await w.next(sanne)).text == texts.ASK_TIME
    sanne_at = next_slot(clock, ahead=timedelta(hours=2))
    w.tap(sanne, f"t:{sanne_at}")
    assert (await w.next(sanne)).text == texts.ASK_ZONE.format(zone=shown(ZONE, clock.now()))
    w.tap(sanne, "z:ok")
    confirmed = await w.next(sanne)
    received = clock.now()
    enrolled = await w.enrollment(sanne)
    assert enrolled.next_due is not None
    assert local_hhmm(enrolled.next_due) == sanne_at
    assert confirmed.text in enrolled_texts(enrolled, PARTNER.title, received)

    # Bram follows a deep link: no course choice, straight to the time.
    await w.sign_up(bram, "partner", clock, deep_link=True, name="Bram")
    assert not any(m.text.startswith("Welkom") or "c:partner" in m.callback_data
                   for m in tg.messages_to(bram))  # fmt: skip

    # Quick taps the first button offered the moment it appears; their name needs escaping.
    tg.user_sends(quick, "/start", first_name="<Mo> & Jo")
    taps: list[str] = []
    while not (message := await w.next(quick)).text.startswith("Je bent ingeschreven"):
        if message.buttons:
            taps.append(message.callback_data[0])
            w.tap(quick, taps[-1])
    first = tg.messages_to(quick)[0]
    assert first.text.startswith("Hoi <Mo> & Jo! Welkom")
    assert first.raw_text.startswith("Hoi &lt;Mo&gt; &amp; Jo! Welkom")
    assert taps[0].startswith("c:")
    assert taps[1:] == [f"t:{COMMON_TIMES[0]}", "z:ok"]
    quick_course = COURSES[taps[0].removeprefix("c:")]

    # The first lessons: at the chosen local time, with the day's heading and the prompt.
    day_one = await w.receive_day(sanne, PARTNER, 1)
    assert day_one[0].text.startswith(f"{heading(PARTNER, 1)}\n\n")
    assert day_one[0].raw_text.startswith(f"<b>{heading(PARTNER, 1)}</b>\n\n")
    assert day_one[-1].text == PARTNER.day(1).prompt
    assert not any(m.buttons for m in day_one)  # day 1 has no check-in
    await w.receive_day(bram, PARTNER, 1)
    await w.receive_day(quick, quick_course, 1)
    for chat, at, course_id in (
        (sanne, sanne_at, "partner"), (quick, COMMON_TIMES[0], quick_course.id),
    ):  # fmt: skip
        enrollment = await w.enrollment(chat, course_id)
        assert enrollment.last_delivered_day == 1
        delivered = enrollment.last_delivered_at
        assert delivered is not None
        local = delivered.astimezone(TZ)
        due = local.replace(hour=int(at[:2]), minute=int(at[3:]), second=0, microsecond=0)
        assert due <= local <= due + w.slack(), f"chat {chat}: lesson at {local}, chose {at}"
        # The first chosen time after signing up, not a day later (delivery itself has slack).
        assert due - enrollment.started_at <= timedelta(days=1)

    # A reflection full of HTML characters is kept as typed and acknowledged; a sticker is not.
    tg.user_sends(sanne, "<b>&")
    # On a busy machine the day's reminder may fall due before the answer is handled (it comes
    # 20 course hours after the lesson, 8 real seconds here): the thanks is what must come.
    thanks = texts.REFLECTION_SAVED.format(day=1)
    ack = await w.next(sanne, lambda m: m.text.startswith(thanks) or m.text in NUDGES)
    if ack.text in NUDGES:
        ack = await w.next(sanne)
    assert ack.text.startswith(thanks)
    reflections = await w.store.reflections.all((await w.participant(sanne)).id)
    assert [(r.day, r.text) for r in reflections] == [(1, "<b>&")]
    tg.user_sends_sticker(bram)
    assert (await w.next(bram)).text == texts.UNSUPPORTED.format(what="stickers")

    assert len(tg.callback_answers) == w.taps  # every tap was answered
    assert not [e for e in tg.errors if e[0] == "sendMessage"]


async def test_a_course_day_by_day_with_check_in_pause_resume_and_stop(
    world: TelegramWorld,
) -> None:
    """One participant's course: reflect, check in, pause over a lesson, resume, stop."""
    w, tg = world, world.tg
    w.log_level = "DEBUG"
    await w.set_clock()
    bot = await w.start()
    clock = await w.clock()
    chat = 3001
    at = await w.sign_up(chat, "partner", clock)
    pid = (await w.participant(chat)).id

    day_one = await w.receive_day(chat, PARTNER, 1)
    assert day_one[-1].text == PARTNER.day(1).prompt
    assert local_hhmm((await w.enrollment(chat)).last_delivered_at) >= at
    reflection = "Het voelt <zwaar> & onzeker"
    tg.user_sends(chat, reflection)
    ack = await w.next(chat)
    assert ack.text.startswith(texts.REFLECTION_SAVED.format(day=1))
    assert [r.text for r in await w.store.reflections.all(pid)] == [reflection]

    # Day 2, a cause day: the lesson, the check-in with five buttons, then the prompt.
    day_two = await w.receive_day(chat, PARTNER, 2)
    checkin, prompt = day_two[-2:]
    assert checkin.callback_data == [f"k:partner:2:{score}" for score in range(1, 6)]
    assert prompt.text == PARTNER.day(2).prompt
    w.tap(chat, "k:partner:2:4")
    assert (await w.next(chat)).text == texts.CHECKIN_SAVED.format(score=4, day=2)
    stored = await w.store.checkins.get(pid, "partner", 2)
    assert stored is not None
    assert stored.score == 4

    # /pauze: silence across the time day 3 would have come.
    skipped = (await w.enrollment(chat)).next_due
    assert skipped is not None
    tg.user_sends(chat, "/pauze")
    assert (await w.next(chat)).text == texts.PAUSED
    quiet_from = tg.mark()
    await w.until(clock, skipped + timedelta(hours=2))
    assert tg.messages_to(chat)[-1].text == texts.PAUSED
    assert not [m for m in tg.sent[quiet_from:] if m.chat_id == chat]
    paused = await w.enrollment(chat)
    assert (paused.status, paused.current_day, paused.next_due) == (
        EnrollmentStatus.PAUSED, 3, None,
    )  # fmt: skip

    # /verder: day 3 (nothing repeated) at the next delivery time.
    asked = clock.now()
    tg.user_sends(chat, "/verder")
    resumed = await w.next(chat)
    received = clock.now()
    promised = (await w.enrollment(chat)).next_due
    assert promised is not None
    assert promised > skipped
    assert local_hhmm(promised) == at
    # "vandaag" or "morgen" as seen when the reply was written, between the two readings of
    # the sped-up clock (midnight may fall in between).
    assert resumed.text in {
        texts.RESUMED.format(
            day=3, when=texts.when(promised.astimezone(TZ), seen.astimezone(TZ).date())
        )
        for seen in (asked, received)
    }
    await w.receive_day(chat, PARTNER, 3)
    delivered = (await w.enrollment(chat)).last_delivered_at
    assert delivered is not None
    assert promised <= delivered <= promised + w.slack()
    assert headings(tg, chat) == [heading(PARTNER, n) for n in (1, 2, 3)]

    # /stop: no more lessons, not even at the next delivery time.
    next_time = (await w.enrollment(chat)).next_due
    assert next_time is not None
    tg.user_sends(chat, "/stop")
    assert (await w.next(chat)).text == texts.STOPPED
    stopped = await w.enrollment(chat)
    assert (stopped.status, stopped.next_due, stopped.end_reason) == (
        EnrollmentStatus.STOPPED, None, "participant",
    )  # fmt: skip
    quiet_from = tg.mark()
    await w.until(clock, next_time + timedelta(hours=2))
    assert not [m for m in tg.sent[quiet_from:] if m.chat_id == chat]
    assert headings(tg, chat) == [heading(PARTNER, n) for n in (1, 2, 3)]

    # A clean stop exits 0, and even at DEBUG the log holds no reflection and no token.
    assert await bot.stop() == 0
    log = bot.output()
    assert "druppel run: stopped" in log
    assert reflection not in log
    assert "zwaar" not in log
    assert TOKEN.split(":")[1] not in log


async def test_sigkill_restart_block_and_flood_lose_and_repeat_nothing(
    world: TelegramWorld,
) -> None:
    """Kill -9 mid-course, restart beside a worker: progress kept, no lesson sent twice, a
    blocked participant stopped quietly, a 429 only delays."""
    w, tg = world, world.tg
    # A day of 10 s: the checks below expect at most day 2 to have come after the restart,
    # which a busy machine's slow restart could overrun at the faster clock.
    w.speed = PRECISE
    await w.set_clock()
    bot = await w.start()
    clock = await w.clock()
    people = {4001: "partner", 4002: "twijfel", 4003: "partner", 4004: "twijfel"}
    a, b, blocked, flooded = people
    for chat, course_id in people.items():
        await w.sign_up(chat, course_id, clock, deep_link=True)
    for chat, course_id in people.items():
        await w.receive_day(chat, COURSES[course_id], 1)
        tg.user_sends(chat, f"antwoord van {chat}")
        assert (await w.next(chat)).text.startswith(texts.REFLECTION_SAVED.format(day=1))

    async def settled() -> dict[int, Enrollment] | None:
        """Everyone's enrollment, once every chat's queue is empty (nothing half-sent)."""
        for chat in people:
            if await w.store.queue.size((await w.participant(chat)).id):
                return None
        return {chat: await w.enrollment(chat, c) for chat, c in people.items()}

    # Killed between lessons: a kill between a send and its record may repeat that message
    # (delivery is at least once), which is not what this test is about.
    before = await eventually(settled, REPLY, "empty queues")
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL

    # While the bot is down, b asks for progress; the reply will meet flood control once.
    # How long the restart takes decides whether day 2 comes first, so nothing below relies on
    # the order of the reply and the lessons.
    down = tg.mark()
    tg.force_flood(1, retry_after=1, chat_id=b)
    tg.user_sends(b, "/voortgang")
    restarted = await w.start()
    worker = await w.start("worker")
    tg.block(blocked)
    tg.force_flood(1, retry_after=1, chat_id=flooded)

    def is_progress(m: SentMessage) -> bool:
        return m.text.startswith(f"“{COURSES['twijfel'].title}”: dag ")

    progress = await w.next(b, is_progress, within=STARTUP, since=down)
    assert "van 9 ontvangen. Antwoorden: 1." in progress.text
    assert tg.flood_by_chat[b] == 1
    for chat, course_id in people.items():  # nothing lost, nothing counted twice
        kept(before[chat], await w.enrollment(chat, course_id))

    for chat in (a, b, flooded):
        course = COURSES[people[chat]]
        day_long = w.real(timedelta(days=1)) + 15  # room for a busy machine
        await w.next(chat, text_is(question(course, 2)), day_long, since=down)
        lessons = [m.text for m in tg.sent[down:] if m.chat_id == chat and not is_progress(m)]
        # On a busy machine the day's nudge may follow before we look: it comes after, once.
        if len(lessons) > len(day_texts(course, 2)):
            assert lessons[len(day_texts(course, 2)) :] == [course.day(2).nudge]
        assert lessons[: len(day_texts(course, 2))] == day_texts(course, 2)
    gone = await eventually(
        lambda: _stopped(w, blocked, people[blocked]),
        w.real(timedelta(days=1)) + 5,
        "the blocked one stopped",
    )
    assert gone.end_reason == "unreachable"
    assert ("sendMessage", 403, "Forbidden: bot was blocked by the user") in tg.errors
    assert tg.flood_by_chat[flooded] == 1

    for chat, course_id in people.items():
        got = headings(tg, chat)
        assert Counter(got).most_common(1)[0][1] == 1, f"chat {chat} got a lesson twice: {got}"
        days = 1 if chat == blocked else 2
        assert got == [heading(COURSES[course_id], n) for n in range(1, days + 1)]
        pid = (await w.participant(chat)).id
        assert [r.text for r in await w.store.reflections.all(pid)] == [f"antwoord van {chat}"]
    assert len([m for m in tg.messages_to(b) if is_progress(m)]) == 1

    assert "druppel worker: started" in worker.output()
    assert await worker.stop() == 0
    assert await restarted.stop() == 0


def kept(before: Enrollment, after: Enrollment) -> None:
    """The enrollment survived a restart: unchanged, or (if day 2 came already) one day on."""
    if after.last_delivered_day == before.last_delivered_day:
        assert after == before
    else:
        assert after.last_delivered_day == before.last_delivered_day + 1
        assert (after.started_at, after.reflected_day) == (before.started_at, 1)


async def _stopped(w: TelegramWorld, chat: int, course_id: str) -> Enrollment | None:
    enrollment = await w.enrollment(chat, course_id)
    return enrollment if enrollment.status is EnrollmentStatus.STOPPED else None


DANGER_PHRASES = [
    # (what they type, the tier, the category): every category, in chat spelling too
    ("ik wil er niet meer zijn", "concern", "suicide"),
    ("ik heb een afscheidsbrief geschreven, morgen is het klaar", "acute", "suicide_plan"),
    ("ik snij mezelf weer", "concern", "selfharm"),
    ("Hij SLAAT me soms", "concern", "violence"),
    ("ze bedreigt me", "concern", "threat"),
    ("ik ben bang voor mijn man", "concern", "fear"),
    ("he checks my phone every night", "concern", "control"),
    ("hij heeft me verkracht", "concern", "sexual"),
    ("mn ex volgt me overal", "concern", "stalking"),
    ("de kinderen zijn doodsbang voor hun vader", "concern", "children"),
    ("i want to kill myself", "concern", "suicide"),
    ("hij staat met een mes voor me, help", "acute", "violence"),
]


async def test_danger_in_any_phrasing_gets_help_first_and_nothing_routine_over_telegram(
    world: TelegramWorld,
) -> None:
    """Through the real bot over HTTP: whatever a participant types that signals danger, the
    first thing back is help (the action first when acute, "Ben je nu veilig?" otherwise), with
    its buttons, and nothing routine in that turn."""
    w, tg = world, world.tg
    w.speed = PRECISE  # sign-ups take a few seconds: at FAST that can cross midnight
    clock = await w.up()
    chats = list(range(1301, 1301 + len(DANGER_PHRASES)))
    before: dict[int, int] = {}
    for chat, (words, tier, category) in zip(chats, DANGER_PHRASES, strict=True):
        # Each right after its own sign-up: the first lesson is hours away.
        await w.sign_up(chat, "twijfel", clock, deep_link=True)
        before[chat] = len(tg.messages_to(chat))
        tg.user_sends(chat, words)
        first = await w.next(chat)
        if tier == "acute":
            assert first.text == texts_care.acute(category, "nl"), words
            assert first.callback_data == ["h:rust", "h:praat", "h:pauze"]
        else:
            assert first.text == texts_care.concern(category, "nl"), words
            assert first.callback_data == [f"v:{a}:{category}" for a in ("ja", "nee", "stil")]
            helps = await w.next(chat)
            assert helps.text == texts_care.WHAT_HELPS
            assert helps.callback_data == ["h:rust", "h:praat", "h:pauze"]
    tg.user_taps(chats[0], "h:rust")
    grounding = await w.next(chats[0], lambda m: m.text == texts_care.GROUNDING)
    assert grounding.text == texts_care.GROUNDING
    tg.user_taps(chats[3], "v:nee:violence")
    acute = await w.next(chats[3], lambda m: m.text.startswith(texts_care.ACT_112))
    assert acute.text == texts_care.acute("violence", "nl")
    for chat in chats:
        after = tg.messages_to(chat)[before[chat] :]
        assert not [m for m in after if "bewaard" in m.text or "les komt" in m.text]


async def test_typing_while_a_lesson_arrives_is_answered_after_it_and_pause_means_pause(
    world: TelegramWorld,
) -> None:
    """Each Bot API answer takes a while, so a lesson's parts arrive over seconds; an answer
    typed after the first part is acknowledged after the last, and after /pauze's confirmation
    nothing of the course arrives until /verder, which brings the rest of the interrupted day."""
    w, tg = world, world.tg
    w.speed = FAST
    clock = await w.up()
    course = COURSES["twijfel"]
    answering, pausing = 1201, 1202
    for chat in (answering, pausing):
        await w.sign_up(chat, "twijfel", clock, deep_link=True)
    due = (await w.enrollment(answering, "twijfel")).next_due
    assert due is not None
    tg.answer_delay = 0.4
    expected = day_texts(course, 1)

    await w.next(answering, text_is(expected[0]), within=w.real(due - clock.now()) + 10)
    tg.user_sends(answering, "Ik herken het, vooral 's avonds.")
    await w.next(pausing, text_is(expected[0]))
    tg.user_sends(pausing, "/pauze")
    after = [(await w.next(answering)).text for _ in expected]
    assert after[:-1] == expected[1:]
    assert after[-1].startswith(texts.REFLECTION_SAVED.format(day=1))

    # What reached the pausing chat: part one, maybe the part already on its way, then the
    # confirmation, then nothing, not even the next day's lesson.
    got = [expected[0]]
    while (message := await w.next(pausing)).text != texts.PAUSED:
        got.append(message.text)
    assert got == expected[: len(got)]
    assert len(got) <= 2
    tg.answer_delay = 0.0
    mark = tg.mark()
    await asyncio.sleep(w.real(timedelta(days=1, hours=6)))  # past the next lesson's time
    assert [m for m in tg.sent[mark:] if m.chat_id == pausing] == []

    tg.user_sends(pausing, "/verder")
    resumed = await w.next(pausing)
    assert texts.REST_OF_LESSON in resumed.text
    rest = [(await w.next(pausing)).text for _ in expected[len(got) :]]
    assert got + rest == expected


async def test_an_operators_stats_arrive_as_a_chart_photo_then_the_numbers(
    world: TelegramWorld,
) -> None:
    """/stats from an operator: a PNG chart uploaded with sendPhoto, its caption, then the text;
    a participant typing the same gets the unknown-command answer."""
    w, tg = world, world.tg
    operator, sanne = 900001, 1001
    w.extra_env["OPERATOR_IDS"] = str(operator)
    clock = await w.up()
    await w.sign_up(sanne, "partner", clock)

    tg.user_sends(operator, "/stats", first_name="Olga")
    chart = await w.next(operator, within=STARTUP)
    assert chart.method == "sendPhoto"
    assert chart.text == texts_ops.STATS_CAPTION
    assert chart.photo is not None
    assert chart.photo.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.photo[12:16] == b"IHDR"
    numbers = await w.next(operator)
    assert numbers.method == "sendMessage"
    assert "Deelnemers: 1 in totaal" in numbers.text
    assert f"“{PARTNER.title}”: 1 bezig" in numbers.text
    menu = tg.commands[(f'{{"chat_id": {operator}, "type": "chat"}}', "")]
    assert {"stats", "health", "errors", "user"} <= {c["command"] for c in menu}

    mark = tg.mark()
    tg.user_sends(sanne, "/stats")
    # Her first lesson may still be on its way; the answer to /stats is what counts here.
    reply = await w.next(sanne, lambda m: m.text == texts.UNKNOWN_COMMAND, since=mark)
    assert reply.text == texts.UNKNOWN_COMMAND
    assert [m for m in tg.messages_to(sanne) if m.is_photo] == []


@pytest.mark.parametrize("command", ["run", "worker"])
async def test_a_refused_token_is_one_clear_line(world: TelegramWorld, command: str) -> None:
    world.token = "5550001:not-the-right-one"
    druppel = await world.start(command)
    assert await asyncio.wait_for(druppel.process.wait(), STARTUP) == 2
    output = druppel.output()
    last = output.strip().splitlines()[-1]
    assert last == (
        "druppel: Telegram refused TELEGRAM_BOT_TOKEN; check the token BotFather gave you"
    )
    assert "not-the-right-one" not in output
    assert "Traceback" not in output


@pytest.mark.parametrize("command", ["run", "worker"])
def test_without_a_token_druppel_says_so_in_one_line(command: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TELEGRAM_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "bot.app.cli", command],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("druppel: TELEGRAM_BOT_TOKEN is not set")
    assert done.stderr.count("\n") == 1


def test_the_procfile_runs_the_bot_a_worker_and_the_web_process() -> None:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    assert lines == ["bot: druppel run", "worker: druppel worker", "web: druppel web"]
