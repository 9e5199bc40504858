"""A fake WhatsApp Cloud API (the Graph API's messages endpoint) on loopback.

Point druppel at it with ``WHATSAPP_API_BASE_URL=fake.base_url``. It answers the way Meta does:
the same envelopes and error shapes (``{"error": {"message", "type", "code", "error_data":
{"messaging_product", "details"}, "fbtrace_id"}}``) and the same codes:

- 190 (HTTP 401) for a wrong or expired access token, 100 for an unknown phone number id or a
  malformed request;
- 131047 for free-form messages (text, buttons, lists) to someone whose last message is older
  than the window (24 hours, or ``window_seconds``); templates always go;
- 131009 for buttons and lists over WhatsApp's limits (3 reply buttons of 20 characters, all
  different; 10 rows of 24 characters, descriptions of 72, a list button of 20), 100 for bodies
  over theirs (4096 for text and lists, 1024 beside buttons);
- 132001 for a template it does not know in that language, 132000 for a wrong parameter count;
- 130429 (HTTP 429) past ``throughput`` messages a second, 131026 for a blocked number, and any
  code on demand with ``fail_next``.

Media are uploaded to ``/<phone number id>/media`` (images: PNG or JPEG up to 5 MB; documents:
plain text, PDF or office files up to 100 MB; anything else 131053) and sent by id, with a
caption of at most 1024 characters.

Simplifications: Meta reports some refusals (131047, 131026 among them) for some accounts only
later, as a failed status webhook; the fake always answers at once, and tests send failed
statuses through the webhook themselves (``status_webhook``). Media are sent by id only, not by
link, and cannot be downloaded again.

Simulated people write through ``user_writes`` (which opens their window here; the test posts
the matching webhook to druppel with ``message_webhook`` and ``sign``). Everything accepted is
recorded in ``sent``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, web

JSONDict = dict[str, Any]

VERSION = "v25.0"
WINDOW_SECONDS = 24 * 3600.0
MAX_TEXT = 4096
MAX_BUTTON_BODY = 1024
MAX_LIST_BODY = 4096
MAX_CAPTION = 1024
IMAGE_TYPES = {"image/png": 5 * 1024 * 1024, "image/jpeg": 5 * 1024 * 1024}
DOCUMENT_TYPES = {
    t: 100 * 1024 * 1024
    for t in ("text/plain", "application/pdf", "application/msword",
              "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "application/vnd.openxmlformats-officedocument.presentationml.presentation")
}  # fmt: skip


class GraphError(Exception):
    """An error answer: HTTP status, Meta's code, its message and details."""

    def __init__(self, status: int, code: int, message: str, details: str = "") -> None:
        super().__init__(f"#{code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> JSONDict:
        error: JSONDict = {
            "message": f"(#{self.code}) {self.message}" if self.code != 190 else self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": secrets.token_urlsafe(12),
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return {"error": error}


def _invalid(details: str) -> GraphError:
    return GraphError(400, 131009, "Parameter value is not valid", details)


def _too_long(param: str, limit: int) -> GraphError:
    return GraphError(400, 100, f"Param {param} must be at most {limit} characters long.")


@dataclass(frozen=True, slots=True)
class Sent:
    """One message the fake accepted."""

    id: str
    to: str
    type: str
    text: str = ""
    #: (id, title) of each reply button or list row, in order.
    choices: tuple[tuple[str, str], ...] = ()
    template: str | None = None
    parameters: tuple[str, ...] = ()
    payload: JSONDict = field(default_factory=dict, repr=False)
    #: An image's or a document's file name (documents only) and content.
    filename: str | None = None
    media: bytes | None = field(default=None, repr=False)

    @property
    def ids(self) -> list[str]:
        return [choice for choice, _ in self.choices]


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _text_of(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise GraphError(400, 100, f"The parameter {what} is required.")
    return value


def validate(payload: JSONDict) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Check one message object as Meta does; returns (type, text, choices) or raises."""
    kind = payload.get("type", "text")
    if kind == "text":
        body = _text_of((payload.get("text") or {}).get("body"), "text['body']")
        if _length(body) > MAX_TEXT:
            raise _too_long("text['body']", MAX_TEXT)
        return kind, body, ()
    if kind == "interactive":
        return _interactive(payload.get("interactive") or {})
    if kind == "template":
        template = payload.get("template") or {}
        return kind, _text_of(template.get("name"), "template['name']"), ()
    if kind in ("image", "document"):
        content = payload.get(kind) or {}
        _text_of(content.get("id"), f"{kind}['id']")
        caption = content.get("caption") or ""
        if _length(caption) > MAX_CAPTION:
            raise _too_long(f"{kind}['caption']", MAX_CAPTION)
        return kind, caption, ()
    raise GraphError(400, 131051, "Unsupported message type", f"type {kind!r} is not supported")


def _interactive(content: JSONDict) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    sort = content.get("type")
    body = _text_of((content.get("body") or {}).get("text"), "interactive['body']['text']")
    action = content.get("action") or {}
    if sort == "button":
        if _length(body) > MAX_BUTTON_BODY:
            raise _too_long("interactive['body']['text']", MAX_BUTTON_BODY)
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            raise _invalid(
                f"Invalid buttons count. Min allowed buttons: 1, Max: 3, got {len(buttons)}"
            )
        choices = []
        for button in buttons:
            reply = button.get("reply") or {}
            title, button_id = reply.get("title") or "", reply.get("id") or ""
            if not 1 <= _length(title) <= 20:
                raise _invalid("Button title length invalid. Min length: 1, Max length: 20")
            if not 1 <= len(button_id) <= 256:
                raise _invalid("Button id length invalid. Min length: 1, Max length: 256")
            choices.append((button_id, title))
        if len({t for _, t in choices}) != len(choices):
            raise _invalid("Button title must be unique within the message")
        return "button", body, tuple(choices)
    if sort == "list":
        if _length(body) > MAX_LIST_BODY:
            raise _too_long("interactive['body']['text']", MAX_LIST_BODY)
        label = action.get("button") or ""
        if not 1 <= _length(label) <= 20:
            raise _invalid("Button label length invalid. Min length: 1, Max length: 20")
        sections = action.get("sections") or []
        if not 1 <= len(sections) <= 10:
            raise _invalid("Invalid number of sections. Min: 1, Max: 10")
        if len(sections) > 1 and not all(s.get("title") for s in sections):
            raise _invalid("Section title is required when there is more than one section")
        rows = [row for section in sections for row in section.get("rows") or []]
        if not 1 <= len(rows) <= 10:
            raise _invalid(f"Total row count exceed max allowed count: 10, got {len(rows)}")
        for row in rows:
            if not 1 <= _length(row.get("title") or "") <= 24:
                raise _invalid("Row title length invalid. Min length: 1, Max length: 24")
            if _length(row.get("description") or "") > 72:
                raise _invalid("Row description length invalid. Max length: 72")
            if not 1 <= len(row.get("id") or "") <= 200:
                raise _invalid("Row id length invalid. Min length: 1, Max length: 200")
        if len({row["id"] for row in rows}) != len(rows):
            raise _invalid("Row id must be unique within the message")
        return "list", body, tuple((row["id"], row["title"]) for row in rows)
    raise _invalid(f"interactive type {sort!r} is not supported")


@dataclass
class _Failure:
    code: int
    status: int
    message: str
    to: str | None
    times: int


class FakeWhatsApp:
    """The fake Graph API; use as ``async with FakeWhatsApp(...) as wa:``."""

    def __init__(
        self, *, token: str = "test-token", phone_number_id: str = "1099001",
        templates: dict[tuple[str, str], int] | None = None,
        window_seconds: float = WINDOW_SECONDS, throughput: float | None = None,
    ) -> None:  # fmt: skip
        self.token = token
        self.phone_number_id = phone_number_id
        #: Approved templates: (name, language) -> how many body parameters.
        self.templates = templates if templates is not None else {("druppel_verder", "nl"): 1}
        self.window_seconds = window_seconds
        self.throughput = throughput
        self.sent: list[Sent] = []
        self.errors: list[tuple[str, int]] = []  # (recipient, code) of every refusal
        self.requests = 0
        self._last_inbound: dict[str, float] = {}
        self._blocked: set[str] = set()
        #: Uploaded media: id -> (MIME type, file name, content).
        self.media: dict[str, tuple[str, str, bytes]] = {}
        self._failures: list[_Failure] = []
        self._expired = False
        self._recent: list[float] = []
        self._ids = itertools.count(1)
        self._news = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.root = ""

    @property
    def base_url(self) -> str:
        return f"{self.root}/{VERSION}"

    # -- lifecycle ----------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/{version}/{phone}/messages", self._messages)
        app.router.add_post("/{version}/{phone}/media", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(self._runner, sock)
        await site.start()
        host, port = sock.getsockname()[:2]
        self.root = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what people and tests do --------------------------------------------------------------
    def user_writes(self, phone: str, at: float | None = None) -> None:
        """`phone` wrote to the business: their window opens (now, or at monotonic `at`)."""
        self._last_inbound[phone] = time.monotonic() if at is None else at

    def window_open(self, phone: str) -> bool:
        last = self._last_inbound.get(phone)
        return last is not None and time.monotonic() - last < self.window_seconds

    def block(self, phone: str) -> None:
        """`phone` blocked the business: sends to it fail with 131026."""
        self._blocked.add(phone)

    def expire_token(self, expired: bool = True) -> None:
        self._expired = expired

    def fail_next(
        self, code: int, *, status: int = 400, message: str = "Failed", to: str | None = None,
        times: int = 1,
    ) -> None:  # fmt: skip
        """The next `times` sends (to `to`, or anyone) fail with Meta's `code`."""
        self._failures.append(_Failure(code, status, message, to, times))

    def messages_to(self, phone: str) -> list[Sent]:
        return [m for m in self.sent if m.to == phone]

    async def wait_for(
        self, phone: str, match: Callable[[Sent], bool] | None = None, *,
        within: float = 10.0, since: int = 0,
    ) -> Sent:  # fmt: skip
        """The first message to `phone` after its first `since` that matches."""

        async def found() -> Sent | None:
            for m in self.messages_to(phone)[since:]:
                if match is None or match(m):
                    return m
            return None

        async with asyncio.timeout(within), self._news:
            while (message := await found()) is None:
                await self._news.wait()
            return message

    # -- the endpoint --------------------------------------------------------------------------
    async def _messages(self, request: web.Request) -> web.Response:
        self.requests += 1
        to = ""
        try:
            self._authorize(request)
            try:
                payload = json.loads(await request.text())
            except ValueError:
                raise GraphError(400, 100, "Invalid parameter", "the body is not JSON") from None
            if not isinstance(payload, dict) or payload.get("messaging_product") != "whatsapp":
                raise GraphError(400, 100, "The parameter messaging_product is required.")
            to = payload.get("to") or ""
            if not (isinstance(to, str) and to.isdigit()):
                raise GraphError(400, 100, "Invalid parameter", "to must be a phone number")
            sent = self._accept(to, payload)
        except GraphError as error:
            self.errors.append((to, error.code))
            return web.json_response(error.body(), status=error.status)
        self.sent.append(sent)
        async with self._news:
            self._news.notify_all()
        return web.json_response(
            {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
             "messages": [{"id": sent.id}]}
        )  # fmt: skip

    async def _upload(self, request: web.Request) -> web.Response:
        self.requests += 1
        try:
            self._authorize(request)
            fields: dict[str, str] = {}
            file: tuple[str, str, bytes] | None = None
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.filename is not None:
                    mime = part.headers.get("Content-Type", "application/octet-stream")
                    file = (mime, part.filename, bytes(await part.read()))
                elif part.name:
                    fields[part.name] = await part.text()
            if fields.get("messaging_product") != "whatsapp":
                raise GraphError(400, 100, "The parameter messaging_product is required.")
            if file is None:
                raise GraphError(400, 100, "The parameter file is required.")
            mime, name, content = file
            limit = {**IMAGE_TYPES, **DOCUMENT_TYPES}.get(mime)
            if limit is None:
                raise GraphError(
                    400, 131053, "Media upload error",
                    f"Param file must be a file with one of the following types: "
                    f"{', '.join([*IMAGE_TYPES, *DOCUMENT_TYPES])}. Received file of type {mime}",
                )  # fmt: skip
            if len(content) > limit:
                raise GraphError(400, 131053, "Media upload error", "the file is too large")
        except GraphError as error:
            self.errors.append(("", error.code))
            return web.json_response(error.body(), status=error.status)
        media_id = str(10**15 + next(self._ids))
        self.media[media_id] = (mime, name, content)
        return web.json_response({"id": media_id})

    def _authorize(self, request: web.Request) -> None:
        if request.match_info["phone"] != self.phone_number_id:
            raise GraphError(
                400, 100, "Unsupported post request. Object with ID "
                f"'{request.match_info['phone']}' does not exist, cannot be loaded due to missing "
                "permissions, or does not support this operation",
            )  # fmt: skip
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise GraphError(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if self._expired:
            raise GraphError(
                401, 190, "Error validating access token: Session has expired on Monday, "
                "02-Jun-31 04:00:00 PDT.",
            )  # fmt: skip

    def _injected(self, to: str) -> None:
        for failure in self._failures:
            if failure.to in (None, to) and failure.times > 0:
                failure.times -= 1
                raise GraphError(failure.status, failure.code, failure.message)

    def _throttle(self) -> None:
        if self.throughput is None:
            return
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < 1.0]
        if len(self._recent) >= self.throughput:
            raise GraphError(
                429, 130429, "Rate limit hit",
                "Message failed to send because there were too many messages sent from this "
                "phone number in a short period of time",
            )  # fmt: skip
        self._recent.append(now)

    def _accept(self, to: str, payload: JSONDict) -> Sent:
        self._injected(to)
        self._throttle()
        kind, text, choices = validate(payload)
        parameters: tuple[str, ...] = ()
        if kind == "template":
            parameters = self._template(payload["template"])
        elif not self.window_open(to):
            raise GraphError(
                400, 131047, "Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the "
                "customer last replied to this number.",
            )  # fmt: skip
        if to in self._blocked:
            raise GraphError(400, 131026, "Message Undeliverable", "Unable to deliver message")
        filename, media = None, None
        if kind in ("image", "document"):
            stored = self.media.get(payload[kind]["id"])
            if stored is None or stored[0].startswith("image/") != (kind == "image"):
                raise GraphError(400, 131053, "Media upload error", "unknown media id")
            filename, media = payload[kind].get("filename"), stored[2]
        message_id = f"wamid.{secrets.token_urlsafe(24)}{next(self._ids)}"
        return Sent(
            message_id, to, kind, text=text if kind != "template" else "", choices=choices,
            template=text if kind == "template" else None, parameters=parameters,
            payload=payload, filename=filename, media=media,
        )  # fmt: skip

    def _template(self, content: JSONDict) -> tuple[str, ...]:
        name = content.get("name", "")
        language = (content.get("language") or {}).get("code", "")
        expected = self.templates.get((name, language))
        if expected is None:
            raise GraphError(
                404, 132001, "Template name does not exist in the translation",
                f"template name ({name}) does not exist in {language}",
            )  # fmt: skip
        given = [
            p.get("text", "")
            for component in content.get("components") or []
            if component.get("type") == "body"
            for p in component.get("parameters") or []
        ]
        if len(given) != expected:
            raise GraphError(
                400, 132000, "Number of parameters does not match the expected number of params",
                f"body: number of localizable_params ({len(given)}) does not match the expected "
                f"number of params ({expected})",
            )  # fmt: skip
        if any(not p.strip() for p in given):
            raise GraphError(400, 131008, "Required parameter is missing", "empty parameter")
        return tuple(given)


# -- webhooks as Meta sends them ---------------------------------------------------------------


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header Meta puts on a webhook call."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


_wamids = itertools.count(1)


def new_message_id() -> str:
    return f"wamid.in{secrets.token_urlsafe(18)}{next(_wamids)}"


def _envelope(phone_number_id: str, value: JSONDict) -> JSONDict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550783881",
                                 "phone_number_id": phone_number_id},
                    **value,
                },
                "field": "messages",
            }],
        }],
    }  # fmt: skip


