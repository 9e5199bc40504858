"""The Telegram channel's translations, without a process: a message as Telegram HTML, and
Telegram's errors (as python-telegram-bot raises them) as delivery errors that never carry the
token."""

from __future__ import annotations

import warnings

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.channels.telegram.errors import translate
from bot.channels.telegram.render import html_text
from bot.core.messages import Outgoing
from bot.delivery.errors import DeliveryError, Gone, RateLimited, Rejected, Transient

TOKEN = "5550001:e2e-SECRET-token"


def test_html_escapes_everything_and_bolds_the_heading() -> None:
    message = Outgoing("a < b & c > d", heading="Dag <1>")
    assert html_text(message) == "<b>Dag &lt;1&gt;</b>\n\na &lt; b &amp; c &gt; d"
    assert html_text(Outgoing('"quotes" stay')) == '"quotes" stay'


@pytest.mark.parametrize("timedelta_periods", [True, False])
def test_a_flood_wait_is_read_both_ways_ptb_reports_it(
    timedelta_periods: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PTB_TIMEDELTA decides whether PTB hands out int or timedelta; druppel reads both, and
    the deprecation warning for the int does not escape (warnings are errors here)."""
    if timedelta_periods:
        monkeypatch.setenv("PTB_TIMEDELTA", "true")
    else:
        monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flood = RetryAfter(7)  # the constructor itself reads the period
    error = translate(flood)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Gone),
        (BadRequest("Bad Request: chat not found"), Gone),
        (BadRequest("Bad Request: user is deactivated"), Gone),
        (BadRequest("Bad Request: can't parse entities: unsupported start tag"), Rejected),
        (Forbidden("Forbidden: user is deactivated"), Gone),
        (TimedOut(), Transient),
        (NetworkError("httpx.ConnectError: connection refused"), Transient),
        (NetworkError("Bad Gateway"), Transient),
    ],
)
def test_telegram_errors_become_delivery_errors(
    error: TelegramError, expected: type[DeliveryError]
) -> None:
    assert type(translate(error)) is expected


def test_the_token_never_appears_in_a_translated_error() -> None:
    error = translate(TelegramError(f"The token `{TOKEN}` was rejected"), TOKEN)
    assert TOKEN not in str(error)
