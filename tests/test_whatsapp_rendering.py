"""What the coach says, shaped for WhatsApp: every message within WhatsApp's limits, as Meta
checks them (the fake Graph API's own validation), and typed words read as commands."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

from bot.channels.whatsapp.rendering import (
    MAX_BUTTON_BODY,
    MAX_TEXT,
    length,
    payloads,
    split,
    template,
)
from bot.channels.whatsapp.words import COMMAND_WORDS, as_words, read
from bot.conversation.buttons import COMMON_TIMES
from bot.core import texts, texts_care, texts_pace
from bot.core.messages import Button, Kind, Outgoing
from bot.delivery.items import outgoing
from courses.loader import load_course_dir
from courses.render import render_day
from tests.fakes.whatsapp_api import GraphError, validate

ROOT = Path(__file__).resolve().parent.parent
COURSES = load_course_dir(ROOT / "courses")
#: Trainers' and operators' commands: they stay in Telegram.
STAFF_ONLY = {"broadcast", "broadcasts", "trainer", "trainers", "preview", "stats", "health",
              "errors", "user"}  # fmt: skip


def _valid(message: Outgoing) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return [validate(p) for p in payloads(message)]


def test_plain_text_goes_as_one_text_message_with_the_heading_in_bold() -> None:
    ((kind, text, choices),) = _valid(Outgoing("Rustig aan.", heading="Dag 1 van 7 · Begin"))
    assert (kind, text, choices) == ("text", "*Dag 1 van 7 · Begin*\n\nRustig aan.", ())


def test_slash_commands_in_the_bots_words_read_as_typed_words() -> None:
    assert as_words("Met /help zie je meer, met /hulp waar je terechtkunt.") == (
        "Met HELP zie je meer, met HULP waar je terechtkunt."
    )
    assert as_words("en/of 1/2 blijft") == "en/of 1/2 blijft"
    _, text, _ = _valid(Outgoing(texts.HELP))[0]
    assert "/" not in text.split("Dit kun je hier doen:")[1].split("Na elke les")[0]


@pytest.mark.parametrize(
    "catalogue", [texts, texts_care, texts_pace], ids=["texts", "texts_care", "texts_pace"]
)
def test_every_command_the_bot_names_can_be_typed_as_a_word(catalogue: ModuleType) -> None:
    named = {
        word
        for name, value in vars(catalogue).items()
        if isinstance(value, str) and not name.startswith("__")
        for word in re.findall(r"(?<![\w/])/([a-z]+)\b", value)
    }
    missing = named - COMMAND_WORDS - STAFF_ONLY
    assert named
    assert not missing, f"not readable as words on WhatsApp: {missing}"


def test_up_to_three_short_buttons_are_reply_buttons() -> None:
    message = Outgoing(
        texts.ASK_ZONE.format(zone="Amsterdam (UTC+1)"),
        buttons=((Button(texts.ZONE_OK, "z:ok"),), (Button(texts.OTHER_ZONE, "z:?"),)),
    )
    ((kind, _, choices),) = _valid(message)
    assert kind == "button"
    assert choices == (("z:ok", texts.ZONE_OK), ("z:?", texts.OTHER_ZONE))


def test_the_time_choice_is_a_list_of_six_rows() -> None:
    buttons = [Button(t, f"t:{t}") for t in COMMON_TIMES] + [Button(texts.OTHER_TIME, "t:?")]
    message = Outgoing(texts.ASK_TIME, buttons=(tuple(buttons[:3]), tuple(buttons[3:])))
    ((kind, text, choices),) = _valid(message)
    assert kind == "list"
    assert text == as_words(texts.ASK_TIME)
    assert [c for c, _ in choices] == [f"t:{t}" for t in COMMON_TIMES] + ["t:?"]


def test_the_check_in_is_a_list_of_five_scores() -> None:
    course = COURSES["partner"]
    day = next(n for n in range(1, course.length + 1) if course.day(n).checkin)
    checkin = next(m for m in render_day(course, day) if m.choices)
    ((kind, _, choices),) = _valid(outgoing(checkin, course.id, day))
    assert kind == "list"
    assert choices == tuple((f"k:partner:{day}:{s}", str(s)) for s in range(1, 6))


def test_a_label_too_long_for_a_row_is_shortened_and_shown_whole_below() -> None:
    label = "Een heel lange keuze die niet in een rij past"
    (payload,) = payloads(Outgoing("Kies", buttons=((Button(label, "x:1"),),)))
    row = payload["interactive"]["action"]["sections"][0]["rows"][0]
    assert length(row["title"]) <= 24
    assert row["title"].endswith("…")
    assert row["description"] == label
    validate(payload)


def test_more_than_ten_choices_take_two_lists() -> None:
    buttons = tuple((Button(f"Keuze {i}", f"c:{i}"),) for i in range(12))
    first, second = _valid(Outgoing("Welke?", buttons=buttons))
    assert (first[0], len(first[2]), second[0], len(second[2])) == ("list", 10, "list", 2)


def test_long_text_with_buttons_goes_first_and_the_buttons_come_with_its_end() -> None:
    text = "\n\n".join(f"Alinea {i}: " + "woord " * 60 for i in range(8))
    parts = _valid(Outgoing(text, buttons=((Button("Ja", "r:yes"),),)))
    assert [kind for kind, _, _ in parts[:-1]] == ["text"] * (len(parts) - 1)
    assert parts[-1][0] == "button"
    assert length(parts[-1][1]) <= MAX_BUTTON_BODY
    assert " ".join(t for _, t, _ in parts).split() == text.split()


def test_a_text_over_the_limit_is_split_at_paragraphs_and_loses_nothing() -> None:
    text = "\n\n".join(("Zin. " * 150).strip() for _ in range(8))
    parts = split(text, MAX_TEXT)
    assert len(parts) > 1
    assert all(length(p) <= MAX_TEXT for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts).split() == text.split()


def test_emoji_count_twice_towards_the_limit() -> None:
    parts = split("🌱" * 3000, MAX_TEXT)
    assert [length(p) for p in parts] == [4096, 1904]


@pytest.mark.parametrize("course_id", sorted(COURSES))
def test_every_day_of_every_shipped_course_fits_whatsapp(course_id: str) -> None:
    course = COURSES[course_id]
    for day in range(1, course.length + 1):
        for message in render_day(course, day):
            _valid(outgoing(message, course.id, day))


def test_the_fake_refuses_what_meta_refuses() -> None:
    four = {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Kies"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": f"b{i}", "title": f"B{i}"}} for i in range(4)
        ]},
    }}  # fmt: skip
    with pytest.raises(GraphError) as refused:
        validate(four)
    assert refused.value.code == 131009
    long_title = {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Kies"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "b", "title": "x" * 21}}]},
    }}  # fmt: skip
    with pytest.raises(GraphError) as too_wide:
        validate(long_title)
    assert "Max length: 20" in too_wide.value.details
    with pytest.raises(GraphError) as too_long:
        validate({"type": "text", "text": {"body": "x" * 4097}})
    assert too_long.value.code == 100


def test_a_template_names_its_language_and_fills_its_parameters() -> None:
    assert template("druppel_verder", "nl", ["Sanne"]) == {
        "type": "template",
        "template": {
            "name": "druppel_verder", "language": {"code": "nl"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Sanne"}]}],
        },
    }  # fmt: skip
    assert "components" not in template("druppel_verder", "nl", [])["template"]


# -- typed words ------------------------------------------------------------------------------

COURSE_IDS = frozenset(COURSES)


@pytest.mark.parametrize(
    ("typed", "command", "args"),
    [
        ("STOP", "stop", ()), ("stop!", "stop", ()), ("Pauze", "pauze", ()),
        ("VERDER", "verder", ()), ("resume", "resume", ()), ("VANDAAG", "vandaag", ()),
        ("voortgang", "voortgang", ()), ("HELP", "help", ()), ("HULP", "hulp", ()),
        ("TIJD 07:30", "tijd", ("07:30",)), ("tijd 7.30", "tijd", ("7.30",)),
        ("TIJD", "tijd", ()), ("START", "start", ()), ("START partner", "start", ("partner",)),
        ("/pauze", "pauze", ()), ("Dag 2", "dag", ("2",)), ("tijdzone Amsterdam", "tijdzone",
        ("Amsterdam",)),
    ],
)  # fmt: skip
def test_words_are_the_coachs_commands(typed: str, command: str, args: tuple[str, ...]) -> None:
    event = read("31612345678", typed, COURSE_IDS)
    assert (event.kind, event.command, event.args) == (Kind.COMMAND, command, args)


@pytest.mark.parametrize(
    "typed",
    ["Stop met twijfelen is moeilijk", "start maar", "tijd genoeg", "help me", "Verder niets",
     "dag lieverd", ""],
)  # fmt: skip
def test_a_reflection_that_begins_with_a_command_word_stays_a_reflection(typed: str) -> None:
    event = read("31612345678", typed, COURSE_IDS)
    assert (event.kind, event.text) == (Kind.TEXT, typed)
