"""The inbox's table: each update from Telegram kept from the moment it is received until it
has been handled, so that one received just before a crash is handled after the restart.

It lives in the question log's file; bot.telegram.inbox decides what to keep and when.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Final

from bot.storage.database import Database
from bot.storage.schema import StoreError

logger = logging.getLogger(__name__)

DAY: Final = 86400.0
# A handled update's id is kept this long (seconds) after it was handled, to recognise a repeat
# delivery: a webhook whose answer was lost, or a batch fetched but not confirmed before a crash.
HANDLED_KEPT: Final = 900.0
# An update not handled (a crash came first) is handled at the next start if it is younger than
# this (seconds): Telegram too keeps an update for a day.
UNHANDLED_KEPT: Final = DAY


class KeptUpdates(Database):
    """The updates kept in the file, from receipt until handled."""

    def keep(
        self,
        updates: Sequence[tuple[int, str]],
        *,
        confirmed_below: int | None = None,
        now: float | None = None,
    ) -> Future[set[int]]:
        """Keep each (update id, JSON) not received before until it is handled. The future is
        the set of those ids not handled yet — new ones, and ones kept before and not handled
        since (a crash came between) — once committed (they survive a crash then); or
        StoreError.

        `confirmed_below` is the offset of the getUpdates call that fetched them: Telegram will
        not send an update below it again, so handled ones below it are forgotten. Handled ones
        are also forgotten HANDLED_KEPT seconds after they were handled."""
        at = time.time() if now is None else now
        rows = [(int(update_id), str(data), at) for update_id, data in updates]

        def run(connection: sqlite3.Connection) -> set[int]:
            unhandled = set()
            for row in rows:
                connection.execute(
                    "INSERT OR IGNORE INTO inbox (update_id, data, at) VALUES (?, ?, ?)", row
                )
                found = connection.execute(
                    "SELECT handled FROM inbox WHERE update_id = ?", (row[0],)
                ).fetchone()
                if not found[0]:
                    unhandled.add(row[0])
            connection.execute(
                "DELETE FROM inbox WHERE handled = 1 AND at < ?", (at - HANDLED_KEPT,)
            )
            if confirmed_below is not None:
                connection.execute(
                    "DELETE FROM inbox WHERE update_id < ? AND handled = 1", (int(confirmed_below),)
                )
            return unhandled

        return self._task(run)

    def record_handled(self, update_id: int, *, now: float | None = None) -> None:
        """Queue that an update has been handled, dropping its JSON; never raises."""
        try:
            self._writer.submit(
                "UPDATE inbox SET handled = 1, data = '', at = ? WHERE update_id = ?",
                (time.time() if now is None else float(now), int(update_id)),
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            logger.warning("Inbox: an update was not marked handled: %s", error)

    def unhandled(
        self, max_tries: int, *, in_flight: int | None = None, now: float | None = None
    ) -> list[tuple[int, str]]:
        """The (update id, JSON) of every update received and not handled, oldest first. The
        oldest `in_flight` of them (all, if None) are counted as one more try: updates are
        handled in the order received, so only those can have been in hand when the bot
        stopped, and one that was never reached has not been tried. One tried more than
        `max_tries` times (it may be what crashed the bot), or received over UNHANDLED_KEPT
        seconds ago (Telegram too drops an update after a day; the asker has moved on), is
        given up, logged and marked handled. Meant to be called once, at start. Raises
        StoreError."""
        current = time.time() if now is None else now
        oldest = current - UNHANDLED_KEPT
        try:
            with self._read_lock:
                connection = self._reader
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.execute(
                        "UPDATE inbox SET tries = tries + 1 WHERE update_id IN ("
                        "SELECT update_id FROM inbox WHERE handled = 0 "
                        "ORDER BY update_id LIMIT ?)",
                        (-1 if in_flight is None else max(1, in_flight),),
                    )
                    # A start is a fresh HANDLED_KEPT for the ids handled before it: a webhook
                    # post whose answer was lost before a long stop may still come again.
                    connection.execute("UPDATE inbox SET at = ? WHERE handled = 1", (current,))
                    rows = connection.execute(
                        "SELECT update_id, data, tries, at FROM inbox WHERE handled = 0 "
                        "ORDER BY update_id"
                    ).fetchall()
                    given_up = [row for row in rows if row[2] > max_tries or row[3] < oldest]
                    connection.executemany(
                        "UPDATE inbox SET handled = 1, data = '', at = ? WHERE update_id = ?",
                        [(current, row[0]) for row in given_up],
                    )
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
        except sqlite3.Error as error:
            raise StoreError(f"Cannot read the inbox at {self.path}: {error}.") from error
        for why, ids in (
            (f"tried {max_tries} times", [row[0] for row in given_up if row[2] > max_tries]),
            ("received over a day ago", [row[0] for row in given_up if row[2] <= max_tries]),
        ):
            if ids:
                shown = ", ".join(str(update_id) for update_id in ids[:10])
                more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
                logger.warning("Inbox: given up, %s: update %s%s.", why, shown, more)
        dropped = {row[0] for row in given_up}
        return [(int(row[0]), str(row[1])) for row in rows if row[0] not in dropped]
