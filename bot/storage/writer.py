"""The background writer: one thread, with its own connection, saves every queued write.

Writing never holds up answering: a write is queued and the caller returns at once; writes
waiting together are saved in one transaction; one that cannot be made is logged and dropped.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.storage.schema import StoreError

logger = logging.getLogger(__name__)

QUEUE_SIZE: Final = 10_000
# Writes waiting together are saved in one transaction, at most this many at a time.
BATCH: Final = 500
# Seconds after a write at most until the write-ahead file is copied into the database and
# emptied: what it held (an update's JSON, already blanked in the database) does not linger.
CHECKPOINT_EVERY = 30.0


@dataclass(frozen=True)
class Write:
    """One statement to run; nobody waits for it."""

    sql: str
    params: tuple[object, ...]


@dataclass(frozen=True)
class Task:
    """Work for the writer thread whose result someone waits for: set once it is committed."""

    run: Callable[[sqlite3.Connection], Any]
    result: Future[Any]


_STOP: Final = object()


class Writer:
    """The thread that writes to the question log's file, and its queue."""

    def __init__(self, path: Path, connection: sqlite3.Connection, queue_size: int) -> None:
        self.path = path
        self.connection = connection
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="question-log-writer", daemon=True)
        self._thread.start()

    def submit(self, sql: str, params: tuple[object, ...]) -> None:
        """Queue a write; if it cannot be queued, log that it was dropped."""
        refused = self.enqueue(Write(sql, params))
        if refused is not None:
            logger.warning("Question log: %s, so a write was dropped.", refused)

    def enqueue(self, item: Write | Task) -> str | None:
        """Queue work for the writer thread; if it cannot be, say why."""
        if self._closed:
            return "closed"
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            return f"{self._queue.maxsize} writes waiting"
        return None

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the writes queued so far are done; False if that took over `timeout`."""
        if not self._thread.is_alive():
            return self._queue.empty()
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Finish the queued writes, stop the thread and close its connection."""
        if self._closed:
            return
        self._closed = True
        self.flush(timeout)
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            logger.warning("Question log: the writer did not catch up; queued writes are dropped.")
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.connection.close()

    def _loop(self) -> None:
        # The monotonic time of the first write since the last checkpoint.
        written_since: float | None = None
        while True:
            wait = None
            if written_since is not None:
                wait = max(0.0, written_since + CHECKPOINT_EVERY - time.monotonic())
            try:
                batch = [self._queue.get(timeout=wait)]
            except queue.Empty:
                self._checkpoint()
                written_since = None
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes = [item for item in batch if isinstance(item, Write | Task)]
            if writes:
                self._save(writes)
                if written_since is None:
                    written_since = time.monotonic()
                elif time.monotonic() - written_since >= CHECKPOINT_EVERY:
                    self._checkpoint()  # under steady writes too
                    written_since = None
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if any(item is _STOP for item in batch):
                return

    def _save(self, writes: list[Write | Task]) -> None:
        connection = self.connection
        done: list[tuple[Task, Any]] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            for write in writes:
                if isinstance(write, Task):
                    if not write.result.set_running_or_notify_cancel():
                        continue  # its caller stopped waiting
                    # A task that fails undoes its own writes only, and costs only itself.
                    connection.execute("SAVEPOINT task")
                    try:
                        done.append((write, write.run(connection)))
                    except Exception as error:  # reported to its caller, below
                        if not connection.in_transaction:
                            raise  # SQLite gave up the whole transaction: a full disk, say
                        connection.execute("ROLLBACK TO task")
                        write.result.set_exception(self._task_error(error))
                    connection.execute("RELEASE task")
                    continue
                try:
                    connection.execute(write.sql, write.params)
                except (sqlite3.IntegrityError, sqlite3.InterfaceError, UnicodeError) as error:
                    # One bad row (a refused key, text SQLite cannot take) costs only itself.
                    logger.warning("Question log: a write was refused and dropped: %s", error)
            connection.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - the writer must outlive any failure
            logger.warning(
                "Question log at %s: %d write(s) dropped: %s", self.path, len(writes), error
            )
            try:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            for write in writes:
                if isinstance(write, Task) and not write.result.done():
                    with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                        write.result.set_exception(self._task_error(error))
            return
        for task, value in done:
            task.result.set_result(value)

    def _checkpoint(self) -> None:
        """Copy the write-ahead file into the database and empty it; if a reader holds it
        (a moderator's query), the next time will do."""
        try:
            busy = self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as error:
            logger.info("Question log: the write-ahead file was not emptied: %s", error)
            return
        if busy:
            logger.debug("Question log: the write-ahead file was busy; emptied next time")

    def _task_error(self, error: Exception) -> StoreError:
        return StoreError(f"Cannot write to the question log at {self.path}: {error}.")
