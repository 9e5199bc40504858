"""The shipped courses take care of their readers, and the loader holds every course to it.

Some readers are in danger or in crisis, so the first and the last day say where help is. A day
reads on a phone in about two minutes, a prompt asks one thing, and nudges do not repeat
themselves. A file that breaks a limit is refused with one line naming the file, day and field.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core import texts
from bot.delivery.summary import sentences, summary
from courses.loader import CourseFileError, load_course, load_course_dir
from courses.models import MAX_DAY_WORDS, MAX_PART_CHARS, Course, utf16_len
from courses.quotes import Quote, plain
from courses.render import render_day, render_nudge
from storage.models import CheckIn

COURSES = load_course_dir(Path(__file__).resolve().parent.parent / "courses")

#: Veilig Thuis, 113 Zelfmoordpreventie (short and free number), emergencies, the GP, and for
#: Belgium the line for violence and abuse and the Zelfmoordlijn.
WHERE_TO_GET_HELP = ("0800-2000", "113", "0800-0113", "112", "huisarts", "1712", "1813")

OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"
STRAIGHT_OR_SINGLE_QUOTES = ("'", '"', "\u2018", "`")
QUOTED = re.compile(f"{OPEN_QUOTE}[^{CLOSE_QUOTE}]*{CLOSE_QUOTE}")

each_course = pytest.mark.parametrize("course", COURSES.values(), ids=lambda c: c.id)


def _days(course: Course) -> range:
    return range(1, course.length + 1)


def _texts(course: Course) -> Iterator[str]:
    """Every sentence of the course a participant may read."""
    yield from (course.title, course.audience, course.description)
    if course.checkin_scale is not None:
        yield from (course.checkin_scale.low, course.checkin_scale.high)
    for day in course.days:
        yield day.title
        for part in [*day.lesson, day.prompt]:  # a quote: with an answer, and without one
            yield from (part.text, part.fallback) if isinstance(part, Quote) else (part,)
        yield from (text for text in (day.checkin, day.nudge) if text is not None)
    if course.followup is not None:
        yield from (course.followup.text, course.followup.prompt)
    if course.summary_nothing_strong is not None:
        yield course.summary_nothing_strong
    if course.summary_quote is not None:
        yield from (course.summary_quote.text, course.summary_quote.fallback)


@each_course
@pytest.mark.parametrize("which", ["first", "last"])
def test_first_and_last_day_say_where_to_get_help(course: Course, which: str) -> None:
    number = 1 if which == "first" else course.length
    text = "\n".join(message.text for message in render_day(course, number))
    for needle in WHERE_TO_GET_HELP:
        assert needle in text, f"day {number} does not mention {needle}"
    assert "Veilig Thuis" in text
    assert "/hulp" in text
    assert "weggaan" in text.lower(), f"day {number} does not say leaving can be a choice"


def _help_list(course: Course, number: int) -> str:
    """The lesson part of a day that lists the help numbers."""
    [part] = [text for text in map(plain, course.day(number).lesson) if "1712" in text]
    return part


@each_course
@pytest.mark.parametrize("which", ["first", "last"])
def test_help_numbers_come_in_order_and_belgium_is_right(course: Course, which: str) -> None:
    number = 1 if which == "first" else course.length
    part = _help_list(course, number)
    order = [part.index(needle) for needle in ("112", "113", "0800-2000", "1712")]
    assert order == sorted(order), f"day {number}: 112, 113, Veilig Thuis, then Belgium"
    assert "113.nl" in part
    # 1712 answers the phone on weekdays in office hours and is no emergency number.
    for needle in ("werkdagen 9\u201317 uur", "geen noodnummer", "101", "zelfmoord1813.be"):
        assert needle in part, f"day {number} does not mention {needle}"


@each_course
@pytest.mark.parametrize("which", ["first", "last"])
def test_leaving_a_violent_partner_comes_with_a_safety_plan(course: Course, which: str) -> None:
    """Leaving is the most dangerous moment: say so, and that Veilig Thuis helps plan it."""
    number = 1 if which == "first" else course.length
    [part] = [text for text in course.day(number).lesson if "Weggaan" in text]
    assert "gevaar" in part
    assert "Veilig Thuis helpt je" in part
    assert "veilig te plannen" in part


def test_fear_of_the_partner_is_no_anxiety_example_and_the_week_test_excludes_safety() -> None:
    day = "\n".join(map(plain, COURSES["twijfel"].day(2).lesson))
    assert "ik moet hier weg" not in day.lower()
    fear = day.index("bang voor je partner")
    assert fear < day.index("Angst klinkt"), "fear of the partner comes before the examples"
    assert "/hulp" in day[fear : day.index("Angst klinkt")]
    assert "niets met je veiligheid te maken" in day
    assert "rustige week niets" in day


def test_a_boundary_is_stated_only_when_that_is_safe() -> None:
    course = COURSES["partner"]
    [boundary] = [text for text in course.day(course.length).lesson if "Een grens" in text]
    assert "alleen als het veilig is" in boundary
    assert "/hulp" in boundary
    assert course.followup is not None
    assert "alleen als dat veilig is" in course.followup.text
    assert "/hulp" in course.followup.text


@each_course
def test_no_guilt_lever_and_no_clumsy_phrases(course: Course) -> None:
    text = "\n".join(_texts(course)).lower()
    for phrase in (
        "betaalt mee",
        "iets wat belangrijk is",
        "over je levend voelen",
        "elektrisch voelen",
        "dan wie ook",
        "hoe gezien voel",
        "minder dan het voelt",
        "weg te kopen",
    ):
        assert phrase not in text
    assert not re.search(r"iemand nieuw\b", text)


def test_the_summary_says_nothing_stood_out_in_words_that_fit_each_course() -> None:
    scored = [("Een thema", 3), ("Een ander", 2)]
    doubter = sentences(scored, COURSES["twijfel"].summary_nothing_strong)
    assert texts.SUMMARY_NOTHING_STRONG in doubter
    partner = COURSES["partner"].summary_nothing_strong
    assert partner is not None
    assert "je partner" in partner
    assert "je twijfel" not in partner.replace("de twijfel van je partner", "")
    assert partner in sentences(scored, partner)
    assert texts.SUMMARY_NOTHING_STRONG not in sentences(scored, partner)
    assert partner not in sentences([("Een thema", 4)], partner)  # something did stand out


def test_when_nothing_stood_out_no_theme_is_called_the_strongest() -> None:
    """Seven themes all scored 3 are not "the strongest" beside "none stood out"."""
    scored = [(f"Thema {n}", 3) for n in range(7)]
    said = sentences(scored)
    assert texts.SUMMARY_NOTHING_STRONG in said
    assert "sterkst" not in said
    assert "Thema" not in said
    assert said.endswith(texts.SUMMARY_ALL_BELOW)
    alike = sentences([(f"Thema {n}", 4) for n in range(7)])
    assert alike.startswith(texts.SUMMARY_ALL_ALIKE.format(score=4))
    assert "Thema" not in alike
    strong = sentences([("Thema A", 5), ("Thema B", 2)])
    assert strong.startswith(texts.SUMMARY_STRONGEST.format(themes="“Thema A”", score=5))


async def test_the_partner_course_summary_uses_its_own_sentence() -> None:
    course = COURSES["partner"]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    checkins = [CheckIn(course_id="partner", day=day, score=2, at=at) for day in (2, 3)]
    message = await summary(course, checkins)
    assert course.summary_nothing_strong is not None
    assert course.summary_nothing_strong in message.text


@each_course
def test_every_day_reads_on_a_phone_in_two_minutes(course: Course) -> None:
    for number in _days(course):
        day = course.day(number)
        assert day.words <= MAX_DAY_WORDS, f"day {number}: {day.words} words"
        messages = [*render_day(course, number), render_nudge(course, number)]
        for message in messages:
            assert message is not None
            length = utf16_len(message.text)
            assert length <= MAX_PART_CHARS, f"day {number}, {message.part}: {length} chars"


@each_course
def test_each_prompt_and_checkin_asks_exactly_one_question(course: Course) -> None:
    for number in _days(course):
        day = course.day(number)
        prompt = day.prompt if isinstance(day.prompt, str) else day.prompt.text
        assert prompt.count("?") == 1, f"day {number}: {prompt}"
        if day.checkin is not None:
            assert day.checkin.count("?") == 1, f"day {number}: {day.checkin}"


@each_course
def test_lessons_ask_nothing_outside_quoted_examples(course: Course) -> None:
    for number in _days(course):
        for part in course.day(number).lesson:
            for text in (part.text, part.fallback) if isinstance(part, Quote) else (part,):
                unquoted = QUOTED.sub("", text)
                assert "?" not in unquoted, f"day {number} asks a question in its lesson: {text}"


@each_course
def test_every_day_has_a_nudge(course: Course) -> None:
    for number in _days(course):
        assert course.day(number).nudge, f"day {number} has no nudge"


def test_no_two_nudges_begin_with_the_same_three_words() -> None:
    openings: dict[tuple[str, ...], str] = {}
    for course in COURSES.values():
        for number in _days(course):
            nudge = course.day(number).nudge or ""
            opening = tuple(re.findall(r"\w+", nudge.lower())[:3])
            where = f"{course.id} day {number}"
            assert opening not in openings, f"{where} begins like {openings[opening]}"
            openings[opening] = where


@each_course
def test_each_course_asks_two_weeks_later_how_the_chosen_step_goes(course: Course) -> None:
    assert course.followup is not None
    assert course.followup.after_days == 14
    assert course.followup.prompt.count("?") == 1
    assert "/hulp" in course.followup.text
    last_prompt = course.day(course.length).prompt
    assert "twee weken" in last_prompt, "the last day should ask for a step to follow up on"


@each_course
def test_quotes_and_apostrophes_are_curly_everywhere(course: Course) -> None:
    for text in _texts(course):
        for mark in STRAIGHT_OR_SINGLE_QUOTES:
            assert mark not in text, f"{mark!r} in: {text}"
        assert text.count(OPEN_QUOTE) == text.count(CLOSE_QUOTE), text


@each_course
def test_the_note_that_it_is_not_only_men_comes_once(course: Course) -> None:
    mentions = sum("vrouwen" in text for text in _texts(course))
    assert mentions == 1


@each_course
def test_no_line_nudges_the_reader_to_stay(course: Course) -> None:
    text = "\n".join(_texts(course)).lower()
    for line in (
        "niet weg wilt",
        "ter discussie",
        "kiezen met je hart",
        "zonder drama",
        "niemand na jou",
    ):
        assert line not in text


@each_course
def test_nudges_wait_for_the_daytime(course: Course) -> None:
    assert course.nudge_window.start == time(9, 0)
    assert course.nudge_window.end == time(21, 0)


# The loader holds every course file to the same limits.

GOOD: dict[str, Any] = {
    "id": "proef",
    "title": "Proef",
    "audience": "Iedereen",
    "description": "Een korte proef.",
    "days": [
        {"title": "Een", "lesson": ["Hallo."], "prompt": "Hoe gaat het?"},
        {"title": "Twee", "lesson": ["Dag twee."], "prompt": "En nu?"},
    ],
}


def _refusal(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "proef.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CourseFileError) as caught:
        load_course(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def _with(**change: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data.update(change)
    return data


def test_a_file_without_a_nudge_window_or_followup_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "proef.yaml"
    path.write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    course = load_course(path)
    assert (course.nudge_window.start, course.nudge_window.end) == (time(9, 0), time(21, 0))
    assert course.followup is None


def test_nudge_window_and_followup_are_read(tmp_path: Path) -> None:
    followup = {"after_days": 14, "text": "Twee weken later.", "prompt": "Hoe gaat het nu?"}
    data = _with(nudge_window={"start": "08:30", "end": "20:00"}, followup=followup)
    path = tmp_path / "proef.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    course = load_course(path)
    assert (course.nudge_window.start, course.nudge_window.end) == (time(8, 30), time(20, 0))
    assert course.followup is not None
    assert course.followup.after_days == 14


def test_a_day_over_350_words_is_refused(tmp_path: Path) -> None:
    data = _with()
    data["days"][1]["lesson"] = ["woord " * 100] * 4
    assert _refusal(tmp_path, data) == (
        "day 2: lesson, check-in and prompt are 402 words together; keep a day at 350 or fewer"
    )


def test_a_lesson_message_over_700_characters_is_refused(tmp_path: Path) -> None:
    data = _with()
    data["days"][0]["lesson"] = ["Kort.", "x" * 701]
    assert _refusal(tmp_path, data) == (
        "day 1, field lesson (message 2): is 701 characters; keep it at 700 or fewer"
    )


@pytest.mark.parametrize("field", ["prompt", "checkin", "nudge"])
def test_a_prompt_checkin_or_nudge_over_700_characters_is_refused(
    tmp_path: Path, field: str
) -> None:
    data = _with(checkin_scale={"low": "niet", "high": "sterk"})
    data["days"][1][field] = "a" * 700 + "?"
    assert _refusal(tmp_path, data).startswith(f"day 2, field {field}: is 701 characters")


def test_a_course_label_over_24_characters_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, _with(label="Help! Mijn partner twijfelt"))
    assert message == (
        "field label: is 27 characters; keep it at 24 or fewer (it becomes a WhatsApp list row)"
    )


def test_a_long_title_goes_on_buttons_by_its_label(tmp_path: Path) -> None:
    path = tmp_path / "proef.yaml"
    path.write_text(
        yaml.safe_dump(_with(title="Help! Mijn partner twijfelt", label="Partner twijfelt")),
        encoding="utf-8",
    )
    course = load_course(path)
    assert (course.title, course.button) == ("Help! Mijn partner twijfelt", "Partner twijfelt")


def test_a_long_day_title_or_description_is_refused(tmp_path: Path) -> None:
    data = _with(description="d" * 701)
    assert _refusal(tmp_path, data).startswith("field description: is 701 characters")
    data = _with()
    data["days"][0]["title"] = "t" * 61
    assert _refusal(tmp_path, data).startswith("day 1, field title: is 61 characters")


def test_a_prompt_with_two_questions_is_refused(tmp_path: Path) -> None:
    data = _with()
    data["days"][0]["prompt"] = "Wat voel je? En waarom?"
    assert _refusal(tmp_path, data) == (
        "day 1, field prompt: has 2 question marks; ask exactly one question"
    )


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        ({"start": "21:00", "end": "09:00"}, "field nudge_window: start 21:00 must be before end"),
        ({"start": "9:00"}, "field nudge_window (start): '9:00' is not a time written as HH:MM"),
        ({"end": "24:00"}, "field nudge_window (end): '24:00' is not a time written as HH:MM"),
        ({"end": 1260}, "field nudge_window (end): 1260 is a number; write the time in quotes"),
        ({"begin": "09:00"}, "field nudge_window (begin): is not a known field"),
    ],
)
def test_a_bad_nudge_window_is_refused(
    tmp_path: Path, window: dict[str, object], problem: str
) -> None:
    assert _refusal(tmp_path, _with(nudge_window=window)).startswith(problem)


def test_an_unquoted_time_gets_a_hint_to_quote_it(tmp_path: Path) -> None:
    path = tmp_path / "proef.yaml"
    text = yaml.safe_dump(GOOD) + "nudge_window:\n  start: '08:00'\n  end: 21:00\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CourseFileError, match=r'write the time in quotes, like "21:00"'):
        load_course(path)


@pytest.mark.parametrize("after_days", [0, 61])
def test_a_followup_out_of_range_is_refused(tmp_path: Path, after_days: int) -> None:
    followup = {"after_days": after_days, "text": "Hallo.", "prompt": "Hoe gaat het?"}
    assert _refusal(tmp_path, _with(followup=followup)).startswith("field followup (after_days): ")
