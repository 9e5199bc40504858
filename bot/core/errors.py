"""druppel's own errors outside delivery (delivery's are in bot/delivery/errors.py)."""

from __future__ import annotations


class SetupError(Exception):
    """druppel cannot start or do what was asked; the message is one line a person can act on."""
