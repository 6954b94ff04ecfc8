"""The question log's SQLite schema, its migrations, and how its file is opened.

To change the schema, append to MIGRATIONS (below); the tables are described there.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path


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
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def migrate(connection: sqlite3.Connection, path: Path) -> str:
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
