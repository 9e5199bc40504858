"""How the Telegram channel talks HTTP to the Bot API: time-outs, pool sizes, and the answers
that mean Telegram refused the token (the transport itself is `request.py`)."""

from __future__ import annotations

from http import HTTPStatus

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
