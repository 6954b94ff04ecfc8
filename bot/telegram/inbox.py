"""Each update handled once: none lost to a crash, none repeated, none blocking the rest.

A batch of updates is confirmed to Telegram (by asking for the next offset) as soon as it has
been fetched, before it is handled; and python-telegram-bot's own polling refetches a whole batch
forever when one update in it cannot be read. So every batch (bot.telegram.polling fetches them
as raw JSON) or webhook post passes through the inbox first:

- an update the library cannot read is logged and replaced by an empty update with its id, so
  the offset moves past it and the rest of the batch is handled;
- every other update is kept in the question log's SQLite file before the batch is confirmed,
  and marked handled once the application has handled it; at start, the updates kept but not
  handled (a crash came in between) are handled first;
- an update received before (Telegram sends a batch again when the crash came before its
  confirmation, or a webhook whose answer was lost) is replaced by an empty update too.

A crash in the few milliseconds between a reply and its mark repeats that reply after the
restart: at least once, and once in all but that window.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from bot.storage import HANDLED_KEPT, QuestionLog, StoreError

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]

# An update handled again at this many starts and still not handled is given up at the next: it
# may be what makes the bot crash.
MAX_TRIES = 3
# Seconds to wait for the question log to keep a batch before handling it unkept.
KEEP_TIMEOUT = 10.0
# At most this many ids handed on are remembered (a webhook's, for HANDLED_KEPT seconds).
REMEMBERED = 100_000


# What a replay needs of an update is its ids, kinds and content (text, entities, button data);
# names, usernames, languages and phone numbers it carries are not kept. These are blanked
# (the library needs them present), those dropped, wherever they appear.
_BLANKED = frozenset({"first_name", "phone_number"})
_DROPPED = frozenset(
    {
        "last_name",
        "username",
        "usernames",
        "language_code",
        "is_premium",
        "added_to_attachment_menu",
        "sender_user_name",
        "author_signature",
        "vcard",
        "bio",
    }
)
_CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})


def for_replay(value: Any) -> Any:
    """An update's JSON as the inbox keeps it: without names, usernames, language, phone
    numbers, or the titles of chats."""
    if isinstance(value, list):
        return [for_replay(item) for item in value]
    if not isinstance(value, dict):
        return value
    chat = value.get("type") in _CHAT_TYPES and "id" in value
    kept = {}
    for key, item in value.items():
        if key in _DROPPED or (chat and key == "title"):
            continue
        kept[key] = "" if key in _BLANKED and isinstance(item, str) else for_replay(item)
    return kept


def kind_of(data: object) -> str:
    """What an update is, for the log ("message", "callback_query"), and nothing of it."""
    if not isinstance(data, dict):
        return f"not an object: {type(data).__name__}"
    kinds = sorted(str(key)[:40] for key in data if key != "update_id")
    return ", ".join(kinds[:5]) or "empty"


def is_update_id(value: object) -> bool:
    """Whether a value can be an update's id."""
    # SQLite's integers are 64-bit; Telegram's update ids are far smaller.
    return type(value) is int and 0 <= value < 2**63


