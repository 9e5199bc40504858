"""A trainer publishes a course version from Telegram: the course file sent as a document is
fetched as the Bot API gives files (getFile, then the file URL), checked, compared, previewed,
and published with one tap; a participant's document is never fetched."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core import texts
from bot.core import texts_courses as words
from bot.staff.publish import in_dutch
from courses.loader import load_course_dir
from courses.problems import check_text
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_api.sent import SentMessage
from tests.journey_kit import Kit
from tests.versions_kit import edited, new_lesson

TRAINER = 900002
TWIJFEL = load_course_dir(Path(__file__).resolve().parents[1] / "courses")["twijfel"]

pytestmark = pytest.mark.kit(trainer_ids=str(TRAINER))


async def _sends_file(tg: FakeTelegram, chat: int, content: bytes, name: str) -> SentMessage:
    since = len(tg.messages_to(chat))
    tg.user_sends_document(chat, content, name)
    return await tg.wait_for_message(chat, timeout=10, since=since)


async def test_a_trainer_sends_a_course_file_reads_the_change_and_publishes_it(
    kit: Kit, telegram: FakeTelegram
) -> None:
    checked = await _sends_file(telegram, TRAINER, edited(TWIJFEL, 2).encode(), "twijfel.yaml")
    assert checked.text.startswith(f"In orde: “{TWIJFEL.title}”, versie 2, 9 dagen.")
    assert "• dag 2: les (deel 1)\n• dag 3: les (deel 1)" in checked.text
    intro = await telegram.wait_for_message(TRAINER, timeout=10)
    assert intro.text == words.COURSE_PREVIEW_DAY.format(day=2, version=2)
    first = await telegram.wait_for_message(TRAINER, timeout=10)
    assert first.text.startswith("Dag 2 van 9")
    assert new_lesson(2, 2) in first.text  # the first changed day, as participants will read it
    ask = await telegram.wait_for_message(
        TRAINER, lambda m: m.text.startswith("Publiceren?"), timeout=10
    )
    assert ask.callback_data == ["b:pub:twijfel:2", "b:pub:no"]
    assert [c["file_id"] for c in telegram.calls_to("getFile")]  # fetched as the Bot API gives it
    store = kit.engine.store
    assert await store.versions.newest("twijfel") is None  # nothing before the tap

    telegram.user_taps(TRAINER, "b:pub:twijfel:2")
    done = await telegram.wait_for_message(
        TRAINER, lambda m: m.text.startswith("Versie 2"), timeout=10
    )
    assert done.text == words.COURSE_PUBLISHED.format(version=2, title=TWIJFEL.title)
    assert await store.versions.newest("twijfel") == 2
    [published] = [v for v in await store.versions.all("twijfel")]
    assert published.by == f"Sanne (telegram {TRAINER})"
    telegram.user_taps(TRAINER, "b:pub:twijfel:2")  # once is once
    again = await telegram.wait_for_message(TRAINER, timeout=10)
    assert again.text == words.COURSE_PUBLISH_STALE


async def test_a_broken_course_file_gets_every_problem_with_its_line(
    kit: Kit, telegram: FakeTelegram
) -> None:
    text = edited(TWIJFEL, 2).replace("version: 2", "version: 0", 1)
    text = text.replace("title: Help! Ik twijfel", "titel: Help! Ik twijfel", 1)
    answer = await _sends_file(telegram, TRAINER, text.encode(), "twijfel.yaml")
    assert answer.text.startswith("Dit bestand is nog niet in orde.")
    assert "• regel 2: veld version: moet 1 of meer zijn" in answer.text
    assert "veld title: ontbreekt" in answer.text
    assert "veld titel: is geen veld dat ik ken" in answer.text
    assert not telegram.last_buttons(TRAINER)
    assert await kit.engine.store.versions.newest("twijfel") is None


async def test_a_file_that_is_no_course_file_is_not_fetched(
    kit: Kit, telegram: FakeTelegram
) -> None:
    answer = await _sends_file(telegram, TRAINER, b"%PDF-1.7", "cursus.pdf")
    assert answer.text == words.COURSE_FILE_NOT_YAML.format(name="cursus.pdf")
    assert telegram.calls_to("getFile") == []


async def test_a_participants_document_is_neither_fetched_nor_read_as_a_course(
    kit: Kit, telegram: FakeTelegram
) -> None:
    answer = await _sends_file(telegram, 8401, edited(TWIJFEL, 2).encode(), "twijfel.yaml")
    assert answer.text == texts.NOT_STARTED  # as for any first message that is no command
    assert telegram.calls_to("getFile") == []


Data = dict[str, Any]


def _prompt(data: Data) -> None:
    data["days"][0]["prompt"] = "Wat voel je? En wat denk je?"


def _label(data: Data) -> None:
    data["label"] = "Een naam die te lang is voor"


def _time(data: Data) -> None:
    data["nudge_window"] = {"start": "9:00", "end": "21:00"}


def _pacing(data: Data) -> None:
    data["pacing"] = "weekly"


def _quote(data: Data) -> None:
    data["days"][1]["lesson"][0] = {"quote": 5, "text": "Je schreef: {answer}", "fallback": "Goed."}


def _missing(data: Data) -> None:
    del data["days"][2]["prompt"]


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (_prompt, "dag 1, veld prompt: heeft 2 vraagtekens; stel precies één vraag"),
        (_label, "veld label: is 28 tekens; houd het op 24 of minder (het wordt een regel in een "
                 "WhatsApp-lijst)"),
        (_time, "veld nudge_window (start): '9:00' is geen tijd in de vorm UU:MM"),
        (_pacing, "veld pacing: moet een van deze zijn: 'daily' of 'after_reflection'"),
        (_quote, "dag 2, lesbericht 1: citeert dag 5, en die komt niet vóór dag 2; citeer een "
                 "eerdere dag"),
        (_missing, "dag 3, veld prompt: ontbreekt"),
    ],
)  # fmt: skip
def test_a_trainer_reads_each_problem_in_dutch(broken: Callable[[Data], None], said: str) -> None:
    data = yaml.safe_load(edited(TWIJFEL, 2))
    broken(data)
    [problem] = check_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False)).problems
    assert in_dutch(problem) == said
    assert problem.line is not None  # the chat says it before the problem, as "regel N"


def test_every_kind_of_problem_has_its_dutch_words() -> None:
    """A problem the course code can raise that the chat has no Dutch for would reach a trainer
    in English."""
    root = Path(__file__).resolve().parents[1] / "courses"
    source = "".join(p.read_text(encoding="utf-8") for p in root.glob("*.py"))
    raised = set(re.findall(r'PydanticCustomError\(\s*"(\w+)"', source))
    assert {"question_marks", "quote_not_before", "too_many_chars"} <= raised
    said = set(words.PROBLEMS)
    assert raised - said == set()
    assert {"yaml", "not_a_mapping", "id_not_file"} <= said  # the course file's own
