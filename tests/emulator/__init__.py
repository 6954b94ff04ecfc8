"""A small Telegram Bot API emulator for tests and benchmarks.

`BotApi` is the in-memory core: it answers the Bot API methods the bot uses, records every call,
queues updates for getUpdates and checks what Telegram itself would refuse (HTML it cannot parse,
messages over 4096 characters, button data over 64 bytes, duplicate inline result ids).
Faults are injected per method, for its next N calls: an error answer (`fail_next`: 429 with
retry_after, or 500), a hang past the client's read timeout (`hang_next`) and a connection
closed without an answer (`drop_next`). A fault strikes before the method does anything.

Its parts: rules.py (what Telegram refuses; the test bot's identity), botapi.py (`BotApi`),
server.py (`Emulator`), memory.py (`InMemoryRequest`), updates.py (the update builders) and
process.py (`start_bot`). Everything is importable from `tests.emulator`.

It is served two ways:

* `Emulator`: an HTTP server on 127.0.0.1 with an OS-chosen port (tornado), serving
  POST/GET `/bot<token>/<method>` with form, multipart or JSON bodies, as PTB and Telegram do.
  Point the bot at it with `Settings(api_url=emulator.api_url)`. Use it as an async context
  manager so that its sockets are closed at the end.
* `InMemoryRequest`: a `telegram.request.BaseRequest` answering from the same core without any
  network, for offline handler tests.

The update builders at the end make the Update dicts the tests push: private and group text
messages, mentions, replies to the bot, callback queries, inline queries and stickers.
"""

from __future__ import annotations

from tests.emulator.botapi import (
    BotApi,
    Call,
    NoAnswerError,
)
from tests.emulator.memory import (
    InMemoryRequest,
)
from tests.emulator.process import (
    PROJECT,
    start_bot,
)
from tests.emulator.rules import (
    BOT_ID,
    BOT_USER,
    BOT_USERNAME,
    CALLBACK_DATA_LIMIT,
    GROUP_CHAT_ID,
    MESSAGE_LIMIT,
    NO_ANSWER,
    PRIVATE_CHAT_ID,
    SECRET_HEADER,
    TOKEN,
    ApiError,
    check_html,
    check_markup,
    decode_form,
)
from tests.emulator.server import (
    Emulator,
    post_update,
)
from tests.emulator.types import (
    JSONDict,
)
from tests.emulator.updates import (
    callback_query,
    chat_of,
    chats,
    edited_private_message,
    entities,
    group_chat,
    group_message,
    inline_query,
    private_chat,
    private_message,
    sticker_message,
    text_content,
    update,
    user,
)

__all__ = [
    "BOT_ID",
    "BOT_USER",
    "BOT_USERNAME",
    "CALLBACK_DATA_LIMIT",
    "GROUP_CHAT_ID",
    "MESSAGE_LIMIT",
    "NO_ANSWER",
    "PRIVATE_CHAT_ID",
    "PROJECT",
    "SECRET_HEADER",
    "TOKEN",
    "ApiError",
    "BotApi",
    "Call",
    "Emulator",
    "InMemoryRequest",
    "JSONDict",
    "NoAnswerError",
    "callback_query",
    "chat_of",
    "chats",
    "check_html",
    "check_markup",
    "decode_form",
    "edited_private_message",
    "entities",
    "group_chat",
    "group_message",
    "inline_query",
    "post_update",
    "private_chat",
    "private_message",
    "start_bot",
    "sticker_message",
    "text_content",
    "update",
    "user",
]
