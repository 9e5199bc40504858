"""Tests of the fake Bot API through real python-telegram-bot, so other tests can trust it."""

from __future__ import annotations

import asyncio
import datetime as dtm
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram_api import FakeTelegram, RateLimits

pytestmark = pytest.mark.asyncio

TOKEN = "123456:TEST-token"
CHAT = 4242


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A running fake per test, so recorded state never leaks between tests."""
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the fake, initialized (getMe) like druppel's."""
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as real_bot:
        yield real_bot


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB warns when time periods are read as ints; opt in to timedelta to stay warning-free."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def _seconds(value: float | dtm.timedelta) -> float:
    """RetryAfter.retry_after is a timedelta or a number depending on PTB_TIMEDELTA."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _keyboard() -> InlineKeyboardMarkup:
    """Two callback buttons and a URL button, the shapes druppel uses."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ja", callback_data="answer:yes"),
                InlineKeyboardButton("Nee", callback_data="answer:no"),
            ],
            [InlineKeyboardButton("Meer", url="https://example.org/meer")],
        ]
    )


async def test_get_me_reports_the_bot_from_the_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "druppel_test_bot"


async def test_wrong_token_raises_invalid_token(tg: FakeTelegram) -> None:
    wrong = Bot("123456:WRONG", base_url=tg.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()
    assert tg.errors[-1] == ("getMe", 401, "Unauthorized")


async def test_html_message_is_recorded_as_the_user_sees_it(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/start")
    message = await bot.send_message(
        CHAT,
        "<b>Hoi</b> Sanne &amp; co, dag 1 &lt;3",
        parse_mode=ParseMode.HTML,
        reply_markup=_keyboard(),
    )
    assert message.text == "Hoi Sanne & co, dag 1 <3"
    assert message.message_id == 2  # the user's /start was message 1 in this chat
    assert message.from_user is not None
    assert message.from_user.is_bot
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 3)]

    sent = await tg.wait_for_message(CHAT)
    assert sent.text == "Hoi Sanne & co, dag 1 <3"
    assert sent.raw_text == "<b>Hoi</b> Sanne &amp; co, dag 1 &lt;3"
    assert sent.parse_mode == "HTML"
    assert sent.buttons == [[("Ja", "answer:yes"), ("Nee", "answer:no")], [("Meer", None)]]
    assert sent.callback_data == ["answer:yes", "answer:no"]
    assert tg.last_buttons(CHAT) == sent.buttons
    assert tg.messages_to(CHAT) == [sent]
    assert tg.calls_to("sendmessage")[0]["chat_id"] == CHAT


async def test_reply_keyboard_is_recorded(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "hallo")
    await bot.send_message(CHAT, "Hoe gaat het?", reply_markup=ReplyKeyboardMarkup([["Goed"]]))
    sent = await tg.wait_for_message(CHAT)
    assert sent.reply_keyboard == [["Goed"]]
    assert sent.buttons == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>open", 'find end tag corresponding to start tag "b"'),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("<br>", 'unsupported start tag "br"'),
        ("<b>x</i>", "unmatched end tag"),
        ("<span>x</span>", "must have class"),
        ("Q&A", 'unescaped "&"'),
    ],
)
async def test_bad_html_is_rejected_like_telegram(
    tg: FakeTelegram, bot: Bot, text: str, problem: str
) -> None:
    tg.user_sends(CHAT, "/start")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert problem.lower() in caught.value.message.lower()
    assert tg.sent == []


async def test_lenient_html_accepts_what_telegram_accepts() -> None:
    async with (
        FakeTelegram(strict_html=False) as lenient,
        Bot("1:x", base_url=lenient.base_url) as lenient_bot,
    ):
        lenient.user_sends(CHAT, "/start")
        message = await lenient_bot.send_message(CHAT, "Q&A > b", parse_mode=ParseMode.HTML)
    assert message.text == "Q&A > b"


async def test_length_is_counted_in_utf16_after_parsing(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/start")
    await bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT, "\N{GRINNING FACE}" * 2049)  # 4098 UTF-16 units
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(CHAT, " \n ")
    assert len(tg.messages_to(CHAT)) == 1


