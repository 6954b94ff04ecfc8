"""The question log: every question, suggestion picked and feedback press, kept in SQLite.

Writing never holds up answering: `record_*` put the write on a queue that one background thread
serves with its own connection, and a write that cannot be made is logged and dropped. Reading
(for moderators) is synchronous, on a second connection. User ids are stored only as salted
hashes.

The same file keeps the inbox: each update from Telegram from the moment it is received until it
has been handled, so that one received just before a crash is handled after the restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from rapidfuzz import fuzz, process

from bot.normalization import normalize

log = logging.getLogger(__name__)

DAY: Final = 86400.0
QUEUE_SIZE: Final = 10_000
# Writes waiting together are saved in one transaction, at most this many at a time.
_BATCH: Final = 500
# Two questions are the same question when their normalised texts score this much or more.
SIMILAR: Final = 85
# A handled update's id is kept this long (seconds) after it was handled, to recognise a repeat
# delivery: a webhook whose answer was lost, or a batch fetched but not confirmed before a crash.
HANDLED_KEPT: Final = 900.0
# An update not handled (a crash came first) is handled at the next start if it is younger than
# this (seconds): Telegram too keeps an update for a day.
UNHANDLED_KEPT: Final = DAY
REASONS: Final = ("fallback", "clarify", "downvote")

# The schema, one entry per version: MIGRATIONS[0] makes version 1, MIGRATIONS[1] would make
# version 2, and so on. To change the schema, append a tuple of SQL statements — never edit one
# that has shipped. On open, a database runs the entries past its `schema_version`, in order, each
# in one transaction together with its new version number, so none runs twice or half.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            chat_type TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            text TEXT NOT NULL,
            outcome TEXT NOT NULL,
            fact TEXT,
            score REAL NOT NULL,
            candidates TEXT NOT NULL DEFAULT '[]',
            picked TEXT,
            dismissed INTEGER NOT NULL DEFAULT 0,
            taught TEXT
        )""",
        """CREATE TABLE feedback (
            question_id INTEGER NOT NULL,
            user_hash TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            at REAL NOT NULL,
            PRIMARY KEY (question_id, user_hash)
        )""",
        # Every report reads a window of time; votes per question come from the primary key.
        "CREATE INDEX questions_at ON questions (at)",
        "CREATE INDEX feedback_at ON feedback (at)",
    ),
    (
        # An update's JSON from its receipt until it is handled; then only its id, kept a while
        # so that Telegram sending it again is recognised.
        """CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            data TEXT NOT NULL,
            at REAL NOT NULL,
            tries INTEGER NOT NULL DEFAULT 0,
            handled INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX inbox_handled_at ON inbox (handled, at)",
    ),
)


class StoreError(Exception):
    """The question log cannot be opened or read; the message is one sentence naming the path."""


def new_id() -> int:
    """A fresh random positive 48-bit question id (small enough for callback data)."""
    while True:
        ident = secrets.randbits(48)
        if ident:
            return ident


@dataclass(frozen=True)
class LoggedQuestion:
    """One logged question, as moderators' buttons look it up."""

    id: int
    at: float
    text: str
    outcome: str
    fact: str | None
    score: float
    candidates: tuple[str, ...]
    picked: str | None

    def to_json(self) -> dict[str, object]:
        """The question as a JSON-ready dict."""
        return {
            "id": self.id,
            "at": self.at,
            "text": self.text,
            "outcome": self.outcome,
            "fact": self.fact,
            "score": self.score,
            "candidates": list(self.candidates),
            "picked": self.picked,
        }


@dataclass(frozen=True)
class UnansweredGroup:
    """Near-duplicate questions the bot did not answer well, counted together."""

    text: str
    count: int
    question_ids: tuple[int, ...]
    reasons: frozenset[str]
    candidates: tuple[str, ...]
    last_at: float

    def to_json(self) -> dict[str, object]:
        """The group as a JSON-ready dict."""
        return {
            "text": self.text,
            "count": self.count,
            "question_ids": list(self.question_ids),
            "reasons": [reason for reason in REASONS if reason in self.reasons],
            "candidates": list(self.candidates),
            "last_at": self.last_at,
        }


@dataclass(frozen=True)
class Stats:
    """Figures for moderators; all but `today` over the last 7 days."""

    today: int
    week: int
    answered: float
    clarified: float
    fallback: float
    top_facts: tuple[tuple[str, int], ...]
    top_unanswered: tuple[tuple[str, int], ...]
    upvotes: int
    downvotes: int

    @classmethod
    def empty(cls) -> Stats:
        """The figures of a log with nothing in it."""
        return cls(0, 0, 0.0, 0.0, 0.0, (), (), 0, 0)

    def to_json(self) -> dict[str, object]:
        """The figures as a JSON-ready dict (rates from 0 to 1)."""
        return {
            "today": self.today,
            "week": self.week,
            "answered": self.answered,
            "clarified": self.clarified,
            "fallback": self.fallback,
            "top_facts": [{"fact": fact, "count": n} for fact, n in self.top_facts],
            "top_unanswered": [{"text": text, "count": n} for text, n in self.top_unanswered],
            "upvotes": self.upvotes,
            "downvotes": self.downvotes,
        }


@dataclass(frozen=True)
class _Write:
    sql: str
    params: tuple[object, ...]


@dataclass(frozen=True)
class _Task:
    """Work for the writer thread whose result someone waits for: set once it is committed."""

    run: Callable[[sqlite3.Connection], Any]
    result: Future[Any]


_STOP: Final = object()


def _connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    # Autocommit: every transaction is begun and ended explicitly below.
    connection = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no committed write when the process dies, only on power loss.
        connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def _migrate(connection: sqlite3.Connection, path: Path) -> str:
    """Bring the schema up to date and return the salt, creating both on first run."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute(
            "INSERT OR IGNORE INTO meta VALUES ('salt', ?), ('schema_version', '0')",
            (secrets.token_hex(16),),
        )
        rows = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        version = int(rows["schema_version"])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"The question log at {path} has schema version {version}, newer than this "
                f"bot knows ({len(MIGRATIONS)}); run the newer bot or use another BOT_DATABASE."
            )
        for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in statements:
                connection.execute(statement)
            connection.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(number),)
            )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return str(rows["salt"])


class QuestionLog:
    """The question log in one SQLite file; open it with `QuestionLog.open(path)`."""

    new_id = staticmethod(new_id)

    def __init__(
        self,
        path: Path,
        salt: str,
        reader: sqlite3.Connection,
        writer: sqlite3.Connection,
        queue_size: int,
    ) -> None:
        self.path = path
        self._salt = salt
        self._reader = reader
        self._read_lock = threading.Lock()
        self._writer = writer
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._closed = False
        self._thread = threading.Thread(
            target=self._write_loop, name="question-log-writer", daemon=True
        )
        self._thread.start()

    @classmethod
    def open(
        cls, path: Path, *, busy_timeout: float = 5.0, queue_size: int = QUEUE_SIZE
    ) -> QuestionLog:
        """Open (creating and migrating) the log at `path`; raise StoreError if it cannot be."""
        reader: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            reader = _connect(path, busy_timeout)
            salt = _migrate(reader, path)
            writer = _connect(path, busy_timeout)
        except (OSError, sqlite3.Error) as error:
            if reader is not None:
                reader.close()
            raise StoreError(f"Cannot open the question log at {path}: {error}.") from error
        except StoreError:
            if reader is not None:
                reader.close()
            raise
        return cls(path, salt, reader, writer, queue_size)

    def user_hash(self, user_id: int | None) -> str:
        """The salted hash stored for a user id ("" for none): its first 16 hex digits."""
        if user_id is None:
            return ""
        return hashlib.sha256((self._salt + str(user_id)).encode()).hexdigest()[:16]

    # --- writing: queued, never raising -----------------------------------------------------

    def record_question(
        self,
        question_id: int,
        text: str,
        outcome: str,
        *,
        fact: str | None = None,
        score: float = 0.0,
        candidates: Sequence[str] = (),
        chat_type: str = "private",
        user_id: int | None = None,
        at: float | None = None,
    ) -> None:
        """Queue a question and how it was answered; returns at once and never raises."""
        try:
            self._submit(
                "INSERT OR IGNORE INTO questions (id, at, chat_type, user_hash, text, outcome, "
                "fact, score, candidates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(question_id),
                    time.time() if at is None else float(at),
                    str(chat_type),
                    self.user_hash(user_id),
                    # A lone surrogate (possible in Telegram's JSON) cannot be stored: mark it.
                    str(text).encode("utf-8", "replace").decode("utf-8"),
                    str(outcome),
                    None if fact is None else str(fact),
                    float(score),
                    json.dumps([str(c) for c in list(candidates)[:3]]),
                ),
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            log.warning("Question log: a question was not recorded: %s", error)

    def record_pick(self, question_id: int, fact: str) -> None:
        """Queue that the asker picked `fact` from the suggestions; never raises."""
        try:
            self._submit(
                "UPDATE questions SET picked = ? WHERE id = ?", (str(fact), int(question_id))
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            log.warning("Question log: a pick was not recorded: %s", error)

    def record_feedback(
        self, question_id: int, user_id: int | None, vote: int, *, at: float | None = None
    ) -> None:
        """Queue a 👍 (+1) or 👎 (-1); a user's later press replaces their vote. Never raises."""
        try:
            if vote not in (1, -1):
                log.warning("Question log: a vote of %r was not recorded (+1 or -1 only).", vote)
                return
            # A vote counts only for a question the log holds: forged button data adds nothing.
            self._submit(
                "INSERT INTO feedback (question_id, user_hash, vote, at) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions WHERE id = ?) "
                "ON CONFLICT (question_id, user_hash) DO UPDATE SET vote = excluded.vote, "
                "at = excluded.at",
                (
                    int(question_id),
                    self.user_hash(user_id),
                    int(vote),
                    time.time() if at is None else float(at),
                    int(question_id),
                ),
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            log.warning("Question log: a vote was not recorded: %s", error)

    # --- the inbox: updates kept from receipt until handled -----------------------------------

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

        result: Future[set[int]] = Future()
        refused = self._enqueue(_Task(run, result))
        if refused is not None:
            result.set_exception(StoreError(f"The question log at {self.path}: {refused}."))
        return result

    def record_handled(self, update_id: int, *, now: float | None = None) -> None:
        """Queue that an update has been handled, dropping its JSON; never raises."""
        try:
            self._submit(
                "UPDATE inbox SET handled = 1, data = '', at = ? WHERE update_id = ?",
                (time.time() if now is None else float(now), int(update_id)),
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            log.warning("Inbox: an update was not marked handled: %s", error)

    def unhandled(self, max_tries: int, *, now: float | None = None) -> list[tuple[int, str]]:
        """The (update id, JSON) of every update received and not handled, oldest first, each
        counted as one more try. One tried more than `max_tries` times (it may be what crashed
        the bot), or received over UNHANDLED_KEPT seconds ago (Telegram too drops an update
        after a day; the asker has moved on), is given up, logged and marked handled. Meant to
        be called once, at start. Raises StoreError."""
        current = time.time() if now is None else now
        oldest = current - UNHANDLED_KEPT
        try:
            with self._read_lock:
                connection = self._reader
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.execute("UPDATE inbox SET tries = tries + 1 WHERE handled = 0")
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
                log.warning("Inbox: given up, %s: update %s%s.", why, shown, more)
        dropped = {row[0] for row in given_up}
        return [(int(row[0]), str(row[1])) for row in rows if row[0] not in dropped]

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
        """Finish the queued writes, stop the writer thread and close the database."""
        if self._closed:
            return
        self._closed = True
        self.flush(timeout)
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            log.warning("Question log: the writer did not catch up; queued writes are dropped.")
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._writer.close()
        with self._read_lock:
            self._reader.close()

    def _submit(self, sql: str, params: tuple[object, ...]) -> None:
        refused = self._enqueue(_Write(sql, params))
        if refused is not None:
            log.warning("Question log: %s, so a write was dropped.", refused)

    def _enqueue(self, item: _Write | _Task) -> str | None:
        """Queue work for the writer thread; if it cannot be, say why."""
        if self._closed:
            return "closed"
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            return f"{self._queue.maxsize} writes waiting"
        return None

    def _write_loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes = [item for item in batch if isinstance(item, _Write | _Task)]
            if writes:
                self._save(writes)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if any(item is _STOP for item in batch):
                return

    def _save(self, writes: list[_Write | _Task]) -> None:
        connection = self._writer
        done: list[tuple[_Task, Any]] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            for write in writes:
                if isinstance(write, _Task):
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
                    log.warning("Question log: a write was refused and dropped: %s", error)
            connection.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - the writer must outlive any failure
            log.warning(
                "Question log at %s: %d write(s) dropped: %s", self.path, len(writes), error
            )
            try:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            for write in writes:
                if isinstance(write, _Task) and not write.result.done():
                    with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                        write.result.set_exception(self._task_error(error))
            return
        for task, value in done:
            task.result.set_result(value)

    def _task_error(self, error: Exception) -> StoreError:
        return StoreError(f"Cannot write to the question log at {self.path}: {error}.")

    # --- reading and moderating: synchronous ------------------------------------------------

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

    def question(self, question_id: int) -> LoggedQuestion | None:
        """The logged question with this id, or None."""
        rows = self._query(
            "SELECT id, at, text, outcome, fact, score, candidates, picked FROM questions "
            "WHERE id = ?",
            (question_id,),
        )
        if not rows:
            return None
        ident, at, text, outcome, fact, score, candidates, picked = rows[0]
        return LoggedQuestion(
            id=int(ident),
            at=float(at),
            text=text,
            outcome=outcome,
            fact=fact,
            score=float(score),
            candidates=_candidates(candidates),
            picked=picked,
        )

    def unanswered(
        self, days: float = 7, limit: int = 20, now: float | None = None
    ) -> list[UnansweredGroup]:
        """Recent fallbacks, abandoned clarifications and 👎, grouped, the commonest first."""
        end = time.time() if now is None else now
        rows = self._query(
            "SELECT id, at, text, outcome, candidates, picked, "
            "(SELECT COALESCE(SUM(vote), 0) FROM feedback WHERE question_id = questions.id) "
            "FROM questions WHERE at > ? AND at <= ? AND dismissed = 0 AND taught IS NULL "
            "ORDER BY at, id",
            (end - days * DAY, end),
        )
        groups: list[_Group] = []
        by_text: dict[str, _Group] = {}
        firsts: list[str] = []
        for ident, at, text, outcome, candidates, picked, net in rows:
            reasons = set()
            if outcome == "fallback":
                reasons.add("fallback")
            elif outcome == "clarify" and picked is None:
                reasons.add("clarify")
            if int(net) < 0:
                reasons.add("downvote")
            if not reasons:
                continue
            key = normalize(text)
            group = by_text.get(key)
            if group is None:
                found = process.extractOne(
                    key, firsts, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR
                )
                group = groups[found[2]] if found else None
            if group is None:
                group = _Group()
                groups.append(group)
                firsts.append(key)
            by_text.setdefault(key, group)
            group.add(ident, at, text, reasons, _candidates(candidates))
        done = [group.result() for group in groups]
        done.sort(key=lambda g: (-g.count, -g.last_at))
        return done[:limit]

    def dismiss(self, question_ids: Iterable[int]) -> int:
        """Take these questions off the unanswered queue; return how many were changed."""
        return self._change(
            "UPDATE questions SET dismissed = 1 WHERE id = ?", [(int(i),) for i in question_ids]
        )

    def mark_taught(self, question_ids: Iterable[int], fact: str) -> int:
        """Record that these questions were taught as phrasings of `fact`; return how many."""
        return self._change(
            "UPDATE questions SET taught = ? WHERE id = ?",
            [(fact, int(i)) for i in question_ids],
        )

    def stats(self, now: float | None = None) -> Stats:
        """Questions today (UTC) and over 7 days, outcome rates, top facts and unanswered, votes."""
        end = time.time() if now is None else now
        start = end - 7 * DAY
        window = (start, end)
        today = self._query(
            "SELECT COUNT(*) FROM questions WHERE at >= ? AND at <= ?",
            (end - end % DAY, end),
        )[0][0]
        outcomes: dict[str, int] = dict(
            self._query(
                "SELECT outcome, COUNT(*) FROM questions WHERE at > ? AND at <= ? GROUP BY outcome",
                window,
            )
        )
        week = sum(outcomes.values())
        facts = self._query(
            "SELECT COALESCE(picked, fact) AS answered, COUNT(*) AS n FROM questions "
            "WHERE at > ? AND at <= ? AND COALESCE(picked, fact) IS NOT NULL "
            "GROUP BY answered ORDER BY n DESC, answered LIMIT 5",
            window,
        )
        votes: dict[int, int] = dict(
            self._query(
                "SELECT vote, COUNT(*) FROM feedback WHERE at > ? AND at <= ? GROUP BY vote", window
            )
        )

        def rate(outcome: str) -> float:
            return round(outcomes.get(outcome, 0) / week, 4) if week else 0.0

        return Stats(
            today=int(today),
            week=week,
            answered=rate("answer"),
            clarified=rate("clarify"),
            fallback=rate("fallback"),
            top_facts=tuple((fact, n) for fact, n in facts),
            top_unanswered=tuple((g.text, g.count) for g in self.unanswered(7, 5, end)),
            upvotes=votes.get(1, 0),
            downvotes=votes.get(-1, 0),
        )


class _Group:
    """A group of near-duplicate questions being gathered."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.texts: Counter[str] = Counter()
        self.reasons: set[str] = set()
        self.candidates: Counter[str] = Counter()
        self.last_at = 0.0

    def add(
        self, ident: int, at: float, text: str, reasons: set[str], candidates: Iterable[str]
    ) -> None:
        self.ids.append(ident)
        self.texts[" ".join(text.split())] += 1
        self.reasons |= reasons
        self.candidates.update(candidates)
        self.last_at = max(self.last_at, at)

    def result(self) -> UnansweredGroup:
        return UnansweredGroup(
            text=self.texts.most_common(1)[0][0],
            count=len(self.ids),
            question_ids=tuple(self.ids),
            reasons=frozenset(self.reasons),
            candidates=tuple(c for c, _ in self.candidates.most_common(3)),
            last_at=self.last_at,
        )


def _candidates(raw: object) -> tuple[str, ...]:
    """The stored JSON list of candidate ids, or () if it cannot be read."""
    try:
        value = json.loads(str(raw))
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()
