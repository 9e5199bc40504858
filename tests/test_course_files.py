"""A broken course file is refused with one line that names the file, the day and the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from courses.loader import CourseFileError, load_course, load_course_dir, load_courses
from courses.models import Course, utf16_len
from courses.render import render_day, render_nudge

#: Stricter than the loader's limits (350 words, 700 characters): what the shipped courses hold
#: to, so a day reads on a phone in two minutes and every part fits a screen.
SHIPPED_DAY_WORDS = 320
SHIPPED_PART_CHARS = 550

SHIPPED = load_course_dir(Path(__file__).resolve().parent.parent / "courses")

GOOD: dict[str, Any] = {
    "id": "proef",
    "title": "Proef",
    "audience": "Iedereen",
    "description": "Een korte proef.",
    "checkin_scale": {"low": "niet", "high": "sterk"},
    "days": [
        {"title": "Een", "lesson": ["Hallo."], "prompt": "Hoe gaat het?"},
        {"title": "Twee", "lesson": ["Dag twee."], "prompt": "En nu?", "checkin": "Herken je dit?"},
        {"title": "Drie", "lesson": ["Dag drie."], "prompt": "En verder?"},
    ],
}


def _write(tmp_path: Path, data: object, name: str = "proef.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _broken(**change: object) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data.update(change)
    return data


def _error(path: Path) -> str:
    with pytest.raises(CourseFileError) as caught:
        load_course(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_good_file_loads(tmp_path: Path) -> None:
    course = load_course(_write(tmp_path, GOOD))
    assert course.length == 3
    assert course.day(2).checkin == "Herken je dit?"


def test_missing_prompt_names_file_day_and_field(tmp_path: Path) -> None:
    data = _broken()
    del data["days"][2]["prompt"]
    path = _write(tmp_path, data)
    assert _error(path) == f"{path}: day 3, field prompt: is missing"


def test_too_long_lesson_message_names_the_message(tmp_path: Path) -> None:
    data = _broken()
    data["days"][1]["lesson"] = ["Kort.", "x" * 5000]
    message = _error(_write(tmp_path, data))
    assert "day 2, field lesson (message 2): is 5000 characters; keep it at 700" in message


def test_empty_lesson_message_is_refused(tmp_path: Path) -> None:
    data = _broken()
    data["days"][0]["lesson"] = ["  "]
    assert "day 1, field lesson (message 1):" in _error(_write(tmp_path, data))


def test_unknown_field_is_named(tmp_path: Path) -> None:
    data = _broken()
    data["days"][0]["promt"] = "typo"
    assert _error(_write(tmp_path, data)).endswith("day 1, field promt: is not a known field")


def test_checkin_without_a_scale_is_refused(tmp_path: Path) -> None:
    data = _broken()
    del data["checkin_scale"]
    assert "checkin_scale is required" in _error(_write(tmp_path, data))


def test_bad_pacing_is_named(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, _broken(pacing="weekly")))
    assert ": field pacing: " in message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "proef.yaml"
    path.write_text("id: proef\ntitle: [unclosed\n", encoding="utf-8")
    message = _error(path)
    assert message.startswith(f"{path}: line ")
    assert "invalid YAML" in message


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD, name="anders.yaml"))
    assert "field id: is 'proef' but the file is named anders.yaml" in message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    assert "must be a mapping" in _error(_write(tmp_path, ["a", "b"]))


def test_two_files_with_one_id_are_refused(tmp_path: Path) -> None:
    first = _write(tmp_path, GOOD)
    (tmp_path / "b").mkdir()
    second = _write(tmp_path / "b", GOOD)
    with pytest.raises(CourseFileError, match="used by two files"):
        load_courses([first, second])


@pytest.mark.parametrize("course", SHIPPED.values(), ids=lambda c: c.id)
def test_every_shipped_day_and_part_stays_short(course: Course) -> None:
    """Words as the loader counts them (lesson, check-in and prompt); parts as they are sent."""
    for number in range(1, course.length + 1):
        day = course.day(number)
        assert day.words <= SHIPPED_DAY_WORDS, f"day {number}: {day.words} words"
        nudge = render_nudge(course, number)
        messages = [*render_day(course, number), *([nudge] if nudge else [])]
        for message in messages:
            length = utf16_len(message.text)
            assert length <= SHIPPED_PART_CHARS, f"day {number}, {message.part}: {length} chars"
    if course.followup is not None:
        assert utf16_len(course.followup.text) <= SHIPPED_PART_CHARS


def test_a_course_may_bring_its_own_summary_sentence(tmp_path: Path) -> None:
    assert load_course(_write(tmp_path, GOOD)).summary_nothing_strong is None
    sentence = "Niets sprong eruit bij je partner."
    course = load_course(_write(tmp_path, _broken(summary_nothing_strong=sentence)))
    assert course.summary_nothing_strong == sentence
