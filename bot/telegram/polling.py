"""Long polling of our own: getUpdates fetched as raw JSON, each batch through the inbox, each
update handed to the application's queue.

PTB's Updater parses a batch before anyone can see it, and refetches the whole batch forever
when one update in it cannot be read; so the application is built with `updater(None)` and this
loop feeds `application.update_queue`, as PTB's custom-webhook example does. getUpdates is called
with `Bot.do_api_request`, the public way to get a method's raw result.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import warnings
from typing import Any

from telegram import Update
from telegram.error import EndPointNotFound, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.telegram.inbox import InboxApplication, JSONDict

logger = logging.getLogger(__name__)

LONG_POLL = 10  # seconds a getUpdates waits for an update: PTB's run_polling default
FIRST_PAUSE = 1.0  # seconds after a failed getUpdates; 1.5 times longer after each next one
LONGEST_PAUSE = 30.0
# do_api_request hints at Bot.get_updates, which parses the batch: the raw JSON is the point.
_HINT = r"Please use 'Bot\.getUpdates' instead of"


class Polling:
    """Fetches updates for an application until stopped; remembers the offset to confirm."""

    def __init__(self, application: InboxApplication, long_poll: float = LONG_POLL) -> None:
        self.application = application
        self.long_poll = long_poll
        self.offset: int | None = None  # the next update wanted: those below it are confirmed

    async def fetch(self, long_poll: float | None = None) -> int:
        """One getUpdates: its batch kept by the inbox, the readable and new updates put on the
        queue. Returns how many were queued. Raises TelegramError (InvalidToken when Telegram
        refuses the token)."""
        return await self.hand_on(await self.request(long_poll))

    async def request(self, long_poll: float | None = None) -> list[JSONDict]:
        """The raw JSON of one getUpdates from the current offset."""
        wait = self.long_poll if long_poll is None else long_poll
        warnings.filterwarnings("ignore", message=_HINT, category=PTBUserWarning)
        parameters: JSONDict = {"timeout": wait, "allowed_updates": list(Update.ALL_TYPES)}
        if self.offset is not None:
            parameters["offset"] = self.offset
        try:
            result: Any = await self.application.bot.do_api_request(
                "getUpdates",
                parameters,
                read_timeout=wait + self.application.updates_read_timeout,
            )
        except EndPointNotFound as error:
            # How do_api_request reports a refused token once the bot is initialized: Telegram
            # answers both with 401/404, and getUpdates does exist.
            raise InvalidToken(f"Telegram refused the token: {error}") from error
        if not isinstance(result, list):
            logger.warning("getUpdates returned no list of updates: %.200r", result)
            return []
        return result

    async def hand_on(self, result: list[JSONDict]) -> int:
        """Pass a batch through the inbox (kept before the offset moves past it) and queue the
        readable new updates; return how many were queued."""
        application = self.application
        bot = application.bot
        batch = await application.inbox.screen(bot, result, self.offset)
        queued = 0
        for data in batch:
            self.offset = max(self.offset or 0, data["update_id"] + 1)
            if len(data) > 1:  # not a stand-in for one skipped
                await application.update_queue.put(Update.de_json(data, bot))
                queued += 1
        return queued

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch until `stop` is set, riding out Telegram's errors (pausing longer after each
        one in a row); an invalid token ends it with InvalidToken."""
        pause = 0.0
        while not stop.is_set():
            try:
                result = await self._request_unless_stopped(stop)
            except InvalidToken:
                raise
            except RetryAfter as error:
                pause = _seconds(error.retry_after) + 0.5
                logger.warning("getUpdates: Telegram asks to wait %.1f s", pause)
            except TimedOut:
                pause = 0.0  # a long poll that outlived its read timeout: ask again now
            except TelegramError as error:
                pause = FIRST_PAUSE if pause == 0 else min(LONGEST_PAUSE, 1.5 * pause)
                logger.warning("getUpdates failed (next try in %.1f s): %s", pause, error)
            else:
                pause = 0.0
                if result is not None:
                    # Not raced against `stop`: a batch fetched is kept and queued whole.
                    await self.hand_on(result)
            if pause:
                await _sleep_unless(stop, pause)

    async def _request_unless_stopped(self, stop: asyncio.Event) -> list[JSONDict] | None:
        """One getUpdates; None when `stop` came first (the long poll is abandoned: nothing was
        confirmed by it, and whatever it would have brought comes again)."""
        requesting = asyncio.ensure_future(self.request())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait((requesting, stopping), return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not requesting.done():
            requesting.cancel()
            return None
        return requesting.result()

    async def confirm(self) -> None:
        """Tell Telegram the updates fetched so far need not be sent again (at a stop)."""
        if self.offset is None:
            return
        try:
            await self.fetch(long_poll=0)
        except TelegramError as error:
            logger.warning("the last updates were not confirmed; they come again: %s", error)


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
