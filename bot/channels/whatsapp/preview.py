"""WhatsApp shown in the terminal: what would go to the Graph API, printed as the chat shows it.

`druppel demo --channel whatsapp` sends through the real WhatsApp sender (rendering, the 24-hour
window, the template) with this in place of the HTTP client, so the demo shows exactly the
messages, buttons, lists and invitations a participant would get.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.channels.console import ConsoleChannel
from bot.channels.whatsapp.rendering import Payload
from bot.core.messages import Button, Outgoing
from storage.models import Lane

#: The data of the template's quick reply button, as the demo taps it.
TEMPLATE_TAP = "wa:verder"
TEMPLATE_BUTTON = "Verder"


def shown(payload: Payload) -> Outgoing:
    """A message object as the console prints it: its text, its buttons or list rows."""
    kind = payload.get("type")
    if kind == "text":
        return Outgoing(str(payload["text"]["body"]))
    if kind in ("image", "document"):
        attached: dict[str, Any] = payload[kind]
        what = "afbeelding" if kind == "image" else f"bestand {attached.get('filename', '')}"
        caption = attached.get("caption")
        return Outgoing(f"[{what.strip()}]" + (f"\n{caption}" if caption else ""))
    if kind == "template":
        content: dict[str, Any] = payload["template"]
        values = [
            str(p.get("text", ""))
            for c in content.get("components", [])
            for p in c.get("parameters", [])
        ]
        filled = f": {', '.join(values)}" if values else ""
        text = f"[WhatsApp-sjabloon {content['name']} ({content['language']['code']}){filled}]"
        return Outgoing(text, buttons=((Button(TEMPLATE_BUTTON, TEMPLATE_TAP),),))
    interactive: dict[str, Any] = payload["interactive"]
    body = str(interactive["body"]["text"])
    if interactive["type"] == "button":
        choices = [
            (b["reply"]["title"], b["reply"]["id"]) for b in interactive["action"]["buttons"]
        ]
    else:
        body = f"{body}\n☰ {interactive['action']['button']}"
        choices = [
            (r["title"], r["id"]) for s in interactive["action"]["sections"] for r in s["rows"]
        ]
    return Outgoing(body, buttons=(tuple(Button(title, data) for title, data in choices),))


class PrintedApi:
    """Prints each message object on the console instead of calling the Graph API."""

    def __init__(self, console: ConsoleChannel) -> None:
        self.console = console
        self._ids = itertools.count(1)

    async def send(self, to: str, payload: Payload) -> str:
        await self.console.send(to, shown(payload), Lane.REPLY)
        return f"wamid.demo{next(self._ids)}"

    async def upload(self, content: bytes, mime: str, filename: str) -> str:
        return f"media.demo{next(self._ids)}"
