"""Encryption at rest for everything personal: what participants write, their scores, their
names and chat ids, and the keys the chat indexes are found by.

Every installation has at least one key (the embedded setup makes one in its data directory;
with an external Redis it must be set), so every personal value is sealed before it is stored:
there is one code path, and it encrypts. Several keys, newest first, allow rotation: the first
seals, every one opens.

A sealed value is the type byte NUL, then the URL-safe base64 (unpadded) of a 12-byte nonce and
the AES-256-GCM ciphertext with its 16-byte tag: 29 characters more than the text, a third on
top, which keeps a name or a score within what Redis packs into a small hash (64 bytes). The
type byte tells a sealed value from a value that is not, and no one can type it: plain text is
never stored any more (what a participant typed reaches Redis only inside a sealed value, where
it can start with anything), the values an older release stored in the clear were either chat
ids (digits), JSON or text that came through Telegram or WhatsApp, which carry no NUL, and
should one ever start with it anyway, it is "a value no key opens", which parks one message
with a notice rather than stopping a chat (see bot/delivery/drain.py). Values an older release
sealed with Fernet (`fernet:<token>`) are still opened, and `druppel privacy rotate-key` moves
them to this form.

The AES key and the key of the chat indexes' HMAC are derived from each configured key with
HKDF, under labels of their own, so neither is the key itself and one never reveals the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
from collections.abc import Sequence
from enum import Enum

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.errors import StorageError

#: The first character of every sealed value (see the module's docstring for why NUL).
SEALED = "\x00"
#: What marked a text an older release encrypted (Fernet); still opened, never written.
LEGACY_PREFIX = "fernet:"
#: The key the embedded setup makes in its data directory when none is configured.
KEY_FILE = "encryption.key"

_NONCE = 12
_TAG = 16
_FERNET_VERSION = 0x80
_FERNET_OVERHEAD = 1 + 8 + 16 + 32  # version, timestamp, IV and HMAC around the ciphertext
_SEAL_LABEL = b"druppel sealed values v1"
_INDEX_LABEL = b"druppel chat index v1"
_ID_LABEL = b"druppel key id v1"
#: What each key seals as its canary (storage/canary.py): nothing personal, only proof of a key.
CANARY_TEXT = "druppel"
#: Bytes of HMAC a chat index keeps per chat: 128 bits, 22 characters.
_INDEX_BYTES = 16


class InvalidKey(ValueError):
    """A configured key is not a Fernet key; the message names which one, never its value."""


class KeyRequired(StorageError):
    """No encryption key, where one is needed (an external Redis)."""


class UndecryptableText(StorageError):
    """A stored value is sealed, and no configured key opens it: the key is missing or wrong."""


class KeysDoNotFit(StorageError):
    """The configured keys cannot open what is stored: a wrong key, or one dropped too early."""


class Resealed(Enum):
    """What rotating one stored value did."""

    UNCHANGED = "unchanged"  # already sealed under the newest key
    ROTATED = "rotated"  # was sealed under an older key (or as Fernet); now under the newest
    ENCRYPTED = "encrypted"  # was plain text from an older release; now sealed
    UNREADABLE = "unreadable"  # sealed, and no configured key opens it: left as it was


def new_key() -> str:
    """A fresh key, as DRUPPEL_ENCRYPTION_KEY takes it (a Fernet key: 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


def sealed_length(chars: int) -> int:
    """The longest stored form of a text of `chars` characters (up to 4 UTF-8 bytes each), in
    this form or as an older release sealed it."""
    now = 1 + math.ceil((_NONCE + chars * 4 + _TAG) * 4 / 3)
    padded = (chars * 4 // 16 + 1) * 16
    legacy = len(LEGACY_PREFIX) + 4 * math.ceil((_FERNET_OVERHEAD + padded) / 3)
    return max(now, legacy)


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
            "`druppel privacy new-key`)"
        ) from None


def _derive(key: str, label: bytes) -> bytes:
    raw = base64.urlsafe_b64decode(key.encode("ascii"))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(raw)


def _legacy(stored: str) -> bool:
    """True for `fernet:` and a well-formed token, as an older release sealed a text. Other
    text from then, even if it starts with `fernet:`, is read as it was written."""
    if not stored.startswith(LEGACY_PREFIX):
        return False
    try:
        raw = base64.urlsafe_b64decode(stored[len(LEGACY_PREFIX) :].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return len(raw) >= _FERNET_OVERHEAD + 16 and raw[0] == _FERNET_VERSION


def is_sealed(stored: str) -> bool:
    """Whether a stored value is sealed, in this form or an older release's."""
    return stored.startswith(SEALED) or _legacy(stored)


class TextCipher:
    """Seals personal values before they are stored and opens them when read, and keys the
    chat indexes. AES-GCM takes microseconds for a few kilobytes, so it runs in the event loop.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyRequired("an encryption key is needed (`druppel privacy new-key` makes one)")
        fernets = [_fernet(key, i, len(keys)) for i, key in enumerate(keys, start=1)]
        self._legacy = MultiFernet(fernets)
        self._aead = [AESGCM(_derive(key, _SEAL_LABEL)) for key in keys]
        self._index = [_derive(key, _INDEX_LABEL) for key in keys]
        #: A short name for each key, newest first, that reveals nothing of it (storage/canary.py).
        self.key_ids = [
            base64.urlsafe_b64encode(_derive(key, _ID_LABEL)[:6]).decode("ascii") for key in keys
        ]
        self.key_count = len(keys)

    # -- sealing -------------------------------------------------------------------------------
    def seal(self, text: str) -> str:
        """The stored form: sealed with the newest key."""
        nonce = os.urandom(_NONCE)
        body = nonce + self._aead[0].encrypt(nonce, text.encode("utf-8"), None)
        return SEALED + base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")

    def open(self, stored: str) -> str:
        """The value as it was given, from its stored form. A value an older release stored
        in the clear is returned as it is. Raises UndecryptableText when no key opens it."""
        return self._open(stored)[0]

    def _open(self, stored: str) -> tuple[str, int]:
        """The value and which key opened it (0: the newest; -1: it was not sealed)."""
        if stored.startswith(SEALED):
            body = stored[len(SEALED) :]
            try:
                raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            except (ValueError, binascii.Error):
                raise self._unreadable() from None
            if len(raw) >= _NONCE + _TAG:
                for position, aead in enumerate(self._aead):
                    try:
                        opened = aead.decrypt(raw[:_NONCE], raw[_NONCE:], None)
                    except InvalidTag:
                        continue
                    return opened.decode("utf-8"), position
            raise self._unreadable()
        if _legacy(stored):
            try:
                legacy = self._legacy.decrypt(stored[len(LEGACY_PREFIX) :]).decode("utf-8")
            except InvalidToken:
                raise self._unreadable() from None
            return legacy, len(self._aead)  # never the newest form: rotation rewrites it
        return stored, -1

    def _unreadable(self) -> UndecryptableText:
        keys = "the key" if self.key_count == 1 else f"any of the {self.key_count} keys"
        return UndecryptableText(
            f"a stored value is encrypted, and {keys} in DRUPPEL_ENCRYPTION_KEY cannot open it "
            "(a key missing from the list, or the value was altered)"
        )

    def opens(self, stored: str, expected: str) -> bool:
        """Whether a configured key opens a sealed value and finds `expected` in it."""
        if not is_sealed(stored):
            return False
        try:
            return self.open(stored) == expected
        except UndecryptableText:
            return False

    def fresh(self, stored: str) -> str | None:
        """What a value sealed under the newest key holds; None for any other (one to seal
        again before it is written back)."""
        try:
            opened, position = self._open(stored)
        except UndecryptableText:
            return None
        return opened if position == 0 else None

    def reseal(self, stored: str) -> tuple[str, Resealed]:
        """The stored form under the newest key; plain text from an older release gets sealed.
        What no key opens comes back as it was."""
        try:
            opened, position = self._open(stored)
        except UndecryptableText:
            return stored, Resealed.UNREADABLE
        if position == 0:
            return stored, Resealed.UNCHANGED
        return self.seal(opened), Resealed.ENCRYPTED if position < 0 else Resealed.ROTATED

    # -- the chat indexes ------------------------------------------------------------------------
    def chat_hashes(self, chat_id: str) -> list[str]:
        """What a chat is found by in a chat index, under each key, newest first: an HMAC, so
        the index leads from a chat to its participant but a dump of it names no chat."""
        return [
            base64.urlsafe_b64encode(
                hmac.new(key, chat_id.encode("utf-8"), hashlib.sha256).digest()[:_INDEX_BYTES]
            ).decode("ascii").rstrip("=")
            for key in self._index
        ]  # fmt: skip

    def chat_hash(self, chat_id: str) -> str:
        """What a chat is filed under from now on (the newest key's)."""
        return self.chat_hashes(chat_id)[0]
