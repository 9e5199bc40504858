"""Encryption at rest for what participants write, with Fernet from `cryptography`.

A sealed text is stored as `fernet:<token>` in the place the text would be, so a record keeps its
shape and text stored before a key was set is still read as it is. Several keys, newest first,
allow rotation: the first encrypts, every one decrypts (MultiFernet).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Sequence
from enum import Enum

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.errors import StorageError

#: What marks a stored text as encrypted.
SEALED_PREFIX = "fernet:"

_VERSION = 0x80  # the first byte of every Fernet token
_OVERHEAD = 1 + 8 + 16 + 32  # version, timestamp, IV and HMAC around the ciphertext


class InvalidKey(ValueError):
    """A configured key is not a Fernet key; the message names which one, never its value."""


class UndecryptableText(StorageError):
    """Stored text is encrypted, and no configured key opens it: the key is missing or wrong."""


class Resealed(Enum):
    """What rotating one stored text did."""

    UNCHANGED = "unchanged"  # nothing to do: no key to encrypt with
    ROTATED = "rotated"  # was encrypted; now under the newest key
    ENCRYPTED = "encrypted"  # was plain text from before a key was set; now encrypted
    UNREADABLE = "unreadable"  # encrypted, and no configured key opens it: left as it was


def sealed_length(chars: int) -> int:
    """The longest stored form of a text of `chars` characters (up to 4 UTF-8 bytes each)."""
    padded = (chars * 4 // 16 + 1) * 16
    return len(SEALED_PREFIX) + 4 * math.ceil((_OVERHEAD + padded) / 3)


def parse_keys(value: str | None) -> list[str]:
    """Keys from a setting: comma separated, newest first; blanks are ignored."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _fernet(key: str, position: int, count: int) -> Fernet:
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError, binascii.Error):
        which = "the key" if count == 1 else f"key {position} of {count}"
        raise InvalidKey(
            f"{which} is not a Fernet key (32 bytes, URL-safe base64: make one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)"
        ) from None


def _looks_sealed(stored: str) -> bool:
    """True for `fernet:` and a well-formed token. A participant who typed `fernet:` before
    a key was set wrote plain text, and it is read back as they wrote it."""
    if not stored.startswith(SEALED_PREFIX):
        return False
    try:
        raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return len(raw) >= _OVERHEAD + 16 and raw[0] == _VERSION


class TextCipher:
    """Seals free text before it is stored and opens it when read. Fernet is fast and
    synchronous; a few kilobytes take microseconds, so it runs in the event loop."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        fernets = [_fernet(key, i, len(keys)) for i, key in enumerate(keys, start=1)]
        self._fernet = MultiFernet(fernets) if fernets else None
        self.key_count = len(fernets)

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, text: str) -> str:
        """The stored form: encrypted with the newest key, or the text itself without a key."""
        if self._fernet is None:
            return text
        return SEALED_PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The text as written, from its stored form (encrypted or from before a key was set)."""
        if not _looks_sealed(stored):
            return stored
        if self._fernet is None:
            raise UndecryptableText(
                "stored text is encrypted and no encryption key is set (DRUPPEL_ENCRYPTION_KEY)"
            )
        try:
            return self._fernet.decrypt(stored[len(SEALED_PREFIX) :]).decode("utf-8")
        except InvalidToken:
            keys = "the key" if self.key_count == 1 else f"any of the {self.key_count} keys"
            raise UndecryptableText(
                f"stored text is encrypted, and {keys} in DRUPPEL_ENCRYPTION_KEY cannot open it "
                "(a key missing from the list, or the text was altered)"
            ) from None

    def reseal(self, stored: str) -> tuple[str, Resealed]:
        """The stored form under the newest key, keeping a token's timestamp; plain text from
        before a key was set gets encrypted. What no key opens comes back as it was."""
        if self._fernet is None:
            return stored, Resealed.UNCHANGED
        if not _looks_sealed(stored):
            return self.seal(stored), Resealed.ENCRYPTED
        try:
            token = self._fernet.rotate(stored[len(SEALED_PREFIX) :])
        except InvalidToken:
            return stored, Resealed.UNREADABLE
        return SEALED_PREFIX + token.decode("ascii"), Resealed.ROTATED
