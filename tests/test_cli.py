"""The `druppel` command: course validation and preview; one-line errors, not tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.app.cli import main
from bot.delivery.catalogue import Catalogue
from bot.staff import versions
from courses.loader import load_course_dir
from courses.problems import check_text
from courses.render import render_day
from storage.keys import Keys
from storage.models import Channel, Enrollment
from storage.store import Store
from tests.journey_kit import TEST_KEY
from tests.versions_kit import edited, new_lesson

ROOT = Path(__file__).resolve().parent.parent


def test_validate_all_shipped_courses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["courses", "validate"]) == 0
    out = capsys.readouterr().out
    assert "twijfel version 1, 9 days" in out
    assert "partner version 1, 9 days" in out


def test_validate_a_broken_file_names_every_problem_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "kapot.yaml"
    broken.write_text("id: kapot\ntitle: Kapot\nversion: nul\n", encoding="utf-8")
    assert main(["courses", "validate", str(broken)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"druppel: {broken}: line 3: field version: Input should be a valid integer, unable to "
        "parse string as an integer",
        f"druppel: {broken}: line 1: field audience: is missing",
        f"druppel: {broken}: line 1: field description: is missing",
        f"druppel: {broken}: line 1: field days: is missing",
    ]


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`druppel` in this process on an embedded Redis of its own, with nothing published."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DRUPPEL_DATA_DIR", str(tmp_path / "var"))


@pytest.mark.usefixtures("embedded")
def test_preview_prints_the_days_messages_under_a_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["courses", "preview", "twijfel", "--day", "2"]) == 0
    out = capsys.readouterr().out
    course = load_course_dir(ROOT / "courses")["twijfel"]
    heading = "Dag 2 van 9 · Liefde als prestatie"
    shows = "twijfel version 1 (the shipped file)"
    assert out.startswith(f"{shows}\n\n{heading}\n{'=' * len(heading)}\n\n")
    assert out.count("Dag 2") == 1, "one header, not 'Dag 2' above 'Dag 2 van 9'"
    for message in render_day(course, 2):
        assert message.text in out


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["courses", "preview", "bestaatniet"], "there is no course 'bestaatniet'"),
        (["courses", "preview", "twijfel", "--day", "10"], "there is no day 10"),
        (["courses", "preview", "partner", "--day", "0"], "there is no day 0"),
    ],
)
@pytest.mark.usefixtures("embedded")
def test_preview_of_a_missing_course_or_day_fails(
    args: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert complaint in capsys.readouterr().err


def _druppel(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `druppel` with only the settings a test names (the caller's REDIS_URL stays out)."""
    settings = {
        "REDIS_URL", "DRUPPEL_DATA_DIR", "DRUPPEL_COURSES_DIR", "DEFAULT_TIMEZONE",
        "DRUPPEL_KEY_PREFIX", "DRUPPEL_ENCRYPTION_KEY",
    }  # fmt: skip
    base = {k: v for k, v in os.environ.items() if k not in settings}
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", *args],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_druppel_refuses_to_start_with_a_broken_course_file(tmp_path: Path) -> None:
    courses = tmp_path / "courses"
    courses.mkdir()
    (courses / "leeg.yaml").write_text("id: leeg\ndays: []\n", encoding="utf-8")
    done = _druppel("check", env={"DRUPPEL_COURSES_DIR": str(courses),
                                  "DRUPPEL_DATA_DIR": str(tmp_path / "var")})  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"druppel: {courses / 'leeg.yaml'}: field ")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_unreachable_redis_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    done = _druppel(
        "check", env={"REDIS_URL": "redis://127.0.0.1:1/0", "DRUPPEL_ENCRYPTION_KEY": TEST_KEY}
    )
    assert done.returncode == 2
    assert done.stderr.startswith("druppel: cannot reach Redis at redis://127.0.0.1:1/0")
    assert len(done.stderr.splitlines()) == 1


