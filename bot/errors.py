"""druppel's own errors. Adapters translate platform errors into the delivery ones here."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered now; worth trying again later."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (Telegram 429): wait `retry_after` real seconds."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(f"rate limited, retry after {retry_after}s {detail}".strip())
        self.retry_after = retry_after


class RecipientGone(DeliveryError):
    """The participant blocked the bot or left: stop sending, keep their data."""


class BadMessage(DeliveryError):
    """The platform refused this message as malformed; sending it again will not help."""


class SetupError(Exception):
    """druppel cannot start or do what was asked; the message is one line a person can act on."""
