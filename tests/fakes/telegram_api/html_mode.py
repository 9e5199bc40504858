"""Telegram's HTML parse_mode, re-implemented so the fake rejects what Telegram rejects.

The parser follows tdlib's ``parse_html`` (td/telegram/MessageEntity.cpp): the same supported
tags, the same entity decoding (``&lt; &gt; &amp; &quot;`` and numeric references, ``;``
optional) and the same error wording, which the Bot API prefixes with
``"Bad Request: can't parse entities: "``. Telegram itself shows a bare ``&`` or ``>`` literally;
``strict=True`` (the fake's default) rejects those too, because in a bot they almost always mean
user text was interpolated without ``html.escape`` and the next ``<`` will break the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SUPPORTED_TAGS",
    "HtmlParseError",
    "ParsedText",
    "parse_html",
    "trim_text",
    "utf16_len",
]

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)

_ENTITY_TYPES = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

# tdlib's is_space(); NUL is included because tdlib scans a NUL-terminated buffer.
_SPACES = frozenset(" \t\r\n\0\v\f")
_END = "\0"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Characters Telegram trims from both ends of a message text.
_TRIM = " \t\r\n\v\f"


class HtmlParseError(ValueError):
    """A parse failure carrying tdlib's message, so callers can build Telegram's 400 reply."""


@dataclass(frozen=True)
class ParsedText:
    """The text the user sees plus the Bot API entities (UTF-16 offsets) Telegram would attach."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    """A start tag awaiting its end tag; offsets are where its entity will begin."""

    name: str
    argument: str
    utf16_offset: int
    char_offset: int
    language: str = ""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    """tdlib reports positions as UTF-8 byte offsets, so convert a str index the same way."""
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decode a character reference at ``pos`` like tdlib does, or None if it is not one."""
    n = len(source)
    end = pos + 1
    if end < n and source[end] == "#":
        end += 1
        value = 0
        if end < n and source[end] == "x":
            end += 1
            while end < n and source[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(source[end], 16)
                end += 1
        else:
            while end < n and source[end] in "0123456789":
                value = value * 10 + int(source[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10 or 0xD800 <= value <= 0xDFFF:
            return None
        decoded = chr(value)
    else:
        while end < n and source[end].isascii() and source[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(source[pos + 1 : end])
        if named is None:
            return None
        decoded = named
    if end < n and source[end] == ";":
        end += 1
    return decoded, end


def parse_html(source: str, *, strict: bool = True) -> ParsedText:
    """Parse Telegram HTML into visible text and entities, raising HtmlParseError like tdlib."""
    n = len(source)

    def at(k: int) -> str:
        return source[k] if k < n else _END

    out: list[str] = []
    out_utf16 = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = source[i]
        if c == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                out.append(decoded[0])
                out_utf16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict:
                raise HtmlParseError(
                    f'Unescaped "&" at byte offset {_byte_offset(source, i)}'
                    " (strict fake: write &amp;)"
                )
        if c != "<":
            if strict and c == ">":
                raise HtmlParseError(
                    f'Unescaped ">" at byte offset {_byte_offset(source, i)}'
                    " (strict fake: write &gt;)"
                )
            out.append(c)
            out_utf16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        begin_byte = _byte_offset(source, begin)
        i += 1
        if at(i) != "/":
            name_end = i
            while at(name_end) not in _SPACES and at(name_end) != ">":
                name_end += 1
            tag = source[i:name_end].lower()
            if tag not in SUPPORTED_TAGS:
                raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin_byte}')
            argument = ""
            i = name_end
            while at(i) != ">":
                while at(i) != _END and at(i) in _SPACES:
                    i += 1
                if at(i) == ">":
                    break
                if at(i) == _END:
                    raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin_byte}')
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                attr_name = source[attr_begin:i]
                if not attr_name:
                    raise HtmlParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin_byte}'
                    )
                while at(i) != _END and at(i) in _SPACES:
                    i += 1
                value = ""
                if at(i) == "=":
                    i += 1
                    while at(i) != _END and at(i) in _SPACES:
                        i += 1
                    if at(i) == _END:
                        raise HtmlParseError(
                            f'Unclosed start tag "{tag}" at byte offset {begin_byte}'
                        )
                    if at(i) not in "'\"":
                        token_begin = i
                        while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                            i += 1
                        value = source[token_begin:i].lower()
                        if at(i) not in _SPACES and at(i) != ">":
                            raise HtmlParseError(
                                "Unexpected end of name token at byte offset "
                                f"{_byte_offset(source, token_begin)}"
                            )
                    else:
                        quote = at(i)
                        i += 1
                        value_begin = i
                        chars: list[str] = []
                        while at(i) != quote and at(i) != _END:
                            if at(i) == "&":
                                ref = _decode_entity(source, i)
                                if ref is not None:
                                    chars.append(ref[0])
                                    i = ref[1]
                                    continue
                            chars.append(at(i))
                            i += 1
                        if at(i) == quote:
                            i += 1
                        if at(i) == _END:
                            raise HtmlParseError(
                                "Unclosed start tag at byte offset "
                                f"{_byte_offset(source, value_begin)}"
                            )
                        value = "".join(chars)
                attr = attr_name.lower()
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise HtmlParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin_byte}'
                )
            if tag == "tg-emoji" and not (argument.isdigit() and int(argument) > 0):
                raise HtmlParseError("Invalid custom emoji identifier specified")
            stack.append(_OpenTag(tag, argument, out_utf16, len(out)))
        else:
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {begin_byte}")
            i += 1
            name_begin = i
            while at(i) != ">" and at(i) != _END:
                i += 1
            if at(i) == _END:
                raise HtmlParseError(f"Unclosed end tag at byte offset {begin_byte}")
            end_name = source[name_begin:i].lower()
            if end_name and end_name != stack[-1].name:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {begin_byte}, "
                    f'expected "</{stack[-1].name}>", found "</{end_name}>"'
                )
            opened = stack.pop()
            entity = _close(opened, out_utf16, "".join(out[opened.char_offset :]), stack)
            if entity is not None:
                entities.append(entity)
        i += 1  # skip the '>' that ends the tag
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _close(
    opened: _OpenTag, end_utf16: int, inner: str, stack: list[_OpenTag]
) -> dict[str, Any] | None:
    """Turn a closed tag into a Bot API entity, or None when Telegram would not keep one."""
    length = end_utf16 - opened.utf16_offset
    inside_pre = any(t.name == "pre" for t in stack)
    if opened.name == "code" and inside_pre:
        # <pre><code class="language-x"> is how HTML gives a pre block its language.
        if opened.argument and stack[-1].name == "pre":
            stack[-1].language = opened.argument
        return None
    if length <= 0:
        return None
    entity: dict[str, Any] = {
        "type": _ENTITY_TYPES[opened.name],
        "offset": opened.utf16_offset,
        "length": length,
    }
    if opened.name == "a":
        entity["url"] = opened.argument or inner
    elif opened.name == "pre" and opened.language:
        entity["language"] = opened.language
    elif opened.name == "blockquote" and opened.argument:
        entity["type"] = "expandable_blockquote"
    elif opened.name == "tg-emoji":
        entity["custom_emoji_id"] = opened.argument
    return entity


def trim_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace as Telegram does, keeping entity offsets pointing right."""
    stripped_left = text.lstrip(_TRIM)
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(_TRIM)
    limit = utf16_len(result)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept
