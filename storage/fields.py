"""Records as the fields of a Redis hash, in few bytes.

A participant and their enrollments are kept as the fields of one hash rather than as JSON
strings under keys of their own: every key costs Redis a hundred bytes or so before it holds
anything, and a small hash is packed into one allocation (listpack) as long as each value stays
within 64 bytes, which one field per attribute guarantees. To keep it small:

- a field is left out when it holds the value its absence stands for (`implied`, fixed here
  and not taken from the model, so changing a model's default never changes what a stored
  record means);
- what the key or the field's name already says (the participant's id, an enrollment's course)
  is not stored again;
- times are whole microseconds since the Unix epoch (UTC), which Redis keeps as an integer:
  `1795672800123456` takes 9 bytes where `2026-11-26T06:00:00.123456Z` takes 27;
- booleans are `1` and `0`; every other value is what JSON would hold, without quotes;
- a personal field (`sealed`: a chat id, a name) is stored sealed (storage/crypto.py), and
  written again only when what it holds changed, so an update leaves it as it is.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from storage.crypto import TextCipher

M = TypeVar("M", bound=BaseModel)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _is_datetime(annotation: Any) -> bool:
    """True for `datetime`, `datetime | None` and either with validators (`Annotated`)."""
    if annotation is datetime:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_datetime(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_datetime(arg) for arg in typing.get_args(annotation))
    return False


def encode_time(value: datetime) -> str:
    return str((value - EPOCH) // _MICROSECOND)


def decode_time(value: str | int) -> datetime:
    return EPOCH + int(value) * _MICROSECOND


class FieldCodec(Generic[M]):
    """Turns one kind of record into hash fields and back.

    `implied` names every field that may be left out, with the value its absence means (the
    JSON form: a string, number, bool or None); `derived` names fields that are not stored at
    all because the caller knows them (passed back to `load`); `sealed` names text fields
    stored sealed. Every other field is required by the model and always stored.
    """

    def __init__(
        self,
        model: type[M],
        implied: Mapping[str, Any],
        derived: Collection[str] = (),
        sealed: Collection[str] = (),
    ) -> None:
        self.model = model
        self.implied = dict(implied)
        self.derived = frozenset(derived)
        self.sealed = frozenset(sealed)
        fields = model.model_fields
        unknown = (set(self.implied) | self.derived | self.sealed) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
        for name, info in fields.items():
            if name in self.derived or name in self.implied:
                continue
            if not info.is_required():
                raise ValueError(
                    f"{model.__name__}.{name} has a default: say in `implied` what a stored "
                    "record without it means"
                )
        self.names = tuple(name for name in fields if name not in self.derived)
        self._times = frozenset(n for n in self.names if _is_datetime(fields[n].annotation))

    def dump(
        self, record: M, cipher: TextCipher, before: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """The fields to store: everything that differs from what its absence would mean. A
        sealed field that `before` (the stored fields) holds with the same value keeps its
        stored form."""
        out: dict[str, str] = {}
        for name in self.names:
            value = getattr(record, name)
            if name in self._times and value is not None:
                out[name] = encode_time(value)
                continue
            plain = value.value if isinstance(value, Enum) else value
            if name in self.implied and self._json(plain) == self.implied[name]:
                continue
            if plain is None:
                raise ValueError(f"{self.model.__name__}.{name} is None but None is not implied")
            value = self._text(plain)
            if name in self.sealed:
                kept = (before or {}).get(name)
                fresh = None if kept is None else cipher.fresh(kept)
                value = kept if kept is not None and fresh == value else cipher.seal(value)
            out[name] = value
        return out

    def load(self, stored: Mapping[str, str], cipher: TextCipher, **derived: Any) -> M:
        """The record from its stored fields (and the ones the caller knows). A field this
        release does not know is passed over: a later release may have added it. Raises
        UndecryptableText when no key opens a sealed field."""
        data: dict[str, Any] = dict(self.implied)
        for name, value in stored.items():
            if name in self._times:
                data[name] = decode_time(value)
            elif name in self.sealed:
                data[name] = cipher.open(value)
            elif name in self.names:
                data[name] = value
        data.update(derived)
        return self.model.model_validate(data)

    @staticmethod
    def _json(value: Any) -> Any:
        if hasattr(value, "isoformat") and not isinstance(value, datetime):
            return value.isoformat()
        return value

    @staticmethod
    def _text(value: Any) -> str:
        if isinstance(value, bool):
            return "1" if value else "0"
        if hasattr(value, "isoformat"):
            return str(value.isoformat())
        return str(value)
