"""The root of druppel's own errors in `bot`, and the error of a set-up a person must fix.

Every error `bot` raises on purpose derives from `DruppelError`: delivery's four kinds
(bot/delivery/errors.py), the WhatsApp Graph API's refusals, a broken vocabulary, a set-up that
cannot start. An `except DruppelError` therefore never swallows a programming error, and one
place (the channel's error handler, `bot.core.logs.where`) reports anything else. Storage,
courses and the scheduler stand below `bot` and keep their own (`storage.errors`, Redis's errors
translated at its edge; `courses.loader.CourseFileError`; `scheduler.ratelimit.Throttled`).
"""

from __future__ import annotations


class DruppelError(Exception):
    """Something druppel itself says went wrong; its message is safe to log (no one's words)."""


class SetupError(DruppelError):
    """druppel cannot start or do what was asked; the message is one line a person can act on."""
