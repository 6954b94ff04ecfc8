"""Builders of the Update dicts the tests push: private and group text messages, mentions,
replies to the bot, callback queries, inline queries and stickers."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable
from typing import Any

from tests.emulator.rules import BOT_USER, BOT_USERNAME, GROUP_CHAT_ID, PRIVATE_CHAT_ID
from tests.emulator.types import JSONDict

_ids = itertools.count(1)
_MENTION = re.compile(r"@\w{5,32}")


def user(user_id: int, first_name: str = "Test") -> JSONDict:
    """A (human) Telegram user."""
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}


def private_chat(chat_id: int = PRIVATE_CHAT_ID) -> JSONDict:
    """A private chat with the user of the same id."""
    return {"id": chat_id, "type": "private", "first_name": "Test"}


def group_chat(chat_id: int = GROUP_CHAT_ID) -> JSONDict:
    """A supergroup."""
    return {"id": chat_id, "type": "supergroup", "title": "Syria watchers"}


def chat_of(chat_id: int) -> JSONDict:
    """A private chat for a positive id, a group for a negative one."""
    return private_chat(chat_id) if chat_id > 0 else group_chat(chat_id)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities(text: str) -> list[JSONDict]:
    """The entities Telegram would mark: a leading /command, and every @mention."""
    found: list[JSONDict] = []
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        found.append({"type": "bot_command", "offset": 0, "length": _utf16(command)})
    for mention in _MENTION.finditer(text):
        if text[: mention.start()].endswith("/") or (
            mention.start() > 0 and not text[mention.start() - 1].isspace()
        ):
            continue  # part of a /command@bot, or inside a word
        found.append(
            {
                "type": "mention",
                "offset": _utf16(text[: mention.start()]),
                "length": _utf16(mention.group()),
            }
        )
    return found


def _message(chat: JSONDict, sender: JSONDict, **content: Any) -> JSONDict:
    return {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": chat,
        "from": sender,
        **content,
    }


def text_content(value: str) -> JSONDict:
    """A message's text, with the entities Telegram would mark in it."""
    content: JSONDict = {"text": value}
    marked = entities(value)
    if marked:
        content["entities"] = marked
    return content


def update(**content: Any) -> JSONDict:
    """An update with a fresh update_id (the emulator gives its own when one is pushed)."""
    return {"update_id": next(_ids), **content}


def private_message(text: str, chat_id: int = PRIVATE_CHAT_ID) -> JSONDict:
    """A text message in a private chat with user `chat_id`."""
    return update(message=_message(private_chat(chat_id), user(chat_id), **text_content(text)))


def edited_private_message(text: str, chat_id: int = PRIVATE_CHAT_ID) -> JSONDict:
    """An edit of a text message in a private chat."""
    message = _message(private_chat(chat_id), user(chat_id), **text_content(text))
    message["edit_date"] = message["date"]
    return update(edited_message=message)


def group_message(
    text: str,
    chat_id: int = GROUP_CHAT_ID,
    user_id: int = 2002,
    mention: bool = False,
    reply_to_bot: bool = False,
) -> JSONDict:
    """A text message in a group; `mention` puts @syria_facts_bot first, `reply_to_bot` makes
    it a reply to one of the bot's messages."""
    if mention:
        text = f"@{BOT_USERNAME} {text}"
    content = text_content(text)
    if reply_to_bot:
        content["reply_to_message"] = _message(
            group_chat(chat_id), dict(BOT_USER), text="On 20 November 2017 ..."
        )
    return update(message=_message(group_chat(chat_id), user(user_id), **content))


def sticker_message(chat_id: int = PRIVATE_CHAT_ID) -> JSONDict:
    """A sticker, in a private chat (positive id) or a group (negative id)."""
    chat = chat_of(chat_id)
    sender = user(chat_id if chat_id > 0 else 2002)
    sticker = {
        "file_id": "CAACAgIAAxkBAAIB",
        "file_unique_id": "AgADAQAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    return update(message=_message(chat, sender, sticker=sticker))


def callback_query(
    data: str | None,
    chat_id: int = PRIVATE_CHAT_ID,
    inline: bool = False,
    user_id: int | None = None,
) -> JSONDict:
    """A press on an inline button with `data`, under a bot message (or an inline message), by
    `user_id` (by default the private chat's user, or user 2002 in a group)."""
    sender = user(user_id if user_id is not None else chat_id if chat_id > 0 else 2002)
    query: JSONDict = {
        "id": f"cbq-{next(_ids)}",
        "from": sender,
        "chat_instance": "-4242",
    }
    if data is not None:
        query["data"] = data
    if inline:
        query["inline_message_id"] = f"inline-{next(_ids)}"
    else:
        query["message"] = _message(
            chat_of(chat_id), dict(BOT_USER), text="Did you mean one of these?"
        )
    return update(callback_query=query)


def inline_query(query: str, user_id: int = PRIVATE_CHAT_ID) -> JSONDict:
    """@syria_facts_bot QUERY typed in any chat."""
    return update(
        inline_query={
            "id": f"iq-{next(_ids)}",
            "from": user(user_id),
            "query": query,
            "offset": "",
        }
    )


def chats(sent: Iterable[JSONDict]) -> list[int]:
    """The chat ids of sent messages, in order."""
    return [int(message["chat_id"]) for message in sent]
