"""Typed words as commands: on WhatsApp there is no command menu, so `STOP` means /stop.

A word counts as a command only when it is the whole message (with at most the arguments that
command takes, and those must make sense), so a reflection that happens to begin with "stop" or
"help" stays a reflection. `/stop` with a slash works too.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.core.messages import Incoming, Kind
from scheduler.localtime import parse_time_of_day, suggest_zone
from storage.models import Channel

#: Words that take no argument, and the coach's command each one is (Dutch and English).
PLAIN = {
    "stop": "stop", "pauze": "pauze", "pause": "pause", "verder": "verder", "resume": "resume",
    "vandaag": "vandaag", "today": "today", "voortgang": "voortgang", "progress": "progress",
    "help": "help", "menu": "help", "hulp": "hulp", "helpline": "helpline",
    "privacy": "privacy", "mijngegevens": "mijngegevens", "export": "export",
    "wisgegevens": "wisgegevens", "delete": "delete",
    "antwoorden": "antwoorden", "answers": "answers", "tempo": "tempo", "pace": "pace",
}  # fmt: skip
#: Words that may take an argument: `START twijfel`, `TIJD 07:30`, `TIJDZONE Amsterdam`, `DAG 3`.
WITH_ARGUMENT = {
    "start": "start", "begin": "start", "tijd": "tijd", "time": "time",
    "tijdzone": "tijdzone", "timezone": "timezone", "dag": "dag", "day": "day",
    "coach": "coach",
}  # fmt: skip
#: Every word druppel reads as a command.
COMMAND_WORDS = frozenset(PLAIN) | frozenset(WITH_ARGUMENT)

_TRAILING = ".!?,;: "


def _argument_fits(command: str, args: list[str], courses: Collection[str]) -> bool:
    if not args:
        return True
    joined = " ".join(args)
    if command == "start":
        return len(args) == 1 and args[0].lower() in courses
    if command == "coach":
        return len(args) == 1 and args[0].lower() == "stop"
    if command in ("tijd", "time"):
        return parse_time_of_day(joined) is not None
    if command in ("tijdzone", "timezone"):
        return len(args) <= 3 and suggest_zone(joined) is not None
    return len(args) == 1 and args[0].isascii() and args[0].isdigit()  # dag / day


def read(chat: str, text: str, courses: Collection[str], first_name: str | None = None) -> Incoming:
    """A typed message as the coach's event: a command when it is one, else free text."""
    stripped = text.strip()
    if stripped.startswith("/"):
        return Incoming.from_text(Channel.WHATSAPP, chat, stripped, first_name)
    words = stripped.split()
    if not words or len(words) > 4:
        return Incoming(Channel.WHATSAPP, chat, Kind.TEXT, text=text, first_name=first_name)
    head = words[0].lower().rstrip(_TRAILING) if len(words) == 1 else words[0].lower()
    args = [w.rstrip(_TRAILING) if i == len(words) - 2 else w for i, w in enumerate(words[1:])]
    command = PLAIN.get(head) if not args else None
    if command is None and head in WITH_ARGUMENT:
        command = WITH_ARGUMENT[head]
        if not _argument_fits(command, args, courses):
            command = None
    if command is None:
        return Incoming(Channel.WHATSAPP, chat, Kind.TEXT, text=text, first_name=first_name)
    return Incoming(
        Channel.WHATSAPP, chat, Kind.COMMAND, text=stripped, command=command,
        args=tuple(a.lower() if command == "start" else a for a in args), first_name=first_name,
    )  # fmt: skip


_SLASH_COMMAND = re.compile(r"(?<![\w/])/([a-z]+)\b")


def as_words(text: str) -> str:
    """The bot's text with `/help` written as `HELP`, the way one types it on WhatsApp."""
    return _SLASH_COMMAND.sub(lambda m: m.group(1).upper(), text)
