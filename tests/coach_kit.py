"""What the coach tests share: a participant who asks, and coaches who answer, on the kit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.messages import Incoming, Kind, Outgoing
from storage.models import Channel
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")
AFTER_DAY_ONE = datetime(2026, 11, 26, 7, 30, tzinfo=AMS).astimezone(UTC)
QUESTION = "Mijn vriend wil samenwonen en ik krijg er buikpijn van. Is dat normaal?"
PLAN = "ik heb pillen gespaard en vanavond neem ik ze allemaal in"


def data(message: Outgoing) -> list[str]:
    return [b.data for row in message.buttons for b in row]


async def _coach_does(kit: Kit, chat: str, event: Incoming) -> list[Outgoing]:
    before = len(kit.channel.to(chat))
    await kit.engine.conversation.answer(event)
    return kit.channel.to(chat)[before:]


async def coach_types(
    kit: Kit, chat: str, text: str, replied_to: str | None = None, name: str = "Anna"
) -> list[Outgoing]:
    event = Incoming.from_text(Channel.CONSOLE, chat, text, first_name=name)
    if replied_to is not None:
        event = Incoming(Channel.CONSOLE, chat, Kind.TEXT, text=text, first_name=name,
                         replied_to=replied_to)  # fmt: skip
    return await _coach_does(kit, chat, event)


async def coach_taps(kit: Kit, chat: str, data: str, name: str = "Anna") -> list[Outgoing]:
    return await _coach_does(kit, chat, Incoming(Channel.CONSOLE, chat, Kind.BUTTON, data=data,
                                                 first_name=name))  # fmt: skip


async def participant_replies(kit: Kit, text: str, replied_to: str) -> list[Outgoing]:
    before = len(kit.channel.to("1"))
    event = Incoming(Channel.CONSOLE, "1", Kind.TEXT, text=text, first_name="Sanne",
                     replied_to=replied_to)  # fmt: skip
    await kit.engine.conversation.answer(event)
    return kit.channel.to("1")[before:]


async def asked(kit: Kit) -> tuple[Outgoing, Outgoing]:
    """Sanne on day 1 asks her question; each coach's copy of it."""
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.answer("1", "/coach")
    [sent] = await kit.answer("1", QUESTION)
    assert sent.text.startswith("Je vraag is naar je coach gestuurd.")
    [first] = kit.channel.to("42")
    [second] = kit.channel.to("43")
    return first, second
