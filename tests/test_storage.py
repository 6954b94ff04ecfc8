"""The question log: schema and migrations, privacy, feedback, the unanswered queue, stats, CLI."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import VARIABLES, database_path
from bot.storage import (
    DAY,
    MIGRATIONS,
    HashKey,
    QuestionLog,
    Stats,
    StoreError,
    new_id,
    schema,
    writer,
)

PROJECT = Path(__file__).resolve().parent.parent
# 2023-11-14 22:13:20 UTC: that UTC day began 22h13m20s earlier.
NOW = 1_700_000_000.0
USER = 987_654_321_123
OTHER = USER + 1


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "questions.sqlite3"


@pytest.fixture
def question_log(db: Path) -> Iterator[QuestionLog]:
    opened = QuestionLog.open(db)
    yield opened
    opened.close()


def ask(
    question_log: QuestionLog,
    text: str,
    outcome: str,
    at: float = NOW - 60,
    **details: object,
) -> int:
    """Record one question and return its id."""
    ident = new_id()
    question_log.record_question(ident, text, outcome, at=at, **details)  # type: ignore[arg-type]
    return ident


def rows(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, params).fetchall()


# --- schema, restart, privacy ---------------------------------------------------------------


def test_first_open_creates_folders_and_schema_and_keeps_no_secret(db: Path) -> None:
    question_log = QuestionLog.open(db)
    question_log.close()
    meta = {str(key): str(value) for key, value in rows(db, "SELECT key, value FROM meta")}
    assert meta == {"schema_version": str(len(MIGRATIONS))}
    assert len(MIGRATIONS) == 5
    tables = {name for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "questions", "feedback", "inbox"} <= tables
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]


def test_the_log_survives_a_restart_and_migrations_run_once(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_log = QuestionLog.open(db)
    ident = ask(
        question_log, "Who is Lavrov?", "answer", fact="lavrov", score=91.5, candidates=["lavrov"]
    )
    question_log.close()

    # A second version of the schema: it fails if it ever runs twice (the table exists).
    extra = ("CREATE TABLE extra (x INTEGER)", "INSERT INTO extra VALUES (1)")
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, extra))
    for _ in range(2):
        question_log = QuestionLog.open(db)
        found = question_log.question(ident)
        question_log.close()
        assert found is not None
        assert (found.text, found.outcome, found.fact, found.score) == (
            "Who is Lavrov?",
            "answer",
            "lavrov",
            91.5,
        )
        assert found.candidates == ("lavrov",)
        version = str(len(MIGRATIONS) + 1)
        assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(version,)]
        assert rows(db, "SELECT COUNT(*) FROM extra") == [(1,)]


def test_a_log_of_the_first_schema_is_upgraded_and_keeps_its_questions(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "MIGRATIONS", MIGRATIONS[:1])  # as the first release made it
    QuestionLog.open(db).close()
    ident = 42
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(
            "INSERT INTO questions (id, at, chat_type, user_hash, text, outcome, fact, score) "
            "VALUES (?, ?, 'private', '', 'Who is Lavrov?', 'answer', 'lavrov', 90)",
            (ident, NOW),
        )
    assert "inbox" not in {name for (name,) in rows(db, "SELECT name FROM sqlite_master")}
    monkeypatch.undo()
    question_log = QuestionLog.open(db)
    try:
        assert question_log.keep([(5, "{}")]).result(timeout=5) == {5}
        found = question_log.question(ident)
    finally:
        question_log.close()
    assert found is not None
    assert found.text == "Who is Lavrov?"
    assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(len(MIGRATIONS)),)
    ]
    assert rows(db, "SELECT update_id, handled FROM inbox") == [(5, 0)]


def test_a_failed_keep_costs_only_itself(question_log: QuestionLog, db: Path) -> None:
    with closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # holds the writer, so that all three share a batch
        kept = question_log.keep([(7, "{}")])
        refused = question_log.keep([(8, "{}"), (2**63, "{}")])  # SQLite cannot store the second id
        ident = ask(question_log, "Who is Lavrov?", "answer", fact="lavrov")
        other.execute("ROLLBACK")
    assert kept.result(timeout=5) == {7}
    with pytest.raises(StoreError, match="Cannot write to the question log"):
        refused.result(timeout=5)
    assert question_log.flush()
    assert rows(db, "SELECT update_id FROM inbox") == [(7,)]  # not 8: the failed keep undone
    assert question_log.question(ident) is not None


def test_an_update_left_unhandled_for_over_a_day_is_given_up(
    question_log: QuestionLog, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now = time.time()
    assert question_log.keep([(1, '{"old": 1}')], now=now - DAY - 60).result(timeout=5) == {1}
    assert question_log.keep([(2, '{"new": 2}')], now=now - DAY + 60).result(timeout=5) == {2}
    assert question_log.unhandled(3, now=now) == [(2, '{"new": 2}')]
    assert "Inbox: given up, received over a day ago: update 1." in caplog.text
    assert question_log.unhandled(3, now=now) == [(2, '{"new": 2}')]
    assert rows(db, "SELECT update_id, handled FROM inbox ORDER BY update_id") == [(1, 1), (2, 0)]


def test_only_updates_that_can_have_been_in_hand_count_a_try(
    question_log: QuestionLog, caplog: pytest.LogCaptureFixture
) -> None:
    """A backlog that lives through several short runs is not given up for updates never
    reached: each start counts a try only for the oldest `in_flight`."""
    now = time.time()
    question_log.keep([(i, f'{{"n": {i}}}') for i in range(1, 6)], now=now).result(timeout=5)
    for _ in range(3):
        assert [i for i, _ in question_log.unhandled(3, in_flight=2, now=now)] == [1, 2, 3, 4, 5]
    # The fourth start: 1 and 2 were in hand at three stops and never handled, so given up;
    # 3 to 5 were never reached and are still to be handled.
    assert [i for i, _ in question_log.unhandled(3, in_flight=2, now=now)] == [3, 4, 5]
    assert "Inbox: given up, tried 3 times: update 1, 2." in caplog.text


def test_ids_handled_before_a_long_stop_are_still_recognised_after_the_start(
    question_log: QuestionLog,
) -> None:
    now = time.time()
    question_log.keep([(1, "{}")], now=now - 7200).result(timeout=5)
    question_log.record_handled(1, now=now - 7200)  # then the bot was down for two hours
    assert question_log.flush()
    assert question_log.unhandled(3, now=now) == []  # the start
    # Telegram posts it again (its 200 was lost before the stop): still known as handled.
    assert question_log.keep([(1, "{}"), (2, "{}")], now=now + 60).result(timeout=5) == {2}


def test_a_newer_schema_is_refused(db: Path) -> None:
    QuestionLog.open(db).close()
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"schema version 99, newer than this bot knows"):
        QuestionLog.open(db)


def test_no_raw_user_id_is_stored(db: Path) -> None:
    question_log = QuestionLog.open(db)
    ident = ask(question_log, "When was the summit?", "answer", user_id=USER, chat_type="group")
    question_log.record_feedback(ident, USER, 1)
    question_log.record_pick(ident, USER, "summit-date")
    hashed = question_log.user_hash(USER)
    question_log.close()
    assert len(hashed) == 16
    assert rows(db, "SELECT user_hash FROM questions") == [(hashed,)]
    assert rows(db, "SELECT user_hash FROM feedback") == [(hashed,)]
    files = list(db.parent.iterdir())
    assert files
    for path in files:
        data = path.read_bytes()
        assert str(USER).encode() not in data
        assert USER.to_bytes(6, "big") not in data  # how SQLite would store it as a number


def test_user_hashes_are_keyed_and_stable_under_one_key(tmp_path: Path) -> None:
    key = HashKey(b"a key for the tests, 32 bytes ok", "a test")
    first = QuestionLog.open(tmp_path / "a.sqlite3", key=key)
    unkeyed = QuestionLog.open(tmp_path / "a.sqlite3")
    try:
        assert first.user_hash(USER) == key.user_hash(USER)
        assert first.user_hash(None) == ""
        assert unkeyed.user_hash(USER) != first.user_hash(USER)  # a key for that run only
        again = QuestionLog.open(tmp_path / "b.sqlite3", key=key)
        assert again.user_hash(USER) == first.user_hash(USER)
        again.close()
    finally:
        first.close()
        unkeyed.close()


@pytest.mark.usefixtures("lax_sqlite")
def test_an_older_log_loses_its_salt_and_keeps_its_questions(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(schema, "MIGRATIONS", MIGRATIONS[:3])  # as the salted releases made it
        QuestionLog.open(db).close()
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("INSERT INTO meta VALUES ('salt', '0123456789abcdef0123456789abcdef')")
        connection.execute(
            "INSERT INTO questions (id, at, chat_type, user_hash, text, outcome, score) "
            "VALUES (7, ?, 'private', 'ab12ab12ab12ab12', 'Who is Lavrov?', 'fallback', 0)",
            (NOW,),
        )
    QuestionLog.open(db).close()
    assert rows(db, "SELECT key FROM meta") == [("schema_version",)]
    assert rows(db, "SELECT id, user_hash FROM questions") == [(7, "ab12ab12ab12ab12")]
    # Not even in the file's free space: deleted content is overwritten.
    assert b"0123456789abcdef0123456789abcdef" not in db.read_bytes()


@pytest.fixture
def lax_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite as most builds ship it: deleted content left in the file's free pages (this
    machine's is built to overwrite it, which would hide what the bot must set itself)."""
    connect = sqlite3.connect

    def lax(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete=OFF")
        return connection

    monkeypatch.setattr(sqlite3, "connect", lax)


@pytest.mark.usefixtures("lax_sqlite")
def test_an_update_handled_leaves_no_trace_of_itself_in_the_file(db: Path) -> None:
    question_log = QuestionLog.open(db)
    # An update's size: a small one would be cleared by the page's reorganisation anyway.
    data = json.dumps({"text": "marker-4c1d-text", "padding": "x" * 300})
    question_log.keep([(1, data)]).result(timeout=5)
    question_log.record_handled(1)
    question_log.close()  # the last connection checkpoints the WAL into the file
    assert not Path(f"{db}-wal").exists()
    assert b"marker-4c1d-text" not in db.read_bytes()


def test_the_wal_is_emptied_regularly_while_the_log_is_open(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "CHECKPOINT_EVERY", 0.2)
    question_log = QuestionLog.open(db)
    try:
        ask(question_log, "marker-wal-question", "fallback")
        assert question_log.flush()
        wal = Path(f"{db}-wal")
        assert wal.stat().st_size > 0
        deadline = time.monotonic() + 5
        while wal.stat().st_size > 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert wal.stat().st_size == 0
        assert b"marker-wal-question" in db.read_bytes()  # saved in the file itself
        # Writes go on after a checkpoint.
        ident = ask(question_log, "after the checkpoint", "fallback")
        assert question_log.flush()
        assert question_log.question(ident) is not None
    finally:
        question_log.close()


def test_new_ids_are_positive_48_bit() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(0 < ident < 2**48 for ident in ids)


# --- failures never reach the asker ---------------------------------------------------------


def test_a_path_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match=r"^Cannot open the question log at .*file/q\.sqlite3"):
        QuestionLog.open(blocker / "q.sqlite3")


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    path.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(StoreError, match="Cannot open the question log at"):
        QuestionLog.open(path)


