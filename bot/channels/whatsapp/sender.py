"""Sending to WhatsApp for the chats' queues: pacing, the window, and errors that say what to do.

`WhatsAppSender.send` is the `Sender` the drain calls. Each message first waits its turn under
the limits every worker shares (the number's throughput, and about one message every six
seconds to one person after a short burst); outside the 24-hour window it sends the template
instead, once, and holds the message (a `RateLimited` that the drain does not count) until the
participant answers or the invitation lapses. Meta's errors become druppel's delivery errors.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from bot.channels.whatsapp.client import APP_LIMIT_CODES, Api, ApiError, Kind, classify
from bot.channels.whatsapp.rendering import Payload, caption_fits, media, payloads, template
from bot.channels.whatsapp.window import Template, Window
from bot.core.messages import Outgoing
from bot.delivery.errors import DeliveryError, Gone, RateLimited, Rejected, Transient
from scheduler.quiet import Quiet
from scheduler.ratelimit import Rate, RateLimiter, Throttled
from storage.models import Channel, Lane
from storage.store import Store
from storage.whatsapp import WhatsAppRepo

log = logging.getLogger(__name__)

#: The longest a message's first part waits inline for its turn; later parts of a message that
#: has begun wait longer rather than have the drain send the first part again.
MAX_PACING_WAIT = 2.0
MAX_PART_WAIT = 30.0
#: Real seconds to wait after Meta's limits, which come without a "retry after": the number's
#: throughput (130429), the app's call budget (4, 80007), one person's pair rate (131056).
THROUGHPUT_WAIT = 2.0
APP_LIMIT_WAIT = 60.0
PAIR_WAIT = 6.0
#: Real seconds every worker waits after a refused token or a restricted account, and after a
#: refused template, before trying again: a problem for an operator, not a retry storm.
OPERATOR_WAIT = 60.0
TEMPLATE_WAIT = 600.0
#: Real seconds between two error lines about the same operator problem.
ALERT_EVERY = 300.0

IMAGE_NAME = "druppel.png"

HELD = "held for the 24-hour window: waiting for the participant to answer the invitation"


def pair_rate(burst: int) -> Rate:
    """One person: a message every six seconds after `burst` at once (Meta allows bursts)."""
    return Rate(1 / 6, burst=burst)


class WhatsAppSender:
    """The WhatsApp channel as the drain sees it."""

    def __init__(
        self, api: Api, repo: WhatsAppRepo, window: Window, store: Store, *,
        template: Template | None, limiter: RateLimiter | None = None,
    ) -> None:  # fmt: skip
        self.api = api
        self.repo = repo
        self.window = window
        self.store = store
        self.template = template
        self.limiter = limiter
        #: Operator problems, each kind in one error line per ALERT_EVERY seconds.
        self.alerts = Quiet(log, every=ALERT_EVERY)

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        """Send one message, or raise the DeliveryError that says what to do about it."""
        if not await self.window.is_open(chat_id):
            raise await self._invite(chat_id)
        parts: list[Payload | None] = []
        if message.image is not None or message.document is not None:
            parts.append(None)  # the attachment, uploaded when its turn comes
        if not parts or not caption_fits(message):
            parts += payloads(message)
        for i, payload in enumerate(parts):
            await self._pace(chat_id, lane, MAX_PACING_WAIT if i == 0 else MAX_PART_WAIT)
            await self._call(
                chat_id, payload or await self._attachment(chat_id, message), lane.value
            )

    async def records(self, chat_id: str) -> dict[str, list[dict[str, Any]]]:
        """What WhatsApp's keys hold of this chat, for the participant's export: each sent
        message's delivery statuses (kept 30 days)."""
        statuses = await self.repo.sent_to(chat_id)
        return {
            "whatsapp_statuses": [s.model_dump(mode="json", exclude_none=True) for s in statuses]
        }

    async def _attachment(self, chat_id: str, message: Outgoing) -> Payload:
        """The message's image or file, uploaded; its text as the caption when it fits."""
        try:
            if message.image is not None:
                media_id = await self.api.upload(message.image, "image/png", IMAGE_NAME)
                return media("image", media_id, message)
            if message.document is None:
                raise ValueError("a message without an attachment has none to upload")
            name, content = message.document
            # WhatsApp takes plain text files, not JSON as such; the name keeps its extension.
            media_id = await self.api.upload(content, "text/plain", name)
            return media("document", media_id, message, filename=name)
        except ApiError as exc:
            raise await self._failed(chat_id, exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Transient(f"whatsapp upload: {type(exc).__name__}: {exc}"[:300]) from exc

    async def _pace(self, chat_id: str, lane: Lane, max_wait: float) -> None:
        if self.limiter is None:
            return
        try:
            await self.limiter.acquire(self.repo.hashed(chat_id), max_wait, lane)
        except Throttled as exc:
            raise RateLimited(exc.retry_after, "paced", paced=True) from exc

    async def _call(self, chat_id: str, payload: Payload, lane: str) -> str:
        try:
            message_id = await self.api.send(chat_id, payload)
        except ApiError as exc:
            raise await self._failed(chat_id, exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Transient(f"whatsapp: {type(exc).__name__}: {exc}"[:300]) from exc
        await self.repo.sent(message_id, lane, self.window.clock.now(), to=chat_id)
        return message_id

    async def _failed(self, chat_id: str, error: ApiError) -> DeliveryError:
        cause = f"whatsapp: {error}"
        kind = classify(error)
        if kind is Kind.WINDOW:  # our record said open; Meta's clock says closed
            await self.repo.close_window(chat_id)
            return await self._invite(chat_id)
        if kind is Kind.THROTTLED:
            wait = APP_LIMIT_WAIT if error.code in APP_LIMIT_CODES else THROUGHPUT_WAIT
            return await self._pause_all(wait, cause)
        if kind is Kind.PAIR:
            return RateLimited(PAIR_WAIT, cause)  # this person only: nobody else waits
        if kind is Kind.GONE:
            return Gone(cause)
        if kind in (Kind.AUTH, Kind.ACCOUNT):
            what = "the access token" if kind is Kind.AUTH else "the business account"
            self.alerts.error(
                kind.value, "whatsapp: the Graph API refused %s (%s); every WhatsApp message "
                "waits until an operator fixes it (WHATSAPP_ACCESS_TOKEN, the account in Meta's "
                "Business Manager)", what, error,
            )  # fmt: skip
            return await self._pause_all(OPERATOR_WAIT, cause)
        if kind is Kind.TRANSIENT:
            return Transient(cause)
        return Rejected(cause)

    async def _pause_all(self, seconds: float, cause: str) -> RateLimited:
        if self.limiter is not None:
            await self.limiter.pause(seconds)
        return RateLimited(seconds, cause)

    async def _invite(self, chat_id: str) -> DeliveryError:
        """The window is closed: send the template once, and hold what is queued meanwhile."""
        standing = await self.repo.invited(chat_id)
        if standing > 0:
            return RateLimited(standing, HELD, paced=True)
        if self.template is None:
            self.alerts.error(
                "no-template", "whatsapp: messages wait for closed 24-hour windows and "
                "WHATSAPP_TEMPLATE_NAME is not set, so nobody is invited back",
            )  # fmt: skip
            return RateLimited(TEMPLATE_WAIT, "whatsapp: 24-hour window closed, no template")
        lasts = self.window.invitation_seconds()
        if not await self.repo.invite(chat_id, lasts):  # another worker invites just now
            return RateLimited(max(await self.repo.invited(chat_id), 1.0), HELD, paced=True)
        try:
            await self._pace(chat_id, Lane.LESSON, MAX_PACING_WAIT)
            participant = await self.store.participants.by_chat(Channel.WHATSAPP, chat_id)
            first_name = participant.first_name if participant is not None else None
            t = self.template
            sent = await self.api.send(chat_id, template(t.name, t.language, t.filled(first_name)))
            await self.repo.sent(sent, "template", self.window.clock.now(), to=chat_id)
        except RateLimited:
            await self.repo.uninvite(chat_id)
            raise
        except ApiError as exc:
            await self.repo.uninvite(chat_id)
            kind = classify(exc)
            if kind in (Kind.TEMPLATE, Kind.REJECTED, Kind.WINDOW):
                self.alerts.error(
                    "template", "whatsapp: Meta refused the template %r (%s): %s; messages "
                    "outside the 24-hour window wait until it is fixed",
                    self.template.name, self.template.language, exc,
                )  # fmt: skip
                return RateLimited(TEMPLATE_WAIT, f"whatsapp template: {exc}")
            return await self._failed(chat_id, exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            await self.repo.uninvite(chat_id)
            return Transient(f"whatsapp: {type(exc).__name__}: {exc}"[:300])
        log.info("whatsapp: a chat's window was closed; sent the invitation template")
        return RateLimited(lasts, HELD, paced=True)
