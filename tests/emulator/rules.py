"""What Telegram itself refuses, and the test bot's identity: the made-up token, the bot user,
the chats the tests talk in, HTML Telegram cannot parse, messages and button data too long;
and how PTB encodes a request's fields."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tests.emulator.types import JSONDict

TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # noqa: S105 - a made-up test token
BOT_ID = 4242
BOT_USERNAME = "syria_facts_bot"
BOT_USER: JSONDict = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Syria Facts",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
PRIVATE_CHAT_ID = 1001
GROUP_CHAT_ID = -1001234567890
MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# The status recorded for a call that was never answered (held, then its connection closed).
NO_ANSWER = 0

# What Telegram accepts in parse_mode=HTML.
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "a",
        "code",
        "pre",
        "blockquote",
    }
)

_HTML_TOKEN = re.compile(r"<[^>]*>|&[^;\s<&]*;?|[^<&]+|[<&]")
_HTML_TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>$")
_HTML_ENTITY = re.compile(r"^&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);$")


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": ..., "description": ...}."""

    def __init__(
        self, code: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = dict(parameters or {})

    def payload(self) -> JSONDict:
        """The JSON body Telegram answers with."""
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def check_html(text: str) -> int:
    """The length of `text` as Telegram counts it; raise ApiError where Telegram would refuse it."""
    length = 0
    opened: list[str] = []
    for token in _HTML_TOKEN.findall(text):
        if token.startswith("<"):
            tag = _HTML_TAG.match(token)
            if tag is None:
                raise ApiError(400, f"Bad Request: can't parse entities: bad tag {token!r}")
            closing, name = tag.group(1), tag.group(2).lower()
            if name not in _HTML_TAGS:
                raise ApiError(400, f"Bad Request: can't parse entities: unsupported tag <{name}>")
            if closing:
                if not opened or opened[-1] != name:
                    raise ApiError(400, f"Bad Request: can't parse entities: stray </{name}>")
                opened.pop()
            else:
                opened.append(name)
        elif token.startswith("&"):
            if not _HTML_ENTITY.match(token):
                raise ApiError(400, f"Bad Request: can't parse entities: bad entity {token!r}")
            length += 1
        else:
            length += len(token)
    if opened:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed <{opened[-1]}>")
    return length


def check_markup(markup: Any) -> None:
    """Refuse an inline keyboard as Telegram does: an empty label, button data over 64 bytes."""
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 0 < len(data.encode()) <= CALLBACK_DATA_LIMIT:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


# Values PTB sends as plain strings in form bodies; everything else is JSON-encoded.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "next_offset",
        "language_code",
        "name",
        "description",
    }
)


def decode_form(fields: Mapping[str, str]) -> JSONDict:
    """Form or multipart fields as PTB sends them: strings as they are, the rest as JSON."""
    params: JSONDict = {}
    for name, raw in fields.items():
        if name in _STRING_FIELDS:
            params[name] = raw
            continue
        try:
            params[name] = json.loads(raw)
        except ValueError:
            params[name] = raw
    return params
