"""What may stand in a Redis key: every part a key is built from is checked here."""

from __future__ import annotations

import re

_SAFE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def part(value: str, what: str) -> str:
    """Refuse key parts that could break out of their place in the schema."""
    if not _SAFE.fullmatch(value) or "{" in value or "}" in value:
        raise ValueError(f"invalid {what} for a Redis key: {value!r}")
    return value