async def test_forced_flood_raises_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/start")
    tg.force_flood(1, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "een")
    assert _seconds(caught.value.retry_after) == 7
    await bot.send_message(CHAT, "twee")
    assert tg.flood_count == 1
    assert tg.flood_by_chat[CHAT] == 1
    assert [m.text for m in tg.messages_to(CHAT)] == ["twee"]


async def test_per_chat_limit_refuses_a_burst_until_retry_after_passed() -> None:
    now = [1000.0]
    limits = RateLimits(per_chat_per_second=1.0, per_chat_burst=3)
    async with (
        FakeTelegram(token=TOKEN, rate_limits=limits, clock=lambda: now[0]) as tg,
        Bot(TOKEN, base_url=tg.base_url) as bot,
    ):
        tg.user_sends(CHAT, "/start")
        tg.user_sends(CHAT + 1, "/start")
        for i in range(3):
            await bot.send_message(CHAT, f"burst {i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "one too many")
        assert _seconds(caught.value.retry_after) == 1
        await bot.send_message(CHAT + 1, "other chats are unaffected")
        now[0] += 0.9
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "still too early")
        now[0] += 0.2
        await bot.send_message(CHAT, "after retry_after")
        assert tg.flood_by_chat[CHAT] == 2


async def test_global_limit_applies_across_chats() -> None:
    now = [0.0]
    limits = RateLimits(global_per_second=30.0, global_burst=30)
    async with (
        FakeTelegram(rate_limits=limits, clock=lambda: now[0]) as tg,
        Bot(TOKEN, base_url=tg.base_url) as bot,
    ):
        for chat_id in range(1, 32):
            tg.user_sends(chat_id, "/start")
        for chat_id in range(1, 31):
            await bot.send_message(chat_id, "nieuws")
        with pytest.raises(RetryAfter):
            await bot.send_message(31, "nieuws")
        now[0] += 1.0
        await bot.send_message(31, "nieuws")


