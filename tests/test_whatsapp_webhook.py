"""The WhatsApp webhook over real HTTP: Meta's handshake, signatures checked in constant time,
each message queued once however often it is retried, statuses recorded; and the inbox that
workers take it from, in order and under a lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from cryptography.fernet import Fernet

from bot.app.web.app import public_app, start
from bot.channels.whatsapp.inbound import InboundHandler, Inbox
from bot.channels.whatsapp.webhook import WhatsAppWebhook, signature_valid
from bot.channels.whatsapp.window import Window
from bot.core.counters import Counters
from bot.core.messages import Incoming, Outgoing
from scheduler.clock import FixedClock
from storage.crypto import TextCipher
from storage.models import Channel, Participant
from storage.store import Store
from storage.whatsapp import InboundEvent, WhatsAppRepo
from tests.fakes.whatsapp_api import encode, message_webhook, sign, status_webhook

NOON = datetime(2031, 6, 2, 12, 0, tzinfo=UTC)
SECRET = "app-secret"
VERIFY = "verify-me"
SANNE = "31612345678"


@contextlib.asynccontextmanager
async def _served(store: Store) -> AsyncIterator[tuple[str, WhatsAppRepo]]:
    """The webhook of `druppel web` over `store`: its address, and the inbound queue."""
    repo = WhatsAppRepo(store.redis, store.keys, SECRET.encode(), store.cipher)
    handler = WhatsAppWebhook(
        Window(repo, FixedClock(NOON)), app_secret=SECRET.encode(), verify_token=VERIFY,
        phone_number_id="1099001", counters=Counters(store),
    )  # fmt: skip
    app = public_app({"whatsapp": handler.handle})
    runner: web.AppRunner = await start(app, 0, "127.0.0.1")
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/webhooks/whatsapp", repo
    finally:
        await runner.cleanup()


@pytest.fixture
async def hook(store: Store) -> AsyncIterator[tuple[str, WhatsAppRepo]]:
    async with _served(store) as served:
        yield served


async def _post(url: str, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


async def _keys(store: Store) -> list[str]:
    return [k async for k in store.redis.scan_iter(match=store.keys.everything(), count=1000)]


def test_a_signature_is_the_hmac_of_the_raw_body_with_the_app_secret() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    assert signature_valid(body, sign(body, SECRET), SECRET.encode())
    assert not signature_valid(body, sign(body, "another"), SECRET.encode())
    assert not signature_valid(body + b" ", sign(body, SECRET), SECRET.encode())
    assert not signature_valid(body, sign(body, SECRET).removeprefix("sha256="), SECRET.encode())
    assert not signature_valid(body, None, SECRET.encode())


async def test_the_handshake_echoes_the_challenge_only_for_our_verify_token(
    hook: tuple[str, WhatsAppRepo],
) -> None:
    url, _ = hook
    async with aiohttp.ClientSession() as http:
        query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
        async with http.get(url, params=query) as ok:
            assert (ok.status, await ok.text()) == (200, "1158201444")
        async with http.get(url, params={**query, "hub.verify_token": "guess"}) as refused:
            assert refused.status == 403


async def test_a_call_with_a_bad_signature_is_refused_and_changes_nothing(
    hook: tuple[str, WhatsAppRepo], store: Store
) -> None:
    url, repo = hook
    body = encode(message_webhook(SANNE, text="START"))
    assert await _post(url, body, sign(body, "not-the-secret")) == 401
    assert await _post(url, body, None) == 401
    assert await repo.waiting() == 0
    assert await _keys(store) == []


async def test_a_message_that_cannot_be_kept_is_refused_so_meta_sends_it_again(
    hook: tuple[str, WhatsAppRepo], store: Store
) -> None:
    """Redis away: the call is answered 503, not 200, so Meta delivers it again; the retry,
    once Redis answers, is queued (once)."""
    body = encode(message_webhook(SANNE, text="Wat ik vandaag dacht"))
    away = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        async with _served(Store(away, store.keys, store.cipher)) as (dead_url, _):
            assert await _post(dead_url, body, sign(body, SECRET)) == 503
    finally:
        await away.aclose()
    url, repo = hook
    assert await _post(url, body, sign(body, SECRET)) == 200  # Meta's retry
    assert await _post(url, body, sign(body, SECRET)) == 200  # and one more: queued once
    (chat,) = await repo.claim("w1", 15, 10)
    raw = await repo.first(chat)
    assert raw is not None
    assert repo.read(raw).text == "Wat ik vandaag dacht"
    assert await repo.done(chat, "w1", 15) == 0


async def test_a_flood_of_bad_calls_writes_a_couple_of_warning_lines(
    hook: tuple[str, WhatsAppRepo], caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = hook
    body = encode(message_webhook(SANNE, text="START"))
    with caplog.at_level(logging.WARNING, logger="bot.channels.whatsapp"):
        for _ in range(50):
            assert await _post(url, body, sign(body, "a-guess")) == 401
        async with aiohttp.ClientSession() as http:
            for _ in range(50):
                query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
                async with http.get(url, params=query) as refused:
                    assert refused.status == 403
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert 1 <= len(warnings) <= 2, [r.getMessage() for r in warnings]


async def test_a_retried_message_is_queued_once(
    hook: tuple[str, WhatsAppRepo], store: Store
) -> None:
    url, repo = hook
    body = encode(message_webhook(SANNE, text="Het voelt zwaar", message_id="wamid.once"))
    for _ in range(3):
        assert await _post(url, body, sign(body, SECRET)) == 200
    (chat,) = await repo.claim("w1", 15, 10)
    first = await repo.first(chat)
    assert first is not None
    event = repo.read(first)
    assert (event.chat, event.text, event.name) == (SANNE, "Het voelt zwaar", "Sanne")
    assert await repo.done(chat, "w1", 15) == 0  # nothing else was queued
    assert await repo.window_until(SANNE) is not None  # their message opened the window
    assert not [k for k in await _keys(store) if SANNE in k or "wamid" in k]


async def test_statuses_are_recorded_and_a_failure_is_queued_once(
    hook: tuple[str, WhatsAppRepo],
) -> None:
    url, repo = hook
    for state in ("sent", "read", "delivered"):  # out of order, as Meta may deliver them
        body = encode(status_webhook(SANNE, "wamid.out1", state))
        assert await _post(url, body, sign(body, SECRET)) == 200
    assert (await repo.statuses("wamid.out1")).latest == "read"
    assert await repo.waiting() == 0  # nothing for a worker to do

    failed = encode(status_webhook(SANNE, "wamid.out2", "failed", code=131026))
    for _ in range(2):
        assert await _post(url, failed, sign(failed, SECRET)) == 200
    status = await repo.statuses("wamid.out2")
    assert (status.latest, status.error) == ("failed", "#131026 Message Undeliverable")
    (chat,) = await repo.claim("w1", 15, 10)
    raw = await repo.first(chat)
    assert raw is not None
    event = repo.read(raw)
    assert (event.kind, event.error_code) == ("failed", 131026)
    assert await repo.done(chat, "w1", 15) == 0


async def test_an_event_older_than_the_seen_ids_is_dropped_with_a_200_and_counted(
    hook: tuple[str, WhatsAppRepo], store: Store
) -> None:
    """Meta's signature has no time: a body signed 30 days ago is still signed, and its id was
    forgotten after 8. Its own timestamp gives it away."""
    url, repo = hook
    month_ago = time.time() - 30 * 24 * 3600
    old = encode(message_webhook(SANNE, text="Van lang geleden", message_id="wamid.old",
                                 timestamp=month_ago))  # fmt: skip
    old_failure = encode(status_webhook(SANNE, "wamid.out9", "failed", code=131026,
                                        timestamp=month_ago))  # fmt: skip
    for body in (old, old_failure, old):
        assert await _post(url, body, sign(body, SECRET)) == 200  # so Meta stops trying
    assert await repo.waiting() == 0
    assert (await repo.statuses("wamid.out9")).latest is None
    counted = f"{store.keys.prefix}:{{stats}}:"  # the counter's own keys, and nothing else
    assert [k for k in await _keys(store) if not k.startswith(counted)] == []
    assert (await Counters(store).totals())["webhook_stale_whatsapp"] == 3

    week_ago = time.time() - 7 * 24 * 3600  # Meta still retries this one: it is taken
    fresh = encode(message_webhook(SANNE, text="Nog net", message_id="wamid.new",
                                   timestamp=week_ago))  # fmt: skip
    assert await _post(url, fresh, sign(fresh, SECRET)) == 200
    assert await repo.waiting() == 1
    assert (await Counters(store).totals())["webhook_stale_whatsapp"] == 3


async def test_another_numbers_calls_and_reactions_are_ignored(
    hook: tuple[str, WhatsAppRepo],
) -> None:
    url, repo = hook
    other = encode(message_webhook(SANNE, text="hoi", phone_number_id="5550000"))
    reaction = message_webhook(SANNE, kind="reaction")
    for body in (other, encode(reaction)):
        assert await _post(url, body, sign(body, SECRET)) == 200
    assert await repo.waiting() == 0


async def test_one_chats_events_are_handled_in_order_and_a_dead_workers_chat_is_taken_over(
    store: Store,
) -> None:
    repo = WhatsAppRepo(store.redis, store.keys, SECRET.encode(), store.cipher)
    for i in range(5):
        event = InboundEvent(kind="message", id=f"m{i}", chat=SANNE, at=NOON, text=f"{i}")
        await repo.receive(event)
    assert await repo.claim("dead", 0.3, 10)  # a worker takes the chat and dies

    seen: list[str] = []
    all_seen = asyncio.Event()

    async def handle(event: InboundEvent) -> None:
        seen.append(event.text)
        await asyncio.sleep(0.01)
        if len(seen) == 5:
            all_seen.set()

    inbox = Inbox(repo, handle, lease_seconds=5, poll=0.02)
    running = asyncio.create_task(inbox.run())
    try:
        await asyncio.wait_for(all_seen.wait(), 5)
    finally:
        await inbox.stop(1)
        await asyncio.wait([running], timeout=2)
    assert seen == ["0", "1", "2", "3", "4"]
    assert await repo.waiting() == 0


async def test_a_worker_says_once_that_it_cannot_reach_the_inbound_queue(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis away: the inbox looks ten times a second, and says so in one line, not ten."""
    away = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    repo = WhatsAppRepo(away, store.keys, SECRET.encode(), store.cipher)

    async def handle(event: InboundEvent) -> None:
        raise AssertionError("nothing can be taken while Redis is away")

    inbox = Inbox(repo, handle, lease_seconds=5, poll=0.1)
    try:
        with caplog.at_level(logging.WARNING):
            running = asyncio.create_task(inbox.run())
            await asyncio.sleep(1.5)
            await inbox.stop(1)
            await asyncio.wait([running], timeout=2)
    finally:
        await away.aclose()
    said = [r for r in caplog.records if "inbound queue" in r.getMessage()]
    assert len(said) == 1


