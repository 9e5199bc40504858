"""One message the bot sent or edited, as a test sees it (:class:`SentMessage`), and the inline
buttons of a message reduced to the (text, callback_data) rows tests assert on."""

from __future__ import annotations

from dataclasses import dataclass, field

from .wire import JSONDict

Buttons = list[list[tuple[str, str | None]]]


def inline_buttons(markup: JSONDict | None) -> Buttons:
    """Reduce an inline keyboard to (text, callback_data) rows, the shape tests assert on."""
    if not markup:
        return []
    return [
        [(str(b["text"]), b.get("callback_data")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


@dataclass(frozen=True)
class SentMessage:
    """One message the bot sent or edited, as the user would see it, for test assertions.

    For a photo, ``text``/``raw_text``/``entities`` are its caption's, and ``photo`` holds the
    uploaded bytes (None when it was sent by file_id of an unknown file or by URL).
    """

    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    buttons: Buttons
    at: float
    method: str = "sendMessage"
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    photo: bytes | None = field(default=None, repr=False)
    document: bytes | None = field(default=None, repr=False)
    document_name: str | None = None
    #: Whether it was sent with ``allow_paid_broadcast`` (a paid broadcast).
    paid: bool = False

    @property
    def is_edit(self) -> bool:
        """Whether this records an edit of an earlier message rather than a new one."""
        return self.method.startswith("edit")

    @property
    def is_photo(self) -> bool:
        return self.method == "sendPhoto"

    @property
    def callback_data(self) -> list[str]:
        """All callback_data values of the inline keyboard, row by row."""
        return [data for row in self.buttons for _, data in row if data is not None]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Rows of a reply (custom) keyboard's button texts, empty when there is none."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        return [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in self.reply_markup["keyboard"]
        ]

    @property
    def removes_keyboard(self) -> bool:
        """Whether the message asked the client to hide the reply keyboard."""
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))

    def describe(self) -> str:
        """A one-line summary for failure messages."""
        kind = "edit" if self.is_edit else "photo" if self.is_photo else "msg"
        kind += " paid" if self.paid else ""
        buttons = f" buttons={self.buttons}" if self.buttons else ""
        return f"[{kind} #{self.message_id} chat={self.chat_id}] {self.text!r}{buttons}"
