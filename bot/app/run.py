"""`druppel run` and `druppel worker`: the long-running processes.

`run` is the Telegram bot and the dispatcher in one process; `worker` is only the dispatcher,
sending through Telegram without polling, so any number of workers can run beside one `run`
(the dispatcher's claims in Redis keep them from sending the same lesson twice). Both stop
cleanly on SIGTERM or SIGINT and exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable

from bot.app.settings import Settings
from bot.app.whatsapp import configured as whatsapp_configured
from bot.app.whatsapp import whatsapp_channel
from bot.app.wiring import Engine, engine
from bot.channels.telegram.adapter import TelegramChannel
from bot.channels.telegram.rates import PAID_CEILING, chat_rate
from bot.core.errors import SetupError
from bot.ops.workers import keep_beating, new_worker_id, retire
from scheduler.ratelimit import Rate, RateLimiter
from storage.models import Channel
from storage.store import Store, redacted

log = logging.getLogger("druppel")

#: The least a library logs at, whatever DRUPPEL_LOG_LEVEL says: httpx logs every request URL
#: (which holds the bot token) at INFO, APScheduler logs every tick, and PTB's DEBUG lines carry
#: the token and whole messages, which participants' reflections must never end up in.
_FLOORS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.ERROR,  # "skipped: max instances" is the design, not news
    "telegram": logging.INFO,
}

#: Real seconds between two looks at whether the process can still do its work.
WATCH_EVERY = 1.0

#: Real seconds a stopping process waits for the handlers in hand to finish; what is still
#: running then is cancelled and handed back to the due index.
TICK_GRACE = 10.0


def configure_logging(level_name: str) -> None:
    """One concise line per event on stderr, where process managers collect it."""
    level = logging.getLevelName(level_name.strip().upper())
    if not isinstance(level, int):
        raise SetupError(f"DRUPPEL_LOG_LEVEL {level_name!r} is not a log level (try INFO)")
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    for name, floor in _FLOORS.items():
        logging.getLogger(name).setLevel(max(level, floor))
    logging.getLogger("telegram.ext").addFilter(_no_token_traceback)
    logging.getLogger("telegram.request.BaseRequest").addFilter(_no_gateway_page)


def _no_gateway_page(record: logging.LogRecord) -> bool:
    """PTB logs a proxy's HTML error page (a 502 while Telegram has a bad minute) with a
    traceback for every send; the send's failure is ours to report, once per interval."""
    return not str(record.msg).startswith("Can not load invalid JSON data")


def _no_token_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a refused token with a whole traceback; our own line says it once, plainly."""
    return not (record.exc_info and type(record.exc_info[1]).__name__ == "InvalidToken")


def bot_token(settings: Settings) -> str:
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token.strip():
        raise SetupError(
            "TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and put it in the "
            "environment or in .env"
        )
    return token.strip()


@contextlib.asynccontextmanager
async def signals_caught() -> AsyncIterator[asyncio.Event]:
    """SIGTERM (process managers) and SIGINT (Ctrl-C) set the event instead of ending the
    process, from here on: one that comes while a process is still starting stops it as soon
    as it has started, cleanly."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        yield stopping
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def until_signalled(
    ended: Callable[[], str | None] = lambda: None, stopping: asyncio.Event | None = None
) -> str | None:
    """Wait for SIGTERM or SIGINT (caught since `stopping` was made, or from now); returns None
    then. Returns why instead when `ended` reports that the process can no longer work."""
    if stopping is None:
        async with signals_caught() as caught:
            return await until_signalled(ended, caught)
    while not stopping.is_set():
        if (why := ended()) is not None:
            return why
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), WATCH_EVERY)
    return None


def _describe(eng: Engine, role: str) -> str:
    settings = eng.settings
    where = (
        redacted(settings.redis_url) if settings.redis_url else f"embedded in {settings.data_dir}"
    )
    clock = (
        "real time" if settings.clock_speed == 1 else f"{settings.clock_speed:g}x ({eng.clock!r})"
    )
    paid = (
        f", paid broadcasting at {Rate.steady(settings.telegram_paid_per_second).per_second:g}/s"
        if settings.telegram_paid_broadcast
        else ""
    )
    return (
        f"druppel {role}: redis {where}, key prefix {settings.key_prefix!r}, clock {clock}, "
        f"tick every {settings.tick_seconds:g}s, courses {', '.join(sorted(eng.courses))}{paid}"
    )


