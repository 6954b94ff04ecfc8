"""The fake Bot API in memory: `InMemoryRequest`, a `telegram.request.BaseRequest` answering from
a `BotApi` without any network, for offline handler tests."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from tests.emulator.botapi import BotApi, NoAnswerError
from tests.emulator.rules import decode_form


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
