"""The question log's SQLite file, opened: a reading connection for moderators' queries and the
background writer (bot.storage.writer) for everything written while answering."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Self, TypeVar

from bot.storage.hashing import HashKey
from bot.storage.schema import StoreError, connect, migrate
from bot.storage.writer import QUEUE_SIZE, Task, Writer

T = TypeVar("T")


class Database:
    """One SQLite file; open it with `open(path)`."""

    def __init__(
        self,
        path: Path,
        key: HashKey,
        reader: sqlite3.Connection,
        writer: sqlite3.Connection,
        queue_size: int,
    ) -> None:
        self.path = path
        self._key = key
        self._reader = reader
        self._read_lock = threading.Lock()
        self._writer = Writer(path, writer, queue_size)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        key: HashKey | None = None,
        busy_timeout: float = 5.0,
        queue_size: int = QUEUE_SIZE,
    ) -> Self:
        """Open (creating and migrating) the file at `path`; raise StoreError if it cannot be.
        User ids are hashed with `key` (bot.storage.hashing); without one, with a key for this
        run only (enough for reading: the command line's reports hash nothing)."""
        reader: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            reader = connect(path, busy_timeout)
            migrate(reader, path)
            writer = connect(path, busy_timeout)
        except (OSError, sqlite3.Error) as error:
            if reader is not None:
                reader.close()
            raise StoreError(f"Cannot open the question log at {path}: {error}.") from error
        except StoreError:
            if reader is not None:
                reader.close()
            raise
        return cls(path, key or HashKey.for_this_run(), reader, writer, queue_size)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the writes queued so far are done; False if that took over `timeout`."""
        return self._writer.flush(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Finish the queued writes, stop the writer thread and close the database."""
        self._writer.close(timeout)
        with self._read_lock:
            self._reader.close()

    def _task(self, run: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Queue `run` for the writer thread, after every write queued before it. The future is
        its result once committed, or StoreError."""
        result: Future[T] = Future()
        refused = self._writer.enqueue(Task(run, result))
        if refused is not None:
            result.set_exception(StoreError(f"The question log at {self.path}: {refused}."))
        return result

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        try:
            with self._read_lock:
                return self._reader.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"Cannot read the question log at {self.path}: {error}.") from error

    def _change(self, sql: str, rows: Iterable[Sequence[object]]) -> int:
        try:
            with self._read_lock:
                self._reader.execute("BEGIN IMMEDIATE")
                try:
                    changed = self._reader.executemany(sql, rows).rowcount
                    self._reader.execute("COMMIT")
                except BaseException:
                    self._reader.execute("ROLLBACK")
                    raise
        except sqlite3.Error as error:
            raise StoreError(f"Cannot change the question log at {self.path}: {error}.") from error
        return max(changed, 0)
