"""The Graph API's messages endpoint over HTTP, and what its errors mean for druppel.

A thin client of our own on aiohttp (which druppel already uses): it sends one message object
and returns the platform's message id, or raises `ApiError` with Meta's code and details. Every
call is bounded by a time-out. Nothing here logs a phone number or a message's text; the access
token never leaves the Authorization header.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Protocol

import aiohttp

from bot.channels.whatsapp.rendering import Payload
from bot.core.errors import DruppelError

#: Seconds for one call: connecting, and the whole exchange.
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 15.0
CONNECTIONS = 64


class ApiError(DruppelError):
    """The Graph API refused a call: its HTTP status, Meta's error code and what it said."""

    def __init__(self, status: int, code: int | None, message: str, details: str = "") -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        super().__init__(str(self))

    def __str__(self) -> str:
        code = f" #{self.code}" if self.code is not None else ""
        details = f": {self.details}" if self.details else ""
        return f"HTTP {self.status}{code} {self.message}{details}"[:300]


class Kind(StrEnum):
    """What an error asks of druppel (see `classify`)."""

    THROTTLED = "throttled"  # the number's throughput or the app's calls: everyone waits
    PAIR = "pair"  # too many messages to this one person just now: this chat waits
    WINDOW = "window"  # the 24-hour window is closed: only a template may go
    GONE = "gone"  # the number cannot be reached: stop their courses
    AUTH = "auth"  # the token expired or lacks permission: an operator must act
    ACCOUNT = "account"  # the business account is restricted: an operator must act
    TEMPLATE = "template"  # the template is missing, paused or its parameters are wrong
    TRANSIENT = "transient"  # Meta's trouble: try again later
    REJECTED = "rejected"  # this message is wrong: skip it


#: The app's call budget: throttled like the number's throughput, but for longer.
APP_LIMIT_CODES = frozenset({4, 80007})
_THROTTLED = {*APP_LIMIT_CODES, 130429, 131048, 131064}
_GONE = {131026, 131021, 131030}
_AUTH = {0, 3, 10, 190, *range(200, 300)}
_ACCOUNT = {368, 131031, 130497, 131042, 131057}
_TEMPLATE = {132000, 132001, 132005, 132007, 132008, 132012, 132015, 132016}
_TRANSIENT = {1, 2, 131000, 131016, 133004}


def classify_code(code: int | None) -> Kind | None:
    """What one of Meta's error codes means, wherever it comes from: a refused call, or a
    "failed" status on the webhook later. None for a code not known here."""
    if code == 131047:
        return Kind.WINDOW
    if code == 131056:
        return Kind.PAIR
    for kind, codes in (
        (Kind.THROTTLED, _THROTTLED), (Kind.GONE, _GONE), (Kind.AUTH, _AUTH),
        (Kind.ACCOUNT, _ACCOUNT), (Kind.TEMPLATE, _TEMPLATE), (Kind.TRANSIENT, _TRANSIENT),
    ):  # fmt: skip
        if code in codes:
            return kind
    return None


def classify(error: ApiError) -> Kind:
    """What Meta's code means; the HTTP status only where there is no code."""
    code = error.code
    known = classify_code(code)
    if known is not None:
        return known
    if error.status == 429:
        return Kind.THROTTLED
    if error.status == 401:
        return Kind.AUTH
    if error.status >= 500 or code is None:
        return Kind.TRANSIENT
    return Kind.REJECTED


def _error(status: int, body: str) -> ApiError:
    try:
        data: Any = json.loads(body)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return ApiError(status, None, body[:200].strip() or "no error body")
    code = error.get("code")
    extra = error.get("error_data")
    details = extra.get("details", "") if isinstance(extra, dict) else ""
    return ApiError(
        status,
        int(code) if isinstance(code, int) else None,
        str(error.get("message", ""))[:200],
        str(details)[:200],
    )


class Api(Protocol):
    """What sends one message object and returns its id: the Graph API, or the demo's print."""

    async def send(self, to: str, payload: Payload) -> str: ...

    async def upload(self, content: bytes, mime: str, filename: str) -> str:
        """Store a file with the platform for a message to refer to; returns its media id."""
        ...


class CloudApi:
    """POST /<phone number id>/messages on the Graph API at `base_url` (version included)."""

    def __init__(self, base_url: str, phone_number_id: str, token: str) -> None:
        self._url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self._media_url = f"{base_url.rstrip('/')}/{phone_number_id}/media"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT),
                connector=aiohttp.TCPConnector(limit=CONNECTIONS),
                headers=self._headers,
            )
        return self._session

    async def send(self, to: str, payload: Payload) -> str:
        """Send one message object to `to` (a phone number); returns the message's id.

        Raises ApiError when the platform refuses, aiohttp.ClientError or TimeoutError when it
        cannot be reached or does not answer in time.
        """
        request = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        async with self._http().post(self._url, json={**request, **payload}) as response:
            body = await response.text()
            if response.status >= 400:
                raise _error(response.status, body)
        try:
            return str(json.loads(body)["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ApiError(response.status, None, "an answer without a message id") from exc

    async def upload(self, content: bytes, mime: str, filename: str) -> str:
        """POST /<phone number id>/media: a file (an image, a document) for a message to send by
        its id. Raises like `send`."""
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime)
        form.add_field("file", content, filename=filename, content_type=mime)
        async with self._http().post(self._media_url, data=form) as response:
            body = await response.text()
            if response.status >= 400:
                raise _error(response.status, body)
        try:
            return str(json.loads(body)["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ApiError(response.status, None, "an upload answer without a media id") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