def test_writes_after_the_file_is_deleted_do_not_raise(question_log: QuestionLog, db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    ident = ask(question_log, "Still answering?", "fallback")
    question_log.record_feedback(ident, USER, -1)
    question_log.record_pick(ident, USER, "anything")
    assert question_log.flush()


def test_writes_to_a_locked_database_are_dropped_with_a_warning(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    question_log = QuestionLog.open(db, busy_timeout=0.2, queue_size=3)
    try:
        with closing(sqlite3.connect(db, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
            started = time.perf_counter()
            for number in range(30):
                ask(question_log, f"question {number}", "fallback")
                question_log.record_feedback(1, USER, 1)
            assert time.perf_counter() - started < 0.5  # answering did not wait
            assert question_log.flush(10)
            other.execute("ROLLBACK")
        assert "dropped" in caplog.text
        # The log works again once the lock is gone.
        ident = ask(question_log, "after the lock", "fallback")
        assert question_log.flush()
        assert question_log.question(ident) is not None
    finally:
        question_log.close()


def test_bad_records_are_logged_not_raised(
    question_log: QuestionLog, caplog: pytest.LogCaptureFixture
) -> None:
    question_log.record_question("not a number", "text", "answer")  # type: ignore[arg-type]
    question_log.record_feedback(1, USER, 0)
    assert question_log.flush()
    assert "not recorded" in caplog.text
    ident = ask(question_log, "a good one", "answer")
    assert question_log.flush()
    assert question_log.question(ident) is not None


def test_writes_after_close_are_dropped(db: Path) -> None:
    question_log = QuestionLog.open(db)
    question_log.close()
    ask(question_log, "too late", "fallback")
    question_log.close()  # closing twice is harmless


KILLED = """
import os, sys
from pathlib import Path
from bot.storage import QuestionLog

log = QuestionLog.open(Path(sys.argv[1]))
for number in range(int(sys.argv[2])):
    log.record_question(number + 1, f"question {number}", "answer", user_id=number)
    if number % 7 == 0:
        log.record_feedback(number + 1, number, -1)
if not log.flush(30):
    sys.exit(1)
os._exit(9)
"""


def test_flushed_writes_survive_a_kill(db: Path) -> None:
    count = 250
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(db), str(count)],
        cwd=PROJECT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 9
    assert Path(f"{db}-wal").stat().st_size > 0  # the writes are in the WAL, never checkpointed
    question_log = QuestionLog.open(db)
    try:
        assert question_log.question(count) is not None
    finally:
        question_log.close()
    assert rows(db, "SELECT COUNT(*) FROM questions") == [(count,)]
    assert rows(db, "SELECT COUNT(*) FROM feedback") == [(len(range(0, count, 7)),)]


# --- feedback -------------------------------------------------------------------------------


def votes(db: Path) -> list[tuple[object, ...]]:
    return rows(db, "SELECT question_id, vote FROM feedback ORDER BY question_id, user_hash")


def test_a_second_press_changes_the_vote(question_log: QuestionLog, db: Path) -> None:
    ident = ask(question_log, "Who is Putin?", "answer", fact="putin", user_id=USER)
    question_log.record_feedback(ident, USER, 1, at=NOW - 50)
    question_log.record_feedback(ident, USER, -1, at=NOW - 40)
    question_log.flush()
    assert votes(db) == [(ident, -1)]
    assert [g.reasons for g in question_log.unanswered(now=NOW)] == [frozenset({"downvote"})]
    question_log.record_feedback(ident, USER, 1, at=NOW - 30)
    question_log.flush()
    assert votes(db) == [(ident, 1)]
    assert question_log.unanswered(now=NOW) == []


def test_concurrent_presses_by_one_user_count_once(db: Path) -> None:
    # Two logs on one file stand for two bot processes; 40 presses arrive at once.
    logs = [QuestionLog.open(db), QuestionLog.open(db)]
    ident = ask(logs[0], "Who is Erdogan?", "answer", fact="erdogan", user_id=USER)
    logs[0].flush()
    start = threading.Barrier(40)

    def press(number: int) -> None:
        start.wait()
        logs[number % 2].record_feedback(ident, USER, 1 if number % 3 else -1)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for opened in logs:
        opened.close()
    assert len(votes(db)) == 1


def test_different_askers_votes_add_up(question_log: QuestionLog, db: Path) -> None:
    for user in range(5):
        ident = ask(question_log, "Who is Erdogan?", "answer", fact="erdogan", user_id=user)
        question_log.record_feedback(ident, user, 1 if user < 3 else -1, at=NOW - 10)
    question_log.flush()
    assert len(votes(db)) == 5
    stats = question_log.stats(now=NOW)
    assert (stats.upvotes, stats.downvotes) == (3, 2)


def test_a_vote_on_a_question_never_logged_counts_for_nothing(
    question_log: QuestionLog, db: Path
) -> None:
    # Forged button data names a question id the log never gave out.
    question_log.record_feedback(new_id(), USER, 1, at=NOW - 10)
    question_log.flush()
    assert votes(db) == []
    assert (question_log.stats(now=NOW).upvotes, question_log.stats(now=NOW).downvotes) == (0, 0)


# --- picks and votes: only the asker's, only among what was offered ------------------------


def test_a_vote_counts_only_from_the_asker_and_only_where_an_answer_was_given(
    question_log: QuestionLog, db: Path
) -> None:
    answered = ask(question_log, "Who is Putin?", "answer", fact="putin", user_id=USER)
    clarified = ask(question_log, "Putin?", "clarify", offered=["putin", "call"], user_id=USER)
    question_log.record_feedback(answered, OTHER, -1)  # someone else's vote
    question_log.record_feedback(answered, None, -1)  # nobody known
    question_log.record_feedback(clarified, USER, -1)  # no answer was given to vote on
    question_log.flush()
    assert votes(db) == []
    question_log.record_feedback(answered, USER, 1)
    question_log.record_pick(clarified, USER, "putin")
    question_log.record_feedback(clarified, USER, -1)  # picked: now an answer was given
    question_log.flush()
    assert votes(db) == sorted([(answered, 1), (clarified, -1)])


def test_a_pick_counts_only_from_the_asker_among_the_facts_offered(
    question_log: QuestionLog,
) -> None:
    clarified = ask(question_log, "Putin?", "clarify", offered=["putin", "call"], user_id=USER)
    fell_back = ask(question_log, "Who won?", "fallback", offered=["war"], user_id=USER)
    answered = ask(question_log, "Who is Putin?", "answer", fact="putin", user_id=USER)
    for ident, user, fact in (
        (clarified, OTHER, "putin"),  # someone else
        (clarified, None, "putin"),  # nobody known
        (clarified, USER, "war"),  # offered, but under another question
        (clarified, USER, "put"),  # a part of an offered id
        (answered, USER, "call"),  # nothing was offered under an answer
    ):
        question_log.record_pick(ident, user, fact)
    question_log.flush()
    found = [question_log.question(ident) for ident in (clarified, fell_back, answered)]
    assert [q.picked if q else "missing" for q in found] == [None, None, None]
    queued = {g.question_ids for g in question_log.unanswered(now=NOW)}
    assert queued == {(clarified,), (fell_back,)}
    question_log.record_pick(clarified, USER, "call")
    question_log.record_pick(fell_back, USER, "war")
    question_log.flush()
    found = [question_log.question(ident) for ident in (clarified, fell_back)]
    assert [q.picked if q else "missing" for q in found] == ["call", "war"]
    assert [g.question_ids for g in question_log.unanswered(now=NOW)] == [(fell_back,)]


# --- the word on a closest answer -----------------------------------------------------------


def test_a_word_on_a_closest_answer_counts_only_from_the_asker_on_the_fact_shown(
    question_log: QuestionLog, db: Path
) -> None:
    shown = ask(question_log, "What did Netanyahu say?", "fallback", closest="calls", user_id=USER)
    plain = ask(question_log, "Who won the war?", "fallback", user_id=USER)
    answered = ask(question_log, "When was the summit?", "answer", fact="calls", user_id=USER)

    def word(question_id: int, user_id: int | None, fact: str, answers: bool) -> bool:
        return question_log.record_closest_feedback(
            question_id, user_id, fact, answers, at=NOW - 10
        ).result(timeout=5)

    assert not word(shown, USER + 1, "calls", False)  # another user
    assert not word(shown, None, "calls", False)  # nobody known
    assert not word(shown, USER, "summit", False)  # a fact that was not shown
    assert not word(plain, USER, "calls", False)  # a fallback that showed no closest answer
    assert not word(answered, USER, "calls", False)  # an answer
    assert not word(new_id(), USER, "calls", False)  # a question never logged
    assert rows(db, "SELECT * FROM closest_feedback") == []
    assert word(shown, USER, "calls", True)
    assert word(shown, USER, "calls", False)  # a later press replaces the first
    assert rows(db, "SELECT question_id, answers FROM closest_feedback") == [(shown, 0)]


def test_a_word_on_a_closest_answer_to_a_closed_log_is_a_store_error(db: Path) -> None:
    question_log = QuestionLog.open(db)
    shown = ask(question_log, "What did Netanyahu say?", "fallback", closest="calls", user_id=USER)
    question_log.close()
    with pytest.raises(StoreError, match="closed"):
        question_log.record_closest_feedback(shown, USER, "calls", True).result(timeout=5)


def test_closest_answers_are_queued_with_the_askers_word_on_them(
    question_log: QuestionLog,
) -> None:
    texts = ("What did Netanyahu say?", "Who paid for the summit?", "How tall is Lavrov?")
    asked = [
        ask(
            question_log, text, "fallback", closest="calls", candidates=["x", "calls"], user_id=USER
        )
        for text in texts
    ]
    question_log.record_closest_feedback(asked[0], USER, "calls", False)
    question_log.record_closest_feedback(asked[1], USER, "calls", True)
    question_log.flush()
    groups = question_log.unanswered(now=NOW)
    assert {g.text: g.reasons for g in groups} == {
        texts[0]: {"closest answer refused"},
        texts[1]: {"closest answer confirmed"},
        texts[2]: {"closest answer"},  # shown, no word on it yet
    }
    # The fact shown comes first among the candidates, to be taught with one press.
    assert {g.candidates for g in groups} == {("calls", "x")}


# --- the unanswered queue -------------------------------------------------------------------


def test_unanswered_groups_near_duplicates_with_counts_and_reasons(
    question_log: QuestionLog,
) -> None:
    trump = [
        ask(
            question_log,
            "When did Trump call Putin?",
            "fallback",
            at=NOW - 500,
            candidates=["call", "x"],
        ),
        ask(
            question_log, "when did trump call putin", "fallback", at=NOW - 400, candidates=["call"]
        ),
        ask(
            question_log,
            "When did Trump call Putin?",
            "fallback",
            at=NOW - 300,
            candidates=["y", "call"],
        ),
        ask(question_log, "when did putin call trump??", "clarify", at=NOW - 200, candidates=["y"]),
        ask(
            question_log,
            "When did Trump call Putin?",
            "answer",
            at=NOW - 100,
            fact="call",
            user_id=USER,
        ),
    ]
    question_log.record_feedback(trump[4], USER, -1, at=NOW - 90)
    war = ask(question_log, "Who won the war?", "fallback", at=NOW - 250)
    # Not unanswered: answered without a 👎, clarified then picked, or an old question.
    ask(question_log, "When was the summit?", "answer", fact="summit-date")
    picked = ask(
        question_log,
        "What did Rouhani say?",
        "clarify",
        candidates=["a", "b"],
        offered=["a", "b"],
        user_id=USER,
    )
    question_log.record_pick(picked, USER, "a")
    ask(question_log, "Who won the election?", "fallback", at=NOW - 8 * DAY)
    question_log.flush()

    groups = question_log.unanswered(now=NOW)
    assert [(g.text, g.count) for g in groups] == [
        ("When did Trump call Putin?", 5),
        ("Who won the war?", 1),
    ]
    first = groups[0]
    assert first.question_ids == tuple(trump)
    assert first.reasons == {"fallback", "clarify", "downvote"}
    assert first.candidates == ("call", "y", "x")
    assert first.last_at == NOW - 100
    assert groups[1].question_ids == (war,)
    assert first.to_json()["reasons"] == ["fallback", "clarify", "downvote"]
    assert question_log.unanswered(days=1, limit=1, now=NOW) == groups[:1]
    assert question_log.unanswered(days=10, now=NOW)[-1].text == "Who won the election?"


def test_dismissed_and_taught_questions_leave_the_queue(question_log: QuestionLog) -> None:
    a = ask(question_log, "Who won the war?", "fallback")
    b = ask(question_log, "who won the war", "fallback")
    c = ask(question_log, "How many delegations came?", "fallback")
    d = ask(question_log, "What is Astana?", "fallback")
    question_log.flush()
    assert question_log.dismiss([a, b]) == 2
    assert question_log.mark_taught([c], "delegations") == 1
    assert [g.question_ids for g in question_log.unanswered(now=NOW)] == [(d,)]
    found = question_log.question(c)
    assert found is not None
    assert question_log.question(12345) is None
    assert question_log.dismiss([]) == 0


# --- stats ----------------------------------------------------------------------------------


def test_stats_on_a_fixed_day(question_log: QuestionLog) -> None:
    q1 = ask(
        question_log, "When was the summit?", "answer", at=NOW - 60, fact="summit-date", user_id=1
    )
    q2 = ask(question_log, "summit date?", "answer", at=NOW - 3600, fact="summit-date", user_id=2)
    q3 = ask(
        question_log, "Assad in Sochi?", "answer", at=NOW - 2 * DAY, fact="assad-visit", user_id=1
    )
    assad = ["assad-visit", "assad"]
    q4 = ask(
        question_log,
        "Assad?",
        "clarify",
        at=NOW - 2 * DAY,
        candidates=assad,
        offered=assad,
        user_id=4,
    )
    question_log.record_pick(q4, 4, "assad-visit")
    ask(question_log, "Who won the war?", "fallback", at=NOW - DAY)
    ask(question_log, "who won the war", "fallback", at=NOW - 3 * DAY)
    old = ask(question_log, "Old question", "answer", at=NOW - 8 * DAY, fact="old", user_id=3)
    ask(question_log, "From the future", "answer", at=NOW + 60, fact="future")
    question_log.record_feedback(q1, 1, 1, at=NOW - 50)
    question_log.record_feedback(q1, 2, 1, at=NOW - 50)  # not the asker's: no count
    question_log.record_feedback(q2, 2, 1, at=NOW - 50)
    question_log.record_feedback(q3, 1, -1, at=NOW - 50)
    question_log.record_feedback(old, 3, -1, at=NOW - 8 * DAY)  # too old to count
    question_log.flush()

    stats = question_log.stats(now=NOW)
    assert stats == Stats(
        today=2,
        week=6,
        answered=0.5,
        clarified=0.1667,
        fallback=0.3333,
        top_facts=(("assad-visit", 2), ("summit-date", 2)),
        top_unanswered=(("who won the war", 2), ("Assad in Sochi?", 1)),
        upvotes=2,
        downvotes=1,
    )
    as_json = stats.to_json()
    assert as_json["top_facts"] == [
        {"fact": "assad-visit", "count": 2},
        {"fact": "summit-date", "count": 2},
    ]
    json.dumps(as_json)
    assert question_log.stats(now=NOW - 30 * DAY) == Stats.empty()


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli_db(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DATABASE", str(db))
    return db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_database_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_path({}) == tmp_path / "data" / "questions.sqlite3"
    assert database_path({"BOT_DATABASE": " /x/q.db "}) == Path("/x/q.db")
    assert "BOT_DATABASE" in VARIABLES


@pytest.mark.parametrize("command", ["unanswered", "stats"])
def test_cli_without_a_database(
    cli_db: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, err = run(capsys, command)
    assert (code, err) == (0, "")
    assert out == f"No questions logged yet at {cli_db}.\n"
    code, out, err = run(capsys, command, "--json")
    assert code == 0
    assert err == f"No questions logged yet at {cli_db}.\n"
    json.loads(out)
    assert not cli_db.exists()


def test_cli_unanswered(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    question_log = QuestionLog.open(cli_db)
    now = time.time()
    for text in ("Who won the war?", "who won the war", "Who won the war?"):
        ask(question_log, text, "fallback", at=now - 60, candidates=["war-end"])
    ask(question_log, "What did Rouhani say?", "clarify", at=now - 60, candidates=["a", "b"])
    ask(question_log, "Long ago", "fallback", at=now - 3 * DAY)
    question_log.close()

    code, out, _ = run(capsys, "unanswered")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Unanswered in the last 7 day(s), the most frequent first:"
    assert lines[2].split() == ["count", "why", "question"]
    assert lines[3].split() == ["3", "fallback", "Who", "won", "the", "war?"]
    assert lines[4].split() == ["candidates:", "war-end"]
    assert "What did Rouhani say?" in lines[5]
    assert "Long ago" in out

    code, out, _ = run(capsys, "unanswered", "--days", "2", "--limit", "1", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["days"] == 2
    assert [(g["text"], g["count"], g["reasons"]) for g in found["groups"]] == [
        ("Who won the war?", 3, ["fallback"])
    ]


def test_cli_stats(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    question_log = QuestionLog.open(cli_db)
    now = time.time()
    good = ask(question_log, "Who is Putin?", "answer", at=now - 1, fact="putin", user_id=USER)
    ask(question_log, "Who is Putin??", "answer", at=now - 1, fact="putin")
    ask(question_log, "Who won the war?", "fallback", at=now - 1)
    ask(question_log, "Rouhani?", "clarify", at=now - 1)
    question_log.record_feedback(good, USER, 1)
    question_log.close()

    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert "Questions today (UTC): 4" in out
    assert "Questions in the last 7 days: 4 — answered 50%, clarified 25%, fell back 25%" in out
    assert "👍 1, 👎 0" in out
    assert "    2  putin" in out
    assert "    1  Who won the war?" in out

    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0
    found = json.loads(out)
    assert (found["week"], found["answered"], found["upvotes"]) == (4, 0.5, 1)
    assert found["top_facts"] == [{"fact": "putin", "count": 2}]


def test_cli_reports_an_unreadable_database(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_db.parent.mkdir(parents=True)
    cli_db.write_bytes(b"garbage, not SQLite" * 100)
    code, out, err = run(capsys, "stats")
    assert (code, out) == (1, "")
    assert err.startswith(f"Cannot open the question log at {cli_db}")


def test_cli_refuses_a_bad_window(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["unanswered", "--days", "0"])
    assert stopped.value.code == 2
    assert "must be a whole number of 1 or more" in capsys.readouterr().err


def test_the_store_needs_no_telegram() -> None:
    code = "import sys, bot.storage; sys.exit('telegram' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT, check=False).returncode == 0