def message_webhook(
    phone: str, *, text: str | None = None, button: tuple[str, str] | None = None,
    row: tuple[str, str] | None = None, quick_reply: str | None = None, kind: str | None = None,
    name: str = "Sanne", message_id: str | None = None, timestamp: float | None = None,
    phone_number_id: str = "1099001",
) -> JSONDict:  # fmt: skip
    """A person's message as Meta delivers it: text, a tapped reply button or list row
    ((id, title)), a template's quick reply (its text), or another `kind` (image, sticker...)."""
    message: JSONDict = {
        "from": phone,
        "id": message_id or new_message_id(),
        "timestamp": str(int(timestamp if timestamp is not None else time.time())),
    }
    if text is not None:
        message |= {"type": "text", "text": {"body": text}}
    elif button is not None:
        reply = {"id": button[0], "title": button[1]}
        message |= {"type": "interactive",
                    "interactive": {"type": "button_reply", "button_reply": reply}}  # fmt: skip
    elif row is not None:
        reply = {"id": row[0], "title": row[1]}
        message |= {"type": "interactive",
                    "interactive": {"type": "list_reply", "list_reply": reply}}  # fmt: skip
    elif quick_reply is not None:
        message |= {"type": "button", "button": {"payload": quick_reply, "text": quick_reply}}
    else:
        sort = kind or "sticker"
        message |= {"type": sort, sort: {"id": "1234567890", "mime_type": "image/webp"}}
    contact = {"profile": {"name": name}, "wa_id": phone}
    return _envelope(phone_number_id, {"contacts": [contact], "messages": [message]})


def status_webhook(
    phone: str, message_id: str, status: str, *, code: int | None = None,
    title: str = "Message Undeliverable", phone_number_id: str = "1099001",
    timestamp: float | None = None,
) -> JSONDict:  # fmt: skip
    """A status of a message the business sent: sent, delivered, read or failed (with `code`)."""
    at = timestamp if timestamp is not None else time.time()
    entry: JSONDict = {
        "id": message_id, "status": status, "timestamp": str(int(at)),
        "recipient_id": phone,
    }  # fmt: skip
    if code is not None:
        entry["errors"] = [{
            "code": code, "title": title, "message": title,
            "error_data": {"details": title},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }]  # fmt: skip
    return _envelope(phone_number_id, {"statuses": [entry]})


def encode(payload: JSONDict) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
