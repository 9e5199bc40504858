"""The two shipped courses are complete, fit on a phone, and say what the participant will read."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from courses.loader import load_course_dir
from courses.models import MAX_MESSAGE_CHARS, Course, utf16_len, word_count
from courses.quotes import plain
from courses.render import Part, preview, question, render_day

COURSES = load_course_dir(Path(__file__).resolve().parent.parent / "courses")
CAUSE_DAYS = range(2, 9)
TWO_MINUTES_OF_READING = 450  # words; Dutch on a phone reads at roughly 200-250 words a minute


def test_both_courses_ship() -> None:
    assert set(COURSES) == {"twijfel", "partner"}
    assert COURSES["twijfel"].title == "Help! Ik twijfel"
    assert COURSES["partner"].title == "Help! Mijn partner twijfelt"
    assert COURSES["partner"].button == "Mijn partner twijfelt"


@pytest.mark.parametrize("course", COURSES.values(), ids=lambda c: c.id)
def test_course_has_nine_days_with_checkins_on_the_seven_cause_days(course: Course) -> None:
    assert course.language == "nl"
    assert course.length == 9
    for number in range(1, 10):
        day = course.day(number)
        assert bool(day.checkin) == (number in CAUSE_DAYS), f"day {number}"
        assert question(course, number).strip()
        assert day.nudge, f"day {number} has no nudge"


@pytest.mark.parametrize("course", COURSES.values(), ids=lambda c: c.id)
def test_every_day_reads_on_a_phone_in_about_two_minutes(course: Course) -> None:
    for number in range(1, course.length + 1):
        messages = render_day(course, number)
        words = sum(word_count(m.plain()) for m in messages)
        assert 200 <= words <= TWO_MINUTES_OF_READING, f"day {number}: {words} words"
        for message in messages:
            assert utf16_len(message.plain()) <= MAX_MESSAGE_CHARS


@pytest.mark.parametrize("course", COURSES.values(), ids=lambda c: c.id)
def test_a_day_is_lesson_then_checkin_then_one_prompt(course: Course) -> None:
    for number in range(1, course.length + 1):
        parts = [m.part for m in render_day(course, number)]
        lesson = [p for p in parts if p is Part.LESSON]
        expected = lesson + ([Part.CHECKIN] if number in CAUSE_DAYS else []) + [Part.PROMPT]
        assert parts == expected
        assert lesson


def test_first_lesson_message_carries_the_day_heading() -> None:
    course = COURSES["twijfel"]
    first, second, *_ = render_day(course, 3)
    assert first.heading == f"Dag 3 van 9 · {course.day(3).title}"
    assert second.heading is None


def test_checkin_offers_scores_one_to_five_with_the_scale_words() -> None:
    course = COURSES["partner"]
    [checkin] = [m for m in render_day(course, 2) if m.part is Part.CHECKIN]
    assert [c.value for c in checkin.choices] == ["1", "2", "3", "4", "5"]
    assert course.checkin_scale is not None
    assert course.checkin_scale.low in checkin.text
    assert course.checkin_scale.high in checkin.text


def test_preview_shows_exactly_the_words_a_participant_gets() -> None:
    course = COURSES["twijfel"]
    text = preview(course, 5)
    assert text.startswith(f"Dag 5 van 9 · {course.day(5).title}\n===")
    for message in render_day(course, 5):
        assert message.text in text
    assert text.count("Dag 5") == 1
    assert "Dag 4" not in text
    assert text.index(plain(course.day(5).lesson[-1])) < text.index(question(course, 5))


def test_preview_of_a_whole_course_has_a_header_per_day() -> None:
    course = COURSES["partner"]
    lines = preview(course).splitlines()
    headers = [above for above, line in pairwise(lines) if set(line) == {"="}]
    assert headers == [f"Dag {n} van 9 · {course.day(n).title}" for n in range(1, 10)]
    assert sum(line.startswith("Dag ") for line in lines) == 9
