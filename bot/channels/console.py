"""The terminal as a channel: the demo's participant reads druppel's messages here.

It prints like a chat, with the course time in the participant's zone, so a sped-up course reads
as days passing.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.core.messages import Button, Outgoing
from scheduler.clock import Clock
from storage.models import Lane

WIDTH = 76
WHO = 8  # width of the speaker column
INDENT = " " * (6 + WHO)


def stamp(at: datetime) -> str:
    return str(format_datetime(at, "EEE d MMM HH:mm", locale="nl"))


@dataclass
class ConsoleChannel:
    clock: Clock
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    out: TextIO = field(default_factory=lambda: sys.stdout)
    received: list[Outgoing] = field(default_factory=list)
    _last_day: str = ""

    def _header(self) -> None:
        now = self.clock.now().astimezone(self.zone)
        day = stamp(now)[:-6]
        if day != self._last_day:
            self._last_day = day
            self.out.write(f"\n{'─' * 3} {day} {'─' * (WIDTH - len(day) - 5)}\n")

    def _block(self, who: str, text: str) -> None:
        now = self.clock.now().astimezone(self.zone)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            lines.extend(textwrap.wrap(paragraph, WIDTH - len(INDENT)) or [""])
        first, *rest = lines
        self.out.write(f"{now:%H:%M} {who:<{WHO}}│ {first}\n")
        for line in rest:
            self.out.write(f"{INDENT}│ {line}\n" if line else f"{INDENT}│\n")
        self.out.flush()

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        self.received.append(message)
        self._header()
        text = f"{message.heading.upper()}\n\n{message.text}" if message.heading else message.text
        if message.image is not None:
            text = f"[afbeelding: {len(message.image)} bytes]\n{text}"
        if message.buttons:
            labels = [b for row in message.buttons for b in row]
            text += "\n" + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(labels, 1))
        self._block("druppel", text)

    async def post(self, chat_id: str, message: Outgoing) -> str:
        await self.send(chat_id, message)
        return str(len(self.received))

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        self._block("druppel", f"(bijgewerkt) {message.text}")

    def participant_says(self, name: str, text: str) -> None:
        self._header()
        self._block(name[:WHO], text)

    def note(self, text: str) -> None:
        self.out.write(f"{INDENT}  ({text})\n")
        self.out.flush()

    def last_buttons(self) -> list[Button]:
        for message in reversed(self.received):
            if message.buttons:
                return [b for row in message.buttons for b in row]
        return []
