"""`druppel web`: platform webhooks on the public port; probes and metrics on a private one.

The public port (`PORT`, every interface) serves the webhooks under `/webhooks/<name>` and
`/healthz`, which says "ok" and nothing else, for a load balancer in front of it. The metrics
port (`METRICS_PORT`, loopback unless `METRICS_HOST` says otherwise) serves `/healthz`, `/readyz`
(only while Redis answers and the scheduler keeps up; else 503 and why) and `/metrics` (what
Redis counts), optionally behind a bearer token (`METRICS_TOKEN`). Readiness and metrics stay off
the public port: they describe the installation (its Redis, its load, its counts), and each
request costs Redis reads that nobody outside should be able to cause. Every Redis read is
bounded by a time-out, so a stuck server turns into a 503 with its reason, never a hanging probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError

from bot.app.run import (
    bot_token,
    configure_logging,
    telegram_channel,
    until_signalled,
    webhook_secret,
)
from bot.app.settings import Settings, stored
from bot.app.web.metrics import exposition, take_snapshot
from bot.app.whatsapp import webhook as whatsapp_webhook
from bot.app.wiring import engine, shared_clock
from bot.channels.telegram.adapter import TelegramChannel
from bot.core.counters import Counters
from bot.core.errors import SetupError
from bot.ops.gauges import scheduler_lag
from scheduler.clock import Clock
from storage.health import ping
from storage.store import Store, redacted

log = logging.getLogger("druppel")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Real seconds any one probe or scrape may spend on Redis before it answers 503.
REDIS_TIMEOUT = 2.0
#: Real seconds open requests get to finish once the process is told to stop.
SHUTDOWN_GRACE = 5.0
WEBHOOKS = "/webhooks"
#: The hosts that mean "this machine only".
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
#: The header in which Telegram repeats the webhook's secret_token.
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: The shortest webhook secret taken (the settings refuse shorter ones before this is reached).
MIN_SECRET = 16


@dataclass(frozen=True, slots=True)
class Web:
    """What the handlers read from: the store, the course clock and the readiness limit."""

    store: Store
    clock: Clock
    counters: Counters
    max_lag_seconds: float
    #: The bearer token `/metrics` asks for (None: none).
    token: str | None = None


WEB = web.AppKey("druppel", Web)


def _unavailable(reason: str) -> web.Response:
    return web.Response(status=503, text=f"{reason}\n")


def _cause(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"redis: no answer within {REDIS_TIMEOUT:g}s"
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"redis: {first}"


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def readyz(request: web.Request) -> web.Response:
    """200 while Redis answers and due work is picked up in time; else 503 and why."""
    ctx = request.app[WEB]
    try:
        async with asyncio.timeout(REDIS_TIMEOUT):
            await ping(ctx.store.redis)
            lag = await scheduler_lag(ctx.store, ctx.clock)
    except (RedisError, OSError, TimeoutError) as exc:
        return _unavailable(_cause(exc))
    if lag > ctx.max_lag_seconds:
        return _unavailable(
            f"scheduler: due work waits {lag:.0f}s (limit {ctx.max_lag_seconds:g}s); "
            "is a worker running?"
        )
    return web.Response(text=f"ok: redis answers, scheduler lag {lag:.1f}s\n")


async def metrics(request: web.Request) -> web.Response:
    ctx = request.app[WEB]
    if ctx.token and not _bearer(request, ctx.token):
        return web.Response(
            status=401, text="unauthorized\n", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        async with asyncio.timeout(REDIS_TIMEOUT):
            snapshot = await take_snapshot(ctx.store, ctx.counters, ctx.clock)
    except (RedisError, OSError, TimeoutError) as exc:
        return _unavailable(_cause(exc))
    return web.Response(body=exposition(snapshot), headers={"Content-Type": CONTENT_TYPE_LATEST})


def _bearer(request: web.Request, token: str) -> bool:
    """Whether the request carries `Authorization: Bearer <token>` (constant time)."""
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), token.encode()
    )


def metrics_app(
    store: Store, clock: Clock, *, max_lag_seconds: float, token: str | None = None
) -> web.Application:
    """The private application: the probes and `/metrics` (behind `token` when one is given;
    the probes never are, so a process manager needs no secret)."""
    app = web.Application()
    app[WEB] = Web(store, clock, Counters(store), max_lag_seconds, token or None)
    app.add_routes([
        web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics),
    ])  # fmt: skip
    return app


def public_app(webhooks: Mapping[str, Handler] | None = None) -> web.Application:
    """The public application: `/healthz`, and each webhook at /webhooks/<name> for POST (the
    platform's calls) and GET (the handshake some platforms make first). Nothing else."""
    app = web.Application()
    app.add_routes([web.get("/healthz", healthz)])
    for name, handler in (webhooks or {}).items():
        app.add_routes([web.post(f"{WEBHOOKS}/{name}", handler),
                        web.get(f"{WEBHOOKS}/{name}", handler, allow_head=False)])  # fmt: skip
    return app


async def start(app: web.Application, port: int, host: str | None = None) -> web.AppRunner:
    """Serve `app` on `port` (0: any free port); stop it with `runner.cleanup()`."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SetupError(f"cannot listen on port {port}: {exc.strerror or exc}") from exc
    return runner


def telegram_webhook(channel: TelegramChannel, secret: str) -> Handler:
    """Telegram's webhook: only calls carrying our secret (compared in constant time) are
    taken; anything else is refused and changes nothing. A blank secret is never one."""
    if len(secret) < MIN_SECRET:
        raise SetupError("the Telegram webhook secret is too short to keep anyone out")

    async def handle(request: web.Request) -> web.Response:
        if request.method != "POST":
            return web.Response(status=405, text="method not allowed\n")
        given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401, text="unauthorized\n")
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400, text="not json\n")
        if not await channel.feed(data):
            return web.Response(status=400, text="not an update\n")
        return web.Response(text="ok\n")

    return handle


async def serve_web(settings: Settings) -> int:
    """`druppel web`: serve until SIGTERM or SIGINT, then exit 0. With TELEGRAM_WEBHOOK_URL it
    also receives Telegram's updates and answers them, in place of `druppel run`'s polling."""
    configure_logging(settings.log_level)
    async with contextlib.AsyncExitStack() as stack:
        telegram: TelegramChannel | None = None
        secret = ""
        if settings.telegram_webhook_url:
            eng = await stack.enter_async_context(engine(settings))
            store, clock = eng.store, eng.clock
            token = bot_token(settings)
            telegram = telegram_channel(eng, token)
            secret = webhook_secret(settings, token)
            await telegram.start_webhook(settings.telegram_webhook_url, secret)
            stack.push_async_callback(telegram.stop)
        else:
            store = await stack.enter_async_context(stored(settings))
            clock = await shared_clock(store, settings.clock_speed)
        webhooks: dict[str, Handler] = {}
        whatsapp = whatsapp_webhook(settings, store, clock)
        if whatsapp is not None:
            webhooks["whatsapp"] = whatsapp.handle
        if telegram is not None:
            webhooks["telegram"] = telegram_webhook(telegram, secret)
        scrape = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        private = metrics_app(
            store, clock, max_lag_seconds=settings.ready_max_lag_seconds, token=scrape
        )
        inside = await start(private, settings.metrics_port, settings.metrics_host)
        stack.push_async_callback(inside.cleanup)
        runner = await start(public_app(webhooks), settings.port)
        stack.push_async_callback(runner.cleanup)
        where = redacted(settings.redis_url) if settings.redis_url else "embedded"
        host, port = inside.addresses[0][:2]
        log.info(
            "druppel web: listening on port %d; probes and metrics on %s:%d%s; redis %s, "
            "key prefix %r%s",
            settings.port, host, port, " (bearer token)" if scrape else "", where,
            settings.key_prefix, "; Telegram updates by webhook" if telegram is not None else "",
        )  # fmt: skip
        if settings.metrics_host not in LOOPBACK and not scrape:
            log.warning(
                "druppel web: metrics on %s without METRICS_TOKEN: whoever reaches that "
                "address reads them", settings.metrics_host,
            )  # fmt: skip
        await until_signalled()
        log.info("druppel web: stopping")
    log.info("druppel web: stopped")
    return 0
