"""What a button carries back when it is tapped, as a typed value: one codec per kind of button.

Each kind declares its prefix and its typed fields once, as aiogram's CallbackData does; `pack`
makes the string Telegram and WhatsApp hand back on a tap, and refuses one over Telegram's 64
bytes. `read` is strict: a payload of another kind, with a field too few or too many, a value of
the wrong type, or a spelling `pack` would not make ("t:7:00", "k:partner:02:4") is refused, not
guessed at. Only the last field may hold the separator, so a time reads "t:07:00".
"""

from __future__ import annotations

from datetime import time
from enum import Enum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from bot.core.messages import Button

#: Telegram's limit on a button's data, in bytes (WhatsApp allows more).
MAX_BYTES = 64
SEPARATOR = ":"


class ButtonData(BaseModel):
    """One kind of button: a subclass sets `prefix` and declares its fields in their order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not cls.prefix or SEPARATOR in cls.prefix or not cls.model_fields:
            raise TypeError(f"{cls.__name__} needs a prefix without {SEPARATOR!r} and a field")

    def pack(self) -> str:
        """The button's data, exactly as it comes back when tapped."""
        values = [_text(getattr(self, name)) for name in type(self).model_fields]
        if any(SEPARATOR in value for value in values[:-1]):
            raise ValueError(f"only the last field of {self!r} may hold {SEPARATOR!r}")
        data = SEPARATOR.join([self.prefix, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def read(cls, data: str) -> Self | None:
        """The tapped button's fields, or None when `data` is not exactly one of this kind."""
        names = list(cls.model_fields)
        prefix, separator, rest = data.partition(SEPARATOR)
        values = rest.split(SEPARATOR, len(names) - 1)
        if prefix != cls.prefix or not separator or len(values) != len(names):
            return None
        try:
            tapped = cls.model_validate(dict(zip(names, values, strict=True)))
            return tapped if tapped.pack() == data else None
        except ValueError:  # a value of the wrong type (pydantic's ValidationError) or too long
            return None

    def button(self, label: str) -> Button:
        return Button(label, self.pack())


def _text(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, time):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise ValueError(f"a time on a button is hours and minutes only, not {value}")
        return f"{value:%H:%M}"
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be button data")
