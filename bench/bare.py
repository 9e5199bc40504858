"""The bare side of `dispatch_vs_bare_ratio`: plain python-telegram-bot, no druppel around it.

`python -m bench.bare API_ROOT FIRST_CHAT CHATS CONCURRENCY` sends every chat the messages of a
day-1 lesson, exactly as druppel renders them (same text, markup and buttons), through PTB's
default transport (httpx, as a bot built with `Bot(token)` has it): CONCURRENCY chats at a time,
each chat's messages one after the other, as druppel's worker sends them. Redis, queues, leases
and counters are what it leaves out, and druppel's own transport (`request.py`). It prints the
CPU seconds it spent sending, as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode

from bench.platform import TOKEN
from bot.app.settings import BUILTIN_COURSES_DIR
from bot.channels.telegram.render import html_text, keyboard
from bot.delivery.items import outgoing
from courses.loader import load_course_dir
from courses.render import render_day

COURSE = "twijfel"


def lesson() -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """Day 1 of the course as druppel sends it: Telegram HTML and the inline keyboard."""
    course = load_course_dir(BUILTIN_COURSES_DIR)[COURSE]
    out: list[tuple[str, InlineKeyboardMarkup | None]] = []
    for message in render_day(course, 1):
        rendered = outgoing(message, COURSE, 1)
        out.append((html_text(rendered), keyboard(rendered)))
    return out


async def send_all(api_root: str, first: int, chats: int, concurrency: int) -> float:
    """Send them all; returns the CPU seconds this process spent sending (not starting up)."""
    messages = lesson()
    todo = iter(range(first, first + chats))
    async with Bot(TOKEN, base_url=f"{api_root}/bot") as bot:

        async def one_at_a_time() -> None:
            for chat in todo:
                for text, markup in messages:
                    await bot.send_message(
                        chat_id=chat, text=text, parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                    )  # fmt: skip

        started = time.process_time()
        await asyncio.gather(*(one_at_a_time() for _ in range(concurrency)))
        return time.process_time() - started


if __name__ == "__main__":
    root, first_chat, count, at_once = sys.argv[1:5]
    spent = asyncio.run(send_all(root, int(first_chat), int(count), int(at_once)))
    print(json.dumps({"cpu_s": spent}), flush=True)
