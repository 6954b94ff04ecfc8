"""The fake Bot API served over HTTP on loopback (tornado): `Emulator`, and `post_update` for
posting an update to a webhook."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

from tests.emulator.botapi import BotApi, NoAnswerError
from tests.emulator.rules import SECRET_HEADER, TOKEN, decode_form
from tests.emulator.types import JSONDict


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
