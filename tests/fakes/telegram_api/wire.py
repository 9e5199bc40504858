"""What travels between a bot and the fake Bot API: Telegram's error envelope and wording, and a
call's parameters read the way Telegram reads them (query string, form, JSON, file uploads)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSONDict = dict[str, Any]

#: The largest request body the fake reads (Telegram takes uploads of up to 50 MB).
MAX_REQUEST_BYTES = 50 * 1024 * 1024

# How form values (always strings) are typed, mirroring the Bot API's parameter types.
_INT_FIELDS = frozenset(
    {"message_id", "offset", "limit", "cache_time", "message_thread_id", "reply_to_message_id"}
)
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
    }
)


class ApiError(Exception):
    """A Bot API failure, raised inside handlers and turned into Telegram's error envelope."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """Telegram's ``{"ok": false, ...}`` body for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """Telegram prefixes every 400 description with "Bad Request: "."""
    return ApiError(400, f"Bad Request: {detail}")


def flood(retry_after: int) -> ApiError:
    """A 429 in Telegram's shape, which PTB turns into ``telegram.error.RetryAfter``."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request: what a bot uploads (a photo, a document)."""

    filename: str | None
    content_type: str
    content: bytes = field(repr=False)


def now() -> int:
    """Telegram dates are Unix seconds."""
    return int(time.time())


async def read_params(request: web.Request) -> JSONDict:
    """Accept every encoding Telegram accepts: query, urlencoded/multipart form, JSON."""
    raw: JSONDict = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request parameters") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected as request parameters")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    raw[key] = value
                elif isinstance(value, web.FileField):  # an upload: keep its bytes
                    raw[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = Upload(None, "application/octet-stream", bytes(value))
    # "attach://<name>" points at a file part sent under that name.
    for key, value in list(raw.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = raw.get(value.removeprefix("attach://"))
            if isinstance(part, Upload):
                raw[key] = part
    return {key: typed(key, value) for key, value in raw.items()}


def typed(key: str, value: Any) -> Any:
    """Type a form string by the parameter's Bot API type (PTB JSON-encodes non-strings)."""
    if not isinstance(value, str):
        return value
    if key == "chat_id":
        return int(value) if value.lstrip("-").isdigit() else value
    try:
        if key in _INT_FIELDS:
            return int(value)
        if key in _FLOAT_FIELDS:
            return float(value)
    except ValueError:
        raise bad_request(f'field "{key}" must be a Number') from None
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            label = "reply keyboard markup" if key == "reply_markup" else key
            raise bad_request(f"can't parse {label} JSON object") from None
    return value
