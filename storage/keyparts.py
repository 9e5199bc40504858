"""What may stand in a Redis key, and keys built from the schema's own notation.

Every part a key is built from is checked here. A key of the schema is declared once as the
table in keys.py writes it, `{rate:<channel>}:chat:<chat>`: the prefix goes in front, and each
`<what>` is an argument, checked and refused as "invalid <what>"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

_SAFE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_PART = re.compile(r"<([^<>]+)>")


def part(value: str, what: str) -> str:
    """Refuse key parts that could break out of their place in the schema."""
    if not _SAFE.fullmatch(value) or "{" in value or "}" in value:
        raise ValueError(f"invalid {what} for a Redis key: {value!r}")
    return value


class Prefixed(Protocol):
    @property
    def prefix(self) -> str: ...


def _builder(template: str, arity: int) -> Callable[[Prefixed, tuple[str, ...]], str]:
    """`template`'s text and parts, split once; a key is then the prefix and the pieces."""
    pieces = _PART.split(template)
    texts, names = pieces[0::2], pieces[1::2]
    if len(names) != arity:
        raise ValueError(f"{template!r} has {len(names)} parts, not {arity}")

    def build(keys: Prefixed, values: tuple[str, ...]) -> str:
        checked = [part(value, what) for value, what in zip(values, names, strict=True)]
        return (
            keys.prefix + ":" + "".join(t + v for t, v in zip(texts, [*checked, ""], strict=True))
        )

    return build


def key(template: str) -> Callable[[Prefixed], str]:
    """A key with no variable part, as a method: `due = key("{sched}:due")`."""
    build = _builder(template, 0)
    return lambda keys: build(keys, ())


def key_of(template: str) -> Callable[[Prefixed, str], str]:
    """A key named by one part: `queue = key_of("{p:<participant id>}:queue")`. Built without
    the general builder's lists: a chat's queue step names six of these a message."""
    _builder(template, 1)  # refuses a template without exactly one part
    head, what, tail = _PART.split(template)
    return lambda keys, a: f"{keys.prefix}:{head}{part(a, what)}{tail}"


def key_of_two(template: str) -> Callable[[Prefixed, str, str], str]:
    """A key named by two parts, in the order the template names them."""
    build = _builder(template, 2)
    return lambda keys, a, b: build(keys, (a, b))
