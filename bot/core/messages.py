"""Channel-neutral messages: what the coach says and hears, whatever the app.

Adapters translate these to and from Telegram, WhatsApp or the terminal; the coach never sees a
platform type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from storage.models import Channel, QueueItem


@dataclass(frozen=True, slots=True)
class Button:
    """A tappable choice. `data` comes back when tapped; Telegram allows 64 bytes of it."""

    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError(f"button data over 64 bytes: {self.data!r}")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to a participant: plain text (never markup), an optional heading, buttons, and
    optionally an image (PNG bytes) that the text goes with as its caption."""

    text: str
    heading: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    image: bytes | None = field(default=None, repr=False)
    #: A file the text goes with as its caption: (file name, content).
    document: tuple[str, bytes] | None = field(default=None, repr=False)
    #: A message made when it is sent, from what is stored then (someone's own answers, their
    #: summary): queued by name, so their words are never copied into the queue. `text` is only
    #: a stand-in where such a message is shown directly.
    named: QueueItem | None = None


#: Language codes of those who read Dutch (Frisian speakers do too).
DUTCH = frozenset({"nl", "fy"})


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file someone sent (a trainer's course file): its name, its size in bytes when the
    platform says it, and the platform's id to fetch it by."""

    file_id: str
    name: str
    size: int | None = None


class Kind(StrEnum):
    TEXT = "text"  # free text
    COMMAND = "command"  # /name args
    BUTTON = "button"  # a tapped button
    UNSUPPORTED = "unsupported"  # a sticker, photo, voice note...


@dataclass(frozen=True, slots=True)
class Incoming:
    """Something a participant did, already stripped of its platform."""

    channel: Channel
    chat_id: str
    kind: Kind
    text: str = ""
    command: str | None = None
    args: tuple[str, ...] = field(default_factory=tuple)
    data: str | None = None
    first_name: str | None = None
    what: str | None = None  # for UNSUPPORTED: "sticker", "photo", "voice", ...
    #: The text of the bot's message this one replies to (Telegram's reply), if any.
    replied_to: str | None = None
    #: The language their app is set to, as the platform says it (Telegram's `language_code`,
    #: its first part: "en"); None when it does not say (WhatsApp, the console).
    language: str | None = None
    #: A file that came with it (UNSUPPORTED, `what` "document"), fetched only for staff.
    attachment: Attachment | None = None

    @property
    def visitor(self) -> bool:
        """Whether their app speaks another language than Dutch: the bot speaks Dutch (also
        when it is not said), and only where a line is meant for visitors, English."""
        return self.language is not None and self.language not in DUTCH

    @classmethod
    def from_text(
        cls, channel: Channel, chat_id: str, text: str, first_name: str | None = None
    ) -> Incoming:
        """Parse typed text: `/start twijfel` is a command, anything else free text."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, *args = stripped[1:].split()
            command = head.split("@", 1)[0].lower()  # /start@druppel_bot in groups
            return cls(
                channel, chat_id, Kind.COMMAND, text=stripped, command=command,
                args=tuple(args), first_name=first_name,
            )  # fmt: skip
        return cls(channel, chat_id, Kind.TEXT, text=text, first_name=first_name)
