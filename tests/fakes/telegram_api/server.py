"""FakeTelegram: the Bot API served over HTTP on loopback, each call routed to its method.

The parts it is made of each keep one concern: the simulated users (users.py), what tests read
and wait for (records.py), flood control and planned failures (limits.py), the methods that send
(sending.py), change a chat otherwise (editing.py) or concern the whole bot (bot_methods.py).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import socket
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .bot_methods import BotMethods
from .editing import Editing
from .limits import BAD_GATEWAY, BadGateway, Limits, RateLimits
from .records import Records
from .sending import Sending
from .state import DEFAULT_ALLOWED_UPDATES
from .users import Users
from .wire import MAX_REQUEST_BYTES, ApiError, JSONDict, read_params


class FakeTelegram(Users, Records, Limits, Sending, Editing, BotMethods):
    """A loopback Bot API server plus simulated users; use as ``async with FakeTelegram() as tg``.

    ``token``: when set, requests for any other token get 401 Unauthorized.
    ``rate_limits``: None (default, no flood control so tests are not timing-sensitive), True
    for Telegram's limits, or a :class:`RateLimits`.
    ``strict_html``: also reject a bare ``&``/``>`` in HTML text (Telegram shows them literally).
    ``clock``: monotonic time source for rate limits and ``SentMessage.at``; tests can fake it.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        rate_limits: RateLimits | bool | None = None,
        strict_html: bool = True,
        clock: Callable[[], float] = time.monotonic,
        bot_first_name: str = "Druppel",
        bot_username: str = "druppel_test_bot",
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.strict_html = strict_html
        self.host = host
        self._clock = clock
        bot_id = token.split(":", 1)[0] if token else ""
        self.bot_user = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        # What every part shares (state.py).
        self.sent = []
        self.calls = []
        self.errors = []
        self._chats = {}
        self._updates = []
        self._fetched_upto = 0
        self._allowed_updates = DEFAULT_ALLOWED_UPDATES
        self._pending_callbacks = set()
        self._file_ids = itertools.count(1)
        self._files = {}
        self._file_contents = {}
        self._photo_dimensions = {}

        # What each part keeps for itself.
        self.dropped_updates = []
        self._update_ids = itertools.count(100_000_001)
        self._callback_ids = itertools.count(4_000_000_000_001)
        self._cursors = {}
        self.callback_answers = {}
        self.commands = {}
        self.webhook = None
        self._poll_generation = 0

        # Flood control and planned failures (limits.py).
        self.flood_count = 0
        self.flood_by_chat = Counter()
        self._limits = None
        self._forced_floods = []
        self._forced_failures = []
        self.answer_delay = 0.0
        self.stars_too_low = False
        self._global_bucket = None
        self._paid_bucket = None
        self._chat_buckets = {}
        self._penalty_until = {}
        self.set_rate_limits(rate_limits)

        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, tuple[str, Callable[[JSONDict], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("deleteWebhook", self._delete_webhook),
                ("setWebhook", self._set_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("sendMessage", self._send_message),
                ("sendPhoto", self._send_photo),
                ("sendDocument", self._send_document),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendChatAction", self._send_chat_action),
                ("getFile", self._get_file),
            )
        }

    # ------------------------------------------------------------------ server lifecycle

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``; druppel derives base_url/base_file_url from it."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What to pass as PTB's ``base_url``."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass as PTB's ``base_file_url``."""
        return f"{self.root}/file/bot"

    async def start(self) -> None:
        """Serve on a free loopback port, bound before returning so no request can race it."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation ends a long poll whose client went away (e.g. PTB shutting down)
        # instead of letting it linger and later answer 409 to nobody.
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=2.0, handler_cancellation=True
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.host, 0))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._port = int(sock.getsockname()[1])
        self._runner = runner
        self._closing = False

    async def stop(self) -> None:
        """Release pending long polls at once, then close the server within a bounded time."""
        self._closing = True
        self._notify()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Dispatch one Bot API call and wrap the outcome in Telegram's envelope."""
        if self.token is not None and request.match_info["token"] != self.token:
            return self._error_response(request.match_info["method"], ApiError(401, "Unauthorized"))
        entry = self._handlers.get(request.match_info["method"].lower())
        if entry is None:
            return self._error_response(request.match_info["method"], ApiError(404, "Not Found"))
        name, handler = entry
        try:
            params = await read_params(request)
            self.calls.append((name, params))
            hold = await self._admit(request, name, params)
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
            if hold is not None:
                await asyncio.sleep(hold)
        except ApiError as exc:
            return self._error_response(name, exc)
        except BadGateway:
            return web.Response(status=502, text=BAD_GATEWAY, content_type="text/html")
        return web.json_response({"ok": True, "result": result})

    def _error_response(self, method: str, error: ApiError) -> web.Response:
        """Record the error for failure messages and answer with Telegram's error body."""
        self.errors.append((method, error.status, error.description))
        return web.json_response(error.body(), status=error.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serve a file registered by a simulated user's media, as api.telegram.org/file does."""
        if self.token is not None and request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        content = self._file_contents.get(request.match_info["path"])
        if content is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=content, content_type="application/octet-stream")