async def test_a_stopping_worker_hands_back_a_chat_it_could_not_finish_at_once(
    store: Store,
) -> None:
    """A worker stopped while an event hangs gives the chat back when its grace is over, so
    the next worker answers it now, not when a long lease runs out."""
    repo = WhatsAppRepo(store.redis, store.keys, SECRET.encode(), store.cipher)
    await repo.receive(InboundEvent(kind="message", id="m1", chat=SANNE, at=NOON, text="hoi"))
    entered = asyncio.Event()

    async def hang(event: InboundEvent) -> None:
        entered.set()
        await asyncio.sleep(60)

    inbox = Inbox(repo, hang, lease_seconds=60, poll=0.02)
    running = asyncio.create_task(inbox.run())
    await asyncio.wait_for(entered.wait(), 5)
    assert await repo.claim("next worker", 15, 10) == []  # held while it is handled
    await inbox.stop(0.1)
    await asyncio.wait([running], timeout=2)
    assert await repo.claim("next worker", 15, 10) == [repo.hashed(SANNE)]
    raw = await repo.first(repo.hashed(SANNE))
    assert raw is not None
    assert repo.read(raw).text == "hoi"


async def test_what_a_participant_wrote_waits_in_the_inbox_sealed(store: Store) -> None:
    cipher = TextCipher([Fernet.generate_key().decode()])
    repo = WhatsAppRepo(store.redis, store.keys, SECRET.encode(), cipher)
    event = InboundEvent(kind="message", id="m1", chat=SANNE, at=NOON, text="Ik ben bang")
    await repo.receive(event)
    (chat,) = await repo.claim("w1", 15, 10)
    raw = await repo.first(chat)
    assert raw is not None
    assert "Ik ben bang" not in raw
    assert repo.read(raw).text == "Ik ben bang"