def test_check_with_embedded_redis_reports_ok(tmp_path: Path) -> None:
    done = _druppel(
        "check",
        env={"DRUPPEL_DATA_DIR": str(tmp_path / "var"), "TELEGRAM_BOT_TOKEN": "5550001:check",
             "TELEGRAM_MAX_PER_SECOND": "1000"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "courses: partner, twijfel" in done.stdout
    assert "embedded" in done.stdout
    # The lessons' pace follows the overall one unless set: no trap at 25 a second.
    assert "at most 1000 messages a second, lessons and broadcasts 1000 a second" in done.stdout


def test_check_without_any_channel_says_which_setting_is_missing(tmp_path: Path) -> None:
    env = {"DRUPPEL_DATA_DIR": str(tmp_path / "var"), "TELEGRAM_BOT_TOKEN": ""}
    done = _druppel("check", env=env)
    assert done.returncode == 2
    assert "no channel is configured: set TELEGRAM_BOT_TOKEN" in done.stderr
    assert "@BotFather" in done.stderr


def test_a_bad_setting_is_named(tmp_path: Path) -> None:
    done = _druppel(
        "check",
        env={"DEFAULT_TIMEZONE": "Europe/Atlantis", "DRUPPEL_DATA_DIR": str(tmp_path / "var")},
    )
    assert done.returncode == 2
    assert "DEFAULT_TIMEZONE" in done.stderr
    assert "Europe/Atlantis" in done.stderr


async def test_check_warns_when_course_files_no_longer_cover_the_enrollments(
    tmp_path: Path, redis_url: str, keys: Keys, store: Store
) -> None:
    shipped = ROOT / "courses"
    only_partner = tmp_path / "courses"
    only_partner.mkdir()
    (only_partner / "partner.yaml").write_text(
        (shipped / "partner.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    for chat in ("1", "2"):
        p, _ = await store.participants.get_or_create(Channel.TELEGRAM, chat, now=now)
        await store.enrollments.save(
            Enrollment(participant_id=p.id, course_id="twijfel", started_at=now)
        )
    done = _druppel(
        "check",
        env={"REDIS_URL": redis_url, "DRUPPEL_KEY_PREFIX": keys.prefix,
             "DRUPPEL_ENCRYPTION_KEY": TEST_KEY,
             "DRUPPEL_COURSES_DIR": str(only_partner), "TELEGRAM_BOT_TOKEN": "5550001:check"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 participants follow course 'twijfel', which no course file provides" in done.stderr


async def test_check_compares_each_enrollment_with_its_own_version(
    tmp_path: Path, redis_url: str, keys: Keys, store: Store
) -> None:
    """Version 2 has a tenth day: someone on its day 10 is where they should be; someone on
    version 1 (nine days) at day 10 is past its end."""
    shipped = load_course_dir(ROOT / "courses")
    data = yaml.safe_load(edited(shipped["twijfel"], 2))
    data["days"].append({**data["days"][-1], "title": "Nog een dag"})
    longer = check_text(yaml.safe_dump(data, allow_unicode=True)).course
    assert longer is not None
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    catalogue = Catalogue(shipped, store.versions)
    assert await versions.publish(store, catalogue, longer, "test", now) is None
    for chat, version in (("1", 1), ("2", 2), ("3", 2)):
        p, _ = await store.participants.get_or_create(Channel.TELEGRAM, chat, now=now)
        await store.enrollments.save(
            Enrollment(participant_id=p.id, course_id="twijfel", started_at=now,
                       course_version=version, current_day=10, last_delivered_day=10)
        )  # fmt: skip
    done = _druppel(
        "check",
        env={"REDIS_URL": redis_url, "DRUPPEL_KEY_PREFIX": keys.prefix,
             "DRUPPEL_ENCRYPTION_KEY": TEST_KEY, "TELEGRAM_BOT_TOKEN": "5550001:check"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        "1 participants of 'twijfel' are past the last day of their version (version 1: 9 "
        "days); their course ends with its end message"
    ) in done.stderr


def _version_two(tmp_path: Path, redis_url: str, keys: Keys) -> tuple[Path, dict[str, str]]:
    """A version 2 of twijfel as a file, and the settings of `druppel` on the tests' Redis."""
    file = tmp_path / "twijfel.yaml"
    file.write_text(edited(load_course_dir(ROOT / "courses")["twijfel"], 2), encoding="utf-8")
    env = {"REDIS_URL": redis_url, "DRUPPEL_KEY_PREFIX": keys.prefix,
           "DRUPPEL_ENCRYPTION_KEY": TEST_KEY}  # fmt: skip
    return file, env


async def test_publish_versions_and_migrate_from_the_command_line(
    tmp_path: Path, redis_url: str, keys: Keys, store: Store
) -> None:
    file, env = _version_two(tmp_path, redis_url, keys)
    published = _druppel("courses", "publish", str(file), "--by", "sanne", env=env)
    assert published.returncode == 0, published.stderr
    assert published.stdout.splitlines()[:3] == [
        "twijfel: version 2 against version 1:",
        "  day 2 changed: lesson part 1",
        "  day 3 changed: lesson part 1",
    ]
    again = _druppel("courses", "publish", str(file), env=env)
    assert again.returncode == 2
    assert "publish it as version 3" in again.stderr
    listed = _druppel("courses", "versions", "twijfel", env=env)
    lines = listed.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["version", "1"], ["version", "2"]]
    assert "the shipped file" in lines[0]
    assert "by sanne" in lines[1]
    moved = _druppel("courses", "migrate", "twijfel", "--to", "2", env=env)
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.startswith("version 1 -> 2: 0 running enrollments move")
    assert await store.versions.moves("twijfel") == {1: 2}


async def test_preview_shows_the_newest_published_version(
    tmp_path: Path, redis_url: str, keys: Keys, store: Store
) -> None:
    file, env = _version_two(tmp_path, redis_url, keys)
    assert _druppel("courses", "publish", str(file), "--by", "sanne", env=env).returncode == 0
    shown = _druppel("courses", "preview", "twijfel", "--day", "2", env=env)
    assert shown.returncode == 0, shown.stderr
    first = shown.stdout.splitlines()[0]
    assert first.startswith("twijfel version 2 (published by sanne on ")
    assert new_lesson(2, 2) in shown.stdout
    old = load_course_dir(ROOT / "courses")["twijfel"].day(2).lesson[0]
    assert isinstance(old, str)
    assert old not in shown.stdout