async def test_blocked_chat_raises_forbidden(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/start")
    tg.block(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hallo?")
    updates = await bot.get_updates(timeout=0)
    member = updates[-1].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "kicked"
    tg.unblock(CHAT)
    await bot.send_message(CHAT, "welkom terug")


async def test_unknown_chat_raises_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hallo")


async def test_unknown_method_is_404(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")


async def test_long_poll_returns_early_and_offset_confirms(tg: FakeTelegram, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert loop.time() - started >= 0.25

    poll = asyncio.create_task(bot.get_updates(timeout=dtm.timedelta(seconds=10)))
    await asyncio.sleep(0.1)
    started = loop.time()
    tg.user_sends(CHAT, "/start", first_name="Sanne", language_code="nl")
    (update,) = await asyncio.wait_for(poll, 5)
    assert loop.time() - started < 2
    assert update.message is not None
    assert update.message.text == "/start"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "nl"
    assert update.message.entities[0].type == "bot_command"

    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [update.update_id]  # not confirmed yet

    await bot.send_message(CHAT, "Kies", reply_markup=_keyboard())
    tg.user_taps(CHAT, "answer:no")
    (tap,) = await bot.get_updates(offset=update.update_id + 1, timeout=5)
    assert tap.update_id > update.update_id
    assert tap.callback_query is not None
    assert tap.callback_query.data == "answer:no"
    assert tap.callback_query.message is not None
    assert tap.callback_query.message.message_id == 2
    assert await tap.callback_query.answer("Genoteerd")
    assert await bot.get_updates(offset=tap.update_id + 1, timeout=0) == ()


async def test_second_instance_terminates_the_first_poll_with_conflict(
    tg: FakeTelegram, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=dtm.timedelta(seconds=5)))
    await asyncio.sleep(0.1)
    async with Bot(TOKEN, base_url=tg.base_url) as second_instance:
        second = asyncio.create_task(
            second_instance.get_updates(timeout=dtm.timedelta(seconds=0.2))
        )
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 5)
        assert await asyncio.wait_for(second, 5) == ()


async def test_edits_follow_telegram_rules(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/start")
    message = await bot.send_message(CHAT, "Vraag", reply_markup=_keyboard())
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Vraag", CHAT, message.message_id, reply_markup=_keyboard())
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", CHAT, 77)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", CHAT, 1)  # the user's own message

    # Like Telegram, editing the text without reply_markup drops the keyboard.
    await bot.edit_message_text("<i>Beantwoord</i>", CHAT, message.message_id, parse_mode="HTML")
    edit = await tg.wait_for_message(CHAT, include_edits=True, since=1)
    assert edit.is_edit
    assert edit.text == "Beantwoord"
    assert edit.buttons == []
    with pytest.raises(LookupError, match="answer:yes"):
        tg.user_taps(CHAT, "answer:yes")

    await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=_keyboard())
    assert tg.last_buttons(CHAT)[0][0] == ("Ja", "answer:yes")
    assert tg.user_taps(CHAT, "answer:yes")["callback_query"]["message"]["text"] == "Beantwoord"
    assert len(tg.messages_to(CHAT)) == 1
    assert len(tg.messages_to(CHAT, include_edits=True)) == 3


async def test_callback_can_be_answered_once(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/start")
    await bot.send_message(CHAT, "Kies", reply_markup=_keyboard())
    query_id = tg.user_taps(CHAT, "answer:yes")["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Dank je")
    assert tg.callback_answers[query_id]["text"] == "Dank je"
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query_id)
    assert await bot.send_chat_action(CHAT, "typing")


async def test_commands_are_stored_per_scope_and_language(bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Begin"), ("stop", "Stoppen")])
    assert await bot.set_my_commands([("start", "Start")], language_code="en")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "stop"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Start!", "bad")])


async def test_media_updates_parse_and_download(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends_sticker(CHAT)
    tg.user_sends_photo(CHAT, caption="mijn dag")
    tg.user_sends_voice(CHAT, duration=4)
    sticker, photo, voice = await bot.get_updates(timeout=0)
    assert sticker.message is not None
    assert sticker.message.sticker is not None
    assert photo.message is not None
    assert photo.message.caption == "mijn dag"
    assert len(photo.message.photo) == 3
    assert voice.message is not None
    assert voice.message.voice is not None
    voice_file = await voice.message.voice.get_file()
    content = await voice_file.download_as_bytearray()
    assert content.startswith(b"OggS")


async def test_a_document_is_fetched_by_get_file_and_its_file_url(
    tg: FakeTelegram, bot: Bot
) -> None:
    tg.user_sends_document(CHAT, b"id: twijfel\n", "twijfel.yaml")
    tg.user_sends_document(CHAT, bytes(21 * 1024 * 1024), "groot.yaml", mime_type=None)
    small, big = await bot.get_updates(timeout=0)
    assert small.message is not None
    document = small.message.document
    assert document is not None
    assert (document.file_name, document.mime_type, document.file_size) == (
        "twijfel.yaml", "application/x-yaml", 12,
    )  # fmt: skip
    file = await document.get_file()
    assert file.file_path is not None
    assert file.file_path.endswith(".yaml")
    assert bytes(await file.download_as_bytearray()) == b"id: twijfel\n"
    assert big.message is not None
    assert big.message.document is not None
    with pytest.raises(BadRequest, match="File is too big"):
        await big.message.document.get_file()  # a bot may fetch up to 20 MB


async def test_raw_http_envelopes_match_telegram(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession(tg.root) as http:
        async with http.get(f"/bot{TOKEN}/GETME") as response:
            assert response.status == 200
            body = await response.json()
            assert body["ok"] is True
            assert body["result"]["is_bot"] is True
        tg.user_sends(CHAT, "hoi")
        payload = {"chat_id": CHAT, "text": "json body", "reply_markup": {"inline_keyboard": []}}
        async with http.post(f"/bot{TOKEN}/sendMessage", json=payload) as response:
            assert (await response.json())["result"]["text"] == "json body"
        tg.force_flood(1, retry_after=3)
        async with http.post(f"/bot{TOKEN}/sendMessage", data={"chat_id": CHAT, "text": "x"}) as r:
            assert r.status == 429
            assert await r.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            }
        async with http.post(f"/bot{TOKEN}/nope") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.post("/bot1:bad/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"


async def test_wait_for_message_times_out_with_context(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/start")
    await bot.send_message(CHAT, "eerste")
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "<b>kapot", parse_mode="HTML")
    assert (await tg.wait_for_message(CHAT)).text == "eerste"
    with pytest.raises(TimeoutError) as caught:
        await tg.wait_for_message(CHAT, timeout=0.2)
    report = str(caught.value)
    assert "'eerste'" in report
    assert "can't parse entities" in report


async def test_application_round_trip(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Welkom bij <b>druppel</b>",
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Begin", callback_data="begin")]]
            ),
        )

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Gekozen: {query.data}")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped))
    assert app.updater is not None
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
    try:
        tg.user_sends(CHAT, "/start")
        welcome = await tg.wait_for_message(CHAT)
        assert welcome.text == "Welkom bij druppel"
        assert welcome.buttons == [[("Begin", "begin")]]

        tg.user_taps(CHAT, "begin")
        edit = await tg.wait_for_message(CHAT, include_edits=True)
        assert edit.is_edit
        assert edit.message_id == welcome.message_id
        assert edit.text == "Gekozen: begin"
        assert edit.buttons == []
        assert len(tg.callback_answers) == 1
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert tg.errors == []


def _png(width: int, height: int) -> bytes:
    """A tiny valid PNG (grey, 8-bit), made by hand so the fake's tests need no drawing library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_a_photo_upload_is_recorded_with_its_bytes_and_html_caption(
    tg: FakeTelegram, bot: Bot
) -> None:
    tg.user_sends(CHAT, "/stats")
    image = _png(1000, 500)
    message = await bot.send_photo(
        CHAT, image, caption="<b>Cijfers</b> &amp; grafiek", parse_mode=ParseMode.HTML,
        filename="druppel.png", reply_markup=_keyboard(),
    )  # fmt: skip
    assert message.caption == "Cijfers & grafiek"
    assert [(e.type, e.offset, e.length) for e in message.caption_entities] == [("bold", 0, 7)]
    assert message.text is None
    assert [(p.width, p.height) for p in message.photo] == [
        (90, 45),
        (320, 160),
        (800, 400),
        (1000, 500),
    ]
    assert message.photo[-1].file_size == len(image)
    assert all(p.file_id and p.file_unique_id for p in message.photo)

    sent = await tg.wait_for_message(CHAT)
    assert sent.method == "sendPhoto"
    assert sent.is_photo
    assert not sent.is_edit
    assert sent.text == "Cijfers & grafiek"
    assert sent.raw_text == "<b>Cijfers</b> &amp; grafiek"
    assert sent.photo == image
    assert sent.buttons[0] == [("Ja", "answer:yes"), ("Nee", "answer:no")]
    downloaded = await (await message.photo[-1].get_file()).download_as_bytearray()
    assert bytes(downloaded) == image

    # A file_id the bot got back sends the same photo again without uploading it.
    again = await bot.send_photo(CHAT, message.photo[-1].file_id)
    assert again.caption is None
    assert (await tg.wait_for_message(CHAT)).photo == image
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", CHAT, again.message_id)


async def test_a_photo_is_refused_like_telegram_refuses_it(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/stats")
    image = _png(40, 30)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(CHAT, image, caption="x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_photo(CHAT, image, caption="<b>open", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(CHAT, b"GIF89a not a png", filename="x.png")
    with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
        await bot.send_photo(CHAT, _png(2100, 100))
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(CHAT, "AgACAgQAAxkBAAInope")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_photo(999, image)
    assert tg.sent == []

    # Exactly 1024 characters after parsing is fine; a URL is taken as given.
    caption = "&amp;" * 1024
    assert (await bot.send_photo(CHAT, image, caption=caption, parse_mode="HTML")).caption == (
        "&" * 1024
    )
    by_url = await bot.send_photo(CHAT, "https://example.org/grafiek.png")
    assert by_url.photo
    assert tg.sent[-1].photo is None


async def test_a_photo_counts_for_flood_control(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends(CHAT, "/stats")
    tg.force_flood(1, retry_after=2)
    with pytest.raises(RetryAfter):
        await bot.send_photo(CHAT, _png(10, 10))
