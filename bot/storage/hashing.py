"""The key user ids are hashed with (HMAC-SHA256), kept outside the question log: so that the
log alone, copied or leaked, does not let anyone test a guessed id.

The key comes from BOT_HASH_KEY, or from the file BOT_HASH_KEY_FILE names (kept where the
operator keeps secrets). With neither, it is a file beside the question log, created on the first
run readable by its owner only: a copy of the log alone still gives nothing away, but the folder
holding both does, and the bot says so at every start. A configured key file that cannot be read
gives a key for this run only (the bot keeps answering; hashes then match none from other runs).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

MIN_KEY: Final = 16  # bytes (characters, in the environment)
DEFAULT_KEY_FILE: Final = "user-hash.key"  # beside the question log


@dataclass(frozen=True)
class HashKey:
    """The secret user ids are hashed with, and where it came from (for the start-up line)."""

    secret: bytes = field(repr=False)
    origin: str

    @classmethod
    def for_this_run(cls) -> HashKey:
        """A random key, in memory only: hashes match only within this run."""
        return cls(secrets.token_bytes(32), "a key for this run only")

    def user_hash(self, user_id: int | None) -> str:
        """The keyed hash stored for a user id ("" for none): its first 16 hex digits."""
        if user_id is None:
            return ""
        return hmac.new(self.secret, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


def hash_key(value: str | None, file: Path | None, database: Path) -> tuple[HashKey, str | None]:
    """The key from BOT_HASH_KEY (`value`), BOT_HASH_KEY_FILE (`file`) or the default file
    beside `database`; and a warning for the log at start, None when all is as it should be."""
    if value is not None:
        return HashKey(value.encode(), "BOT_HASH_KEY"), None
    if file is not None:
        try:
            return _read(file), _loose(file)
        except (OSError, ValueError) as error:
            return HashKey.for_this_run(), (
                f"The hash key file {file} (BOT_HASH_KEY_FILE) cannot be used: {error}; user ids "
                "are hashed with a key for this run only, so they match none from other runs."
            )
    path = database.parent / DEFAULT_KEY_FILE
    try:
        key = _read(path) if path.exists() else _create(path)
    except (OSError, ValueError) as error:
        return HashKey.for_this_run(), (
            f"Neither BOT_HASH_KEY nor BOT_HASH_KEY_FILE is set, and the key file {path} cannot "
            f"be used: {error}; user ids are hashed with a key for this run only."
        )
    return key, (
        f"Neither BOT_HASH_KEY nor BOT_HASH_KEY_FILE is set: user ids are hashed with the key in "
        f"{path}, beside the question log. Whoever holds both files can test a guessed id; keep "
        "the key elsewhere and point BOT_HASH_KEY_FILE at it (docs/reliability.md, Security)."
        + (f" {_loose(path)}" if _loose(path) else "")
    )


def _read(path: Path) -> HashKey:
    secret = path.read_bytes().strip()
    if len(secret) < MIN_KEY:
        raise ValueError(f"it holds {len(secret)} bytes, fewer than {MIN_KEY}")
    return HashKey(secret, str(path))


def _create(path: Path) -> HashKey:
    """A new random key in a new file at `path`, readable and writable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32).encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(secret + b"\n")
    return HashKey(secret, str(path))


def _loose(path: Path) -> str | None:
    """A warning when others than the owner may read the key file."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return f"The key file {path} may be read by others than its owner: chmod 600 it."
    return None
