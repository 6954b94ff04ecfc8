"""The webhook endpoint: Telegram posts updates here; anything else is refused without harm.

PTB's built-in webhook server reads any body into memory before looking at it, waits an hour
for headers and forever for a body, and answers malformed JSON with a server error. This one
checks the path and the secret token (compared in constant time) as soon as the headers are in,
so a client without the secret is answered 403 and cut off before it sends a byte of body; then
the size, while the body streams in; then the JSON and its depth; then it passes the update
through the inbox to the application's queue. Connections that send their headers or body too
slowly, or sit idle, are closed, and past a number of open connections a new one closes the
oldest, so no client can hold the server's memory or files, or keep Telegram out.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import tornado.http1connection
import tornado.httpserver
import tornado.iostream
import tornado.web
from telegram import Update

from bot.config import Webhook
from bot.telegram.inbox import InboxApplication, is_update_id
from bot.telegram.running import serving

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Telegram's updates are a few kilobytes; a megabyte is generous.
# Telegram's updates nest about ten deep; far deeper JSON would exhaust Python's recursion.
MAX_DEPTH = 64
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, no secret


@dataclass(frozen=True)
class Limits:
    """What the server grants one client before cutting it off."""

    # To send the request line and headers; also how long a kept-alive connection may sit idle
    # (Tornado's idle_connection_timeout is both). Telegram sends a request in one go.
    header_seconds: float = 10.0
    body_seconds: float = 10.0  # to send the whole body, once the headers are in
    body_bytes: int = MAX_BODY_BYTES
    header_bytes: int = 16 * 1024  # Telegram's headers take a few hundred bytes
    # Open at once; past it a new connection closes the oldest, so that files (256 may be the
    # limit) stay for the bot's own work. Telegram opens at most 40 (setWebhook's default).
    connections: int = 100


LIMITS = Limits()


class BareHandler(tornado.web.RequestHandler):
    """A handler answering errors with a bare status."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A bare status: no traceback or page."""
        self.finish()

    def log_exception(self, *args: Any) -> None:
        """Errors are answered here; tornado's own logging would repeat them with tracebacks."""


@tornado.web.stream_request_body
class UpdateHandler(BareHandler):
    """POST /<path>: one update from Telegram."""

    def initialize(self, bot_application: InboxApplication, secret: str, max_bytes: int) -> None:
        """Tornado's per-request set-up."""
        self.bot_application = bot_application
        self.secret = secret.encode()
        self.max_bytes = max_bytes
        self.chunks: list[bytes] = []
        self.received = 0

    def check_xsrf_cookie(self) -> None:
        """Telegram sends no cookies; the secret token is the check."""

    def prepare(self) -> None:
        """With the headers in, before any body: refuse a request without the secret, or one
        announcing a body over the limit. Answering now closes the connection unread."""
        token = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(token, self.secret):
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > self.max_bytes:
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        """A piece of the body; kept while the whole stays within the limit."""
        self.received += len(chunk)
        if self.received <= self.max_bytes:
            self.chunks.append(chunk)

    async def post(self) -> None:
        """Check the body and queue its update; say plainly what was wrong otherwise."""
        if self.received > self.max_bytes:
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        try:
            data = json.loads(b"".join(self.chunks))
        except (ValueError, UnicodeDecodeError, RecursionError):
            self.send_error(HTTPStatus.BAD_REQUEST, reason="Malformed JSON")
            return
        if not _nested_at_most(data, MAX_DEPTH):
            self.send_error(HTTPStatus.BAD_REQUEST, reason="Nested too deeply")
            return
        if not isinstance(data, dict) or not is_update_id(data.get("update_id")):
            self.send_error(HTTPStatus.BAD_REQUEST, reason="Not an update")
            return
        bot = self.bot_application.bot
        # Kept before Telegram hears OK; one the library cannot read, or received before, is
        # acknowledged and skipped, so that Telegram does not send it again and again.
        [screened] = await self.bot_application.inbox.screen(bot, [data])
        if len(screened) > 1:
            await self.bot_application.update_queue.put(Update.de_json(screened, bot))
        self.set_status(HTTPStatus.OK)
        self.finish()