def telegram_limiters(settings: Settings, store: Store) -> tuple[RateLimiter, RateLimiter | None]:
    """The Telegram channel's pacing, shared through Redis by every process: the limiter every
    send waits for, and, with TELEGRAM_PAID_BROADCAST, the one that keeps unpaid sends
    (replies) at the free pace on top of it.

    Without paid broadcasting the bot keeps Telegram's free limits: TELEGRAM_MAX_PER_SECOND in
    all, TELEGRAM_BULK_PER_SECOND of it for lessons and broadcasts. With it, lessons and
    broadcasts go at TELEGRAM_PAID_PER_SECOND and the bot as a whole up to Telegram's paid
    ceiling, while replies, sent unpaid, keep the free limits. Each chat's pace is the same
    either way.
    """
    redis, keys = store.redis, store.keys
    overall = Rate.steady(settings.telegram_max_per_second)
    bulk = Rate.steady(settings.bulk_per_second)
    per_chat = chat_rate(settings.telegram_chat_burst)
    if not settings.telegram_paid_broadcast:
        return RateLimiter(redis, keys, "telegram", overall, per_chat, bulk=bulk), None
    paid = RateLimiter(
        redis, keys, "telegram", Rate.steady(PAID_CEILING), per_chat,
        bulk=Rate.steady(settings.telegram_paid_per_second),
    )  # fmt: skip
    return paid, RateLimiter(redis, keys, "telegram-unpaid", overall, per_chat, bulk=bulk)


def telegram_channel(eng: Engine, token: str) -> TelegramChannel:
    """The Telegram channel of a process, paced by the limits every process shares."""
    settings = eng.settings
    limiter, unpaid = telegram_limiters(settings, eng.store)
    channel = TelegramChannel(
        token, settings.telegram_api_base_url, eng.conversation, limiter=limiter,
        paid_broadcast=settings.telegram_paid_broadcast, unpaid_limiter=unpaid,
    )  # fmt: skip
    eng.senders[Channel.TELEGRAM] = channel
    eng.staff.publishing.files[Channel.TELEGRAM] = channel.download  # trainers' course files
    return channel


def webhook_secret(settings: Settings, token: str) -> str:
    """The secret Telegram sends with every webhook call: TELEGRAM_WEBHOOK_SECRET, or one
    derived from the token, so a process restarted with the same settings expects the same."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    return hmac.new(token.encode(), b"druppel telegram webhook", hashlib.sha256).hexdigest()


def _telegram(settings: Settings, polling: bool) -> bool:
    """Whether this process speaks Telegram: `run` always; a worker unless the installation is
    WhatsApp only (no TELEGRAM_BOT_TOKEN, WhatsApp settings present)."""
    secret = settings.telegram_bot_token
    has_token = secret is not None and bool(secret.get_secret_value().strip())
    return polling or has_token or not whatsapp_configured(settings)


async def _serve(settings: Settings, *, polling: bool) -> int:
    telegram = _telegram(settings, polling)
    token = bot_token(settings) if telegram else ""
    configure_logging(settings.log_level)
    role = "run" if polling else "worker"
    async with engine(settings) as eng, signals_caught() as stopping, whatsapp_channel(eng):
        channel = telegram_channel(eng, token) if telegram else None
        if polling and settings.telegram_webhook_url:
            polling = False  # updates come by webhook, to `druppel web`
            log.info("druppel run: Telegram sends updates to the webhook; this process sends")
        job = eng.tick_job()
        log.info("%s", _describe(eng, role))
        worker_id = new_worker_id(role)
        failed: str | None = None
        beating = asyncio.create_task(keep_beating(eng.store, role, worker_id))
        try:
            if channel is not None:
                eng.staff.menus = channel.set_menu
                if polling:
                    await channel.start_polling()
                    await eng.staff.refresh_menus()
                else:
                    await channel.start_sending_only()
            job.start()
            # Coaches' copies an erasure from the command line could not edit yet.
            await eng.store.blank_pending()
            await eng.watch.start()
            await eng.retention.start()
            log.info("druppel %s: started", role)
            ended = channel.polling_ended if polling and channel is not None else lambda: None
            failed = await until_signalled(ended, stopping)
            if failed is None:
                log.info("druppel %s: stopping", role)
            else:
                log.error("druppel %s: %s; exiting so that it is restarted", role, failed)
        finally:
            await job.stop(TICK_GRACE)
            if not await eng.dispatcher.stop(TICK_GRACE):
                log.warning(
                    "druppel %s: handed back %d unfinished claims at exit",
                    role, eng.dispatcher.stats.handed_back,
                )  # fmt: skip
            if channel is not None:
                await channel.stop()
            beating.cancel()
            await asyncio.wait([beating], timeout=2)  # never let a stuck beat keep us up
            try:
                await retire(eng.store, worker_id)
            except Exception as exc:  # Redis gone at exit: the entry ages out by itself
                log.warning("druppel %s: could not sign off: %s", role, exc)
    log.info("druppel %s: stopped", role)
    return 0 if failed is None else 1


async def run_bot(settings: Settings) -> int:
    """`druppel run`: the Telegram bot (long polling) and the dispatcher, until signalled."""
    return await _serve(settings, polling=True)


async def run_worker(settings: Settings) -> int:
    """`druppel worker`: only the dispatcher, sending through Telegram; it never polls."""
    return await _serve(settings, polling=False)
