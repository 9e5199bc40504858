"""Courses have versions: a trainer publishes one (from the command line or the chat), every
process reads the same, an enrollment keeps the version it began on, and an operator moves
running enrollments to a newer one from their next day on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core import texts_courses as words
from bot.core.messages import Attachment, Incoming, Kind
from bot.delivery.catalogue import Catalogue
from bot.delivery.items import day_items
from bot.staff import versions
from courses.diff import Change, DayPart, describe, diff
from courses.loader import load_course_dir
from courses.models import Course
from courses.problems import check_text
from storage.models import Channel
from tests.journey_kit import Kit
from tests.versions_kit import edited, new_lesson

AMS = ZoneInfo("Europe/Amsterdam")
TRAINER = "900002"
COURSES = load_course_dir(Path(__file__).resolve().parents[1] / "courses")
TWIJFEL = COURSES["twijfel"]

pytestmark = pytest.mark.kit(trainer_ids=TRAINER)


def local(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=AMS).astimezone(UTC)


def version(text: str) -> Course:
    checked = check_text(text)
    assert checked.course is not None, checked.problems
    return checked.course


async def publish(kit: Kit, text: str) -> Course:
    catalogue = kit.engine.journey.catalogue
    proposal = await versions.propose(catalogue, text)
    assert proposal.ready, proposal.refusal
    assert proposal.course is not None
    now = kit.clock.now()
    assert await versions.publish(kit.engine.store, catalogue, proposal.course, "test", now) is None
    return proposal.course


def first_lessons(kit: Kit, chat: str, day: int) -> list[str]:
    heading = f"Dag {day} van "
    return [m.text for m in kit.channel.to(chat) if (m.heading or "").startswith(heading)]


# -- the file, the change, the record -----------------------------------------------------------
def test_a_change_to_the_summarys_quote_alone_is_a_change() -> None:
    """Every course-wide field is compared: a version that only rewrites the summary's quote
    is a new version, told as such, not "nothing changed"."""
    assert TWIJFEL.summary_quote is not None
    quote = TWIJFEL.summary_quote.model_copy(
        update={"text": "Je schreef op de laatste dag: “{answer}”"}
    )
    new = TWIJFEL.model_copy(update={"version": 2, "summary_quote": quote})
    found = diff(TWIJFEL, new)
    assert not found.empty
    assert found.fields == ("summary_quote",)
    assert describe(found) == ["course changed: summary_quote"]


def test_every_course_wide_field_has_a_name_a_trainer_reads() -> None:
    fields = set(Course.model_fields) - {"id", "version", "days"}
    assert fields <= set(words.FIELD_NAMES)


def test_a_change_is_told_by_day_and_part() -> None:
    new = version(edited(TWIJFEL, 2, days=(2, 5)))
    found = diff(TWIJFEL, new)
    assert [(d.day, d.change) for d in found.days] == [(2, Change.CHANGED), (5, Change.CHANGED)]
    assert found.days[0].parts == ((DayPart.LESSON, 1),)
    assert found.first_changed_day == 2
    shorter = new.model_copy(update={"days": new.days[:7]})
    lines = describe(diff(TWIJFEL, shorter))
    assert lines == [
        "days 8-9 removed",
        "day 2 changed: lesson part 1",
        "day 5 changed: lesson part 1",
    ]


def test_every_problem_of_a_course_file_is_listed_with_its_line() -> None:
    text = edited(TWIJFEL, 2).replace("version: 2", "version: 0", 1)
    lines = text.splitlines()
    prompt_at = next(i for i, line in enumerate(lines) if line.strip().startswith("prompt:"))
    lines[prompt_at] = "  prompt: Geen vraag hier."
    checked = check_text("\n".join(lines))
    assert checked.course is None
    found = {(p.line, p.where) for p in checked.problems}
    assert (2, "field version") in found
    assert any(line == prompt_at + 1 for line, _ in found)
    assert len(checked.problems) == 2


def test_a_published_version_reads_back_exactly_as_it_was_validated() -> None:
    for course in COURSES.values():
        again = Course.model_validate_json(course.model_dump_json())
        assert again == course
        assert versions.digest(again) == versions.digest(course)


# -- publishing ---------------------------------------------------------------------------------
async def test_only_the_next_version_with_a_change_is_published(kit: Kit) -> None:
    catalogue = kit.engine.journey.catalogue
    same = await versions.propose(catalogue, edited(TWIJFEL, 2, days=()))
    assert same.refusal is versions.Refusal.UNCHANGED
    skipped = await versions.propose(catalogue, edited(TWIJFEL, 3))
    assert skipped.refusal is versions.Refusal.WRONG_VERSION
    await publish(kit, edited(TWIJFEL, 2))
    again = await versions.propose(catalogue, edited(TWIJFEL, 2, days=(4,)))
    assert again.refusal is versions.Refusal.WRONG_VERSION
    assert again.newest is not None
    assert again.newest.version == 2


async def test_a_published_version_is_the_same_for_every_process(kit: Kit) -> None:
    await publish(kit, edited(TWIJFEL, 2))
    other = Catalogue(COURSES, kit.engine.store.versions)  # another process, or a restart
    assert other["twijfel"].version == 1  # until it asks
    newest = await other.newest("twijfel")
    assert newest is not None
    assert newest.version == 2
    assert newest.day(2).lesson[0] == new_lesson(2, 2)
    listed = await versions.versions(kit.engine.store, other, "twijfel")
    assert [(v.number, v.by) for v in listed] == [(1, None), (2, "test")]
    assert listed[1].digest == versions.digest(newest)


# -- enrollments keep their version -------------------------------------------------------------
async def test_an_enrollment_keeps_its_version_and_a_new_one_starts_on_the_newest(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    await publish(kit, edited(TWIJFEL, 2))
    await kit.sign_up("2")
    assert (await kit.enrollment("1")).course_version == 1
    assert (await kit.enrollment("2")).course_version == 2
    await kit.run_until(local(28, 8), step=timedelta(hours=1))
    assert first_lessons(kit, "1", 2) == [TWIJFEL.day(2).lesson[0]]
    assert first_lessons(kit, "1", 3) == [TWIJFEL.day(3).lesson[0]]
    assert first_lessons(kit, "2", 2) == [new_lesson(2, 2)]
    today = await kit.say("1", "/vandaag")
    assert today[0].text == TWIJFEL.day(3).lesson[0]


async def test_a_record_without_a_version_reads_as_the_first(kit: Kit) -> None:
    await kit.sign_up("1")
    e = await kit.enrollment("1")
    stored = await kit.engine.store.redis.hgetall(
        kit.engine.store.keys.participant(e.participant_id)
    )
    assert not any(str(name).endswith(":course_version") for name in stored)
    assert e.course_version == 1


# -- migrating ----------------------------------------------------------------------------------
async def test_migrate_moves_running_enrollments_from_their_next_day_on(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    await publish(kit, edited(TWIJFEL, 2))
    store, catalogue = kit.engine.store, kit.engine.journey.catalogue
    done = await versions.migrate(store, catalogue, "twijfel", 2)
    assert done.moved == {1: 1}
    assert (await kit.enrollment("1")).course_version == 1  # day 1 is still theirs
    await kit.run_until(local(27, 8))
    assert first_lessons(kit, "1", 2) == [new_lesson(2, 2)]
    assert (await kit.enrollment("1")).course_version == 2


async def test_a_day_queued_on_one_version_is_sent_on_it_after_a_migration(kit: Kit) -> None:
    await kit.sign_up("1")
    await publish(kit, edited(TWIJFEL, 2, days=(1,)))
    e = await kit.enrollment("1")
    queued = day_items(TWIJFEL, 1)  # what a day of version 1 left in the queue
    await kit.engine.store.enrollments.update(
        e.participant_id, "twijfel", lambda x: x.model_copy(update={"course_version": 2})
    )
    shown = await kit.engine.deliveries.render(e.participant_id, queued[0])
    assert shown is not None
    assert shown.text == TWIJFEL.day(1).lesson[0]


async def test_migrate_refuses_versions_whose_days_do_not_line_up(kit: Kit) -> None:
    shorter = version(edited(TWIJFEL, 2))
    # a valid shorter course: eight days, and no summary quoting the ninth
    data = shorter.model_copy(update={"days": shorter.days[:8], "summary_quote": None})
    await versions.publish(
        kit.engine.store, kit.engine.journey.catalogue, data, "t", kit.clock.now()
    )
    done = await versions.migrate(kit.engine.store, kit.engine.journey.catalogue, "twijfel", 2)
    assert done.moved == {}
    assert "9 days" in done.refused[1][0]
    assert "8" in done.refused[1][0]
    with pytest.raises(versions.MigrationError, match="no version 5"):
        await versions.migrate(kit.engine.store, kit.engine.journey.catalogue, "twijfel", 5)


# -- from the chat ------------------------------------------------------------------------------
async def test_preview_shows_the_newest_version(kit: Kit) -> None:
    await publish(kit, edited(TWIJFEL, 2, days=(1,)))
    await kit.engine.conversation.answer(
        Incoming.from_text(Channel.CONSOLE, TRAINER, "/preview twijfel")
    )
    await kit.tick()
    assert first_lessons(kit, TRAINER, 1) == [new_lesson(1, 2)]


async def test_a_tap_after_someone_else_published_publishes_nothing(kit: Kit) -> None:
    files = {"f1": edited(TWIJFEL, 2).encode()}

    async def fetch(file_id: str, limit: int) -> bytes | None:
        return files.get(file_id)

    kit.engine.staff.publishing.files[Channel.CONSOLE] = fetch
    sent = Incoming(
        Channel.CONSOLE, TRAINER, Kind.UNSUPPORTED, what="document",
        attachment=Attachment("f1", "twijfel.yaml", len(files["f1"])),
    )  # fmt: skip
    offered = await kit.engine.staff.handle(sent)
    assert offered is not None
    assert offered[-1].text.startswith("Publiceren?")
    await publish(kit, edited(TWIJFEL, 2, days=(4,)))  # someone else, meanwhile
    tap = Incoming(Channel.CONSOLE, TRAINER, Kind.BUTTON, data="b:pub:twijfel:2")
    [answer] = await kit.engine.staff.handle(tap) or []
    assert answer.text == words.COURSE_PUBLISH_OVERTAKEN.format(
        newest=2, title=TWIJFEL.title, next=3
    )
    [published] = await kit.engine.store.versions.all("twijfel")
    assert published.by == "test"  # theirs stands; the trainer's file was not published


async def test_the_follow_up_after_the_course_is_the_one_of_their_own_version(kit: Kit) -> None:
    """The message two weeks after the last day comes in the words of the version they began
    on, not those of a version published meanwhile."""
    assert TWIJFEL.followup is not None
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    data = yaml.safe_load(edited(TWIJFEL, 2))
    data["followup"]["text"] = "Nieuw in versie 2: hoe gaat het met je stap?"
    await publish(kit, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    await kit.sign_up("2")  # on version 2, a day later
    end = datetime(2026, 12, 21, 12, 0, tzinfo=AMS).astimezone(UTC)
    await kit.run_until(end, step=timedelta(hours=6))
    one = [m.text for m in kit.channel.to("1")]
    two = [m.text for m in kit.channel.to("2")]
    assert any(TWIJFEL.followup.text.strip() in t for t in one)
    assert not any("Nieuw in versie 2: hoe gaat het" in t for t in one)
    assert any("Nieuw in versie 2: hoe gaat het" in t for t in two)
