"""A broken course file is refused with one line that names the file, the day and the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from courses.loader import CourseFileError, load_course, load_courses

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
