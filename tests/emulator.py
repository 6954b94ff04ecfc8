"""A small Telegram Bot API emulator for tests and benchmarks.

`BotApi` is the in-memory core: it answers the Bot API methods the bot uses, records every call,
queues updates for getUpdates and checks what Telegram itself would refuse (HTML it cannot parse,
messages over 4096 characters, button data over 64 bytes, duplicate inline result ids).
Faults are injected per method, for its next N calls: an error answer (`fail_next`: 429 with
retry_after, or 500), a hang past the client's read timeout (`hang_next`) and a connection
closed without an answer (`drop_next`). A fault strikes before the method does anything.

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

import asyncio
import itertools
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]

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


@dataclass(frozen=True)
class Call:
    """One Bot API request as received, with the status it was answered with."""

    method: str
    params: JSONDict
    status: int
    at: float = field(default_factory=time.perf_counter)


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
        self._record(method, params, 200)
        return 200, {"ok": True, "result": result}

    def _record(self, method: str, params: JSONDict, status: int) -> None:
        self.calls.append(Call(method, params, status))
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
            _check_markup(markup)
        message: JSONDict = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chats.get(chat_id) or _chat(chat_id),
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
        if params.get("inline_message_id"):
            return True
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or not isinstance(params.get("message_id"), int):
            raise ApiError(400, "Bad Request: message to edit not found")
        return {
            "message_id": params["message_id"],
            "date": int(time.time()),
            "chat": self._chats.get(chat_id) or _chat(chat_id),
            "from": dict(BOT_USER),
            "text": "(edited)",
        }

    def _remember_chats(self, update: JSONDict) -> None:
        for kind in ("message", "edited_message"):
            chat = (update.get(kind) or {}).get("chat")
            if chat:
                self._chats[chat["id"]] = chat


def _check_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 0 < len(data.encode()) <= CALLBACK_DATA_LIMIT:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


# --- served over HTTP ---------------------------------------------------------------------------


class _MethodHandler(tornado.web.RequestHandler):
    api: BotApi
    gone: bool

    def initialize(self, api: BotApi) -> None:
        self.api = api
        self.gone = False

    async def get(self, token: str, method: str) -> None:
        await self._answer(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._answer(token, method)

    def _params(self) -> JSONDict:
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            body = json.loads(self.request.body)
            return dict(body) if isinstance(body, dict) else {}
        fields = {
            name: values[-1].decode("utf-8")
            for arguments in (self.request.query_arguments, self.request.body_arguments)
            for name, values in arguments.items()
        }
        params = decode_form(fields)
        for name, files in self.request.files.items():
            params[name] = [upload.filename for upload in files]
        return params

    async def _answer(self, token: str, method: str) -> None:
        try:
            status, body = await self.api.call(token, method, self._params())
        except NoAnswerError as fault:
            await self._hold(fault.hold)
            self.detach().close()  # no status line, no body: the client sees the socket close
            return
        if self.gone:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    async def _hold(self, seconds: float) -> None:
        """Wait `seconds`, or less if the client gives up or the emulator stops."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self.gone and not self.api.closing and loop.time() < deadline:
            await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))

    def on_connection_close(self) -> None:
        # A long poll cancelled by the bot, or a held request it gave up on: nothing to write.
        self.gone = True


class Emulator:
    """The Bot API on 127.0.0.1 at an OS-chosen port, as an async context manager.

    async with Emulator() as telegram:
        settings = Settings(knowledge=..., token=TOKEN, api_url=telegram.api_url)
        telegram.api.push_update(private_message("When did Assad visit Sochi?"))
        [sent] = await telegram.api.wait_for("sendMessage")
    """

    def __init__(self, token: str = TOKEN) -> None:
        self.api = BotApi(token)
        self.port = 0
        self._server: tornado.httpserver.HTTPServer | None = None

    @property
    def api_url(self) -> str:
        """The base URL the bot is given: TELEGRAM_API_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Listen on a fresh loopback port."""
        application = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z]+)/?", _MethodHandler, {"api": self.api})]
        )
        self._server = tornado.httpserver.HTTPServer(application)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        """Stop listening, end the waiting long polls and close every connection."""
        if self._server is None:
            return
        self.api.close()
        self._server.stop()
        await asyncio.sleep(0)  # let the woken long polls answer
        await self._server.close_all_connections()
        self._server = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def post_update(url: str, update: Mapping[str, Any], secret: str | None = None) -> int:
    """POST an update to a webhook as Telegram does; return the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with httpx.AsyncClient(timeout=5.0) as client:
        response = await client.post(url, content=json.dumps(dict(update)), headers=headers)
    return response.status_code


# --- served in memory -----------------------------------------------------------------------


class InMemoryRequest(BaseRequest):
    """A BaseRequest answering from a BotApi, with no network; unknown methods fail loudly.

    An unknown method is recorded in `api.unknown` and raised (PTB wraps the error in a
    NetworkError); tests check `api.unknown` is empty at the end.
    """

    def __init__(self, api: BotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        path = urlsplit(url).path
        found = re.fullmatch(r".*/bot([^/]+)/([A-Za-z]+)", path)
        if found is None:
            raise AssertionError(f"an unexpected request to {url}")
        token, name = found.groups()
        if name.lower() not in self.api.known_methods():
            self.api.unknown.append(name)
            raise AssertionError(f"the bot called {name}, which the test API does not know")
        params = decode_form(request_data.json_parameters) if request_data else {}
        try:
            status, body = await self.api.call(token, name, params)
        except NoAnswerError as fault:
            if fault.hold > 0:
                raise TimedOut(f"{name} was not answered in time") from fault
            raise NetworkError(f"{name}: the connection was closed without an answer") from fault
        return status, json.dumps(body).encode()


# --- updates ------------------------------------------------------------------------------------

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


def _chat(chat_id: int) -> JSONDict:
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
    chat = _chat(chat_id)
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
    data: str | None, chat_id: int = PRIVATE_CHAT_ID, inline: bool = False
) -> JSONDict:
    """A press on an inline button with `data`, under a bot message (or an inline message)."""
    sender = user(chat_id if chat_id > 0 else 2002)
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
            _chat(chat_id), dict(BOT_USER), text="Did you mean one of these?"
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


# --- the bot as a process -------------------------------------------------------------------

PROJECT = Path(__file__).resolve().parent.parent


async def start_bot(
    env: Mapping[str, str], *options: str, stdout: Any = None, stderr: Any = None
) -> asyncio.subprocess.Process:
    """Start `python -m bot run [options]` in the project folder with `env`, no standard input."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *options,
        cwd=PROJECT,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL if stdout is None else stdout,
        stderr=asyncio.subprocess.DEVNULL if stderr is None else stderr,
    )