class _Silent:
    """A conversation that hears nothing (the failure path never answers)."""

    async def answer(self, event: Incoming) -> None:
        raise AssertionError("a failed status is not the coach's business")

    async def send(self, pid: str, replies: list[Outgoing]) -> None:
        raise AssertionError("a failed status sends nothing")


@pytest.mark.parametrize(
    ("code", "kind"),
    [(131064, "rate_limited"), (131056, "rate_limited"), (131000, "transient"),
     (131047, "rejected")],
)  # fmt: skip
async def test_a_failed_status_is_read_as_the_send_path_reads_its_code(
    store: Store, code: int, kind: str
) -> None:
    """One reading of Meta's codes: a "failed" status later means what a refused call means,
    and none of these makes the number unreachable (end to end: tests/e2e/test_whatsapp_e2e.py)."""
    repo = WhatsAppRepo(store.redis, store.keys, SECRET.encode(), store.cipher)
    participant, _ = await store.participants.get_or_create(Channel.WHATSAPP, SANNE, now=NOON)
    gone: list[str] = []

    async def on_gone(p: Participant) -> None:
        gone.append(p.id)

    handler = InboundHandler(
        _Silent(), store, repo, FixedClock(NOON), {"partner"}, Counters(store), on_gone
    )
    await handler(InboundEvent(kind="failed", id="wamid.y", chat=SANNE, at=NOON, error_code=code))
    (entry,) = await store.failures.recent()
    assert (entry.kind, entry.participant) == (kind, participant.id)
    assert str(code) in entry.cause
    assert gone == []
    assert (await Counters(store).totals())[f"failures_{kind}"] == 1


