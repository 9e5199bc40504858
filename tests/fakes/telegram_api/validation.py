"""What Telegram checks in a message before it takes it: the text after its parse_mode (HTML
parsed as Telegram parses it), lengths, and the shape of keyboards and their buttons. Each check
raises Telegram's own 400 answer."""

from __future__ import annotations

from typing import Any

from .html_mode import HtmlParseError, parse_html, trim_text
from .wire import JSONDict, bad_request

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
#: The fields of an inline button that say what it does; a button has exactly one.
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def format_text(params: JSONDict, *, strict: bool) -> tuple[str, list[JSONDict], str | None]:
    """Visible text and entities after parse_mode, with Telegram's trimming and errors."""
    raw = params.get("text")
    if not isinstance(raw, str) or not raw:
        raise bad_request("message text is empty")
    text, entities = parse_text(raw, params, "entities", strict=strict)
    if not text:
        raise bad_request("message text is empty")
    return text, entities, params.get("parse_mode") or None


def parse_text(
    raw: str, params: JSONDict, entities_field: str, *, strict: bool
) -> tuple[str, list[JSONDict]]:
    """A text or caption after parse_mode (or its explicit entities), trimmed like Telegram."""
    parse_mode = params.get("parse_mode") or None
    mode = parse_mode.lower() if isinstance(parse_mode, str) else None
    entities: list[JSONDict]
    if mode == "html":
        try:
            parsed = parse_html(raw, strict=strict)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        text, entities = parsed.text, parsed.entities
    elif mode in ("markdown", "markdownv2"):
        text, entities = raw, []  # accepted unvalidated; see the package docstring
    elif mode is None:
        given = params.get(entities_field)
        text, entities = raw, list(given) if isinstance(given, list) else []
    else:
        raise bad_request("unsupported parse_mode")
    return trim_text(text, entities)


def check_markup(markup: Any, *, inline_only: bool) -> JSONDict | None:
    """Validate reply_markup like Telegram; returns it for storing, None when absent."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" must be an Array of Arrays')
        if sum(len(row) for row in rows) > 100:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                check_inline_button(button)
        return {"inline_keyboard": rows}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else None
                if isinstance(button, dict):
                    text = button.get("text")
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: text is empty")
        return markup
    if "remove_keyboard" in markup or "force_reply" in markup:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def check_inline_button(button: Any) -> None:
    """One inline button: text plus exactly one action, callback_data of 1-64 bytes."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: field "text" is missing')
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if not button["text"]:
        raise bad_request("BUTTON_TEXT_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url or any(c.isspace() for c in url):
            raise bad_request("BUTTON_URL_INVALID")
