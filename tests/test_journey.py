"""A participant's whole journey through the engine on real Redis, course time under control."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import texts
from bot.delivery.errors import Gone, RateLimited, Rejected, Transient
from courses.render import question, render_day
from storage.keys import Keys
from storage.models import Channel, EnrollmentStatus
from tests.journey_kit import START, Kit, journey_kit

AMS = ZoneInfo("Europe/Amsterdam")
TWIJFEL_FILE = Path(__file__).resolve().parent.parent / "courses" / "twijfel.yaml"
# Wednesday 25 November 2026, 10:00 in Amsterdam.


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMS).astimezone(UTC)


async def _enrollment(kit: Kit, chat: str, course: str = "twijfel"):  # type: ignore[no-untyped-def]
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat)
    assert p is not None
    e = await kit.engine.store.enrollments.get(p.id, course)
    assert e is not None
    return p, e


async def test_sign_up_by_buttons_confirms_when_the_first_lesson_comes(kit: Kit) -> None:
    [welcome] = await kit.say("1", "/start")
    assert "Hoi Sanne!" in welcome.text
    assert [row[0].data for row in welcome.buttons] == ["c:partner", "c:twijfel"] or [
        row[0].data for row in welcome.buttons
    ] == ["c:twijfel", "c:partner"]
    chosen, ask_time = await kit.tap("1", "c:twijfel")
    assert "Help! Ik twijfel" in chosen.text
    assert ask_time.buttons[0][0].data == "t:07:00"
    [ask_zone] = await kit.tap("1", "t:07:00")
    assert "Amsterdam (UTC+1)" in ask_zone.text  # the place and its offset, not a zone key
    [done] = await kit.tap("1", "z:ok")
    assert "morgen om 07:00" in done.text
    _, enrollment = await _enrollment(kit, "1")
    assert enrollment.next_due == local(26, 7)
    assert enrollment.status is EnrollmentStatus.ACTIVE


async def test_deep_link_skips_the_course_choice(kit: Kit) -> None:
    chosen, ask_time = await kit.say("1", "/start partner")
    assert kit.engine.courses["partner"].title in chosen.text
    assert ask_time.buttons
    await kit.tap("1", "t:21:00")
    [done] = await kit.tap("1", "z:ok")
    assert "vandaag om 21:00" in done.text


async def test_first_lesson_arrives_at_the_chosen_local_time_and_not_before(kit: Kit) -> None:
    await kit.sign_up("1", at="07:30")
    await kit.run_until(local(26, 7, 25))
    assert kit.channel.to("1") == []
    await kit.run_until(local(26, 7, 35))
    messages = kit.channel.to("1")
    assert messages[0].heading is not None
    assert messages[0].heading.startswith("Dag 1 van 9 · ")
    assert messages[-1].text == kit.engine.courses["twijfel"].day(1).prompt
    _, e = await _enrollment(kit, "1")
    assert e.last_delivered_at is not None
    assert e.last_delivered_at.astimezone(AMS).strftime("%H:%M") in {"07:30", "07:35"}
    assert e.next_due == local(27, 7, 30)


async def test_reflection_is_kept_and_the_next_day_follows(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    [ack] = await kit.say("1", "Ik merk dat ik <wegloop> & twijfel.")
    assert "dag 1" in ack.text
    assert "morgen om 07:00" in ack.text
    p, _ = await _enrollment(kit, "1")
    [saved] = await kit.engine.store.reflections.for_day(p.id, "twijfel", 1)
    assert saved.text == "Ik merk dat ik <wegloop> & twijfel."
    await kit.run_until(local(27, 8))
    assert kit.channel.headings("1")[-1].startswith("Dag 2 van 9")
    checkin = next(m for m in kit.channel.to("1") if m.buttons)
    assert [b.data for b in checkin.buttons[0]] == [f"k:twijfel:2:{n}" for n in range(1, 6)]
    [noted] = await kit.tap("1", "k:twijfel:2:4")
    assert "4 van 5" in noted.text
    stored = await kit.engine.store.checkins.get(p.id, "twijfel", 2)
    assert stored is not None
    assert stored.score == 4


async def test_a_checkin_for_a_day_not_yet_received_changes_nothing(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    [reply] = await kit.tap("1", "k:twijfel:5:3")
    assert "nog niet" in reply.text
    p, _ = await _enrollment(kit, "1")
    assert await kit.engine.store.checkins.all(p.id) == []


async def test_paused_participant_gets_no_lesson_and_resume_continues_with_the_next(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    [paused] = await kit.say("1", "/pauze")
    assert "pauze" in paused.text
    await kit.run_until(local(29, 12))
    assert kit.channel.headings("1") == [kit.channel.headings("1")[0]]
    [resumed] = await kit.say("1", "/verder")
    assert "dag 2" in resumed.text
    assert "morgen om 07:00" in resumed.text
    await kit.run_until(local(30, 8))
    headings = kit.channel.headings("1")
    assert [h.split(" · ")[0] for h in headings] == ["Dag 1 van 9", "Dag 2 van 9"]


async def test_english_aliases_work(kit: Kit) -> None:
    await kit.sign_up("1")
    assert "pauze" in (await kit.say("1", "/pause"))[0].text
    assert "Welkom terug" in (await kit.say("1", "/resume"))[0].text
    assert "dag 0 van 9" in (await kit.say("1", "/progress"))[0].text


async def test_stop_ends_the_course(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    [stopped] = await kit.say("1", "/stop")
    assert "gestopt" in stopped.text
    await kit.run_until(local(29, 8))
    assert len(kit.channel.headings("1")) == 1
    _, e = await _enrollment(kit, "1")
    assert e.status is EnrollmentStatus.STOPPED


async def test_after_downtime_a_participant_gets_the_lesson_they_are_on_once(kit: Kit) -> None:
    await kit.sign_up("1")
    kit.clock.set(local(30, 6, 30))  # nobody ticked for four days
    await kit.tick()
    await kit.run_until(local(30, 12))
    assert [h.split(" · ")[0] for h in kit.channel.headings("1")] == ["Dag 1 van 9"]
    _, e = await _enrollment(kit, "1")
    assert e.next_due == local(1, 7, month=12)


async def test_lessons_stay_at_local_time_across_the_end_of_summer_time(
    redis_url: str, keys: Keys, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    start = datetime(2026, 10, 23, 12, 0, tzinfo=AMS).astimezone(UTC)
    async with journey_kit(redis_url, keys, tmp_path, start) as kit:
        await kit.sign_up("1", at="07:00")
        delivered = []
        for day in (24, 25, 26):
            await kit.run_until(local(day, 7, 0, month=10), step=timedelta(minutes=1))
            _, e = await _enrollment(kit, "1")
            delivered.append(e.last_delivered_at)
        assert [d.astimezone(AMS).strftime("%d %H:%M") for d in delivered if d] == [
            "24 07:00", "25 07:00", "26 07:00",
        ]  # fmt: skip
        assert [d.hour for d in delivered if d] == [5, 6, 6]  # UTC: the offset changed, we did not


async def test_a_nudge_comes_once_when_no_reflection_arrives(kit: Kit) -> None:
    await kit.sign_up("1", at="07:00")
    await kit.run_until(local(26, 7, 5))
    sent_after_lesson = len(kit.channel.to("1"))
    nudge = kit.engine.courses["twijfel"].day(1).nudge
    # Twenty hours after 07:00 is three at night, and then the next lesson comes first: the
    # nudge takes the evening slot of the daytime window instead.
    await kit.run_until(local(26, 20, 25))
    assert len(kit.channel.to("1")) == sent_after_lesson
    await kit.run_until(local(26, 20, 35))
    assert [m.text for m in kit.channel.to("1")[sent_after_lesson:]] == [nudge]
    await kit.run_until(local(27, 6, 55))
    assert len(kit.channel.to("1")) == sent_after_lesson + 1


async def test_no_nudge_after_a_reflection(kit: Kit) -> None:
    await kit.sign_up("1", at="07:00")
    await kit.run_until(local(26, 7, 5))
    await kit.say("1", "Mijn antwoord.")
    sent = len(kit.channel.to("1"))
    await kit.run_until(local(27, 6, 55))
    assert len(kit.channel.to("1")) == sent


async def test_after_reflection_pacing_waits_for_an_answer(
    redis_url: str, keys: Keys, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    courses = tmp_path / "courses"
    courses.mkdir()
    text = TWIJFEL_FILE.read_text(encoding="utf-8").replace(
        "pacing: daily", "pacing: after_reflection"
    )
    assert "after_reflection" in text
    (courses / "twijfel.yaml").write_text(text, encoding="utf-8")
    async with journey_kit(redis_url, keys, tmp_path, START, courses_dir=courses) as kit:
        await kit.sign_up("1")
        await kit.run_until(local(28, 12))
        assert len(kit.channel.headings("1")) == 1
        [ack] = await kit.say("1", "Eindelijk een antwoord.")
        assert "morgen om 07:00" in ack.text
        await kit.run_until(local(29, 8))
        assert len(kit.channel.headings("1")) == 2


async def test_without_a_last_answer_the_course_ends_with_the_last_nudge_in_the_daytime(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(4, 7, 30, month=12), step=timedelta(minutes=30))
    headings = kit.channel.headings("1")
    assert [h.split(" · ")[0] for h in headings] == [f"Dag {n} van 9" for n in range(1, 10)]
    course = kit.engine.courses["twijfel"]
    assert kit.channel.to("1")[-1].text == course.day(9).prompt  # no end yet: an answer may come
    _, e = await _enrollment(kit, "1")
    assert e.status is EnrollmentStatus.ACTIVE
    progress = await kit.say("1", "/voortgang")
    assert texts.PROGRESS_LAST_ANSWER.format(day=9) in progress[0].text
    # Twenty hours after 07:00 is night: the last nudge and the end wait for 09:00.
    await kit.run_until(local(5, 8, 55, month=12), step=timedelta(minutes=30))
    assert kit.channel.to("1")[-1].text == course.day(9).prompt
    await kit.run_until(local(5, 9, 5, month=12))
    received = [m.text for m in kit.channel.to("1")]
    end = received.index(texts.COURSE_DONE.format(title=course.title))
    assert received[end - 1] == course.day(9).nudge  # the nudge, then the end, then the summary
    assert received[end + 1].startswith(texts.SUMMARY_NO_SCORES)
    _, e = await _enrollment(kit, "1")
    assert e.status is EnrollmentStatus.COMPLETED


async def test_the_last_answer_ends_the_course_and_a_follow_up_comes_two_weeks_later(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(4, 7, 30, month=12), step=timedelta(minutes=30))
    course = kit.engine.courses["twijfel"]
    saved, done, *closing = await kit.say("1", "Ik ga het gesprek aan.")
    assert saved.text.startswith(texts.REFLECTION_SAVED.format(day=9))
    assert texts.PRIVACY_FIRST in saved.text  # the first answer kept: who reads it, said once
    assert done.text == texts.COURSE_DONE.format(title=course.title)
    assert [m.named.kind for m in closing if m.named] == ["summary", "answers"]
    sent = len(kit.channel.to("1"))
    await kit.run_until(local(18, 6, 55, month=12), step=timedelta(hours=2))
    assert len(kit.channel.to("1")) == sent  # no nudge after the answer, nothing for days
    assert course.followup is not None
    await kit.run_until(local(18, 7, 5, month=12), step=timedelta(minutes=30))
    followup = [m.text for m in kit.channel.to("1")[sent:]]
    assert followup == [course.followup.text, course.followup.prompt]
    [thanks] = await kit.say("1", "Het gaat beter dan ik dacht.")
    assert thanks.text == texts.FOLLOWUP_SAVED
    p, e = await _enrollment(kit, "1")
    answers = await kit.engine.store.reflections.all(p.id)
    assert [a.followup for a in answers] == [False, True]
    assert e.followup_due is None
    assert await kit.engine.store.due.size() == 0


@pytest.mark.parametrize(
    ("zone", "at"),
    [("Europe/Amsterdam", "07:00"), ("America/Paramaribo", "06:00"), ("Asia/Tokyo", "23:00")],
)
async def test_no_nudge_ever_arrives_at_night_in_the_participants_zone(
    kit: Kit, zone: str, at: str
) -> None:
    await kit.say("1", "/start twijfel")
    await kit.tap("1", f"t:{at}")
    await kit.tap("1", "z:?")
    await kit.say("1", zone)
    sent_at: list[datetime] = []
    seen = 0
    until = kit.clock.now() + timedelta(days=10)
    while kit.clock.now() < until:
        kit.clock.advance(timedelta(minutes=15))
        await kit.tick()
        for message in kit.channel.to("1")[seen:]:
            if message.text in {d.nudge for d in kit.engine.courses["twijfel"].days}:
                sent_at.append(kit.clock.now())
        seen = len(kit.channel.to("1"))
    assert len(sent_at) >= 5  # nudges do come...
    local_hours = [t.astimezone(ZoneInfo(zone)).time() for t in sent_at]
    assert all(time(9, 0) <= h <= time(21, 0) for h in local_hours), local_hours  # ...by day


async def test_starting_again_mid_course_asks_before_resetting(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(27, 8))
    [question] = await kit.say("1", "/start")
    assert "dag 3 van 9" in question.text
    assert [row[0].data for row in question.buttons] == ["r:yes", "r:no"]
    [kept] = await kit.tap("1", "r:no")
    assert "verder" in kept.text
    _, e = await _enrollment(kit, "1")
    assert e.current_day == 3
    await kit.say("1", "/start")
    await kit.tap("1", "r:yes")
    _, e = await _enrollment(kit, "1")
    assert e.current_day == 3  # nothing reset until the new sign-up is complete
    await kit.tap("1", "c:twijfel")
    await kit.tap("1", "t:08:00")
    await kit.tap("1", "z:ok")
    _, e = await _enrollment(kit, "1")
    assert e.current_day == 1
    assert e.last_delivered_day == 0


async def test_typing_a_time_and_a_zone(kit: Kit) -> None:
    await kit.say("1", "/start twijfel")
    await kit.tap("1", "t:?")
    [bad] = await kit.say("1", "morgenochtend")
    assert "begrijp ik niet" in bad.text
    p, _ = await kit.engine.store.participants.get_or_create(Channel.CONSOLE, "1", now=START)
    assert p.step == "type_time"
    await kit.say("1", "6.45")
    await kit.tap("1", "z:?")
    [bad_zone] = await kit.say("1", "Atlantis")
    assert "vind ik niet" in bad_zone.text
    [done] = await kit.say("1", "new york")
    assert "New York (UTC-5)" in done.text
    _, e = await _enrollment(kit, "1")
    # 10:00 in Amsterdam is 04:00 in New York: 06:45 there is still to come today.
    assert e.next_due == datetime(2026, 11, 25, 6, 45, tzinfo=ZoneInfo("America/New_York"))


async def test_a_spoken_time_is_asked_about_once_and_a_place_is_a_zone(kit: Kit) -> None:
    await kit.say("1", "/start twijfel")
    await kit.tap("1", "t:?")
    [which] = await kit.say("1", "half 8")
    assert which.text == texts.WHICH_TIME
    assert [b.data for b in which.buttons[0]] == ["t:07:30", "t:19:30"]
    [ask_zone] = await kit.tap("1", "t:19:30")
    assert "Amsterdam (UTC+1)" in ask_zone.text
    await kit.tap("1", "z:?")
    [done] = await kit.say("1", "Brussel")
    assert "tijdzone Brussel (UTC+1)." in done.text  # no "(Brussel (UTC+1))"
    assert "((" not in done.text
    p, _ = await _enrollment(kit, "1")
    assert (p.delivery_time, p.timezone) == (time(19, 30), "Europe/Brussels")
    [moved] = await kit.say("1", "/tijd kwart voor 8 's ochtends")
    assert "07:45" in moved.text
    [bad] = await kit.say("1", "/tijdzone Atlantis")
    assert bad.text == texts.BAD_ZONE


async def test_a_country_with_several_times_is_asked_about_with_a_button_for_each(
    kit: Kit,
) -> None:
    await kit.sign_up("1", at="07:00")
    [which] = await kit.say("1", "/tijdzone Spanje")
    assert which.text == texts.WHICH_ZONE.format(country="Spanje")
    labels = [b.label for row in which.buttons for b in row]
    assert labels == ["Madrid (UTC+1)", "Canarische Eilanden (UTC)"]
    [moved] = await kit.tap("1", which.buttons[1][0].data)
    assert "tijdzone Canarische Eilanden (UTC)" in moved.text
    p, _ = await _enrollment(kit, "1")
    assert p.timezone == "Atlantic/Canary"
    [stale] = await kit.tap("1", "zp:Mars/Olympus")
    assert stale.text == texts.STALE_BUTTON


async def test_an_answer_after_dag_belongs_to_that_day_and_says_so(kit: Kit) -> None:
    await kit.sign_up("1", at="07:00")
    await kit.run_until(local(28, 8))  # days 1 to 3 came
    p, e = await _enrollment(kit, "1")
    assert e.last_delivered_day == 3
    *_, invite = await kit.say("1", "/dag 2")
    assert invite.text == texts.ANSWER_FOR_DAY.format(day=2)
    [saved] = await kit.say("1", "Voor dag twee: ik merk dat ik vooral bang ben.")
    assert saved.text == texts.REFLECTION_SAVED.format(day=2)
    [more] = await kit.say("1", "Vooral 's avonds.")
    assert more.text == texts.REFLECTION_ADDED.format(day=2)
    *_, back = await kit.say("1", "/vandaag")
    assert back.text == kit.engine.courses["twijfel"].day(3).prompt
    [later] = await kit.say("1", "En dit gaat over vandaag.")
    assert later.text.startswith(texts.REFLECTION_SAVED.format(day=3))
    days = [r.day for r in await kit.engine.store.reflections.all(p.id)]
    assert days == [2, 3]
    [scored] = await kit.tap("1", "k:twijfel:2:4")
    assert scored.text == texts.CHECKIN_SAVED.format(score=4, day=2)


async def test_a_greeting_or_a_sign_is_not_kept_as_an_answer_unasked(kit: Kit) -> None:
    await kit.sign_up("1", at="07:00")
    await kit.run_until(local(26, 8))
    p, _ = await _enrollment(kit, "1")
    for typed in ("hallo?", "test", "?"):
        [told] = await kit.say("1", typed)
        assert told.text == texts.NOT_AN_ANSWER.format(day=1)
    again, what = told.buttons[0]
    assert (again.label, what.label) == (texts.QUESTION_AGAIN, texts.WHAT_I_DO)
    *_, question = await kit.tap("1", again.data)
    assert question.text == kit.engine.courses["twijfel"].day(1).prompt
    [shown] = await kit.tap("1", what.data)
    assert shown.text == texts.HELP
    [number] = await kit.say("1", "3")  # meant for a scale, perhaps: asked, not kept
    assert number.text == texts.KEEP_THIS.format(day=1)
    [asked] = await kit.say("1", "👍")
    assert asked.text == texts.KEEP_THIS.format(day=1)
    keep, drop = asked.buttons[0]
    assert await kit.engine.store.reflections.all(p.id) == []
    [let_go] = await kit.tap("1", drop.data)
    assert let_go.text == texts.KEEP_NOT
    [kept] = await kit.tap("1", keep.data)
    assert kept.text.startswith(texts.REFLECTION_SAVED.format(day=1))
    assert [r.text for r in await kit.engine.store.reflections.all(p.id)] == ["👍"]


async def test_a_command_a_typo_away_is_offered_and_runs_with_a_tap(kit: Kit) -> None:
    await kit.sign_up("1", at="07:00")
    [offer] = await kit.say("1", "/paze")
    assert offer.text == texts.DID_YOU_MEAN.format(command="pauze")
    [(button,)] = offer.buttons
    [paused] = await kit.tap("1", button.data)
    assert paused.text == texts.PAUSED
    [unknown] = await kit.say("1", "/xyzzy")
    assert unknown.text == texts.UNKNOWN_COMMAND


def test_help_lists_every_command_a_participant_has_and_points_to_hulp_first() -> None:
    first, *rest = texts.HELP.split("\n")
    assert "/hulp" in first
    for name in (
        "start",
        "vandaag",
        "dag",
        "antwoorden",
        "voortgang",
        "tijd",
        "tijdzone",
        "pauze",
        "verder",
        "stop",
        "privacy",
        "mijngegevens",
        "wisgegevens",
        "help",
    ):
        assert any(line.startswith(f"/{name}") for line in rest), name


async def test_changing_the_time_moves_the_next_lesson_but_never_gives_two_in_a_day(
    kit: Kit,
) -> None:
    await kit.sign_up("1", at="07:00")
    await kit.run_until(local(26, 8))
    [moved] = await kit.say("1", "/tijd 21:00")
    assert "morgen om 21:00" in moved.text  # today already had its lesson
    await kit.run_until(local(27, 8))
    assert len(kit.channel.headings("1")) == 1


async def test_today_resends_the_last_lesson(kit: Kit) -> None:
    [early] = await kit.say("1", "/vandaag")
    assert "/start" in early.text
    await kit.sign_up("1")
    [not_yet] = await kit.say("1", "/vandaag")
    assert "morgen om 07:00" in not_yet.text
    await kit.run_until(local(26, 8))
    again = await kit.say("1", "/vandaag")
    assert [m.text for m in again] == [m.text for m in kit.channel.to("1")]


async def test_someone_unknown_gets_a_pointer_and_nothing_is_stored(kit: Kit) -> None:
    [reply] = await kit.say("9", "hallo?")
    assert "/start" in reply.text
    assert await kit.engine.store.participants.count() == 0
    assert "/vandaag" in (await kit.say("9", "/help"))[0].text
    assert await kit.engine.store.participants.count() == 0


async def test_unsupported_content_gets_a_kind_sentence(kit: Kit) -> None:
    from bot.core.messages import Incoming, Kind

    await kit.sign_up("1")
    event = Incoming(Channel.CONSOLE, "1", Kind.UNSUPPORTED, what="sticker")
    [reply] = await kit.engine.coach.handle(event)
    assert "stickers" in reply.text
    assert "tekst" in reply.text


async def test_a_message_the_channel_refuses_for_now_is_sent_later_not_lost(kit: Kit) -> None:
    await kit.sign_up("1")
    kit.channel.failures["1"] = [Transient("timeout"), RateLimited(5)]
    await kit.run_until(local(26, 7, 0))
    assert kit.channel.to("1") == []
    await kit.run_until(local(26, 8, 0))
    assert len(kit.channel.headings("1")) == 1
    prompt = question(kit.engine.courses["twijfel"], 1)
    assert [m.text for m in kit.channel.to("1")].count(prompt) == 1


async def test_a_malformed_message_is_skipped_and_the_rest_arrives(kit: Kit) -> None:
    await kit.sign_up("1")
    kit.channel.failures["1"] = [Rejected("can't parse")]
    await kit.run_until(local(26, 7, 30))
    texts = [m.text for m in kit.channel.to("1")]
    assert texts[-1] == kit.engine.courses["twijfel"].day(1).prompt
    assert len(texts) == len(kit.engine.courses["twijfel"].day(1).lesson)  # first one dropped


async def test_a_participant_who_blocked_the_bot_is_stopped_quietly(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.sign_up("2")
    kit.channel.failures["1"] = [Gone("blocked")]
    await kit.run_until(local(26, 8))
    _, gone = await _enrollment(kit, "1")
    assert gone.status is EnrollmentStatus.STOPPED
    assert gone.end_reason == "unreachable"
    assert len(kit.channel.headings("2")) == 1


async def test_fast_tapper_always_taking_the_first_button_gets_a_lesson_within_a_day(
    kit: Kit,
) -> None:
    replies = await kit.say("1", "/start")
    for _ in range(6):
        buttons = [m.buttons for m in replies if m.buttons]
        if not buttons:
            break
        replies = await kit.tap("1", buttons[-1][0][0].data)
    assert "ingeschreven" in replies[-1].text
    await kit.run_until(START + timedelta(days=1))
    assert len(kit.channel.headings("1")) == 1


async def test_tapping_a_time_twice_during_sign_up_still_enrolls(kit: Kit) -> None:
    await kit.say("1", "/start partner")
    await kit.tap("1", "t:07:00")
    [again] = await kit.tap("1", "t:08:00")
    assert "Klopt dat?" in again.text
    [done] = await kit.tap("1", "z:ok")
    assert "08:00" in done.text
    _, e = await _enrollment(kit, "1", "partner")
    assert e.next_due == local(26, 8)


async def test_a_course_that_lost_days_ends_the_enrollment_instead_of_failing(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(27, 8))
    assert len(kit.channel.headings("1")) == 2
    full = kit.engine.courses["twijfel"]
    kit.engine.courses["twijfel"] = full.model_copy(update={"days": full.days[:2]})
    await kit.run_until(local(28, 8))
    _, e = await _enrollment(kit, "1")
    assert e.status is EnrollmentStatus.COMPLETED
    assert kit.engine.dispatcher.stats.failed == 0
    again = await kit.say("1", "/vandaag")
    assert again[0].heading is not None
    assert again[0].heading.startswith("Dag 2 van 2")


FORGED_BUTTONS = [
    "k:twijfel:²:5", "k:twijfel:1:²", "k:twijfel:\u0661:3", "k:twijfel:1:5:extra", "k:twijfel::",
    "k:twijfel:99999999999999999999:1", "k:twijfel:-1:3", "k:twijfel:0:3", "k:twijfel:1:6",
    "k:twijfel:1: 3", "k:onbekend:1:3", "k:", "k", ":", "", "c:", "c:../../etc", "t:25:99",
    "t:", "z:", "r:", "r:yes", "x:y:z", "k:twijfel:1:3\x00", "k:twijfel:\uff11:3",
    "t:\uff17:\uff10\uff10",
]  # fmt: skip


@pytest.mark.parametrize("data", FORGED_BUTTONS)
async def test_forged_or_stale_button_data_gets_a_kind_answer_and_changes_nothing(
    kit: Kit, data: str
) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    p, before = await _enrollment(kit, "1")
    replies = await kit.tap("1", data)
    assert replies, "every tap gets an answer"
    assert all(r.text != texts.SOMETHING_WRONG for r in replies)
    _, after = await _enrollment(kit, "1")
    assert after == before
    assert await kit.engine.store.checkins.all(p.id) == []


async def test_operators_counters_add_up_what_happened(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.sign_up("2")
    await kit.run_until(local(26, 7, 30))
    await kit.say("1", "Mijn antwoord.")
    await kit.tap("1", "k:twijfel:5:3")  # a day not received yet: stale, not counted
    await kit.run_until(local(27, 7, 30))
    await kit.tap("1", "k:twijfel:2:4")
    assert kit.engine.journey.counters is not None
    await kit.engine.journey.counters.flush()  # messages sent are written in bunches
    totals = await kit.engine.journey.counters.totals()
    day = len(render_day(kit.engine.courses["twijfel"], 1)) + len(
        render_day(kit.engine.courses["twijfel"], 2)
    )
    assert totals.get("signups") == 2
    assert totals.get("lessons_delivered") == 4
    assert totals.get("messages_sent") == 2 * day + 1  # and one nudge for the one who was quiet
    assert totals.get("reflections_received") == 1
    assert totals.get("checkins_received") == 1


async def test_a_removed_course_pauses_its_participants_once_with_a_kind_word(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    await kit.sign_up("1")
    await kit.sign_up("2")
    await kit.run_until(local(26, 8))
    twijfel = kit.engine.courses.pop("twijfel")  # the file is gone
    with caplog.at_level("ERROR"):
        await kit.run_until(local(29, 8), step=timedelta(hours=1))
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "2 participants" in errors[0].getMessage()
    for chat in ("1", "2"):
        assert [m.text for m in kit.channel.to(chat)].count(texts.COURSE_CHANGED) == 1
        _, e = await _enrollment(kit, chat)
        assert e.status is EnrollmentStatus.PAUSED
    assert kit.engine.dispatcher.stats.failed == 0
    [still] = await kit.say("1", "/verder")
    assert still.text == texts.COURSE_CHANGED
    kit.engine.courses["twijfel"] = twijfel  # back again
    await kit.say("1", "/verder")
    await kit.run_until(local(30, 8))
    assert kit.channel.headings("1")[-1].startswith("Dag 2 van 9")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.text(max_size=80),
        st.builds(
            "{}:{}:{}:{}".format,
            st.sampled_from(["k", "c", "t", "z", "r", "b", "h", "w", "x"]),
            st.text(max_size=12),
            st.one_of(st.integers(-(10**30), 10**30).map(str), st.text(max_size=6)),
            st.text(max_size=6),
        ),
    )
)
async def test_any_button_data_at_all_gets_an_answer_and_never_breaks_the_participant(
    kit: Kit, data: str
) -> None:
    if not await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1"):
        await kit.sign_up("1")
        await kit.run_until(local(27, 7, 30))
    replies = await kit.tap("1", data)  # raising here fails the test
    assert replies, "every tap gets an answer"
    progress = await kit.say("1", "/voortgang")  # and what is stored still reads
    assert progress[0].text.startswith("“")


HOSTILE = st.text(
    alphabet=st.sampled_from(
        [
            *"abc /:0123456789",
            "\u200f",
            "\u200b",
            "\u0301",
            "\x00",
            "\U0001f600",
            "\u00df",
            "\u0663",
        ]
    ),
    max_size=200,
) | st.text(max_size=9000)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=HOSTILE)
async def test_anything_typed_gets_a_kind_answer_and_leaves_readable_state(
    kit: Kit, typed: str
) -> None:
    if not await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1"):
        await kit.sign_up("1")
        await kit.run_until(local(26, 7, 30))
    replies = await kit.say("1", typed)  # raising here fails the test
    if typed.strip():
        assert replies, "something typed gets an answer"
    assert all(r.text != texts.SOMETHING_WRONG for r in replies)
    p, _ = await _enrollment(kit, "1")
    await kit.engine.store.reflections.all(p.id)  # what is stored still reads
    [progress] = await kit.say("1", "/voortgang")
    assert progress.text.startswith("“")