@tornado.web.stream_request_body
class NotFound(BareHandler):
    """Any other path: 404 as soon as the headers are in, the body never read."""

    def prepare(self) -> None:
        """Answer before the body; answering now closes the connection unread."""
        self.send_error(HTTPStatus.NOT_FOUND)


def _nested_at_most(data: object, depth: int) -> bool:
    """Whether no list or object in `data` lies more than `depth` levels deep."""
    level: list[object] = [data]
    for _ in range(depth):
        level = [
            inner
            for value in level
            if isinstance(value, dict | list)
            for inner in (value.values() if isinstance(value, dict) else value)
        ]
        if not level:
            return True
    return not any(isinstance(value, dict | list) for value in level)


class CappedServer(tornado.httpserver.HTTPServer):
    """Tornado's HTTP server with at most `cap` connections open: a new one past it closes the
    oldest. Telegram's requests take milliseconds, so the oldest is nearly always a client
    holding its connection idle; a flood of them cannot keep real updates out, or use up the
    process's files."""

    def initialize(self, *args: Any, cap: int = LIMITS.connections, **kwargs: Any) -> None:
        """Tornado's set-up (HTTPServer is configured here, not in __init__)."""
        super().initialize(*args, **kwargs)
        self.cap = cap
        self.streams: dict[tornado.iostream.IOStream, None] = {}  # open ones, oldest first
        self.evicting = False

    def handle_stream(self, stream: tornado.iostream.IOStream, address: tuple[Any, ...]) -> None:
        """A new connection: served, after closing the oldest if the cap is reached."""
        while len(self.streams) >= self.cap:
            if not self.evicting:  # said once each time the cap is reached, not per connection
                logger.warning("the webhook has %d connections open; closing the oldest", self.cap)
                self.evicting = True
            oldest = next(iter(self.streams))
            del self.streams[oldest]
            oldest.close()
        self.streams[stream] = None
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        """A connection has closed (perhaps closed above)."""
        if isinstance(server_conn, tornado.http1connection.HTTP1ServerConnection):
            self.streams.pop(server_conn.stream, None)
        if len(self.streams) < self.cap - 1:
            self.evicting = False
        super().on_close(server_conn)


def make_server(
    application: InboxApplication, hook: Webhook, limits: Limits = LIMITS
) -> CappedServer:
    """The HTTP server for the webhook, with `limits` on every client."""
    routes = tornado.web.Application(
        [
            (
                f"/{hook.path}",
                UpdateHandler,
                {
                    "bot_application": application,
                    "secret": hook.secret,
                    "max_bytes": limits.body_bytes,
                },
            )
        ],
        default_handler_class=NotFound,
        log_function=lambda handler: None,
    )
    return CappedServer(
        routes,
        cap=limits.connections,
        idle_connection_timeout=limits.header_seconds,
        body_timeout=limits.body_seconds,
        max_body_size=limits.body_bytes,
        max_header_size=limits.header_bytes,
    )


async def serve(
    application: InboxApplication,
    hook: Webhook,
    stop: asyncio.Event | None = None,
    limits: Limits = LIMITS,
) -> None:
    """Register the webhook with Telegram and serve it until SIGINT, SIGTERM or `stop`."""
    stop = stop or asyncio.Event()
    async with serving(application, stop):
        await application.bot.set_webhook(
            hook.url, secret_token=hook.secret, allowed_updates=Update.ALL_TYPES
        )
        server = make_server(application, hook, limits)
        server.listen(hook.port, address=hook.listen)
        logger.info("serving the webhook on %s:%s/%s", hook.listen, hook.port, hook.path)
        try:
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()
