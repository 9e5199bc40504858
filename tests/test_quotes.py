"""A course that remembers: a part quotes the participant's own earlier answer, read when it is
sent, with a fallback for someone who did not answer that day."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.app.cli import main
from bot.delivery.items import day_items
from bot.delivery.quoting import pick
from bot.staff import versions
from courses.loader import CourseFileError, load_course
from courses.quotes import MAX_QUOTE_CHARS, shorten
from courses.render import day_of, preview, render_day
from storage.models import Channel, ReflectionEntry
from tests.journey_kit import Kit
from tests.versions_kit import edited

AMS = ZoneInfo("Europe/Amsterdam")


def _day(title: str, lesson: list[object], prompt: object) -> dict[str, Any]:
    return {"title": title, "lesson": lesson, "prompt": prompt}


#: Three days; the third quotes day 1 in its lesson and day 2 in its question.
GOOD: dict[str, Any] = dict(
    id="proef", title="Proef", audience="Iedereen", description="Een korte proef.",
    days=[
        _day("Een", ["Hallo."], "Wat wil je leren?"),
        _day("Twee", ["Dag twee."], "Wat lukte er?"),
        _day(
            "Drie",
            ["Dag drie.", {"quote": 1, "text": "Op dag 1 schreef je: “{answer}”",
                           "fallback": "Dag 1 ging over leren."}],
            {"quote": 2, "text": "Je schreef “{answer}”. Wat neem je mee?",
             "fallback": "Wat neem je mee?"},
        ),
    ],
)  # fmt: skip


def _course_file(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "proef.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _with_lesson_part(day: int, part: object) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["days"][day - 1]["lesson"].append(part)
    return data


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS).astimezone(UTC)


def test_a_long_answer_is_cut_at_a_word_with_an_ellipsis() -> None:
    answer = "Ik twijfel vooral als het goed gaat,\n\n" + "en dan begin ik te rekenen " * 20
    short = shorten(answer)
    assert len(short) <= MAX_QUOTE_CHARS
    assert short.endswith("…")
    assert short.startswith("Ik twijfel vooral als het goed gaat, en dan")  # on one line
    assert answer.replace("\n\n", " ").startswith(short[:-1])
    assert not short[:-1].endswith(" ")
    assert shorten("Kort en goed.") == "Kort en goed."


def test_a_quote_fills_in_their_answer_or_the_fallback(tmp_path: Path) -> None:
    course = load_course(_course_file(tmp_path, GOOD))
    with_answer = [m.text for m in render_day(course, 3, {1: "Geduld", 2: "Vragen stellen"})]
    assert with_answer == [
        "Dag drie.",
        "Op dag 1 schreef je: “Geduld”",
        "Je schreef “Vragen stellen”. Wat neem je mee?",
    ]
    without = [m.text for m in render_day(course, 3, {})]
    assert without == ["Dag drie.", "Dag 1 ging over leren.", "Wat neem je mee?"]
    # A preview has nobody's answers: a placeholder, and (in the printed preview) the fallback.
    assert render_day(course, 3)[1].text == "Op dag 1 schreef je: “[je antwoord van dag 1]”"
    assert "(zonder antwoord op dag 1: Dag 1 ging over leren.)" in preview(course, 3)
    # A reply to the quoting message is known as day 3's, whatever it quoted.
    assert day_of(course, "Op dag 1 schreef je: “Iets heel anders”", 3) == 3


def _quote(day: int, text: str = "Je schreef: {answer}", fallback: str = "Niets.") -> object:
    return {"quote": day, "text": text, "fallback": fallback}


@pytest.mark.parametrize(
    ("part", "problem"),
    [
        (_quote(3), "day 2, lesson message 2: quotes day 3, which does not come before day 2"),
        (_quote(7), "quotes day 7, but the course has 3 days"),
        (_quote(1, text="Je schreef iets."), "must hold {answer} exactly once"),
        (_quote(1, fallback="Niets: {answer}"), "cannot hold {answer}"),
        (_quote(1, text="Je schreef {antwoord}"), "must hold {answer}"),
        (_quote(1, text="{answer}" + "a" * 600), "keep it at 700 or fewer"),
    ],
)
def test_validate_refuses_a_quote_of_a_day_that_is_not_before_it(
    tmp_path: Path, part: object, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _course_file(tmp_path, _with_lesson_part(2, part))
    with pytest.raises(CourseFileError) as caught:
        load_course(path)
    assert problem in str(caught.value)
    assert main(["courses", "validate", str(path)]) == 2
    out = capsys.readouterr()
    assert problem in out.out + out.err


def test_a_quoting_prompt_still_asks_exactly_one_question(tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    data["days"][2]["prompt"]["fallback"] = "Neem je iets mee."
    with pytest.raises(CourseFileError, match=r"day 3, field prompt .*0 question marks"):
        load_course(_course_file(tmp_path, data))


async def _sign_up_and_answer_day_two(
    kit: Kit, chat: str, answer: str | None, course: str = "twijfel"
) -> str:
    await kit.sign_up(chat, course)
    await kit.run_until(local(27, 7, 30))  # day 2 came at 07:00
    if answer is not None:
        await kit.answer(chat, answer)
    found = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat)
    assert found is not None
    return found.id


@pytest.mark.parametrize("course_id", ["twijfel", "partner"])
async def test_the_last_day_quotes_their_own_day_two_answer_and_the_fallback_without_one(
    kit: Kit, course_id: str
) -> None:
    course = kit.engine.courses[course_id]
    quote = course.day(9).lesson[1]
    assert not isinstance(quote, str)
    answered = "Dat ik haar niet genoeg liefheb, al weken hetzelfde gevoel."
    await kit.sign_up("2", course_id)  # at the same time: both get day 9 on 4 December
    await _sign_up_and_answer_day_two(kit, "1", answered, course_id)
    await kit.run_until(datetime(2026, 12, 4, 7, 30, tzinfo=AMS).astimezone(UTC))
    assert kit.channel.headings("1")[-1].startswith("Dag 9 van 9")
    texts_one = [m.text for m in kit.channel.to("1")]
    said = quote.text.split("{answer}")[0]
    assert f"{said}{answered}" in "\n".join(texts_one)
    assert quote.fallback not in texts_one
    texts_two = [m.text for m in kit.channel.to("2")]
    assert quote.fallback in texts_two
    assert not any(said in t for t in texts_two)
    # /vandaag sends the day again: the quote is read anew, from the stored answer.
    again = await kit.answer("1", "/vandaag")
    assert any(m.text.startswith(f"{said}{answered}") for m in again)


async def test_their_words_never_enter_the_queue_and_a_heavy_answer_is_not_quoted(
    kit: Kit,
) -> None:
    course = kit.engine.courses["twijfel"]
    pid = await _sign_up_and_answer_day_two(kit, "1", "Ik wil niet meer leven zo.")
    store = kit.engine.store
    await store.queue.put(pid, day_items(course, 9))
    queued = await store.queue.items(pid)
    assert [(q.kind, q.day, q.message) for q in queued][1] == ("day", 9, None)  # named only
    deliveries = kit.engine.deliveries
    sent = [await deliveries.render(pid, q) for q in queued]
    quote = course.day(9).lesson[1]
    assert not isinstance(quote, str)
    # Words that signalled danger are not put before them again unasked: the fallback.
    assert sent[1] is not None
    assert sent[1].text == quote.fallback


@pytest.mark.parametrize("course_id", ["twijfel", "partner"])
async def test_the_summary_quotes_the_step_they_chose_on_the_last_day(
    kit: Kit, course_id: str
) -> None:
    course = kit.engine.courses[course_id]
    assert course.summary_quote is not None
    await kit.sign_up("1", course_id)
    await kit.run_until(datetime(2026, 12, 4, 7, 30, tzinfo=AMS).astimezone(UTC))
    step = "Elke zondag een wandeling zonder telefoon."
    await kit.answer("1", step)
    received = [m.text for m in kit.channel.to("1")]
    said = course.summary_quote.text.split("{answer}")[0]
    assert any(f"{said}{step}" in t for t in received)


async def test_each_participant_is_quoted_in_the_words_of_their_own_version(kit: Kit) -> None:
    """Day 9's quote and the summary's are rewritten in version 2: whoever began on version 1
    reads version 1's, whoever began after the publish version 2's, each with their answer."""
    catalogue = kit.engine.journey.catalogue
    first = catalogue["twijfel"]
    quote, summed = first.day(9).lesson[1], first.summary_quote
    assert not isinstance(quote, str)
    assert summed is not None
    data = yaml.safe_load(edited(first, 2))
    data["days"][8]["lesson"][1]["text"] = "In versie 2 lees je terug: “{answer}”"
    data["summary_quote"]["text"] = "Versie 2 onthoudt je stap: “{answer}”"
    await kit.sign_up("1", "twijfel")  # on version 1
    proposal = await versions.propose(catalogue, yaml.safe_dump(data, allow_unicode=True))
    assert proposal.course is not None, proposal.checked.problems
    now = kit.clock.now()
    assert await versions.publish(kit.engine.store, catalogue, proposal.course, "test", now) is None
    await kit.sign_up("2", "twijfel")  # on version 2
    await kit.run_until(local(27, 7, 30))
    for chat in ("1", "2"):
        await kit.answer(chat, f"Mijn twijfel van dag 2, van nummer {chat}.")
    await kit.run_until(datetime(2026, 12, 4, 7, 30, tzinfo=AMS).astimezone(UTC))
    for chat in ("1", "2"):
        await kit.answer(chat, f"Mijn stap, van nummer {chat}.")
    one = "\n".join(m.text for m in kit.channel.to("1"))
    two = "\n".join(m.text for m in kit.channel.to("2"))
    assert "Op dag 2 schreef je: “Mijn twijfel van dag 2, van nummer 1.”" in one
    assert "In versie 2 lees je terug: “Mijn twijfel van dag 2, van nummer 2.”" in two
    assert "De stap die je voor jezelf koos: “Mijn stap, van nummer 1.”" in one
    assert "Versie 2 onthoudt je stap: “Mijn stap, van nummer 2.”" in two
    assert "versie 2" not in one.lower()
    assert "Op dag 2 schreef je" not in two


def test_only_this_run_of_this_course_is_quoted_and_a_day_in_two_messages_reads_as_one(
    tmp_path: Path,
) -> None:
    course = load_course(_course_file(tmp_path, GOOD))
    started = local(20, 8)

    def entry(day: int, text: str, at: datetime, **more: Any) -> ReflectionEntry:
        return ReflectionEntry(course_id=more.pop("course_id", "proef"), day=day, text=text,
                               at=at, **more)  # fmt: skip

    entries = [
        entry(1, "Van de vorige keer.", local(10, 8)),  # an earlier run of the course
        entry(1, "Geduld", local(21, 9)),
        entry(1, "en rust.", local(21, 10)),
        entry(2, "Een andere cursus.", local(22, 9), course_id="andere"),
        entry(2, "Na afloop.", local(23, 9), followup=True),
    ]
    assert pick(course, entries, {1, 2}, since=started) == {1: "Geduld en rust."}