async def test_a_failed_status_for_the_window_closes_it_and_is_kept_for_operators(
    store: Store,
) -> None:
    clock = FixedClock(NOON)
    repo = WhatsAppRepo(store.redis, store.keys, SECRET.encode(), store.cipher)
    participant, _ = await store.participants.get_or_create(Channel.WHATSAPP, SANNE, now=NOON)
    until, real = Window(repo, clock).opened_by(NOON)
    opening = InboundEvent(kind="message", id="m1", chat=SANNE, at=NOON)
    await repo.receive(opening, window_until=until, window_real_seconds=real)
    gone: list[str] = []

    async def on_gone(p: Participant) -> None:
        gone.append(p.id)

    handler = InboundHandler(_Silent(), store, repo, clock, {"partner"}, Counters(store), on_gone)
    await handler(InboundEvent(
        kind="failed", id="wamid.x", chat=SANNE, at=NOON, error_code=131047,
        error_title="Re-engagement message",
    ))  # fmt: skip
    assert await repo.window_until(SANNE) is None  # the next message goes as the template
    (entry,) = await store.failures.recent()
    assert (entry.kind, entry.participant) == ("rejected", participant.id)
    assert "131047" in entry.cause
    assert gone == []
    assert (await Counters(store).totals())["failures_rejected"] == 1
