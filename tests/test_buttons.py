"""What a button carries: the strings on the wire never change, a payload that is not exactly
one of ours is refused rather than guessed at, and every command is declared once."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

import pytest

from bot.channels.whatsapp.words import PLAIN, WITH_ARGUMENT
from bot.conversation.buttons import (
    COMMON_TIMES,
    CourseChoice,
    HelpChoice,
    RestartAnswer,
    SafetyAnswer,
    TimeChoice,
    WipeAnswer,
    ZoneChoice,
    time_rows,
)
from bot.conversation.router import COMMANDS, TAPS, by_name
from bot.core import texts
from bot.core.button_data import ButtonData
from bot.delivery.items import CheckInScore
from bot.safety import assess
from bot.safety import reply as safety_reply
from tests.journey_kit import Kit

ON_THE_WIRE: list[tuple[ButtonData, str]] = [
    (CourseChoice(course="partner"), "c:partner"),
    (TimeChoice(at=time(7, 0)), "t:07:00"),
    (TimeChoice(at=time(12, 30)), "t:12:30"),
    (TimeChoice(at="?"), "t:?"),
    (ZoneChoice(choice="ok"), "z:ok"),
    (ZoneChoice(choice="?"), "z:?"),
    (RestartAnswer(answer="yes"), "r:yes"),
    (RestartAnswer(answer="no"), "r:no"),
    (WipeAnswer(answer="ja"), "w:ja"),
    (WipeAnswer(answer="nee"), "w:nee"),
    (CheckInScore(course="twijfel", day=2, score=4), "k:twijfel:2:4"),
    (HelpChoice(choice="rust"), "h:rust"),
    (SafetyAnswer(answer="nee:violence"), "v:nee:violence"),
]


@pytest.mark.parametrize(("tapped", "data"), ON_THE_WIRE)
def test_every_kind_of_button_packs_as_it_always_did_and_reads_back(
    tapped: ButtonData, data: str
) -> None:
    assert tapped.pack() == data
    assert type(tapped).read(data) == tapped


def test_the_time_buttons_offer_the_common_times_and_another() -> None:
    rows = time_rows()
    assert [b.data for row in rows for b in row] == [f"t:{t}" for t in COMMON_TIMES] + ["t:?"]
    assert [b.label for b in rows[0]] == COMMON_TIMES[:3]


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (TimeChoice, "t:7:00"),  # a time as typed, not as a button makes it
        (TimeChoice, "t:07:00:00"),
        (TimeChoice, "t:24:00"),
        (TimeChoice, "t:later"),
        (TimeChoice, "t"),
        (TimeChoice, "z:07:00"),  # another kind's prefix
        (ZoneChoice, "z:maybe"),
        (RestartAnswer, "r:yes:no"),
        (WipeAnswer, "w:JA"),
        (CheckInScore, "k:twijfel:02:4"),
        (CheckInScore, "k:twijfel:2"),
        (CheckInScore, "k:twijfel:2:4:5"),
        (CheckInScore, "k:twijfel:0:4"),
        (CheckInScore, "k:twijfel:2:6"),
        (CheckInScore, "k:twijfel:two:4"),
        (CheckInScore, "k:" + "x" * 60 + ":2:4"),  # longer than Telegram hands back
    ],
)
def test_a_payload_that_is_not_exactly_one_of_the_kind_is_refused(
    kind: type[ButtonData], data: str
) -> None:
    assert kind.read(data) is None


def test_button_data_over_telegrams_64_bytes_is_refused_when_packed() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        CheckInScore(course="x" * 60, day=1, score=1).pack()


def test_only_the_last_field_may_hold_the_separator() -> None:
    with pytest.raises(ValueError, match="last field"):
        CheckInScore(course="a:b", day=1, score=1).pack()


def test_a_kind_of_button_needs_a_prefix_without_the_separator() -> None:
    with pytest.raises(TypeError, match="prefix"):

        class Broken(ButtonData):
            prefix: ClassVar[str] = "a:b"
            value: str


def test_every_button_of_the_safety_net_is_told_apart_by_its_prefix() -> None:
    found = assess("ik wil dood, ik heb de pillen al klaar")
    concern = assess("hij schreeuwt elke avond tegen me en ik durf niks meer te zeggen")
    shown = [
        *safety_reply.hulp(),
        *safety_reply.replies(found, "nl", can_pause=True),
        *safety_reply.replies(concern, "be", can_pause=True),
    ]
    data = [b.data for m in shown for row in m.buttons for b in row]
    assert any(d.startswith("v:") for d in data)
    for each in data:
        kind = HelpChoice if each.startswith("h:") else SafetyAnswer
        tapped = kind.read(each)
        assert tapped is not None
        assert tapped.pack() == each


def test_every_command_is_declared_once_and_every_typed_word_finds_it() -> None:
    table = by_name(COMMANDS)
    assert set(PLAIN.values()) | set(WITH_ARGUMENT.values()) <= set(table)
    assert len({tap.kind.prefix for tap in TAPS}) == len(TAPS)


async def test_a_malformed_tap_gets_the_stale_answer_of_its_kind(kit: Kit) -> None:
    await kit.sign_up("1")
    assert [m.text for m in await kit.tap("1", "t:7:00")] == [texts.STALE_BUTTON]
    assert [m.text for m in await kit.tap("1", "c:nope")] == [texts.STALE_BUTTON]
    assert [m.text for m in await kit.tap("1", "x:1")] == [texts.STALE_BUTTON]
    assert [m.text for m in await kit.tap("1", "k:twijfel:01:4")] == [texts.CHECKIN_STALE]


async def test_a_stranger_tapping_an_old_button_is_pointed_to_start(kit: Kit) -> None:
    assert [m.text for m in await kit.tap("9", "z:ok")] == [texts.NOT_STARTED]
    assert [m.text for m in await kit.tap("9", "w:nee")] == [texts.DELETE_NOTHING]
