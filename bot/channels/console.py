"""The terminal as a channel: the demo's participant reads druppel's messages here.

It prints like a chat, with the course time in the participant's zone, so a sped-up course reads
as days passing. Headings are bold where the platforms print them bold (in a terminal, by ANSI;
elsewhere as written), and what a terminal cannot show, a chart or a file, is written to a folder
that the line names, so the reader can open it.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.core.messages import Button, Outgoing
from scheduler.clock import Clock
from storage.models import Lane

WIDTH = 76
WHO = 8  # width of the speaker column
INDENT = " " * (6 + WHO)
BOLD, PLAIN = "\x1b[1m", "\x1b[0m"
UP_AND_ERASE = "\x1b[1A\x1b[2K"  # the cursor one line up, and that line cleared
#: The name a chart is saved under (a file keeps the name it is sent with).
CHART_NAME = "overzicht.png"


def _wrap(text: str) -> list[str]:
    """Lines of the chat's width; a path or a link stays whole, to be copied."""
    return textwrap.wrap(text, WIDTH - len(INDENT), break_long_words=False, break_on_hyphens=False)


def stamp(at: datetime) -> str:
    return str(format_datetime(at, "EEE d MMM HH:mm", locale="nl"))


@dataclass
class ConsoleChannel:
    clock: Clock
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    out: TextIO = field(default_factory=lambda: sys.stdout)
    #: Where the reader types, in the interactive demo.
    typed: TextIO = field(default_factory=lambda: sys.stdin)
    received: list[Outgoing] = field(default_factory=list)
    #: Where charts and files are written; unset, the line says only what came.
    files: Path | None = None
    #: Headings in ANSI bold (a terminal that shows it) rather than as written.
    bold: bool = False
    _last_day: str = ""

    def _header(self) -> None:
        now = self.clock.now().astimezone(self.zone)
        day = stamp(now)[:-6]
        if day != self._last_day:
            self._last_day = day
            self.out.write(f"\n{'─' * 3} {day} {'─' * (WIDTH - len(day) - 5)}\n")

    def _block(self, who: str, text: str, heading: str | None = None) -> None:
        now = self.clock.now().astimezone(self.zone)
        lines: list[str] = []
        if heading:
            wrapped = _wrap(heading)
            lines.extend(f"{BOLD}{line}{PLAIN}" if self.bold else line for line in wrapped)
            lines.append("")
        for paragraph in text.split("\n"):
            lines.extend(_wrap(paragraph) or [""])
        first, *rest = lines
        self.out.write(f"{now:%H:%M} {who:<{WHO}}│ {first}\n")
        for line in rest:
            self.out.write(f"{INDENT}│ {line}\n" if line else f"{INDENT}│\n")
        self.out.flush()

    async def save(self, name: str, content: bytes) -> str:
        """Write a chart or a file where the reader can open it; what the line shows of it."""
        if self.files is None:
            return f"{len(content)} bytes"
        path = self.files / Path(name).name  # a name, never a path elsewhere
        stem, suffix, n = path.stem, path.suffix, 1
        while path.exists():  # a second chart keeps the first
            n += 1
            path = self.files / f"{stem}-{n}{suffix}"
        await asyncio.to_thread(path.write_bytes, content)
        return str(path)

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        self.received.append(message)
        text = message.text
        if message.image is not None:
            text = f"[afbeelding: {await self.save(CHART_NAME, message.image)}]\n{text}"
        if message.document is not None:
            name, content = message.document
            text = f"[bestand: {await self.save(name, content)}]\n{text}"
        if message.buttons:
            labels = [b for row in message.buttons for b in row]
            text += "\n" + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(labels, 1))
        self._header()
        self._block("druppel", text, message.heading)

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

    def ask(self, prompt: str) -> str:
        """A line the reader types after `prompt` (blocking: run it in a thread). A terminal
        has shown the line as it was typed; that echo is taken away again, so what they said
        shows once, as a line of the chat."""
        terminal = self.typed.isatty() and self.out.isatty()
        if terminal:
            self.out.write(prompt)
            self.out.flush()
        line = self.typed.readline()
        if terminal and line:
            columns = max(1, shutil.get_terminal_size().columns)
            rows = -(-(len(prompt) + len(line.rstrip("\n"))) // columns) or 1
            self.out.write(f"{UP_AND_ERASE * rows}\r")
            self.out.flush()
        return line

    def last_buttons(self, since: int = 0) -> list[Button]:
        """The buttons of the newest message that has any, among those from `since` on."""
        for message in reversed(self.received[since:]):
            if message.buttons:
                return [b for row in message.buttons for b in row]
        return []
