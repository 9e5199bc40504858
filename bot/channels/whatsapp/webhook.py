"""`/webhooks/whatsapp` in `druppel web`: Meta's handshake, signed calls, and queueing what came.

GET answers Meta's verification handshake. A POST must carry `X-Hub-Signature-256`, the
HMAC-SHA256 of its raw body with the app secret, compared in constant time; without it the call
is refused and nothing is stored. A signed call's messages and failed statuses are queued in
Redis (each id once, however often Meta retries) before the 200 goes back, and the work is done
by a worker afterwards: Meta never waits on the coach, and nothing is lost should this process
die after answering. Delivery statuses are recorded here, per message.

Meta's signature carries no time, so a signed body stays valid for ever; the ids of what was
queued are remembered for `SEEN_MS` (8 days, longer than Meta retries). An event whose own
`timestamp` (Unix seconds, as a string) is older than that could only be a replay that the
seen ids no longer catch: it is dropped, answered 200 so Meta stops, and counted
(`druppel_webhook_stale_total{channel="whatsapp"}`). Refused calls are logged at most once per
kind every 10 seconds, so a flood of them cannot fill the log.

Nothing here logs a phone number or a message's text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from bot.channels.whatsapp.window import Window
from bot.core.counters import Counters
from scheduler.quiet import Quiet
from storage.whatsapp import SEEN_MS, InboundEvent

log = logging.getLogger(__name__)

SIGNATURE = "X-Hub-Signature-256"
#: The largest body read (Meta's calls are a few kilobytes).
MAX_BODY = 1024 * 1024
#: A message's types whose content druppel reads; other types are answered as unsupported.
_INTERACTIVE_REPLIES = ("button_reply", "list_reply")
_STATUSES = ("sent", "delivered", "read", "failed")
#: Real seconds after which an event is taken for a replay: as long as seen ids are kept.
STALE_AFTER = SEEN_MS / 1000


def signature_valid(body: bytes, header: str | None, app_secret: bytes) -> bool:
    """Whether `header` is `sha256=<hex>` of the HMAC-SHA256 of `body`, in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.removeprefix("sha256=").lower().encode())


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _values(payload: dict[str, Any], phone_number_id: str | None) -> Iterator[dict[str, Any]]:
    """Each `value` of the call's changes to the messages field, for our number."""
    if payload.get("object") != "whatsapp_business_account":
        return
    for entry in _list(payload.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            number = _dict(value.get("metadata")).get("phone_number_id")
            if change.get("field") != "messages":
                continue
            if phone_number_id is not None and number != phone_number_id:
                continue
            yield value


def _sent_at(message: dict[str, Any]) -> float | None:
    try:
        return float(message.get("timestamp", ""))
    except ValueError:
        return None


def _stale(sent_at: float | None) -> bool:
    """Whether an event happened longer ago than its id is remembered (real time)."""
    return sent_at is not None and time.time() - sent_at > STALE_AFTER


def message_event(message: dict[str, Any], name: str | None, at: datetime) -> InboundEvent | None:
    """A person's message as druppel queues it, or None when it is not one to handle."""
    sender, message_id, kind = message.get("from"), message.get("id"), message.get("type")
    if not isinstance(sender, str) or not isinstance(message_id, str) or not isinstance(kind, str):
        return None
    fields: dict[str, Any] = {"kind": "message", "id": message_id, "chat": sender, "at": at,
                              "type": kind[:32], "name": (name or None) and name[:64]}  # fmt: skip
    if kind == "text":
        fields["text"] = str(_dict(message.get("text")).get("body", ""))[:20_000]
    elif kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get(str(interactive.get("type"))))
        if interactive.get("type") not in _INTERACTIVE_REPLIES or not reply.get("id"):
            fields["type"] = "unsupported"
        else:
            fields["data"] = str(reply["id"])[:512]
            fields["text"] = str(reply.get("title", ""))[:200]
    elif kind == "button":  # a template's quick reply
        button = _dict(message.get("button"))
        fields["data"] = str(button.get("payload") or button.get("text") or "")[:512] or None
        fields["text"] = str(button.get("text", ""))[:200]
    elif kind in ("reaction", "system", "ephemeral", "request_welcome"):
        return None
    try:
        return InboundEvent.model_validate(fields)
    except ValueError:
        return None


