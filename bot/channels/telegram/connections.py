"""How the Telegram channel talks HTTP to the Bot API: time-outs and pool sizes, and noticing
that Telegram refused the token."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from telegram.request import HTTPXRequest

#: How long one getUpdates call waits for news on Telegram's side (long polling).
POLL_TIMEOUT = 25.0
#: Seconds for connecting, writing and waiting for a free connection, for every call.
CONNECT_TIMEOUT = 5.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 10.0
#: Seconds to wait for an answer to an ordinary call; getUpdates gets the poll timeout on top.
READ_TIMEOUT = 10.0
#: Concurrent connections for sending; the dispatcher sends to up to 32 participants at once,
#: and replies to up to CONCURRENT_UPDATES chats.
CONNECTIONS = 128
#: Telegram's answers to a token it does not accept (401 for a revoked or unknown one, 404 for
#: a malformed one), which PTB raises as InvalidToken.
REFUSED = (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND)


class Connections(HTTPXRequest):
    """A pool of `connections` to the Bot API with druppel's time-outs, which remembers whether
    Telegram refused the token. (For getUpdates, PTB adds the long-poll timeout to the read
    timeout of every call; it retries every other failure of long polling, but after a refused
    token it stops polling for good.)"""

    __slots__ = ("refused",)

    def __init__(self, connections: int) -> None:
        super().__init__(
            connection_pool_size=connections,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            write_timeout=WRITE_TIMEOUT,
            pool_timeout=POOL_TIMEOUT,
        )
        self.refused = False

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code in REFUSED:
            self.refused = True
        return code, payload
