"""The inbox: unreadable updates skipped in place, each update kept until handled, none twice."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ExtBot

from bot.config import PROJECT_KNOWLEDGE, Settings
from bot.factbase import load
from bot.replies import Answerer
from bot.storage import HANDLED_KEPT, QuestionLog, StoreError
from bot.telegram import inbox as inbox_module
from bot.telegram.app import build_application
from bot.telegram.inbox import MAX_TRIES, Inbox, for_replay
from bot.telegram.polling import Polling
from tests.emulator import (
    BOT_ID,
    PRIVATE_CHAT_ID,
    TOKEN,
    BotApi,
    InMemoryRequest,
    JSONDict,
    callback_query,
    group_message,
    inline_query,
    private_chat,
    private_message,
    update,
    user,
)

NOW = 1_700_000_000.0
# A poll as Bot API versions before 9.6 send it: its options lack `persistent_id`.
OLD_POLL: JSONDict = {
    "id": "77",
    "question": "Who met in Sochi?",
    "options": [{"text": "yes", "voter_count": 0}, {"text": "no", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


def unreadable() -> JSONDict:
    message = {"message_id": 1, "date": 0, "chat": private_chat(), "from": user(PRIVATE_CHAT_ID)}
    return update(message={**message, "poll": OLD_POLL})


def inbox_rows(db: Path) -> dict[int, tuple[int, int, str]]:
    """update id: (handled, tries, data), read from the file directly."""
    with closing(sqlite3.connect(db)) as connection:
        found = connection.execute("SELECT update_id, handled, tries, data FROM inbox").fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in found}


def texts(updates: list[Update]) -> list[str | None]:
    return [u.message.text if u.message else None for u in updates]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "q.sqlite3"


@pytest.fixture
def question_log(db: Path) -> Iterator[QuestionLog]:
    opened = QuestionLog.open(db)
    yield opened
    opened.close()


@pytest.fixture
def bot() -> ExtBot[Any]:
    return ExtBot(TOKEN)  # reading an update needs no network


def reopen(old: QuestionLog) -> QuestionLog:
    """A restart: the log closed, and opened again by a new process."""
    old.close()
    return QuestionLog.open(old.path)


@contextmanager
def restart(old: QuestionLog) -> Iterator[QuestionLog]:
    new = reopen(old)
    try:
        yield new
    finally:
        new.close()


def keep(question_log: QuestionLog, *ids: int, **options: Any) -> set[int]:
    """Keep updates `ids` (their JSON does not matter here); the new ones, once committed."""
    return question_log.keep([(ident, "{}") for ident in ids], **options).result(timeout=5)


# --- without a question log: only the unreadable are skipped -----------------------------------


@pytest.mark.asyncio
async def test_unreadable_updates_are_emptied_in_place_and_logged(
    bot: ExtBot[Any], caplog: pytest.LogCaptureFixture
) -> None:
    first, bad, last = private_message("first"), unreadable(), private_message("last")
    with pytest.raises(TypeError, match="persistent_id"):
        Update.de_json(bad, bot)
    with caplog.at_level(logging.WARNING):
        screened = await Inbox(None).screen(bot, [first, bad, last])
    assert screened == [first, {"update_id": bad["update_id"]}, last]
    [warning] = [r for r in caplog.records if "cannot read it" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert f"update {bad['update_id']} " in warning.getMessage()


@pytest.mark.asyncio
async def test_items_without_an_int_update_id_are_dropped_with_a_warning(
    bot: ExtBot[Any], caplog: pytest.LogCaptureFixture
) -> None:
    good = private_message("hello")
    junk: list[object] = ["text", None, {"update_id": "7"}, {"message": {}}, {"update_id": 1.5}]
    with caplog.at_level(logging.WARNING):
        screened = await Inbox(None).screen(bot, [*junk, good])
    assert screened == [good]
    skipped = [r for r in caplog.records if "without an id" in r.getMessage()]
    assert len(skipped) == len(junk)
    assert Inbox(None).replay(bot) == []


# --- what is kept: only what a replay needs ------------------------------------------------------

# Names and the like a user's updates carry; none may reach a file.
PRIVATE = ("Zelda", "Quixotic", "zq_private", "xx-private", "Secret Circle", "+15550001234")


def named(data: Any) -> Any:
    """`data` with names, username, language and phone on every user, chat and contact in it."""
    if isinstance(data, dict):
        found: dict[str, Any] = {key: named(value) for key, value in data.items()}
        if "is_bot" in found:
            found.update(first_name="Zelda", last_name="Quixotic", username="zq_private")
            found.update(language_code="xx-private", is_premium=True)
        if found.get("type") == "private":
            found.update(first_name="Zelda", last_name="Quixotic", username="zq_private")
        if found.get("type") == "supergroup":
            found.update(title="Secret Circle", username="zq_private")
        return found
    if isinstance(data, list):
        return [named(item) for item in data]
    return data


def named_updates() -> list[JSONDict]:
    """A private question, a group mention, a press, an inline query and a contact, all named."""
    contact = private_message("")
    del contact["message"]["text"]
    contact["message"]["contact"] = {
        "phone_number": "+15550001234",
        "first_name": "Zelda",
        "last_name": "Quixotic",
        "user_id": PRIVATE_CHAT_ID,
    }
    return [
        named(data)
        for data in (
            private_message("When did Assad visit Sochi?"),
            group_message("who met in Sochi", mention=True, reply_to_bot=True),
            callback_query("f:assad-visits-sochi"),
            inline_query("assad"),
            contact,
        )
    ]


def files_hold(folder: Path, secrets: tuple[str, ...]) -> list[str]:
    """Which of `secrets` any file in `folder` holds, as text or JSON-escaped."""
    found = []
    for path in folder.iterdir():
        data = path.read_bytes()
        found += [secret for secret in secrets if secret.encode() in data]
    return found


@pytest.mark.asyncio
async def test_kept_updates_hold_no_names_and_still_replay_whole(
    bot: ExtBot[Any], question_log: QuestionLog, db: Path
) -> None:
    updates = named_updates()
    assert all(any(secret in json.dumps(u) for secret in PRIVATE) for u in updates)
    await Inbox(question_log).screen(bot, updates)
    question_log.flush()
    # As a kill would leave them: the log open, the writes in the WAL.
    assert files_hold(db.parent, PRIVATE) == []
    with restart(question_log) as restarted:
        replayed = Inbox(restarted).replay(bot)
    # The inline query is not replayed (Telegram takes no late answers); the rest are, whole.
    originals = [
        Update.de_json(u, bot)
        for u in sorted(updates, key=lambda u: int(u["update_id"]))
        if "inline_query" not in u
    ]
    assert [u.update_id for u in replayed] == [u.update_id for u in originals]
    for again, original in zip(replayed, originals, strict=True):
        assert again.effective_user is not None and original.effective_user is not None
        assert again.effective_user.id == original.effective_user.id
        assert again.effective_chat == original.effective_chat  # chats compare by id
        if original.effective_chat is not None and again.effective_chat is not None:
            assert again.effective_chat.type == original.effective_chat.type
        if original.effective_message is not None and again.effective_message is not None:
            assert again.effective_message.text == original.effective_message.text
            assert again.effective_message.entities == original.effective_message.entities
        if original.callback_query is not None and again.callback_query is not None:
            assert again.callback_query.data == original.callback_query.data
    [reply_to] = [
        u.effective_message
        for u in replayed
        if u.effective_message is not None and u.effective_message.reply_to_message is not None
    ]
    assert reply_to is not None and reply_to.reply_to_message is not None
    assert reply_to.reply_to_message.from_user is not None
    assert reply_to.reply_to_message.from_user.id == BOT_ID


@pytest.mark.asyncio
async def test_an_unreadable_update_is_logged_by_id_and_kind_only(
    bot: ExtBot[Any], caplog: pytest.LogCaptureFixture
) -> None:
    bad = named(unreadable())
    bad["message"]["text"] = "my secret question"
    with caplog.at_level(logging.DEBUG):
        await Inbox(None).screen(bot, [bad, named({"no_id": {"is_bot": False, "id": 5}})])
    logged = caplog.text
    assert f"update {bad['update_id']} was skipped" in logged
    assert "(kind: message; TypeError)" in logged
    assert "without an id" in logged
    assert not [secret for secret in (*PRIVATE, "my secret question") if secret in logged]


# --- with a question log ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_update_received_twice_is_handed_on_once_even_after_a_restart(
    bot: ExtBot[Any], question_log: QuestionLog
) -> None:
    question, other = private_message("Who is Lavrov?"), private_message("And Assad?")
    inbox = Inbox(question_log)
    assert await inbox.screen(bot, [question]) == [question]
    assert await inbox.screen(bot, [question, other]) == [
        {"update_id": question["update_id"]},
        other,
    ]
    inbox.handled(other["update_id"])
    with restart(question_log) as restarted:
        after = Inbox(restarted)
        [replayed] = after.replay(bot)
        again = await after.screen(bot, [question, other])
    # Kept and being handled from the inbox, or handled a moment ago: neither handed on again.
    assert replayed.update_id == question["update_id"]
    assert again == [{"update_id": question["update_id"]}, {"update_id": other["update_id"]}]


@pytest.mark.asyncio
async def test_when_the_replay_failed_a_kept_update_sent_again_is_handed_on(
    bot: ExtBot[Any], question_log: QuestionLog
) -> None:
    question, other = private_message("Who is Lavrov?"), private_message("And Assad?")
    inbox = Inbox(question_log)
    await inbox.screen(bot, [question, other])
    inbox.handled(other["update_id"])
    with restart(question_log) as restarted:
        after = Inbox(restarted)  # no replay: it could not read the log, say
        again = await after.screen(bot, [question, other])
        once_more = await after.screen(bot, [question])
    assert again == [question, {"update_id": other["update_id"]}]
    assert once_more == [{"update_id": question["update_id"]}]


@pytest.mark.asyncio
async def test_replay_after_a_restart_returns_the_unhandled_oldest_first(
    bot: ExtBot[Any], question_log: QuestionLog, db: Path
) -> None:
    batch = [private_message(text) for text in ("one", "two", "three")]
    inbox = Inbox(question_log)
    assert await inbox.screen(bot, batch) == batch
    inbox.handled(batch[1]["update_id"])
    question_log.flush()
    assert inbox_rows(db)[batch[1]["update_id"]] == (1, 0, "")

    with restart(question_log) as restarted:
        second = Inbox(restarted)
        replayed = second.replay(bot)
        assert all(isinstance(u, Update) for u in replayed)
        assert [u.update_id for u in replayed] == [batch[0]["update_id"], batch[2]["update_id"]]
        assert texts(replayed) == ["one", "three"]
        # Telegram sends the unconfirmed batch again: nothing is handed on twice.
        assert await second.screen(bot, batch) == [{"update_id": u["update_id"]} for u in batch]
        for replayed_update in replayed:
            second.handled(replayed_update.update_id)
        with restart(restarted) as third:
            assert Inbox(third).replay(bot) == []


@pytest.mark.asyncio
async def test_handled_marks_only_the_updates_this_inbox_kept(
    bot: ExtBot[Any], question_log: QuestionLog, db: Path
) -> None:
    question = private_message("Who is Lavrov?")
    keeper, stranger = Inbox(question_log), Inbox(question_log)
    await keeper.screen(bot, [question])
    stranger.handled(question["update_id"])
    stranger.handled(999_999)  # never received at all
    question_log.flush()
    kept = json.dumps(for_replay(question))  # without the user's name and language
    assert inbox_rows(db) == {question["update_id"]: (0, 0, kept)}
    keeper.handled(question["update_id"])
    question_log.flush()
    assert inbox_rows(db) == {question["update_id"]: (1, 0, "")}


def test_an_update_never_handled_is_given_up_after_max_tries(
    bot: ExtBot[Any], db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    question = private_message("What crashes the bot?")
    ident = question["update_id"]
    question_log = QuestionLog.open(db)
    assert question_log.keep([(ident, json.dumps(question))]).result(timeout=5) == {ident}
    for _ in range(MAX_TRIES):  # each start replays it, and the bot dies before handling it
        question_log = reopen(question_log)
        assert [u.update_id for u in Inbox(question_log).replay(bot)] == [ident]
    question_log = reopen(question_log)
    with caplog.at_level(logging.WARNING):
        assert Inbox(question_log).replay(bot) == []
    with restart(question_log) as question_log:
        assert Inbox(question_log).replay(bot) == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [m for m in warnings if "given up" in m] == [
        f"Inbox: given up, tried {MAX_TRIES} times: update {ident}."
    ]
    assert inbox_rows(db)[ident][0] == 1


def test_a_kept_update_the_library_no_longer_reads_is_given_up(
    bot: ExtBot[Any], question_log: QuestionLog, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = unreadable()
    question_log.keep([(bad["update_id"], json.dumps(bad))]).result(timeout=5)
    with caplog.at_level(logging.WARNING):
        assert Inbox(question_log).replay(bot) == []
    question_log.flush()
    assert inbox_rows(db) == {bad["update_id"]: (1, 1, "")}
    assert any("could not be read; given up" in r.getMessage() for r in caplog.records)


# --- the store's side: keep ---------------------------------------------------------------------


def test_keep_returns_a_future_of_the_ids_not_received_before(question_log: QuestionLog) -> None:
    first = question_log.keep([(1, "{}"), (2, "{}")])
    assert isinstance(first, Future)
    assert first.result(timeout=5) == {1, 2}
    question_log.record_handled(2)
    assert keep(question_log, 1, 2, 3) == {1, 3}  # 1 kept before, still not handled
    assert keep(question_log) == set()


def test_confirmed_below_forgets_handled_rows_below_it_never_pending_ones(
    question_log: QuestionLog, db: Path
) -> None:
    keep(question_log, 1, 2, 3)
    question_log.record_handled(1)
    question_log.record_handled(3)
    keep(question_log, 4, confirmed_below=3)
    assert sorted(inbox_rows(db)) == [2, 3, 4]  # 2 is pending, 3 not below the offset
    assert keep(question_log, 1, 2, 3) == {1, 2}  # 1 forgotten, so new; 2 still pending


def test_handled_rows_are_forgotten_handled_kept_seconds_after_handling(
    question_log: QuestionLog, db: Path
) -> None:
    keep(question_log, 1, 2, now=NOW - 600)  # received long before 1 was handled
    question_log.record_handled(1, now=NOW)
    keep(question_log, 3, now=NOW + HANDLED_KEPT - 1)
    assert sorted(inbox_rows(db)) == [1, 2, 3]
    keep(question_log, 4, now=NOW + HANDLED_KEPT + 1)
    assert sorted(inbox_rows(db)) == [2, 3, 4]  # 2 is older, but pending
    assert keep(question_log, 1, 2, now=NOW + HANDLED_KEPT + 2) == {1, 2}


@pytest.mark.asyncio
async def test_a_closed_log_fails_keep_and_the_inbox_hands_updates_on_unkept(
    bot: ExtBot[Any], db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    question_log = QuestionLog.open(db)
    question_log.close()
    kept = question_log.keep([(1, "{}")])
    assert isinstance(kept.exception(timeout=5), StoreError)
    inbox, question = Inbox(question_log), private_message("Who is Lavrov?")
    with caplog.at_level(logging.WARNING):
        assert await inbox.screen(bot, [question]) == [question]
        # Not kept, but remembered for this run: not handed on twice.
        assert await inbox.screen(bot, [question]) == [{"update_id": question["update_id"]}]
        assert inbox.replay(bot) == []
        inbox.handled(question["update_id"])  # does not raise
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("handled without being kept" in m for m in messages) == 2  # both times
    assert any("left from the last run could not be read" in m for m in messages)
    assert inbox_rows(db) == {}


@pytest.mark.asyncio
async def test_a_log_too_slow_to_keep_lets_the_batch_through_unkept(
    bot: ExtBot[Any],
    question_log: QuestionLog,
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(inbox_module, "KEEP_TIMEOUT", 0.2)
    question = private_message("Who is Lavrov?")
    with closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the file: the writer waits
        try:
            with caplog.at_level(logging.WARNING):
                assert await Inbox(question_log).screen(bot, [question]) == [question]
        finally:
            other.execute("ROLLBACK")
    assert question_log.flush()
    assert inbox_rows(db) == {}  # the keep was called off while it waited
    [warning] = [r.getMessage() for r in caplog.records if "handled without" in r.getMessage()]
    assert warning.endswith("too slow"), warning


@pytest.mark.asyncio
async def test_an_update_twice_in_one_batch_is_handed_on_once(
    bot: ExtBot[Any], question_log: QuestionLog
) -> None:
    question = private_message("Who is Lavrov?")
    for inbox in (Inbox(None), Inbox(question_log)):
        screened = await inbox.screen(bot, [question, question])
        assert screened == [question, {"update_id": question["update_id"]}]
        question = private_message("Who is Lavrov?")  # a fresh id for the inbox with a log


@pytest.mark.asyncio
async def test_an_id_sqlite_cannot_store_is_skipped_and_costs_no_other_write(
    bot: ExtBot[Any], question_log: QuestionLog, db: Path
) -> None:
    huge = {**private_message("Who is Lavrov?"), "update_id": 2**63}
    question = private_message("And Assad?")
    assert await Inbox(question_log).screen(bot, [huge, question]) == [question]
    assert question_log.flush()
    assert set(inbox_rows(db)) == {question["update_id"]}


# --- the bot and the application ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_updates_batches_pass_through_the_inbox(
    question_log: QuestionLog, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = BotApi()
    monkeypatch.setattr(
        "bot.telegram.app.connections", lambda: (InMemoryRequest(api), InMemoryRequest(api))
    )
    settings = Settings(knowledge=PROJECT_KNOWLEDGE, token=TOKEN, database=db, rate_limit=0)
    application = build_application(settings, Answerer(load(PROJECT_KNOWLEDGE)), question_log)
    queue = application.update_queue
    async with application.bot:
        question = api.push_update(private_message("Who is Lavrov?"))
        bad = api.push_update(unreadable())
        polling = Polling(application, long_poll=0)
        # The readable update is queued; the unreadable one is confirmed and skipped.
        assert await polling.fetch() == 1
        queued = queue.get_nowait()
        assert isinstance(queued, Update)
        assert texts([queued]) == ["Who is Lavrov?"]
        assert polling.offset == bad + 1
        # Not confirmed (a restart before the next poll): Telegram sends the batch again, and
        # it is not handed on.
        assert await Polling(application, long_poll=0).fetch() == 0
        assert queue.empty()
        application.inbox.handled(question)
        question_log.flush()
        later = api.push_update(private_message("And Assad?"))
        assert await polling.fetch() == 1
        queued = queue.get_nowait()
        assert isinstance(queued, Update)
        assert queued.update_id == later
        question_log.flush()
    # The handled question was below the offset: forgotten. The unreadable one was never kept.
    assert {ident: row[:2] for ident, row in inbox_rows(db).items()} == {later: (0, 0)}
    assert api.unknown == []


@pytest.mark.asyncio
async def test_the_application_marks_an_update_handled_after_its_handlers_ran(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = BotApi()
    monkeypatch.setattr(
        "bot.telegram.app.connections", lambda: (InMemoryRequest(api), InMemoryRequest(api))
    )
    question_log = QuestionLog.open(db)
    settings = Settings(knowledge=PROJECT_KNOWLEDGE, token=TOKEN, database=db, rate_limit=0)
    application = build_application(settings, Answerer(load(PROJECT_KNOWLEDGE)), question_log)
    sent_when_marked: list[int] = []
    mark = question_log.record_handled

    def spy(update_id: int) -> None:
        sent_when_marked.append(len(api.sent))
        mark(update_id)

    monkeypatch.setattr(question_log, "record_handled", spy)
    bot = application.bot
    question = private_message("When did Assad visit Sochi?")
    ident = question["update_id"]
    await application.initialize()
    try:
        [screened] = await application.inbox.screen(bot, [question])
        question_log.flush()
        assert inbox_rows(db)[ident][0] == 0
        await application.process_update(Update.de_json(screened, bot))
        question_log.flush()
        assert inbox_rows(db)[ident] == (1, 0, "")
        assert sent_when_marked == [1]
        # The same update again: emptied by the inbox, neither answered nor marked.
        [repeat] = await application.inbox.screen(bot, [question])
        assert repeat == {"update_id": ident}
        await application.process_update(Update.de_json(repeat, bot))
    finally:
        await application.shutdown()  # closes the question log
    assert [m["chat_id"] for m in api.sent] == [PRIVATE_CHAT_ID]
    assert sent_when_marked == [1]
    assert api.unknown == []


class SlowSends(InMemoryRequest):
    """sendMessage waits for `gate`: a reply still on its way."""

    def __init__(self, api: BotApi, gate: asyncio.Event) -> None:
        super().__init__(api)
        self.gate = gate

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            await self.gate.wait()
        return await super().do_request(url, *args, **kwargs)


@pytest.mark.asyncio
async def test_a_replayed_update_is_marked_by_itself_not_by_its_repeat(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a restart the replay is being handled when Telegram sends its batch again: the
    # empty stand-in finishes first, and must not mark the real one handled before its reply.
    question = private_message("When did Assad visit Sochi?")
    ident = question["update_id"]
    earlier = QuestionLog.open(db)
    earlier.keep([(ident, json.dumps(question))]).result(timeout=5)
    earlier.close()  # the kill came before it was handled
    api, gate = BotApi(), asyncio.Event()
    monkeypatch.setattr(
        "bot.telegram.app.connections", lambda: (SlowSends(api, gate), InMemoryRequest(api))
    )
    question_log = QuestionLog.open(db)
    settings = Settings(knowledge=PROJECT_KNOWLEDGE, token=TOKEN, database=db, rate_limit=0)
    application = build_application(settings, Answerer(load(PROJECT_KNOWLEDGE)), question_log)
    bot = application.bot
    await application.initialize()
    try:
        [replayed] = application.inbox.replay(bot)
        [stand_in] = await application.inbox.screen(bot, [question])
        assert stand_in == {"update_id": ident}
        real = asyncio.create_task(application.process_update(replayed))
        await application.process_update(Update.de_json(stand_in, bot))
        assert question_log.flush()
        assert (api.sent, inbox_rows(db)[ident][0]) == ([], 0)
        gate.set()
        await asyncio.wait_for(real, 5)
        assert question_log.flush()
        assert [m["chat_id"] for m in api.sent] == [PRIVATE_CHAT_ID]
        assert inbox_rows(db)[ident][0] == 1
    finally:
        gate.set()
        await application.shutdown()


def test_a_kept_inline_query_is_not_replayed(bot: ExtBot[Any], question_log: QuestionLog) -> None:
    # What someone was typing before the crash: Telegram takes no late results for it.
    typed, asked = inline_query("assad"), private_message("When did Assad visit Sochi?")
    question_log.keep([(u["update_id"], json.dumps(u)) for u in (typed, asked)]).result(timeout=5)
    with restart(question_log) as restarted:
        assert [u.update_id for u in Inbox(restarted).replay(bot)] == [asked["update_id"]]
        with restart(restarted) as again:  # and it is not kept for another try
            assert [u.update_id for u in Inbox(again).replay(bot)] == [asked["update_id"]]


@pytest.mark.asyncio
async def test_an_update_handled_while_its_repeat_is_being_kept_is_not_handed_on_again(
    bot: ExtBot[Any], db: Path
) -> None:
    # At start: the replay is being handled when Telegram sends it again; it finishes (and is
    # marked) while the repeat waits on the log, too late for keep() to see the mark.
    question = private_message("When did Assad visit Sochi?")
    ident = question["update_id"]
    earlier = QuestionLog.open(db)
    earlier.keep([(ident, json.dumps(question))]).result(timeout=5)
    earlier.close()
    question_log = QuestionLog.open(db)
    try:
        inbox = Inbox(question_log)
        [replayed] = inbox.replay(bot)
        with closing(sqlite3.connect(db, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # the log's writer waits
            screening = asyncio.create_task(inbox.screen(bot, [question]))
            await asyncio.sleep(0.2)
            inbox.handled(replayed.update_id)  # queued after the keep of the repeat
            other.execute("ROLLBACK")
        assert await asyncio.wait_for(screening, 5) == [{"update_id": ident}]
    finally:
        question_log.close()
    assert inbox_rows(db)[ident][0] == 1


@pytest.mark.asyncio
async def test_two_posts_of_one_update_at_once_hand_it_on_once(
    bot: ExtBot[Any], question_log: QuestionLog, db: Path
) -> None:
    # A webhook: Telegram posts the update again while the first post is still being kept, and
    # the first is handled and marked before the second's keep is done.
    question = private_message("Who is Lavrov?")
    inbox = Inbox(question_log)
    first = asyncio.create_task(inbox.screen(bot, [question]))
    await asyncio.sleep(0)
    assert question_log.flush()  # the first post is kept
    with closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # the second post's keep waits
        second = asyncio.create_task(inbox.screen(bot, [question]))
        await asyncio.sleep(0)
        assert await first == [question]
        inbox.handled(question["update_id"])  # queued behind the second keep
        other.execute("ROLLBACK")
    assert await asyncio.wait_for(second, 5) == [{"update_id": question["update_id"]}]


@pytest.mark.asyncio
async def test_a_full_disk_drops_the_batch_names_the_cause_and_answering_goes_on(
    bot: ExtBot[Any], question_log: QuestionLog, caplog: pytest.LogCaptureFixture
) -> None:
    assert question_log.flush()
    with closing(sqlite3.connect(question_log.path)) as probe:
        pages = probe.execute("PRAGMA page_count").fetchone()[0]
    question_log._writer.connection.execute(
        f"PRAGMA max_page_count={pages}"
    )  # the file cannot grow
    question = private_message("x" * 20_000)
    with caplog.at_level(logging.WARNING):
        assert await Inbox(question_log).screen(bot, [question]) == [question]
    assert "database or disk is full" in caplog.text
    assert "savepoint" not in caplog.text
    question_log._writer.connection.execute("PRAGMA max_page_count=1073741823")  # space again
    later = private_message("Who is Lavrov?")
    assert await Inbox(question_log).screen(bot, [later]) == [later]
    assert question_log.flush()
