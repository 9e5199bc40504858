"""WhatsApp's 24-hour customer-service window, and the template that reopens it.

Free-form messages (text, buttons, lists) may reach a person only within 24 hours of their last
message to us; outside it only an approved template may. The webhook records, with each message,
when its window closes; the sender asks `Window.is_open` before every message and, when it is
closed, sends the configured template once and holds the rest until the participant answers.
The window is read on the course clock, so a sped-up demo or test closes it in seconds, and it is
taken to close a little early, so a clock that runs ahead of Meta's never makes us late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels.whatsapp import texts
from scheduler.clock import Clock
from storage.whatsapp import WhatsAppRepo

WINDOW = timedelta(hours=24)
#: The window is taken to close this much before Meta closes it.
MARGIN = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Template:
    """The approved template that invites a participant back: name, language, parameters."""

    name: str
    language: str = "nl"
    parameters: tuple[str, ...] = field(default_factory=tuple)

    def filled(self, first_name: str | None) -> list[str]:
        """The body parameters, `{first_name}` replaced (WhatsApp refuses an empty one)."""
        name = (first_name or "").strip() or texts.NAME_FALLBACK
        return [p.replace("{first_name}", name) for p in self.parameters]


class Window:
    """Whether a chat's window is open, on the course clock."""

    def __init__(self, repo: WhatsAppRepo, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    def opened_by(self, message_at: datetime) -> tuple[datetime, float]:
        """A message written at `message_at` (course time) keeps the window open until the
        first value (course time), which is the second value in real seconds from now."""
        until = message_at + WINDOW - MARGIN
        left = (until - self.clock.now()).total_seconds()
        return until, max(0.0, self.clock.to_real_seconds(left))

    async def is_open(self, phone: str) -> bool:
        until = await self.repo.window_until(phone)
        return until is not None and until > self.clock.now()

    def invitation_seconds(self) -> float:
        """Real seconds one invitation stands: at most one template per window's length."""
        return self.clock.to_real_seconds(WINDOW.total_seconds())
