"""WhatsApp shown in the terminal: what would go to the Graph API, printed as the chat shows it.

`druppel demo --channel whatsapp` sends through the real WhatsApp sender (rendering, the 24-hour
window, the template) with this in place of the HTTP client, so the demo shows exactly the
messages, buttons, lists and invitations a participant would get. A template shows its approved
text with the parameters filled in (Meta keeps that text; the demo is told it), and an uploaded
chart or file is written where the reader can open it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from bot.channels.console import ConsoleChannel
from bot.channels.whatsapp.rendering import Payload
from bot.core.messages import Button, Outgoing
from storage.models import Lane

#: The data of the template's quick reply button, as the demo taps it.
TEMPLATE_TAP = "wa:verder"
TEMPLATE_BUTTON = "Verder"
#: The approved text of the demo's invitation, as the README suggests it ({{1}}: the name).
TEMPLATE_BODY = "Hoi {{1}}, je les van vandaag staat klaar. Tik op Verder om hem te lezen."
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


def filled(body: str, values: list[str]) -> str:
    """A template's text as WhatsApp shows it: each {{n}} replaced by the n-th parameter."""

    def value(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return values[n - 1] if 1 <= n <= len(values) else match.group(0)

    return _PLACEHOLDER.sub(value, body)


def shown(
    payload: Payload,
    bodies: Mapping[str, str] | None = None,
    saved: Mapping[str, str] | None = None,
) -> Outgoing:
    """A message object as the console prints it: its text, its buttons or list rows; a
    template by its text (`bodies`, by name) with the parameters filled in; an attachment by
    where it was saved (`saved`, by media id)."""
    kind = payload.get("type")
    if kind == "text":
        return Outgoing(str(payload["text"]["body"]))
    if kind in ("image", "document"):
        attached: dict[str, Any] = payload[kind]
        what = "afbeelding" if kind == "image" else "bestand"
        where = (saved or {}).get(str(attached.get("id")), attached.get("filename", ""))
        caption = attached.get("caption")
        line = f"[{what}: {where}]" if where else f"[{what}]"
        return Outgoing(line + (f"\n{caption}" if caption else ""))
    if kind == "template":
        content: dict[str, Any] = payload["template"]
        values = [
            str(p.get("text", ""))
            for c in content.get("components", [])
            for p in c.get("parameters", [])
        ]
        name, language = content["name"], content["language"]["code"]
        body = (bodies or {}).get(name)
        if body is not None:
            text = f"{filled(body, values)}\n(WhatsApp-sjabloon {name}, {language})"
        else:
            text = f"[WhatsApp-sjabloon {name} ({language}): {', '.join(values)}]"
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
    """Prints each message object on the console instead of calling the Graph API; templates
    by their approved text (`bodies`, by name)."""

    def __init__(self, console: ConsoleChannel, bodies: Mapping[str, str] | None = None) -> None:
        self.console = console
        self.bodies = dict(bodies or {})
        self._saved: dict[str, str] = {}
        self._ids = itertools.count(1)

    async def send(self, to: str, payload: Payload) -> str:
        await self.console.send(to, shown(payload, self.bodies, self._saved), Lane.REPLY)
        return f"wamid.demo{next(self._ids)}"

    async def upload(self, content: bytes, mime: str, filename: str) -> str:
        media_id = f"media.demo{next(self._ids)}"
        self._saved[media_id] = await self.console.save(filename, content)
        return media_id