class Inbox:
    """The updates received and not yet handled; without a question log, it only skips the
    updates the library cannot read and those handed on already in this run."""

    def __init__(self, question_log: QuestionLog | None) -> None:
        self.question_log = question_log
        self._expected: set[int] = set()  # kept, and not yet marked handled
        # Every id handed on in this run, and when (monotonic): whatever the log says or fails
        # to say, none is handed on twice while Telegram may still send it again.
        self._handed: dict[int, float] = {}

    async def screen(
        self, bot: Bot, updates: Sequence[object], offset: int | None = None
    ) -> list[JSONDict]:
        """The batch to hand to the application: each update kept before this returns, those
        unreadable or received before replaced by `{"update_id": id}`. `offset` is the one the
        batch was fetched with (none for a webhook)."""
        readable: dict[int, JSONDict] = {}
        ids: list[int] = []
        for data in updates:
            if not isinstance(data, dict) or not is_update_id(data.get("update_id")):
                logger.warning("an update without an id was skipped (%s)", kind_of(data))
                continue
            update_id: int = data["update_id"]
            ids.append(update_id)
            if update_id in readable:
                continue  # twice in one batch: handed on once, below
            try:
                Update.de_json(data, bot)
            except Exception as error:  # noqa: BLE001 - the library raises many kinds here
                # By id and kind only: the update (and the error's text) may hold names.
                logger.warning(
                    "update %d was skipped: python-telegram-bot cannot read it (kind: %s; %s)",
                    update_id,
                    kind_of(data),
                    type(error).__name__,
                )
                continue
            readable[update_id] = data
        new = await self._keep(readable, offset)
        batch = []
        for update_id in ids:
            batch.append(readable[update_id] if update_id in new else {"update_id": update_id})
            new.discard(update_id)
        return batch

    async def _keep(self, readable: dict[int, JSONDict], offset: int | None) -> set[int]:
        """The ids of `readable` to hand on, each kept first: those not handled yet, and not
        handed on already in this run (replayed at start, or in an earlier batch or post)."""
        self._forget(offset)
        unhandled = set(readable)
        kept = False
        if self.question_log is not None and readable:
            rows = [
                (update_id, json.dumps(for_replay(data))) for update_id, data in readable.items()
            ]
            keeping = asyncio.wrap_future(self.question_log.keep(rows, confirmed_below=offset))
            try:
                unhandled = await asyncio.wait_for(keeping, KEEP_TIMEOUT)
                kept = True
            except StoreError as error:
                # Answering matters more than the guarantee: handle them, unkept.
                logger.warning("updates are handled without being kept: %s", error)
            except TimeoutError:
                logger.warning("updates are handled without being known kept: the log is too slow")
                kept = True  # if kept after all, their marks (queued later) find them
        # Checked after the wait: what was handed on meanwhile counts too.
        handing = unhandled - self._handed.keys()
        repeated = set(readable) - handing
        if repeated:
            logger.info("updates received before were skipped: %s", sorted(repeated))
        now = time.monotonic()
        for update_id in handing:
            self._handed[update_id] = now
        if kept:
            self._expected |= handing
        return handing

    def _forget(self, offset: int | None) -> None:
        """Forget the ids handed on that Telegram will not send again: those below the offset
        a batch is fetched with, and any handed on over HANDLED_KEPT seconds ago (a webhook's);
        past REMEMBERED ids, the oldest."""
        if offset is not None and any(update_id < offset for update_id in self._handed):
            self._handed = {i: at for i, at in self._handed.items() if i >= offset}
        horizon = time.monotonic() - HANDLED_KEPT
        while self._handed:
            oldest = next(iter(self._handed))
            if self._handed[oldest] > horizon and len(self._handed) <= REMEMBERED:
                break
            del self._handed[oldest]

    def replay(self, bot: Bot) -> list[Update]:
        """The updates kept but not handled when the bot last stopped, oldest first."""
        if self.question_log is None:
            return []
        try:
            rows = self.question_log.unhandled(MAX_TRIES)
        except StoreError as error:
            logger.warning("the updates left from the last run could not be read: %s", error)
            return []
        updates = []
        for update_id, data in rows:
            try:
                update = Update.de_json(json.loads(data), bot)
            except Exception as error:  # noqa: BLE001 - kept by an older library, perhaps
                logger.warning(
                    "kept update %d could not be read; given up (%s)",
                    update_id,
                    type(error).__name__,
                )
                self.question_log.record_handled(update_id)
                continue
            if update.inline_query is not None:
                # What someone was typing a while ago: Telegram takes no late results for it.
                self.question_log.record_handled(update_id)
                continue
            updates.append(update)
            self._expected.add(update_id)
            self._handed[update_id] = time.monotonic()
        if updates:
            logger.info("handling %d update(s) left from the last run", len(updates))
        return updates

    def handled(self, update_id: int) -> None:
        """Mark a kept update handled (queued; an update not kept is left alone)."""
        if self.question_log is not None and update_id in self._expected:
            self._expected.discard(update_id)
            self.question_log.record_handled(update_id)


class InboxApplication(Application[Any, Any, Any, Any, Any, Any]):
    """The application, marking each kept update handled once it has been. Its updates come
    through `inbox` (set when it is built): from bot.telegram.polling or bot.telegram.webhook."""

    inbox: Inbox
    # Seconds a getUpdates may take beyond its long poll: its connection's read timeout.
    updates_read_timeout: float = 5.0

    async def process_update(self, update: object) -> None:
        """Handle the update as PTB does; then mark it handled in the inbox."""
        await super().process_update(update)
        # An empty update stands for one skipped; the real one (a replay, say) may still be
        # being handled, and marks itself when it is done.
        if isinstance(update, Update) and not _empty(update):
            self.inbox.handled(update.update_id)


def _empty(update: Update) -> bool:
    """An update with nothing but its id: what the inbox hands on in place of one skipped."""
    return not update.api_kwargs and all(getattr(update, kind) is None for kind in Update.ALL_TYPES)
