"""Errors the storage layer raises; each carries what an operator needs to act."""

from __future__ import annotations


class StorageError(Exception):
    """Base of everything storage raises on purpose."""


class RedisUnavailable(StorageError):
    """Redis could not be reached or started; the message is one line an operator can act on."""


class Conflict(StorageError):
    """A record kept changing under a read-modify-write; the caller may retry later."""


class Erased(StorageError):
    """A write for a participant who was just erased: it would bring their data back."""
