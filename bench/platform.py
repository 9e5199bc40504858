"""The fake Bot API in a process of its own, with a small control API for the benchmarks.

`python -m bench.platform` serves the same fake Telegram the tests use (tests/fakes), so that
its work (parsing, answering, the flood buckets) does not share a CPU with the process being
measured, as the real platform would not. It prints one JSON line with its two addresses and
runs until its standard input closes. The control API (loopback only):

- ``POST /setup`` ``{"chats": [first, count], "delay": s, "limits": {...} | null}``: forget
  what was sent, open the chats, set the answer delay and the flood limits (`RateLimits`
  fields); answers ``{"now": t}`` on the fake's clock;
- ``GET /report?since=N``: ``{"now", "floods", "sent": [[chat, at, method, paid], ...]}``;
- ``POST /say`` ``{"chat": id, "text": "/vandaag"}``: a user writes to the bot; ``{"at": t}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import fields
from typing import Any

from aiohttp import web

from tests.fakes.telegram_api import FakeTelegram, RateLimits

TOKEN = "5550009:bench"


def _limits(raw: dict[str, Any] | None) -> RateLimits | None:
    if raw is None:
        return None
    known = {f.name for f in fields(RateLimits)}
    return RateLimits(**{k: v for k, v in raw.items() if k in known})


def control_app(tg: FakeTelegram) -> web.Application:
    async def setup(request: web.Request) -> web.Response:
        body = await request.json()
        tg.sent.clear()
        tg.flood_count = 0
        tg.flood_by_chat.clear()
        tg.answer_delay = float(body.get("delay", 0.0))
        tg.set_rate_limits(_limits(body.get("limits")))
        first, count = body.get("chats", [0, 0])
        for chat in range(int(first), int(first) + int(count)):
            tg.open_chat(chat)
        return web.json_response({"now": time.monotonic()})

    async def report(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        sent = [
            [m.chat_id, m.at, m.method, bool(getattr(m, "paid", False))] for m in tg.sent[since:]
        ]
        return web.json_response({"now": time.monotonic(), "floods": tg.flood_count, "sent": sent})

    async def say(request: web.Request) -> web.Response:
        body = await request.json()
        tg.user_sends(int(body["chat"]), str(body["text"]))
        return web.json_response({"at": time.monotonic()})

    app = web.Application()
    app.router.add_post("/setup", setup)
    app.router.add_get("/report", report)
    app.router.add_post("/say", say)
    return app


async def serve() -> None:
    async with FakeTelegram(TOKEN) as tg:
        runner = web.AppRunner(control_app(tg), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        print(json.dumps({"api": tg.root, "control": f"http://127.0.0.1:{port}"}), flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark lets go of us
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
