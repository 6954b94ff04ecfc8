"""The key user ids are hashed with: from the environment or a file, never in the question log;
with none configured, a key file beside the log, created readable by its owner only."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.storage import HashKey, QuestionLog, hash_key
from bot.storage.hashing import DEFAULT_KEY_FILE

USER = 987_654_321_123
KEY = "k3y-for-tests-0123456789abcdef"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "questions.sqlite3"


def test_the_hash_is_an_hmac_of_the_id_under_the_key() -> None:
    key = HashKey(KEY.encode(), "a test")
    expected = hmac.new(KEY.encode(), str(USER).encode(), hashlib.sha256).hexdigest()[:16]
    assert key.user_hash(USER) == expected
    assert key.user_hash(None) == ""
    assert HashKey(b"another key, long enough", "a test").user_hash(USER) != expected


def test_the_database_alone_does_not_give_the_id_away(db: Path) -> None:
    question_log = QuestionLog.open(db, key=HashKey(KEY.encode(), "a test"))
    question_log.record_question(1, "When was the summit?", "answer", user_id=USER)
    question_log.close()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        stored = {str(v) for (v,) in connection.execute("SELECT user_hash FROM questions")}
        values = [str(v) for row in connection.execute("SELECT * FROM meta") for v in row]
    assert stored == {HashKey(KEY.encode(), "a test").user_hash(USER)}
    # Someone holding the file tries every value in it as a salt or a key, with a known id.
    for value in values:
        for guess in (
            hashlib.sha256((value + str(USER)).encode()).hexdigest()[:16],
            hmac.new(value.encode(), str(USER).encode(), hashlib.sha256).hexdigest()[:16],
        ):
            assert guess not in stored, value


def test_the_key_from_the_environment(db: Path) -> None:
    key, warning = hash_key(KEY, None, db)
    assert (key.secret, warning) == (KEY.encode(), None)
    assert not (db.parent / DEFAULT_KEY_FILE).exists()


def test_the_key_from_a_file_kept_elsewhere(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "bot.key"
    path.parent.mkdir()
    path.write_text(KEY + "\n", encoding="utf-8")
    path.chmod(0o600)
    key, warning = hash_key(None, path, db)
    assert (key.secret, warning) == (KEY.encode(), None)


def test_without_a_key_one_is_made_beside_the_log_for_its_owner_only_and_kept(db: Path) -> None:
    key, warning = hash_key(None, None, db)
    path = db.parent / DEFAULT_KEY_FILE
    assert warning is not None
    assert "BOT_HASH_KEY_FILE" in warning
    assert str(path) in warning
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key.secret) >= 32
    again, _ = hash_key(None, None, db)
    assert again.user_hash(USER) == key.user_hash(USER)  # stable across restarts


@pytest.mark.parametrize("content", [None, "short", ""])
def test_a_key_file_missing_or_too_short_gives_a_key_for_this_run_and_says_so(
    db: Path, tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "bot.key"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    first, warning = hash_key(None, path, db)
    second, _ = hash_key(None, path, db)
    assert warning is not None
    assert str(path) in warning
    assert "this run only" in warning
    assert first.user_hash(USER) != second.user_hash(USER)
    assert not (db.parent / DEFAULT_KEY_FILE).exists()  # the one configured is not replaced


def test_a_key_file_others_may_read_is_used_with_a_warning(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bot.key"
    path.write_text(KEY, encoding="utf-8")
    path.chmod(0o644)
    key, warning = hash_key(None, path, db)
    assert key.secret == KEY.encode()
    assert warning is not None
    assert "chmod 600" in warning


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BOT_HASH_KEY": "short"}, "BOT_HASH_KEY must be at least 16 characters"),
        (
            {"BOT_HASH_KEY": KEY, "BOT_HASH_KEY_FILE": "/run/secrets/bot.key"},
            "Set BOT_HASH_KEY or BOT_HASH_KEY_FILE, not both",
        ),
    ],
)
def test_bad_key_settings_stop_the_bot_with_one_sentence(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ)


def test_the_key_settings_are_read(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOT_HASH_KEY": f"  {KEY} "})
    assert settings.hash_key == KEY
    assert KEY not in repr(settings)
    path = tmp_path / "k"
    assert Settings.from_env({"BOT_HASH_KEY_FILE": str(path)}).hash_key_file == path


def test_the_start_says_where_the_key_is(db: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.telegram.running import open_question_log

    caplog.set_level(logging.INFO)
    question_log = open_question_log(Settings(knowledge=db, database=db))
    assert question_log is not None
    question_log.close()
    assert str(db.parent / DEFAULT_KEY_FILE) in caplog.text
