"""python-telegram-bot's HTTP on aiohttp: the Bot API calls of druppel's bot, lean on CPU.

PTB's own transport (httpx) spends about a third of a busy sender's time on its connection
pool's bookkeeping; at a thousand messages a second that is a core. PTB takes any `BaseRequest`:
this one sends the same requests over aiohttp (which druppel already runs for its web server)
and hands back the status and body, from which PTB's `BaseRequest.post` raises its errors
(RetryAfter, Forbidden, BadRequest, InvalidToken, ...) exactly as it does for httpx. Failures of
the transport itself are PTB's TimedOut and NetworkError, as httpx's are.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp import BasicAuth
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.channels.telegram import connections as limits
from bot.channels.telegram.connections import REFUSED

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: PTB's time-outs, in this order, and where druppel's own are set.
TIMEOUTS = {
    "connect_timeout": "CONNECT_TIMEOUT",
    "read_timeout": "READ_TIMEOUT",
    "write_timeout": "WRITE_TIMEOUT",
    "pool_timeout": "POOL_TIMEOUT",
}


def _given(value: object, default: float | None) -> float | None:
    """A timeout PTB passed (a number, or None for none), or ours when it passed none."""
    if isinstance(value, (int, float)) or value is None:
        return None if value is None else float(value)
    return default  # BaseRequest.DEFAULT_NONE: the caller did not say


class BotApiRequest(BaseRequest):
    """Up to `connections` connections to the Bot API with druppel's time-outs, which remembers
    whether Telegram refused the token (for getUpdates PTB asks for the long-poll timeout on
    top of the read timeout; after a refused token it stops polling for good).

    Time-outs as PTB means them: `connect` for opening a connection, `pool` for waiting for a
    free one, `read` for the answer, `write` for sending the request; aiohttp bounds the wait
    for a free connection and the connecting together, and the whole call by their sum.
    """

    __slots__ = ("_connections", "_defaults", "_proxies", "_session", "refused")

    def __init__(self, connections: int, **timeouts: float | None) -> None:
        """`timeouts` (connect_timeout, read_timeout, write_timeout, pool_timeout) replace
        druppel's (`connections.py`) for every call that does not name its own."""
        unknown = set(timeouts) - set(TIMEOUTS)
        if unknown:
            raise TypeError(f"unknown time-outs: {', '.join(sorted(unknown))}")
        ours: dict[str, float | None] = {n: getattr(limits, c) for n, c in TIMEOUTS.items()}
        ours.update(timeouts)
        self._connections = connections
        self._defaults = tuple(ours[name] for name in TIMEOUTS)
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, tuple[URL | None, BasicAuth | None]] = {}
        self.refused = False

    @property
    def read_timeout(self) -> float | None:
        return self._defaults[1]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections, limit_per_host=self._connections
            )
            # Proxy settings from the environment are kept, as httpx kept them, but read once
            # per host (`_proxy`): aiohttp's trust_env reads them, and the netrc file, in a
            # thread for every request, a fifth of a busy sender's time.
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )
            self._proxies.clear()

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(
        self, connect: object, read: object, write: object, pool: object
    ) -> aiohttp.ClientTimeout:
        c = _given(connect, self._defaults[0])
        r = _given(read, self._defaults[1])
        w = _given(write, self._defaults[2])
        p = _given(pool, self._defaults[3])
        opening = None if c is None or p is None else c + p
        parts = (opening, r, w)
        total = None if any(t is None for t in parts) else sum(t for t in parts if t is not None)
        return aiohttp.ClientTimeout(total=total, connect=opening, sock_connect=c, sock_read=r)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This BotApiRequest is not initialized!")
        timeout = self._timeout(connect_timeout, read_timeout, write_timeout, pool_timeout)
        body, headers = _body(request_data)
        proxy, proxy_auth = self._proxy(url)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:  # fmt: skip
                code, payload = response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's own time-outs are TimeoutErrors too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if code in REFUSED:
            self.refused = True
        return code, payload

    def _proxy(self, url: str) -> tuple[URL | None, BasicAuth | None]:
        """The proxy the environment names for this URL's scheme and host (none: direct)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        found = self._proxies.get(origin)
        if found is None:
            try:
                found = get_env_proxy_for_url(URL(origin))
            except LookupError:  # no proxy for this host
                found = (None, None)
            self._proxies[origin] = found
        return found


def _body(data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """The parameters as httpx would send them: a form, or multipart when files go along."""
    if data is None:
        return None, None
    files = data.multipart_data
    if not files:
        return urlencode(data.json_parameters).encode(), FORM
    form = aiohttp.FormData()
    for name, value in data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
