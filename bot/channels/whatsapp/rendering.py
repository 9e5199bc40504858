"""The coach's messages as WhatsApp Cloud API message objects, within WhatsApp's limits.

Up to three buttons whose labels fit (20 characters, all different) become reply buttons; more,
or longer labels, become a list (rows of 24 characters, at most 10 to a list, a longer label
shown whole in the row's description). A text over a message's limit is split at paragraph,
line, sentence or word boundaries, the buttons going with its last part. A heading is set in
bold above the text, and the bot's `/help` reads `HELP`, as one types it here.

Each object is what goes in the `messages` request besides `messaging_product` and `to`.
"""

from __future__ import annotations

from typing import Any

from bot.channels.whatsapp import texts
from bot.channels.whatsapp.words import as_words
from bot.core.messages import Button, Outgoing

Payload = dict[str, Any]

MAX_TEXT = 4096  # a text message's body
MAX_BUTTON_BODY = 1024  # the body of a message with reply buttons
MAX_LIST_BODY = 4096  # the body of a list message
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10  # rows in one list message, over all its sections
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_BUTTON = 20
MAX_CAPTION = 1024  # the caption of an image or a document

#: Where a long text is preferably cut, best first.
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", " ")


def length(text: str) -> int:
    """Characters as counted against WhatsApp's limits; UTF-16 units, so never too few."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> int:
    """Where to end the first part of `text` so that it has at most `limit` characters."""
    fits = min(len(text), limit)
    while length(text[:fits]) > limit:
        fits -= 1
    for mark in _BREAKS:
        at = text.rfind(mark, 0, fits)
        if at > fits // 2:
            return at + len(mark.rstrip(" ")) if mark.strip() else at
    return fits


def split(text: str, limit: int) -> list[str]:
    """The text in parts of at most `limit` characters, cut where a reader would pause."""
    parts: list[str] = []
    rest = text.strip()
    while length(rest) > limit:
        at = max(1, _cut(rest, limit))
        parts.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def _split_tail(text: str, tail_limit: int) -> list[str]:
    """Parts of at most MAX_TEXT characters, the last of at most `tail_limit`."""
    parts = split(text, MAX_TEXT)
    if length(parts[-1]) > tail_limit:
        parts[-1:] = split(parts[-1], tail_limit)
    return parts


def body(message: Outgoing) -> str:
    """The visible text: a bold heading above it, commands as words."""
    text = as_words(message.text)
    return f"*{message.heading}*\n\n{text}" if message.heading else text


def _text(body_text: str) -> Payload:
    return {"type": "text", "text": {"body": body_text, "preview_url": False}}


def fits_buttons(buttons: list[Button]) -> bool:
    labels = [b.label for b in buttons]
    return (
        0 < len(buttons) <= MAX_BUTTONS
        and all(0 < length(label) <= MAX_BUTTON_TITLE for label in labels)
        and len(set(labels)) == len(labels)
        and all(len(b.data) <= MAX_BUTTON_ID for b in buttons)
    )


def _interactive(kind: str, body_text: str, action: Payload) -> Payload:
    """An interactive message of `kind` ("button" or "list"): the text, then what to tap."""
    body = {"text": body_text or texts.CHOOSE}
    return {"type": "interactive", "interactive": {"type": kind, "body": body, "action": action}}


def _reply_buttons(body_text: str, buttons: list[Button]) -> Payload:
    replies = [{"type": "reply", "reply": {"id": b.data, "title": b.label}} for b in buttons]
    return _interactive("button", body_text, {"buttons": replies})


def _shorten(label: str, limit: int) -> str:
    if length(label) <= limit:
        return label
    cut = label
    while length(cut) > limit - 1:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def _row(button: Button) -> Payload:
    row: Payload = {"id": button.data[:MAX_ROW_ID], "title": _shorten(button.label, MAX_ROW_TITLE)}
    if length(button.label) > MAX_ROW_TITLE:
        row["description"] = _shorten(button.label, MAX_ROW_DESCRIPTION)
    return row


def _list(body_text: str, buttons: list[Button]) -> Payload:
    opener = _shorten(texts.LIST_BUTTON, MAX_LIST_BUTTON)
    rows = [_row(b) for b in buttons]
    return _interactive("list", body_text, {"button": opener, "sections": [{"rows": rows}]})


def caption_fits(message: Outgoing) -> bool:
    """Whether the text can go as the caption of the message's image or file."""
    return not message.buttons and length(body(message)) <= MAX_CAPTION


def media(kind: str, media_id: str, message: Outgoing, filename: str | None = None) -> Payload:
    """An uploaded image or document, with the message's text as its caption when it fits."""
    content: Payload = {"id": media_id}
    if filename is not None:
        content["filename"] = filename
    if caption_fits(message) and message.text.strip():
        content["caption"] = body(message)
    return {"type": kind, kind: content}


def payloads(message: Outgoing) -> list[Payload]:
    """The message objects that show the text and buttons of `message` on WhatsApp, in order.

    An image or a file goes before these, once uploaded (see the sender); when the text fit in
    its caption, there is nothing more to send.
    """
    text = body(message)
    buttons = [b for row in message.buttons for b in row]
    if not buttons:
        return [_text(part) for part in split(text, MAX_TEXT)]
    if fits_buttons(buttons):
        *lead, last = _split_tail(text, MAX_BUTTON_BODY)
        return [*(_text(p) for p in lead), _reply_buttons(last, buttons)]
    *lead, last = _split_tail(text, MAX_LIST_BODY)
    lists = [
        _list(last if i == 0 else texts.MORE_CHOICES, buttons[i : i + MAX_ROWS])
        for i in range(0, len(buttons), MAX_ROWS)
    ]
    return [*(_text(p) for p in lead), *lists]


def template(name: str, language: str, parameters: list[str]) -> Payload:
    """An approved template message, its body's parameters filled in order."""
    content: Payload = {"name": name, "language": {"code": language}}
    if parameters:
        content["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
        ]
    return {"type": "template", "template": content}
