"""The fake Bot API's state and methods: `BotApi` answers the methods the bot uses, records every
call, queues updates for getUpdates, and injects faults (`fail_next`, `hang_next`, `drop_next`)."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.emulator.rules import (
    BOT_USER,
    MESSAGE_LIMIT,
    NO_ANSWER,
    TOKEN,
    ApiError,
    check_html,
    check_markup,
)
from tests.emulator.types import JSONDict
from tests.emulator.updates import chat_of


@dataclass(frozen=True)
class Call:
    """One Bot API request as received, with the status it was answered with."""

    method: str
    params: JSONDict
    status: int
    at: float = field(default_factory=time.perf_counter)
    # What a call that succeeded returned (a sent message, say); None otherwise.
    result: Any = None


class NoAnswerError(Exception):
    """A fault that answers nothing: the connection is closed after `hold` seconds (0: at once).

    A hold longer than the client's read timeout is a timeout on its side; the hold ends early
    when the client gives up (closes the connection) or the emulator stops.
    """

    def __init__(self, hold: float) -> None:
        super().__init__(f"no answer (connection closed after {hold:g} s)")
        self.hold = hold


@dataclass
class _Fault:
    status: int
    retry_after: int
    description: str
    hold: float = 0.0
    chat_id: int | None = None  # strikes only calls to this chat; None: any call


class BotApi:
    """The state of one emulated bot: calls received, updates queued, messages sent."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.unknown: list[str] = []
        self.webhook: JSONDict = {}
        self.pushed_at: dict[int, float] = {}
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._chats: dict[int, JSONDict] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._changed = asyncio.Event()
        self.closing = False

    # --- what the tests drive ------------------------------------------------------------------

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for getUpdates under a fresh update_id; return that id."""
        queued = dict(update)
        queued["update_id"] = update_id = next(self._update_ids)
        self._remember_chats(queued)
        self._updates.append(queued)
        self.pushed_at[update_id] = time.perf_counter()
        self._wake()
        return update_id

    def fail_next(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        retry_after: int = 1,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id` only, if given) fail: 429 with
        retry_after, or `status` (with `description`, if given)."""
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else "Internal Server Error"
            )
        self._add_fault(method, times, _Fault(status, retry_after, description, chat_id=chat_id))

    def hang_next(
        self, method: str, times: int = 1, hold: float = 30.0, chat_id: int | None = None
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id` only, if given) time out: nothing
        is done and nothing answered; the request is held for `hold` seconds (or until the
        client gives up), then its connection closed. Recorded with status NO_ANSWER."""
        self._add_fault(method, times, _Fault(NO_ANSWER, 0, "held", hold, chat_id))

    def drop_next(self, method: str, times: int = 1, chat_id: int | None = None) -> None:
        """Make the next `times` calls of `method` (to `chat_id` only, if given) fail with a
        dropped connection: nothing is done and the connection is closed at once without an
        answer. Recorded with status NO_ANSWER."""
        self._add_fault(method, times, _Fault(NO_ANSWER, 0, "dropped", 0.0, chat_id))

    def _add_fault(self, method: str, times: int, fault: _Fault) -> None:
        self._faults.setdefault(method.lower(), []).extend([fault] * times)

    def _take_fault(self, name: str, params: JSONDict) -> _Fault | None:
        faults = self._faults.get(name) or []
        for number, fault in enumerate(faults):
            if fault.chat_id is None or fault.chat_id == params.get("chat_id"):
                return faults.pop(number)
        return None

    def pending(self) -> list[JSONDict]:
        """The updates queued and not yet confirmed (the bot has not asked for a later offset):
        what Telegram would deliver again to a restarted bot."""
        return [dict(u) for u in self._updates]

    def requests(self, method: str) -> list[JSONDict]:
        """The parameters of every successful call of `method`, in order."""
        wanted = method.lower()
        return [c.params for c in self.calls if c.method.lower() == wanted and c.status == 200]

    def failed(self, method: str) -> list[Call]:
        """The calls of `method` that were answered with an error."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted and c.status != 200]

    @property
    def sent(self) -> list[JSONDict]:
        """Every message the bot sent (sendMessage parameters), in order."""
        return self.requests("sendMessage")

    def sent_to(self, chat_id: int) -> list[JSONDict]:
        """The messages sent to one chat."""
        return [m for m in self.sent if m.get("chat_id") == chat_id]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[JSONDict]:
        """Wait until `method` has succeeded `count` times; return those calls' parameters."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.requests(method)) < count:
                    await self._changed.wait()
        except TimeoutError:
            seen = [f"{c.method}:{c.status}" for c in self.calls if c.method != "getUpdates"]
            raise AssertionError(
                f"{len(self.requests(method))} {method} call(s) after {timeout} s, expected "
                f"{count}; calls: {seen}"
            ) from None
        return self.requests(method)[:count]

    async def wait_until_fetched(self, update_id: int, timeout: float = 5.0) -> None:
        """Wait until the bot has confirmed `update_id` (asked for a later offset)."""
        async with asyncio.timeout(timeout):
            while any(u["update_id"] <= update_id for u in self._updates):
                await self._changed.wait()

    def close(self) -> None:
        """Wake every waiting getUpdates so that the server can stop."""
        self.closing = True
        self._wake()

    # --- the Bot API ---------------------------------------------------------------------------

    async def call(self, token: str, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        """Answer one request: (HTTP status, JSON body); raise NoAnswerError for a hang or a drop.

        An injected fault strikes before the method does anything: a failed sendMessage was
        never delivered, a failed getUpdates confirmed nothing.
        """
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            name = method.lower()
            if name not in self.known_methods():
                self.unknown.append(method)
                raise ApiError(404, "Not Found: method not found")
            fault = self._take_fault(name, params)
            if fault is not None:
                if fault.status == NO_ANSWER:
                    self._record(method, params, NO_ANSWER)
                    raise NoAnswerError(fault.hold)
                parameters = {"retry_after": fault.retry_after} if fault.status == 429 else None
                raise ApiError(fault.status, fault.description, parameters)
            if name == "getupdates":
                result: Any = await self._get_updates(params)
            else:
                result = self._methods()[name](params)
        except ApiError as error:
            self._record(method, params, error.code)
            return error.code, error.payload()
        self._record(method, params, 200, result)
        return 200, {"ok": True, "result": result}

    def _record(self, method: str, params: JSONDict, status: int, result: Any = None) -> None:
        self.calls.append(Call(method, params, status, result=result))
        self._wake()

    def _wake(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def known_methods(self) -> frozenset[str]:
        """The methods answered, in lower case (Telegram ignores the case of method names)."""
        return frozenset({"getupdates", *self._methods()})

    def _methods(self) -> dict[str, Callable[[JSONDict], Any]]:
        return {
            "getme": lambda params: dict(BOT_USER),
            "sendmessage": self._send_message,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "setmycommands": self._set_my_commands,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "editmessagereplymarkup": self._edit_reply_markup,
            "editmessagetext": self._edit_message_text,
            "close": lambda params: True,
            "logout": lambda params: True,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset > 0:
            # As on Telegram: asking for an offset confirms every update before it.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
            remaining = deadline - loop.time()
            if ready or self.closing or remaining <= 0:
                return ready
            changed = self._changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                return []

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        text = params.get("text")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        length = check_html(text) if params.get("parse_mode") == "HTML" else len(text)
        if length > MESSAGE_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if markup is not None:
            check_markup(markup)
        message: JSONDict = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chats.get(chat_id) or chat_of(chat_id),
            "from": dict(BOT_USER),
            "text": text,
        }
        if markup is not None:
            message["reply_markup"] = markup
        return message

    def _answer_callback_query(self, params: JSONDict) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _answer_inline_query(self, params: JSONDict) -> bool:
        results = params.get("results")
        if not params.get("inline_query_id") or not isinstance(results, list):
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(result.get("id", "")) for result in results]
        if len(set(ids)) != len(ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        if any(not 0 < len(ident.encode()) <= 64 for ident in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            text = content.get("message_text", "")
            length = check_html(text) if content.get("parse_mode") == "HTML" else len(text)
            if not 0 < length <= MESSAGE_LIMIT:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands not found")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise ApiError(400, "Bad Request: bad webhook: invalid URL")
        self.webhook = dict(params) if url else {}
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _edit_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        return self._edited(params, "(edited)")

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        length = check_html(text) if params.get("parse_mode") == "HTML" else len(text)
        if length > MESSAGE_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if params.get("reply_markup") is not None:
            check_markup(params["reply_markup"])
        return self._edited(params, text)

    def _edited(self, params: JSONDict, text: str) -> JSONDict | bool:
        """The message an edit returns (True for an inline message's), or 400 for no message."""
        if params.get("inline_message_id"):
            return True
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or not isinstance(params.get("message_id"), int):
            raise ApiError(400, "Bad Request: message to edit not found")
        return {
            "message_id": params["message_id"],
            "date": int(time.time()),
            "chat": self._chats.get(chat_id) or chat_of(chat_id),
            "from": dict(BOT_USER),
            "text": text,
        }

    def _remember_chats(self, update: JSONDict) -> None:
        for kind in ("message", "edited_message"):
            chat = (update.get(kind) or {}).get("chat")
            if chat:
                self._chats[chat["id"]] = chat
