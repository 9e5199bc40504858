"""A trainer publishes a course version from Telegram: the course file sent as a document is
fetched as the Bot API gives files (getFile, then the file URL), checked, compared, previewed,
and published with one tap; a participant's document is never fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import texts
from bot.core import texts_courses as words
from courses.loader import load_course_dir
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
    assert "• regel 2: field version: Input should be greater than or equal to 1" in answer.text
    assert "field title: is missing" in answer.text
    assert "field titel: is not a known field" in answer.text
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
