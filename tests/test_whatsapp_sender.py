"""Sending to WhatsApp against the fake Graph API: the window, the template, and Meta's errors
turned into druppel's delivery errors (wait, hold, stop, skip), with real Redis."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.whatsapp.client import CloudApi
from bot.channels.whatsapp.rendering import MAX_TEXT, length
from bot.channels.whatsapp.sender import (
    OPERATOR_WAIT,
    WhatsAppSender,
    pair_rate,
)
from bot.channels.whatsapp.window import WINDOW, Template, Window
from bot.core.messages import Button, Outgoing
from bot.delivery.errors import Gone, RateLimited, Rejected, Transient
from scheduler.clock import FixedClock
from scheduler.ratelimit import Rate, RateLimiter
from storage.models import Channel, Lane
from storage.store import Store
from storage.whatsapp import InboundEvent, WhatsAppRepo
from tests.fakes.whatsapp_api import FakeWhatsApp

NOON = datetime(2031, 6, 2, 12, 0, tzinfo=UTC)
SANNE = "31612345678"
BRAM = "32470123456"
SECRET = b"app-secret"


@dataclass
class Rig:
    wa: FakeWhatsApp
    repo: WhatsAppRepo
    clock: FixedClock
    sender: WhatsAppSender
    limiter: RateLimiter
    store: Store

    async def writes(self, phone: str, at: datetime | None = None) -> None:
        """`phone` writes: the fake opens its window, druppel records it as the webhook does."""
        self.wa.user_writes(phone)
        at = at or self.clock.now()
        until, real = self.sender.window.opened_by(at)
        event = InboundEvent(kind="message", id=f"in-{phone}-{at.timestamp()}", chat=phone, at=at)
        await self.repo.receive(event, window_until=until, window_real_seconds=real)


@pytest.fixture
async def rig(store: Store) -> AsyncIterator[Rig]:
    async with FakeWhatsApp(token="tok", phone_number_id="1099001") as wa:
        clock = FixedClock(NOON)
        repo = WhatsAppRepo(store.redis, store.keys, SECRET, store.cipher)
        limiter = RateLimiter(store.redis, store.keys, "whatsapp", Rate.steady(80), pair_rate(10))
        api = CloudApi(wa.base_url, "1099001", "tok")
        sender = WhatsAppSender(
            api, repo, Window(repo, clock), store, limiter=limiter,
            template=Template("druppel_verder", "nl", ("{first_name}",)),
        )  # fmt: skip
        try:
            yield Rig(wa, repo, clock, sender, limiter, store)
        finally:
            await api.close()


async def test_inside_the_window_a_message_goes_and_its_id_is_kept(rig: Rig) -> None:
    await rig.writes(SANNE)
    await rig.sender.send(SANNE, Outgoing("Goedemorgen."), Lane.LESSON)
    (sent,) = rig.wa.messages_to(SANNE)
    assert (sent.type, sent.text) == ("text", "Goedemorgen.")
    status = await rig.repo.statuses(sent.id)
    assert status.lane == "lesson"


async def test_buttons_arrive_as_buttons_and_a_long_lesson_in_parts(rig: Rig) -> None:
    await rig.writes(SANNE)
    long = "\n\n".join("Een zin die doorgaat. " * 40 for _ in range(6))
    await rig.sender.send(SANNE, Outgoing(long, buttons=((Button("Ja", "r:yes"),),)))
    sent = rig.wa.messages_to(SANNE)
    assert [m.type for m in sent] == ["text"] * (len(sent) - 1) + ["button"]
    assert len(sent) > 2
    assert all(length(m.text) <= MAX_TEXT for m in sent)
    assert sent[-1].choices == (("r:yes", "Ja"),)


async def test_outside_the_window_the_template_goes_once_and_the_lesson_waits(
    rig: Rig,
) -> None:
    await rig.store.participants.get_or_create(
        Channel.WHATSAPP, SANNE, now=NOON, first_name="Sanne"
    )
    await rig.writes(SANNE, at=NOON - WINDOW)  # a day ago: closed now
    for _ in range(2):
        with pytest.raises(RateLimited) as held:
            await rig.sender.send(SANNE, Outgoing("Dag 2"), Lane.LESSON)
        assert held.value.paced  # not a failure: the drain keeps the message and waits
        assert held.value.retry_after == pytest.approx(WINDOW.total_seconds(), abs=5)
    (invitation,) = rig.wa.messages_to(SANNE)
    assert (invitation.type, invitation.template, invitation.parameters) == (
        "template", "druppel_verder", ("Sanne",),
    )  # fmt: skip
    assert not [e for e in rig.wa.errors if e[1] == 131047]  # druppel never tried free-form

    await rig.writes(SANNE)  # they answer: the window opens and the lesson goes
    assert await rig.repo.uninvite(SANNE)
    await rig.sender.send(SANNE, Outgoing("Dag 2"), Lane.LESSON)
    assert rig.wa.messages_to(SANNE)[-1].text == "Dag 2"


async def test_meta_saying_the_window_closed_sends_the_template_instead(rig: Rig) -> None:
    await rig.writes(SANNE)
    rig.wa.window_seconds = 0  # Meta's clock disagrees with ours
    with pytest.raises(RateLimited) as held:
        await rig.sender.send(SANNE, Outgoing("Dag 2"), Lane.LESSON)
    assert held.value.paced
    assert rig.wa.errors == [(SANNE, 131047)]
    assert [m.type for m in rig.wa.messages_to(SANNE)] == ["template"]
    assert rig.wa.messages_to(SANNE)[0].parameters == ("daar",)  # no name known
    assert not await rig.sender.window.is_open(SANNE)


async def test_the_numbers_rate_limit_pauses_every_worker(rig: Rig) -> None:
    await rig.writes(SANNE)
    rig.wa.fail_next(130429, status=429, message="Rate limit hit")
    with pytest.raises(RateLimited) as limited:
        await rig.sender.send(SANNE, Outgoing("Hoi"))
    assert not limited.value.paced
    assert "130429" in limited.value.cause
    assert await rig.limiter.try_acquire(rig.repo.hashed(BRAM)) > 0  # others wait too


async def test_the_pair_rate_holds_only_that_chat(rig: Rig) -> None:
    await rig.writes(SANNE)
    rig.wa.fail_next(131056, message="(Business Account, Consumer Account) pair rate limit hit")
    with pytest.raises(RateLimited) as limited:
        await rig.sender.send(SANNE, Outgoing("Hoi"))
    assert limited.value.retry_after > 0
    assert await rig.limiter.try_acquire(rig.repo.hashed(BRAM)) == 0


async def test_a_blocked_number_is_gone(rig: Rig) -> None:
    await rig.writes(SANNE)
    rig.wa.block(SANNE)
    with pytest.raises(Gone, match="131026"):
        await rig.sender.send(SANNE, Outgoing("Hoi"))


async def test_a_refused_message_is_rejected(rig: Rig) -> None:
    await rig.writes(SANNE)
    rig.wa.fail_next(131009, message="Parameter value is not valid")
    with pytest.raises(Rejected, match="131009"):
        await rig.sender.send(SANNE, Outgoing("Hoi"))


async def test_an_expired_token_is_one_alert_and_a_pause_not_a_retry_storm(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await rig.writes(SANNE)
    await rig.writes(BRAM)
    rig.wa.expire_token()
    with caplog.at_level(logging.ERROR), pytest.raises(RateLimited) as paused:
        await rig.sender.send(SANNE, Outgoing("Hoi"))
    assert paused.value.retry_after == OPERATOR_WAIT
    assert "190" in paused.value.cause
    with pytest.raises(RateLimited) as waiting:  # every worker waits; nobody calls Meta again
        await rig.sender.send(BRAM, Outgoing("Hoi"))
    assert waiting.value.paced
    assert rig.wa.requests == 1
    alerts = [r for r in caplog.records if "access token" in r.getMessage()]
    assert len(alerts) == 1
    assert "tok" not in alerts[0].getMessage().replace("token", "")


async def test_a_template_meta_does_not_know_holds_the_lesson_and_alerts(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.wa.templates = {}
    with caplog.at_level(logging.ERROR), pytest.raises(RateLimited) as held:
        await rig.sender.send(SANNE, Outgoing("Dag 2"), Lane.LESSON)
    assert "132001" in held.value.cause
    assert await rig.repo.invited(SANNE) == 0  # tried again once it is fixed
    assert any("template" in r.getMessage() for r in caplog.records)


async def test_an_unreachable_api_is_transient(store: Store) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = FixedClock(NOON)
    repo = WhatsAppRepo(store.redis, store.keys, SECRET, store.cipher)
    api = CloudApi(f"http://127.0.0.1:{port}/v25.0", "1099001", "tok")
    sender = WhatsAppSender(api, repo, Window(repo, clock), store, template=None)
    until, real = sender.window.opened_by(NOON)
    event = InboundEvent(kind="message", id="in-1", chat=SANNE, at=NOON)
    await repo.receive(event, window_until=until, window_real_seconds=real)
    try:
        with pytest.raises(Transient):
            await sender.send(SANNE, Outgoing("Hoi"))
    finally:
        await api.close()


async def test_the_window_closes_a_little_before_meta_closes_it(rig: Rig) -> None:
    await rig.writes(SANNE)
    assert await rig.sender.window.is_open(SANNE)
    rig.clock.advance(timedelta(hours=23, minutes=50))
    assert not await rig.sender.window.is_open(SANNE)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_an_image_goes_uploaded_with_its_text_as_the_caption(rig: Rig) -> None:
    await rig.writes(SANNE)
    await rig.sender.send(SANNE, Outgoing("Je thema's op een rij.", image=PNG))
    (sent,) = rig.wa.messages_to(SANNE)
    assert (sent.type, sent.text, sent.media) == ("image", "Je thema's op een rij.", PNG)


async def test_an_image_whose_text_is_too_long_for_a_caption_comes_first(rig: Rig) -> None:
    await rig.writes(SANNE)
    long = "Een zin over jouw week. " * 60
    await rig.sender.send(SANNE, Outgoing(long, image=PNG))
    image, text = rig.wa.messages_to(SANNE)
    assert (image.type, image.text, text.type) == ("image", "", "text")
    assert text.text == long.strip()


async def test_a_file_goes_as_a_document_with_its_name(rig: Rig) -> None:
    await rig.writes(SANNE)
    content = b'{"participant": {"first_name": "Sanne"}}'
    message = Outgoing("Alles wat ik bewaar.", document=("druppel-mijn-gegevens.json", content))
    await rig.sender.send(SANNE, message)
    (sent,) = rig.wa.messages_to(SANNE)
    assert (sent.type, sent.filename, sent.media) == (
        "document", "druppel-mijn-gegevens.json", content,
    )  # fmt: skip
    assert sent.text == "Alles wat ik bewaar."
    assert rig.wa.media[sent.payload["document"]["id"]][0] == "text/plain"
