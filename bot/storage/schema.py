"""The question log's SQLite schema, its migrations, and how its file is opened.

To change the schema, append to MIGRATIONS (below); the tables are described there.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

WAL_LIMIT = 1 << 20  # bytes


class StoreError(Exception):
    """The question log cannot be opened or read; the message is one sentence naming the path."""


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
    (
        # The ids of the facts offered as buttons that carry the question's id (a clarification's
        # or a fallback's suggestions): a pick counts only among them.
        "ALTER TABLE questions ADD COLUMN offered TEXT NOT NULL DEFAULT '[]'",
    ),
    (
        # User ids were hashed with a salt kept here, so the file alone let a guessed id be
        # tested: now they are keyed with a secret kept outside it (bot.storage.hashing). The
        # hashes made before stay, tied to no one: nothing left can link them to an id.
        "DELETE FROM meta WHERE key = 'salt'",
    ),
    (
        # The fact a fallback showed as the closest answer (NULL when it showed none): only a
        # press on that fact's buttons counts.
        "ALTER TABLE questions ADD COLUMN closest TEXT",
        # The asker's word on the closest answer: "That answers it" (1) or "Not what I asked"
        # (0); a later press replaces it.
        """CREATE TABLE closest_feedback (
            question_id INTEGER PRIMARY KEY,
            answers INTEGER NOT NULL CHECK (answers IN (0, 1)),
            at REAL NOT NULL
        )""",
    ),
)


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection to the file at `path`, in WAL mode; autocommit: every transaction is begun
    and ended explicitly."""
    connection = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no committed write when the process dies, only on power loss.
        connection.execute("PRAGMA synchronous=NORMAL")
        # What is deleted or replaced (an update's JSON once handled) is overwritten with zeros,
        # not left in the file's free space: set here, as builds differ in their default.
        connection.execute("PRAGMA secure_delete=ON")
        # The write-ahead file is cut back to this size whenever it starts over (the writer
        # empties it regularly: bot.storage.writer).
        connection.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the schema up to date, creating it on first run."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', '0')")
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