class WhatsAppWebhook:
    """The aiohttp handler for GET and POST `/webhooks/whatsapp`."""

    def __init__(
        self, window: Window, *, app_secret: bytes, verify_token: str,
        phone_number_id: str | None = None, counters: Counters | None = None,
    ) -> None:  # fmt: skip
        self.window = window
        self.repo = window.repo
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.phone_number_id = phone_number_id
        self.counters = counters
        self._quiet = Quiet(log)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            return self.handshake(request)
        return await self.receive(request)

    def handshake(self, request: web.Request) -> web.Response:
        """Meta checks the URL: echo `hub.challenge` when `hub.verify_token` is ours."""
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), self.verify_token.encode()
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        self._quiet.warning(
            "handshake", "whatsapp: refused a webhook verification with a wrong verify token"
        )
        return web.Response(status=403, text="forbidden\n")

    async def receive(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large\n")
        body = await request.read()
        if not signature_valid(body, request.headers.get(SIGNATURE), self.app_secret):
            self._quiet.warning(
                "signature", "whatsapp: refused a webhook call without a valid signature"
            )
            return web.Response(status=401, text="bad signature\n")
        try:
            payload = json.loads(body)
        except ValueError:
            self._quiet.warning("json", "whatsapp: a signed webhook call was not JSON; ignored")
            return web.Response(status=400, text="not json\n")
        try:
            queued = await self._queue(_dict(payload))
        except (RedisError, OSError) as exc:  # Meta tries again later: nothing is lost
            log.error("whatsapp: could not queue a webhook call: %s", type(exc).__name__)
            return web.Response(status=503, text="try again\n")
        log.debug("whatsapp: webhook call queued %d events", queued)
        return web.Response(text="ok\n")

    def _course_time(self, sent_at: float | None) -> datetime:
        """When something the platform timestamps happened, on the course clock."""
        clock = self.window.clock
        if sent_at is None:
            return clock.now()
        ago = max(0.0, time.time() - sent_at)
        return clock.now() - timedelta(seconds=clock.to_course_seconds(ago))

    async def _queue(self, payload: dict[str, Any]) -> int:
        queued, stale = 0, 0
        for value in _values(payload, self.phone_number_id):
            names = {
                _dict(c).get("wa_id"): _dict(_dict(c).get("profile")).get("name")
                for c in _list(value.get("contacts"))
            }
            for message in _list(value.get("messages")):
                message = _dict(message)
                if _stale(_sent_at(message)):
                    stale += 1
                    continue
                at = self._course_time(_sent_at(message))
                name = names.get(message.get("from"))
                event = message_event(message, name if isinstance(name, str) else None, at)
                if event is None:
                    continue
                until, real_seconds = self.window.opened_by(at)
                queued += await self.repo.receive(
                    event, window_until=until, window_real_seconds=real_seconds
                )
            for status in _list(value.get("statuses")):
                if _stale(_sent_at(_dict(status))):
                    stale += 1
                    continue
                queued += await self._status(_dict(status))
            for error in _list(value.get("errors")):
                error = _dict(error)
                log.warning("whatsapp: the platform reported error %s: %s",
                            error.get("code"), str(error.get("title", ""))[:200])  # fmt: skip
        if stale:
            await self._dropped(stale)
        return queued

    async def _dropped(self, stale: int) -> None:
        if self.counters is not None:
            await self.counters.add("webhook_stale_whatsapp", stale)
        self._quiet.warning(
            "stale", "whatsapp: dropped %d webhook events older than %d days (a replay?)",
            stale, STALE_AFTER // 86400,
        )  # fmt: skip

    async def _status(self, status: dict[str, Any]) -> int:
        """Record a delivery status; a first `failed` is queued for a worker to act on."""
        message_id, state = status.get("id"), status.get("status")
        recipient = status.get("recipient_id")
        if not isinstance(message_id, str) or state not in _STATUSES:
            return 0
        errors = [_dict(e) for e in _list(status.get("errors"))]
        code = errors[0].get("code") if errors else None
        title = str(errors[0].get("title") or errors[0].get("message") or "") if errors else ""
        cause = f"#{code} {title}".strip() if errors else None
        at = self._course_time(_sent_at(status))
        first = await self.repo.status(message_id, str(state), at, cause)
        if state != "failed" or not first or not isinstance(recipient, str):
            return 0
        try:
            event = InboundEvent(
                kind="failed", id=message_id, chat=recipient, at=at, type="status",
                error_code=code if isinstance(code, int) else None, error_title=title[:300],
            )  # fmt: skip
        except ValueError:
            return 0
        return int(await self.repo.receive(event, seen_as=f"failed:{message_id}"))
