"""The webhook endpoint: Telegram posts updates here; anything else is refused without harm.

PTB's built-in webhook server takes any body size and answers malformed JSON with a server
error; this one checks, in order, the path, the secret token (compared in constant time), the
size, and the JSON, then passes the update through the inbox to the application's queue.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.config import Webhook
from bot.telegram.inbox import InboxApplication, is_update_id
from bot.telegram.running import serving

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Telegram's updates are a few kilobytes; a megabyte is generous.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, no secret


class UpdateHandler(tornado.web.RequestHandler):
    """POST /<path>: one update from Telegram."""

    def initialize(self, bot_application: InboxApplication, secret: str, max_bytes: int) -> None:
        """Tornado's per-request set-up."""
        self.bot_application = bot_application
        self.secret = secret.encode()
        self.max_bytes = max_bytes

    def check_xsrf_cookie(self) -> None:
        """Telegram sends no cookies; the secret token is the check."""

    async def post(self) -> None:
        """Check the request and queue its update; say plainly what was wrong otherwise."""
        token = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(token, self.secret):
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        if len(self.request.body) > self.max_bytes:
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        try:
            data = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            self.send_error(HTTPStatus.BAD_REQUEST, reason="Malformed JSON")
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

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A bare status: no traceback or page."""
        self.finish()

    def log_exception(self, *args: Any) -> None:
        """Errors are answered above; tornado's own logging would repeat them with tracebacks."""


def make_server(
    application: InboxApplication, hook: Webhook, max_bytes: int = MAX_BODY_BYTES
) -> tornado.httpserver.HTTPServer:
    """The HTTP server for the webhook, refusing bodies over `max_bytes` before reading them."""
    routes = tornado.web.Application(
        [
            (
                f"/{hook.path}",
                UpdateHandler,
                {"bot_application": application, "secret": hook.secret, "max_bytes": max_bytes},
            )
        ],
        log_function=lambda handler: None,
    )
    return tornado.httpserver.HTTPServer(routes, max_body_size=max_bytes)


async def serve(
    application: InboxApplication, hook: Webhook, stop: asyncio.Event | None = None
) -> None:
    """Register the webhook with Telegram and serve it until SIGINT, SIGTERM or `stop`."""
    stop = stop or asyncio.Event()
    async with serving(application, stop):
        await application.bot.set_webhook(
            hook.url, secret_token=hook.secret, allowed_updates=Update.ALL_TYPES
        )
        server = make_server(application, hook)
        server.listen(hook.port, address=hook.listen)
        logger.info("serving the webhook on %s:%s/%s", hook.listen, hook.port, hook.path)
        try:
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()
