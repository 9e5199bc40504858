"""druppel's Bot API transport (aiohttp) against python-telegram-bot's own (httpx): a bot sees
the same errors, Telegram sees the same requests, and every call ends within its time-outs.

Both transports talk to one small server on loopback that answers as the Bot API does, the
bodies of its errors included; PTB makes its exceptions from those answers in the same code for
both, so what must agree is what each transport hands it and what it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.telegram.request import BotApiRequest

TOKEN = "5550011:request"
ME = {"id": 5550011, "is_bot": True, "first_name": "druppel", "username": "druppel_bot"}
MESSAGE = {"message_id": 7, "date": 1_700_000_000, "chat": {"id": 42, "type": "private"},
           "text": "hallo"}  # fmt: skip


@dataclass
class Api:
    """A Bot API that answers sends with `answer` (status, body, content type), after `delay`."""

    answer: tuple[int, str, str] = (200, json.dumps({"ok": True, "result": MESSAGE}), "json")
    delay: float = 0.0
    seen: list[dict[str, Any]] = field(default_factory=list)
    root: str = ""


def _error(code: int, description: str, **parameters: int) -> tuple[int, str, str]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, json.dumps(body), "json"


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    state = Api()
    #: Set when the test is over: a slow answer still in hand ends then, not `delay` later.
    over = asyncio.Event()

    async def call(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        seen: dict[str, Any] = {"method": method, "type": request.content_type}
        for name, value in form.items():
            if isinstance(value, web.FileField):
                seen[name] = (value.filename, value.content_type, value.file.read())
            else:
                seen[name] = value
        if method == "getMe":
            return web.json_response({"ok": True, "result": ME})
        state.seen.append(seen)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(over.wait(), state.delay)
        status, body, kind = state.answer
        content_type = "application/json" if kind == "json" else "text/html"
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", call)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.root = f"http://127.0.0.1:{runner.addresses[0][1]}/bot"
    yield state
    over.set()
    await runner.cleanup()


async def _outcome(request: BaseRequest, root: str, **kwargs: Any) -> tuple[type, str]:
    async with Bot(TOKEN, base_url=root, request=request) as bot:
        try:
            sent = await bot.send_message(chat_id=42, text="hallo", **kwargs)
        except TelegramError as exc:
            return type(exc), str(exc)
        return type(sent), sent.text or ""


ANSWERS = {
    "sent": (200, json.dumps({"ok": True, "result": MESSAGE}), "json"),
    "flood": _error(429, "Too Many Requests: retry after 7", retry_after=7),
    "blocked": _error(403, "Forbidden: bot was blocked by the user"),
    "no chat": _error(400, "Bad Request: chat not found"),
    "migrated": _error(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-100),
    "token": _error(401, "Unauthorized"),
    "conflict": _error(409, "Conflict: terminated by other getUpdates request"),
    "gateway page": (502, "<html><body>502 Bad Gateway</body></html>", "html"),
    "server error": _error(500, "Internal Server Error"),
}


@pytest.mark.parametrize("answer", list(ANSWERS))
async def test_a_bot_sees_the_same_outcome_as_with_ptbs_own_transport(
    api: Api, answer: str
) -> None:
    api.answer = ANSWERS[answer]
    ours = await _outcome(BotApiRequest(4), api.root)
    theirs = await _outcome(HTTPXRequest(), api.root)
    assert ours == theirs


async def test_telegram_receives_the_same_request_as_from_ptbs_own_transport(api: Api) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="c:1")]])
    for request in (BotApiRequest(4), HTTPXRequest()):
        async with Bot(TOKEN, base_url=api.root, request=request) as bot:
            await bot.send_message(chat_id=42, text="Goedemorgen & welkom", reply_markup=markup)
            await bot.send_photo(chat_id=42, photo=b"\x89PNG fake", filename="dag1.png",
                                 caption="<b>Dag 1</b>", parse_mode="HTML")  # fmt: skip
    ours, theirs = api.seen[:2], api.seen[2:]
    assert ours == theirs
    assert ours[1]["photo"][0] == "dag1.png"
    assert ours[1]["photo"][2] == b"\x89PNG fake"


async def test_a_token_telegram_refuses_is_remembered(api: Api) -> None:
    welcome, refusal = BotApiRequest(1), BotApiRequest(1)
    await _outcome(welcome, api.root)
    api.answer = ANSWERS["token"]
    assert (await _outcome(refusal, api.root))[0] is InvalidToken
    assert refusal.refused
    assert not welcome.refused


async def test_a_slow_answer_ends_at_the_read_timeout(api: Api) -> None:
    api.delay = 3.0
    started = time.monotonic()
    ours = await _outcome(BotApiRequest(4, read_timeout=0.3), api.root)
    assert ours[0] is TimedOut
    assert time.monotonic() - started < 2.0


async def test_a_read_timeout_passed_for_one_call_is_kept(api: Api) -> None:
    api.delay = 3.0
    started = time.monotonic()
    ours = await _outcome(BotApiRequest(4), api.root, read_timeout=0.3)
    assert ours[0] is TimedOut
    assert time.monotonic() - started < 2.0


async def test_an_api_nobody_answers_at_is_a_network_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # the port is free again: connecting is refused
    request = BotApiRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert caught.value.message.startswith("aiohttp.")


async def test_a_proxy_named_in_the_environment_carries_the_calls(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy (HTTP_PROXY, HTTPS_PROXY), as PTB's own transport works: the Bot API's
    host is reached only through it (here it cannot be reached at all)."""
    for name in ("http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", api.root.removesuffix("/bot"))
    ours = await _outcome(BotApiRequest(4), "http://api.telegram.invalid/bot")
    assert ours[1] == "hallo"
    assert [seen["method"] for seen in api.seen] == ["sendMessage"]
