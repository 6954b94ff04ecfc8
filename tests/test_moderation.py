"""Moderators through the real Application, offline: permissions, /teach, the unanswered queue,
feedback, /stats, live reload and the question log across a restart.

Every update goes through `Application.process_update` of an application made by
`build_application`, its Bot API answered in memory by tests.emulator.BotApi (`running` of
tests/harness.py, as in tests/test_telegram.py). The fact base is a copy of the project's in
tmp_path (knowledge/ itself is never written), and the question log a SQLite file in tmp_path.
The working directory is tmp_path, so problems are reported as "knowledge/<file>.yaml:LINE", as
moderators see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram import Update

from bot import moderation
from bot.config import Settings
from bot.factbase import Problem, load
from bot.reloading import KnowledgeHolder
from bot.replies import Answerer, label_of
from bot.storage import QuestionLog
from bot.teaching import LEARNED_FILE
from bot.telegram import callbacks, curating_keys
from bot.telegram.app import post_init, post_shutdown
from bot.telegram.asking import NOTED, STALE_BUTTON, THANKS_FOR_FEEDBACK
from bot.telegram.commands import UNKNOWN_COMMAND
from bot.telegram.keyboards import button_text
from bot.telegram.moderators import NO_LOG, PRIVATE_ONLY, RELOAD_FAILED
from bot.telegram.running import run
from bot.telegram.services import SERVICES, Services
from tests.conftest import copy_project_base
from tests.emulator import (
    BOT_USERNAME,
    GROUP_CHAT_ID,
    PRIVATE_CHAT_ID,
    TOKEN,
    BotApi,
    JSONDict,
    callback_query,
    group_message,
    private_message,
)
from tests.harness import (
    ASSAD_FACT,
    ASSAD_QUESTION,
    App,
    Bot,
    answer_buttons,
    answer_in_memory,
    buttons,
    clarifying_question,
    closest_buttons,
    closest_question,
    learned_yaml,
    running,
    suggestion_buttons,
)

MOD_ID = 777
OTHER_MOD = 778
USER_ID = PRIVATE_CHAT_ID
OTHER_USER = 1002
# Out of scope for the real base: both fall back, the first with candidate facts to attach to.
OUT_OF_SCOPE = "how much did the summit cost"
OTHER_OUT_OF_SCOPE = "how tall is mount everest"
# Nobody wrote this wording; taught, it is answered with FACT.
NEW_WORDING = "who picked up the bill for the sochi summit"
FACT = "js-thanks-host"
LEARNED = learned_yaml(NEW_WORDING, FACT)
BROKEN = "facts/summit.yaml"
UNKNOWN = html.escape(UNKNOWN_COMMAND)
INTERVAL = 0.05
WAIT = 5.0
MODERATOR_COMMANDS = (
    "/unanswered",
    f"/teach {NEW_WORDING} => {FACT}",
    "/reload",
    "/stats",
    f"/stats@{BOT_USERNAME}",
)


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """The core on (a copy of) the real base, loaded once; each test's holder starts with it."""
    folder = copy_project_base(tmp_path_factory.mktemp("base"))
    return Answerer(load(folder))


@pytest.fixture
def base_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's fact base, without learned phrasings; the cwd is its parent."""
    monkeypatch.chdir(tmp_path)
    return copy_project_base(tmp_path)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Where the question log is kept."""
    return tmp_path / "data" / "questions.sqlite3"


@pytest.fixture
def question_log(database: Path) -> Iterator[QuestionLog]:
    """An open question log (closed by post_shutdown, or here at the latest)."""
    question_log = QuestionLog.open(database)
    try:
        yield question_log
    finally:
        question_log.close()


class Moderated(Bot):
    """The application under test, its Bot API, its fact base holder and its question log."""

    def __init__(
        self,
        application: App,
        api: BotApi,
        holder: KnowledgeHolder,
        question_log: QuestionLog | None,
    ) -> None:
        super().__init__(application, api)
        self.holder = holder
        self.question_log = question_log

    @property
    def services(self) -> Services:
        services = self.application.bot_data[SERVICES]
        assert isinstance(services, Services)
        return services

    async def say(self, text: str, user: int = USER_ID) -> JSONDict:
        """A private message from `user` that must be answered with exactly one message."""
        return await self.one_message(private_message(text, chat_id=user))

    async def press(self, data: str | None, user: int = USER_ID) -> list[JSONDict]:
        """A press by `user` on a button under a message in their private chat."""
        return await self.receive(callback_query(data, chat_id=user))

    async def process(self, data: JSONDict) -> None:
        """Process an update without collecting its calls (for concurrent streams)."""
        await self.application.process_update(Update.de_json(data, self.application.bot))

    def flushed(self) -> QuestionLog:
        """The question log, its queued writes done."""
        assert self.question_log is not None
        assert self.question_log.flush(WAIT)
        return self.question_log


@contextlib.asynccontextmanager
async def moderated(
    answerer: Answerer,
    base_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    question_log: QuestionLog | None,
    **overrides: Any,
) -> AsyncIterator[Moderated]:
    """build_application over a KnowledgeHolder on `base_copy` and `log`, run as run_polling would
    (initialize, post_init ... post_shutdown, shutdown), its Bot API answered in memory."""
    options: dict[str, Any] = {
        "knowledge": base_copy,
        "moderators": frozenset({MOD_ID}),
        "rate_limit": 0,
        "reload_interval": 0,
        "database": base_copy.parent / "data" / "questions.sqlite3",
        **overrides,
    }
    holder = KnowledgeHolder(base_copy, answerer, overlay_of(base_copy))
    async with running(holder, monkeypatch, question_log, hooks=True, **options) as bot:
        yield Moderated(bot.application, bot.api, holder, question_log)


def count_reloads(holder: KnowledgeHolder, monkeypatch: pytest.MonkeyPatch) -> list[list[Problem]]:
    """Record the result of every reload of `holder` from now on."""
    results: list[list[Problem]] = []
    reload = holder.reload

    async def counted() -> list[Problem]:
        problems = await reload()
        results.append(problems)
        return problems

    monkeypatch.setattr(holder, "reload", counted)
    return results


@contextlib.contextmanager
def nothing_taught_or_reloaded(
    bot: Moderated, base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail unless what runs inside leaves the fact base as it was: no reload, no file written."""
    reloads = count_reloads(bot.holder, monkeypatch)
    before, files = bot.holder.answerer, bot.holder.snapshot()
    yield
    assert reloads == []
    assert bot.holder.answerer is before
    assert bot.holder.snapshot() == files
    assert not (base_copy / LEARNED_FILE).exists()
    assert not overlay_of(base_copy).exists()
    assert hidden_files(base_copy) == []


def overlay_of(base_copy: Path) -> Path:
    """The moderators' overlay of the app under test: beside its question log."""
    return base_copy.parent / "data" / "overlay.yaml"


def learned_entries(base_copy: Path) -> list[tuple[str, str, str]]:
    """(question, fact, by) of every phrasing taught into the overlay, checking each has a
    recent time; knowledge/learned.yaml is not written."""
    assert not (base_copy / LEARNED_FILE).exists()
    document = yaml.safe_load(overlay_of(base_copy).read_text(encoding="utf-8"))
    entries = []
    for entry in document["learned"]:
        at = entry["at"]
        when = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(at)
        assert abs((dt.datetime.now(dt.UTC) - when).total_seconds()) < 120, entry
        entries.append((entry["question"], entry["fact"], entry["by"]))
    return entries


def hidden_files(base_copy: Path) -> list[Path]:
    """Temporary files left in the base (teach's are hidden)."""
    return list(base_copy.rglob(".*"))


def only_answered(calls: list[JSONDict]) -> None:
    """The calls were a bare answerCallbackQuery: no text, no message, nothing else."""
    assert calls == [
        {"method": "answerCallbackQuery", "callback_query_id": calls[0]["callback_query_id"]}
    ], calls


async def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"still not so after {timeout} s") from None


def votes_of(message: JSONDict) -> tuple[str, str]:
    """The callback data of the 👍 and 👎 buttons under an answer."""
    [up, down] = message["reply_markup"]["inline_keyboard"][-1]
    return up["callback_data"], down["callback_data"]


def moderation_buttons(message: JSONDict) -> list[tuple[str, callbacks.Attach | callbacks.Dismiss]]:
    """(text, action) of the buttons under an /unanswered entry, each checked to be valid; the
    last, "New fact", is checked and left out (tests/test_curating.py presses it)."""
    found = []
    *teaching, (last, new_fact) = buttons(message)
    assert last == "New fact" and curating_keys.NEW_FROM_QUESTION.match(new_fact), new_fact
    for text, data in teaching:
        assert len(data.encode()) <= callbacks.MAX_BYTES
        action = callbacks.parse(data)
        assert isinstance(action, callbacks.Attach | callbacks.Dismiss), data
        found.append((text, action))
    return found


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", MODERATOR_COMMANDS)
@pytest.mark.asyncio
async def test_a_non_moderator_gets_the_unknown_command_reply_and_nothing_happens(
    answerer: Answerer,
    base_copy: Path,
    question_log: QuestionLog,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        with nothing_taught_or_reloaded(bot, base_copy, monkeypatch):
            unknown = await bot.say("/no_such_command")
            assert unknown["text"] == UNKNOWN
            reply = await bot.say(command)
            assert reply == unknown  # the very same request: text, markup (none), everything
            # In groups, an unknown command gets silence; so does a moderator command.
            assert await bot.receive(group_message("/no_such_command", user_id=USER_ID)) == []
            assert await bot.receive(group_message(command, user_id=USER_ID)) == []
            question_log = bot.flushed()
            assert question_log.stats().week == 0  # commands are not questions
            assert question_log.unanswered() == []


@pytest.mark.asyncio
async def test_a_moderator_command_from_a_moderator_is_not_the_unknown_reply(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        for command in ("/unanswered", "/reload", "/stats"):
            assert (await bot.say(command, MOD_ID))["text"] != UNKNOWN


@pytest.mark.parametrize("command", MODERATOR_COMMANDS)
@pytest.mark.asyncio
async def test_a_moderator_command_outside_a_private_chat_says_so_and_shows_nothing(
    answerer: Answerer,
    base_copy: Path,
    question_log: QuestionLog,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        # A question in the queue, asked in a private chat: a group must never see it.
        await bot.say(OUT_OF_SCOPE)
        with nothing_taught_or_reloaded(bot, base_copy, monkeypatch):
            for data in (
                group_message(command, user_id=MOD_ID),
                group_message(command, user_id=MOD_ID, reply_to_bot=True),
            ):
                calls = await bot.receive(data)
                assert [(c["method"], c["chat_id"], c["text"]) for c in calls] == [
                    ("sendMessage", GROUP_CHAT_ID, html.escape(PRIVATE_ONLY))
                ], calls
                assert "reply_markup" not in calls[0]
        # The same command in the private chat works.
        [reply, *_] = await bot.receive(private_message(command, chat_id=MOD_ID))
        assert reply["text"] != html.escape(PRIVATE_ONLY)


@pytest.mark.asyncio
async def test_a_non_moderator_pressing_moderator_buttons_changes_nothing(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        for _ in range(2):
            await bot.say(OUT_OF_SCOPE)
        [group] = bot.flushed().unanswered()
        assert group.count == 2
        first, second = group.question_ids
        candidate = group.candidates[0]
        pressed = [
            # What /unanswered offers moderators ...
            callbacks.attach(first, candidate),
            callbacks.dismiss(first),
            # ... and forged data: other ids, unknown facts and questions.
            callbacks.attach(second, FACT),
            callbacks.dismiss(second),
            callbacks.attach(first, "no-such-fact"),
            callbacks.attach(123456, candidate),
            callbacks.dismiss(123456),
            callbacks.attach(2**48 - 1, "a" * 40),
        ]
        reloads = count_reloads(bot.holder, monkeypatch)
        before, files = bot.holder.answerer, bot.holder.snapshot()
        for data in pressed:
            only_answered(await bot.press(data, USER_ID))
            only_answered(await bot.receive(callback_query(data, chat_id=GROUP_CHAT_ID)))
        # Many at once change nothing either.
        await asyncio.gather(
            *(bot.process(callback_query(data, chat_id=OTHER_USER)) for data in pressed * 5)
        )
        assert bot.flushed().unanswered() == [group]
        assert not (base_copy / LEARNED_FILE).exists()
        assert not overlay_of(base_copy).exists()
        assert reloads == []
        assert bot.holder.answerer is before
        assert bot.holder.snapshot() == files
        assert bot.api.requests("sendMessage")[2:] == []  # only the two fallbacks were sent
        # The moderator still finds it in the queue.
        [listed] = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        assert html.unescape(listed["text"]) == f"“{OUT_OF_SCOPE}” — asked 2 times (fallback)"


# --- teach ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_moderator_teaches_a_new_wording_and_it_is_answered_with_that_fact(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        old = bot.holder.answerer
        assert old.ask(NEW_WORDING).fact != FACT
        untaught = await bot.say(NEW_WORDING)
        # Not answered: at most shown as the closest, which says it may not answer.
        assert untaught["text"] == old.ask(NEW_WORDING).html()
        assert old.ask(NEW_WORDING).outcome != "answer"
        taught = await bot.say(f"/teach {NEW_WORDING} => {FACT}", MOD_ID)
        assert taught["chat_id"] == MOD_ID
        assert html.unescape(taught["text"]) == (
            f"Taught: “{NEW_WORDING}” => {FACT}. I answer it with that fact now."
        )
        assert learned_entries(base_copy) == [(NEW_WORDING, FACT, f"telegram:{MOD_ID}")]
        assert hidden_files(base_copy) == []
        assert bot.holder.answerer is not old
        expected = bot.holder.answerer.ask(NEW_WORDING)
        assert expected.fact == FACT
        # The very same question, typed afterwards, is answered with that fact.
        answer = await bot.say(NEW_WORDING, OTHER_USER)
        assert answer["text"] == expected.html()
        assert "<blockquote>" in answer["text"]
        asked, _ = answer_buttons(answer)
        logged = bot.flushed().question(asked)
        assert logged is not None
        assert (logged.text, logged.outcome, logged.fact) == (NEW_WORDING, "answer", FACT)


@pytest.mark.parametrize(
    "command",
    [
        "/teach",
        "/teach just some words",
        f"/teach => {FACT}",
        f"/teach {NEW_WORDING} =>",
        f"/teach {NEW_WORDING} => Not An Id!",
        f"/teach {NEW_WORDING} -> {FACT}",
    ],
)
@pytest.mark.asyncio
async def test_a_malformed_teach_gets_the_usage_line(
    answerer: Answerer,
    base_copy: Path,
    question_log: QuestionLog,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        reloads = count_reloads(bot.holder, monkeypatch)
        reply = await bot.say(command, MOD_ID)
    assert reply["text"] == html.escape(moderation.TEACH_USAGE)
    assert reloads == []
    assert not (base_copy / LEARNED_FILE).exists()
    assert not overlay_of(base_copy).exists()


@pytest.mark.asyncio
async def test_teaching_an_unknown_fact_reports_the_problem_and_writes_nothing(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        reloads = count_reloads(bot.holder, monkeypatch)
        before, files = bot.holder.answerer, bot.holder.snapshot()
        reply = await bot.say(f"/teach {NEW_WORDING} => no-such-fact", MOD_ID)
    heading, *problems = html.unescape(reply["text"]).splitlines()
    assert heading == "Nothing was taught:"
    assert len(problems) == 1
    assert re.fullmatch(
        rf"data/overlay.yaml:\d+: learned phrasing '{NEW_WORDING}': 'no-such-fact' is "
        r"not the id of a fact or entity",
        problems[0],
    ), problems
    assert not (base_copy / LEARNED_FILE).exists()
    assert not overlay_of(base_copy).exists()
    assert hidden_files(base_copy) == []
    assert bot.holder.snapshot() == files
    assert bot.holder.answerer is before
    assert reloads == []


# --- the unanswered queue -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_unanswered_lists_a_fallback_and_attach_teaches_it(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        for _ in range(2):
            fallback = await bot.say(OUT_OF_SCOPE)
            assert "<blockquote>" not in fallback["text"]
        [group] = bot.flushed().unanswered()
        first = group.question_ids[0]
        [listed] = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        assert html.unescape(listed["text"]) == f"“{OUT_OF_SCOPE}” — asked 2 times (fallback)"
        offered = moderation_buttons(listed)
        core = bot.holder.answerer
        expected: list[tuple[str, callbacks.Attach | callbacks.Dismiss]] = []
        for ident in group.candidates[:3]:
            item = core.matcher.answerable(ident)
            assert item is not None
            expected.append((button_text(f"+ {label_of(item)}"), callbacks.Attach(first, ident)))
        expected.append(("Dismiss", callbacks.Dismiss(first)))
        assert offered == expected
        assert len(offered) >= 2  # at least one candidate to attach to

        _, attach = offered[0]
        assert isinstance(attach, callbacks.Attach)
        target = attach.ident
        calls = await bot.press(callbacks.attach(attach.question_id, target), MOD_ID)
        assert [call["method"] for call in calls] == ["answerCallbackQuery", "sendMessage"]
        assert calls[1]["chat_id"] == MOD_ID
        assert html.unescape(calls[1]["text"]) == (
            f"Taught: “{OUT_OF_SCOPE}” => {target}. I answer it with that fact now."
        )
        assert learned_entries(base_copy) == [(OUT_OF_SCOPE, target, f"telegram:{MOD_ID}")]
        # The question is answered with that fact now, and the group has left the queue.
        expected_reply = bot.holder.answerer.ask(OUT_OF_SCOPE)
        assert expected_reply.fact == target
        answer = await bot.say(OUT_OF_SCOPE)
        assert answer["text"] == expected_reply.html()
        assert bot.flushed().unanswered() == []
        nothing = await bot.say("/unanswered", MOD_ID)
        assert nothing["text"] == "Nothing unanswered in the last 7 days."


@pytest.mark.asyncio
async def test_attach_teaches_the_wording_shown_not_the_first_asked(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = f"  {OUT_OF_SCOPE.capitalize()}?? "
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        for question in (first, OUT_OF_SCOPE, OUT_OF_SCOPE):
            await bot.say(question)
        [group] = bot.flushed().unanswered()
        assert group.count == 3
        [listed] = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        shown = html.unescape(listed["text"])
        assert shown == f"“{OUT_OF_SCOPE}” — asked 3 times (fallback)"
        _, attach = moderation_buttons(listed)[0]
        assert isinstance(attach, callbacks.Attach)
        calls = await bot.press(callbacks.attach(attach.question_id, attach.ident), MOD_ID)
        assert html.unescape(calls[1]["text"]) == (
            f"Taught: “{OUT_OF_SCOPE}” => {attach.ident}. I answer it with that fact now."
        )
        assert learned_entries(base_copy) == [(OUT_OF_SCOPE, attach.ident, f"telegram:{MOD_ID}")]
        assert bot.flushed().unanswered() == []  # the whole group, both wordings


@pytest.mark.asyncio
async def test_dismiss_removes_a_group_from_the_queue(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        for question in (OUT_OF_SCOPE, OTHER_OUT_OF_SCOPE, OUT_OF_SCOPE):
            await bot.say(question)
        groups = bot.flushed().unanswered()
        assert [(g.text, g.count) for g in groups] == [(OUT_OF_SCOPE, 2), (OTHER_OUT_OF_SCOPE, 1)]
        reloads = count_reloads(bot.holder, monkeypatch)
        listed = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        assert [html.unescape(m["text"]) for m in listed] == [
            f"“{OUT_OF_SCOPE}” — asked 2 times (fallback)",
            f"“{OTHER_OUT_OF_SCOPE}” — asked once (fallback)",
        ]
        # With no candidate fact, only Dismiss is offered.
        assert moderation_buttons(listed[1]) == [
            ("Dismiss", callbacks.Dismiss(groups[1].question_ids[0]))
        ]
        _, dismiss = moderation_buttons(listed[0])[-1]
        assert dismiss == callbacks.Dismiss(groups[0].question_ids[0])
        calls = await bot.press(callbacks.dismiss(dismiss.question_id), MOD_ID)
        assert [call["method"] for call in calls] == ["answerCallbackQuery", "sendMessage"]
        assert calls[1]["text"] == "Dismissed."
        assert bot.flushed().unanswered() == [groups[1]]
        [left] = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        assert html.unescape(left["text"]) == f"“{OTHER_OUT_OF_SCOPE}” — asked once (fallback)"
    assert reloads == []
    assert not (base_copy / LEARNED_FILE).exists()
    assert not overlay_of(base_copy).exists()


@pytest.mark.asyncio
async def test_teaching_a_queued_question_by_hand_takes_it_off_the_queue(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        for _ in range(2):
            await bot.say(OUT_OF_SCOPE)
        assert len(bot.flushed().unanswered()) == 1
        taught = await bot.say(f"/teach {OUT_OF_SCOPE} => {FACT}", MOD_ID)
        assert html.unescape(taught["text"]).startswith("Taught")
        assert bot.flushed().unanswered() == []


# --- feedback -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_up_then_down_from_one_user_is_one_vote_down_and_queues_the_question(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        answer = await bot.say(ASSAD_QUESTION)
        asked, _ = answer_buttons(answer)
        assert bot.flushed().unanswered() == []  # answered, and not voted on yet
        for data in votes_of(answer):
            calls = await bot.press(data, USER_ID)
            assert calls == [
                {
                    "method": "answerCallbackQuery",
                    "callback_query_id": calls[0]["callback_query_id"],
                    "text": THANKS_FOR_FEEDBACK,
                }
            ]
        question_log = bot.flushed()
        stats = question_log.stats()
        assert (stats.upvotes, stats.downvotes) == (0, 1)
        [group] = question_log.unanswered()
        assert group.question_ids == (asked,)
        assert group.reasons == {"downvote"}
        assert group.text == ASSAD_QUESTION
        [listed] = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        assert html.unescape(listed["text"]) == f"“{ASSAD_QUESTION}” — asked once (downvote)"
        assert moderation_buttons(listed)[-1] == ("Dismiss", callbacks.Dismiss(asked))


@pytest.mark.asyncio
async def test_concurrent_presses_count_once_per_user(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flood control off: every press is handled (tests/test_flood.py holds it back).
    async with moderated(answerer, base_copy, monkeypatch, question_log, flood_limit=0) as bot:
        answer = await bot.say(ASSAD_QUESTION)
        up, down = votes_of(answer)
        presses = 30
        await asyncio.gather(*(bot.process(callback_query(up, USER_ID)) for _ in range(presses)))
        assert len(bot.api.requests("answerCallbackQuery")) == presses  # every press answered
        stats = bot.flushed().stats()
        assert (stats.upvotes, stats.downvotes) == (1, 0)
        # Another user's presses add nothing; the asker's, even mixed, still count once.
        mixed = [callback_query(down, OTHER_USER) for _ in range(presses)]
        mixed += [callback_query(down if n % 2 else up, USER_ID) for n in range(presses)]
        await asyncio.gather(*(bot.process(data) for data in mixed))
        stats = bot.flushed().stats()
        assert stats.upvotes + stats.downvotes == 1
        # Told apart by a final, lone press.
        await bot.press(down, USER_ID)
        stats = bot.flushed().stats()
        assert (stats.upvotes, stats.downvotes) == (0, 1)


@pytest.mark.asyncio
async def test_only_the_asker_picks_and_votes_and_only_what_was_offered(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    clarify, _ = clarifying_question(answerer)
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        # In a group everyone sees the buttons under everyone's answers.
        [answer] = await bot.receive(group_message(ASSAD_QUESTION, user_id=USER_ID, mention=True))
        _, down = votes_of(answer)
        [options] = await bot.receive(group_message(clarify, user_id=USER_ID, mention=True))
        asked, offered = suggestion_buttons(options)
        offered_ids = [
            pick.ident
            for _, data in offered
            if (pick := callbacks.parse(data)) and isinstance(pick, callbacks.Pick)
        ]
        never_offered = next(f for f in (FACT, ASSAD_FACT) if f not in offered_ids)
        before = bot.flushed().stats(), bot.flushed().unanswered()
        [clarified] = before[1]
        assert clarified.question_ids == (asked,)

        def press(data: str, user: int) -> JSONDict:
            return callback_query(data, chat_id=GROUP_CHAT_ID, user_id=user)

        for data in (
            press(down, OTHER_USER),  # another user's vote on the asker's answer
            press(callbacks.pick(offered_ids[0], asked), OTHER_USER),  # another user's pick
            press(callbacks.pick(never_offered, asked), USER_ID),  # a fact never offered
            press(callbacks.vote(asked, -1), USER_ID),  # a vote where no answer was given
        ):
            calls = await bot.receive(data)
            assert calls[0]["method"] == "answerCallbackQuery", calls
        assert (bot.flushed().stats(), bot.flushed().unanswered()) == before

        # The asker's own pick of an offered fact, and their votes, count.
        await bot.receive(press(callbacks.pick(offered_ids[0], asked), USER_ID))
        await bot.receive(press(callbacks.vote(asked, 1), USER_ID))
        await bot.receive(press(down, USER_ID))
        stats = bot.flushed().stats()
        assert (stats.upvotes, stats.downvotes) == (1, 1)
        assert offered_ids[0] in dict(stats.top_facts)
        [downvoted] = bot.flushed().unanswered()
        assert downvoted.reasons == {"downvote"}
        assert downvoted.text == ASSAD_QUESTION


@pytest.mark.asyncio
async def test_an_answer_to_a_related_question_button_carries_votes(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        _, related = answer_buttons(await bot.say(ASSAD_QUESTION))
        (_, data), *_ = related
        calls = await bot.press(data, USER_ID)
        assert [call["method"] for call in calls] == ["answerCallbackQuery", "sendMessage"]
        assert "<blockquote>" in calls[1]["text"]
        answer_buttons(calls[1])


# --- the word on a closest answer -----------------------------------------------------------


def closest_words(question_log: QuestionLog) -> list[tuple[int, int]]:
    """(question id, 1 for "That answers it" or 0 for "Not what I asked") of every word on a
    closest answer the log holds."""
    with closing(sqlite3.connect(question_log.path)) as connection:
        return connection.execute(
            "SELECT question_id, answers FROM closest_feedback ORDER BY question_id"
        ).fetchall()


def acknowledged(calls: list[JSONDict], text: str) -> None:
    """The calls were one answerCallbackQuery with `text`, and nothing else."""
    assert calls == [
        {
            "method": "answerCallbackQuery",
            "callback_query_id": calls[0]["callback_query_id"],
            "text": text,
        }
    ], calls


@pytest.mark.asyncio
async def test_not_what_i_asked_is_noted_and_queues_the_question_as_refused(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    question, _ = closest_question(answerer)
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        yes, no, _ = closest_buttons(await bot.say(question))
        [group] = bot.flushed().unanswered()
        assert group.reasons == {"closest answer"}  # shown, no word on it yet
        asked = yes.question_id
        acknowledged(await bot.press(callbacks.closest_feedback(asked, yes.ident, True)), NOTED)
        assert closest_words(question_log) == [(asked, 1)]
        # A later press replaces the first.
        acknowledged(await bot.press(callbacks.closest_feedback(asked, no.ident, False)), NOTED)
        assert closest_words(question_log) == [(asked, 0)]
        [group] = bot.flushed().unanswered()
        assert group.reasons == {"closest answer refused"}
        assert group.candidates[0] == no.ident
        [listed] = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        assert html.unescape(listed["text"]) == (
            f"“{question}” — asked once (closest answer refused)"
        )
        assert moderation_buttons(listed)[-1] == ("Dismiss", callbacks.Dismiss(asked))


@pytest.mark.asyncio
async def test_that_answers_it_keeps_the_question_for_a_moderator_to_teach(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    question, _ = closest_question(answerer)
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        yes, _, _ = closest_buttons(await bot.say(question))
        confirm = callbacks.closest_feedback(yes.question_id, yes.ident, True)
        acknowledged(await bot.press(confirm), NOTED)
        assert closest_words(question_log) == [(yes.question_id, 1)]
        [listed] = await bot.receive(private_message("/unanswered", chat_id=MOD_ID))
        assert html.unescape(listed["text"]) == (
            f"“{question}” — asked once (closest answer confirmed)"
        )
        # The fact the asker confirmed is the first to attach it to.
        _, attach = moderation_buttons(listed)[0]
        assert attach == callbacks.Attach(yes.question_id, yes.ident)
        calls = await bot.press(callbacks.attach(attach.question_id, attach.ident), MOD_ID)
        assert html.unescape(calls[1]["text"]).startswith(f"Taught: “{question}” => {yes.ident}")
        assert bot.holder.answerer.ask(question).fact == yes.ident
        assert bot.flushed().unanswered() == []


@pytest.mark.asyncio
async def test_a_word_on_a_closest_answer_counts_only_from_the_asker_on_the_fact_shown(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    question, reply = closest_question(answerer)
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        yes, no, _ = closest_buttons(await bot.say(question))
        asked, shown = yes.question_id, yes.ident
        answered, _ = answer_buttons(await bot.say(ASSAD_QUESTION))
        in_group = await bot.one_message(group_message(question, mention=True))
        group_yes, _, _ = closest_buttons(in_group)
        other_fact = next(s.id for s in reply.suggestions if s.id != shown)
        forged = [
            # another user, on the asker's buttons
            callback_query(callbacks.closest_feedback(asked, shown, False), chat_id=OTHER_USER),
            callback_query(
                callbacks.closest_feedback(group_yes.question_id, shown, True),
                chat_id=GROUP_CHAT_ID,
                user_id=OTHER_USER,
            ),
            # the asker, on a fact that was not the one shown
            callback_query(callbacks.closest_feedback(asked, other_fact, False)),
            callback_query(callbacks.closest_feedback(asked, "no-such-fact", True)),
            # a question that got an answer, not a closest one; a question never asked
            callback_query(callbacks.closest_feedback(answered, ASSAD_FACT, False)),
            callback_query(callbacks.closest_feedback(123456, shown, False)),
            callback_query(callbacks.closest_feedback(2**48 - 1, "a" * 40, True)),
        ]
        for data in forged:
            acknowledged(await bot.receive(data), STALE_BUTTON)
        assert closest_words(question_log) == []
        groups = bot.flushed().unanswered()
        assert [g.reasons for g in groups] == [{"closest answer"}]  # both askings, one group
        # The askers themselves are heard, in the private chat and in the group.
        acknowledged(await bot.press(callbacks.closest_feedback(asked, no.ident, False)), NOTED)
        group_press = callback_query(
            callbacks.closest_feedback(group_yes.question_id, shown, True), chat_id=GROUP_CHAT_ID
        )
        acknowledged(await bot.receive(group_press), NOTED)
        assert sorted(closest_words(question_log)) == sorted(
            [(asked, 0), (group_yes.question_id, 1)]
        )


# --- stats ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_stats_show_todays_questions(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    clarify, _ = clarifying_question(answerer)
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        answer = await bot.say(ASSAD_QUESTION)
        await bot.say(clarify, OTHER_USER)
        await bot.say(OUT_OF_SCOPE)
        up, _ = votes_of(answer)
        await bot.press(up, USER_ID)
        question_log = bot.flushed()
        message = await bot.say("/stats", MOD_ID)
        text = html.unescape(message["text"])
        assert text == moderation.stats_text(question_log.stats())
    assert text.startswith("Questions today (UTC): 3\n")
    assert "Questions in the last 7 days: 3 — answered 33%, clarified 33%, fell back 33%" in text
    assert "Feedback in the last 7 days: 👍 1, 👎 0" in text
    assert f"{OUT_OF_SCOPE}" in text.split("Top unanswered")[1]


# --- live reload ----------------------------------------------------------------------------


def break_file(base_copy: Path) -> tuple[str, int]:
    """Append an unclosed list to a fact file; return its old text and number of lines."""
    path = base_copy / BROKEN
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "facts: [\n", encoding="utf-8")
    return text, text.count("\n")


def assert_problems_in_broken_file(text: str, lines: int) -> None:
    """`text` is the reload failure: file:line problems past the file's old end."""
    assert text.startswith(RELOAD_FAILED), text
    problems = text.removeprefix(RELOAD_FAILED).splitlines()
    assert problems
    for problem in problems:
        found = re.fullmatch(rf"knowledge/{re.escape(BROKEN)}:(\d+): YAML error: .+", problem)
        assert found is not None, problem
        assert lines < int(found.group(1)) <= lines + 2, problem


@pytest.mark.asyncio
async def test_reload_command_keeps_the_old_base_when_the_new_one_is_broken(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        old = bot.holder.answerer
        original, lines = break_file(base_copy)
        (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
        failed = await bot.say("/reload", MOD_ID)
        assert_problems_in_broken_file(html.unescape(failed["text"]), lines)
        assert bot.holder.answerer is old
        answer = await bot.say(NEW_WORDING)
        assert answer["text"] == old.ask(NEW_WORDING).html()  # still the old base
        (base_copy / BROKEN).write_text(original, encoding="utf-8")
        done = await bot.say("/reload", MOD_ID)
        base = bot.holder.answerer.base
        assert done["text"] == f"Reloaded: {len(base.facts)} facts, {len(base.entities)} entities."
        assert bot.holder.answerer is not old
        expected = bot.holder.answerer.ask(NEW_WORDING)
        assert expected.fact == FACT
        assert (await bot.say(NEW_WORDING))["text"] == expected.html()


@pytest.mark.asyncio
async def test_watcher_reports_a_broken_edit_to_every_moderator_and_keeps_the_old_base(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    moderators = frozenset({MOD_ID, OTHER_MOD})
    async with moderated(
        answerer,
        base_copy,
        monkeypatch,
        question_log,
        moderators=moderators,
        reload_interval=INTERVAL,
    ) as bot:
        watcher = bot.services.watcher
        assert watcher is not None
        assert not watcher.done()
        old = bot.holder.answerer
        original, lines = break_file(base_copy)

        def reported() -> bool:
            return all(bot.api.sent_to(moderator) for moderator in moderators)

        await wait_until(reported)
        for moderator in moderators:
            [report] = bot.api.sent_to(moderator)
            assert report["parse_mode"] == "HTML"
            assert_problems_in_broken_file(html.unescape(report["text"]), lines)
        assert bot.holder.answerer is old
        # Users are still answered, from the old base.
        answer = await bot.say(ASSAD_QUESTION)
        assert answer["text"] == old.ask(ASSAD_QUESTION).html()
        # A broken edit is reported once, not on every look.
        await asyncio.sleep(INTERVAL * 6)
        assert [len(bot.api.sent_to(moderator)) for moderator in moderators] == [1, 1]

        # Fixed, with a new phrasing beside it: the next reload takes the new base.
        (base_copy / BROKEN).write_text(original, encoding="utf-8")
        (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
        await wait_until(lambda: bot.holder.answerer.ask(NEW_WORDING).fact == FACT)
        expected = bot.holder.answerer.ask(NEW_WORDING)
        assert (await bot.say(NEW_WORDING))["text"] == expected.html()
        await asyncio.sleep(INTERVAL * 4)
        # A reload that works is not reported.
        assert [len(bot.api.sent_to(moderator)) for moderator in moderators] == [1, 1]
    assert watcher.done()  # post_shutdown stopped it


@pytest.mark.asyncio
async def test_no_question_is_lost_while_the_base_reloads(
    answerer: Answerer, base_copy: Path, question_log: QuestionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 200
    chats = [5000 + n for n in range(count)]
    asked = {chat: NEW_WORDING if chat % 2 else ASSAD_QUESTION for chat in chats}
    async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
        reloads = count_reloads(bot.holder, monkeypatch)
        old = bot.holder.answerer
        (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
        new = Answerer(load(base_copy))
        replies = {
            question: {old.ask(question).html(), new.ask(question).html()}
            for question in set(asked.values())
        }
        assert len(replies[NEW_WORDING]) == 2  # the two bases answer it differently
        running = [
            asyncio.create_task(bot.process(private_message("/reload", chat_id=MOD_ID))),
            asyncio.create_task(bot.holder.reload()),
            asyncio.create_task(bot.process(private_message("/reload", chat_id=MOD_ID))),
            asyncio.create_task(bot.holder.reload()),
        ]
        stream = []
        for number, chat in enumerate(chats):
            stream.append(asyncio.create_task(bot.process(private_message(asked[chat], chat))))
            if number == count // 2:
                # Half the stream is out; the rest goes while the other reloads run.
                await wait_until(lambda: len(reloads) >= 1, timeout=20)
            await asyncio.sleep(0.002)
        async with asyncio.timeout(20):
            await asyncio.gather(*stream, *running)
        assert reloads == [[]] * 4
        for chat in chats:
            [reply] = bot.api.sent_to(chat)
            assert reply["text"] in replies[asked[chat]], chat
        seen = {bot.api.sent_to(chat)[0]["text"] for chat in chats if asked[chat] == NEW_WORDING}
        assert seen == replies[NEW_WORDING]  # answered from the old base, then the new
        assert [m["text"] for m in bot.api.sent_to(MOD_ID)] == [
            f"Reloaded: {len(new.base.facts)} facts, {len(new.base.entities)} entities."
        ] * 2
        assert bot.flushed().stats().week == count


# --- the question log -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_log_survives_a_restart(
    answerer: Answerer,
    base_copy: Path,
    database: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clarify, _ = clarifying_question(answerer)
    question_log = QuestionLog.open(database)
    try:
        async with moderated(answerer, base_copy, monkeypatch, question_log) as bot:
            answer = await bot.say(ASSAD_QUESTION)
            answered, _ = answer_buttons(answer)
            clarified, _ = suggestion_buttons(await bot.say(clarify))
            fell_back, _ = suggestion_buttons(await bot.say(OUT_OF_SCOPE))
            _, down = votes_of(answer)
            await bot.press(down, USER_ID)
        # post_shutdown closed the log: a later write is dropped, not made.
        with caplog.at_level(logging.WARNING, logger="bot.storage"):
            question_log.record_question(1, "too late", "answer")
        assert "Question log: closed, so a write was dropped." in caplog.messages
    finally:
        question_log.close()
    reopened = QuestionLog.open(database)
    try:
        logged = {ident: reopened.question(ident) for ident in (answered, clarified, fell_back, 1)}
        stats = reopened.stats()
        groups = reopened.unanswered()
    finally:
        reopened.close()
    assert logged[1] is None
    assert [(q.text, q.outcome) for q in logged.values() if q is not None] == [
        (ASSAD_QUESTION, "answer"),
        (clarify, "clarify"),
        (OUT_OF_SCOPE, "fallback"),
    ]
    assert (stats.week, stats.upvotes, stats.downvotes) == (3, 0, 1)
    assert {g.question_ids[0]: g.reasons for g in groups} == {
        answered: {"downvote"},
        clarified: {"clarify"},
        fell_back: {"fallback"},
    }


@pytest.mark.asyncio
async def test_without_a_log_the_bot_answers_and_tells_moderators(
    answerer: Answerer, base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with moderated(answerer, base_copy, monkeypatch, None) as bot:
        assert bot.services.question_log is None
        answer = await bot.say(ASSAD_QUESTION)
        assert answer["text"] == bot.holder.answerer.ask(ASSAD_QUESTION).html()
        up, _ = votes_of(answer)
        [thanks] = await bot.press(up, USER_ID)
        assert thanks["text"] == THANKS_FOR_FEEDBACK
        for command in ("/stats", "/unanswered"):
            assert (await bot.say(command, MOD_ID))["text"] == html.escape(NO_LOG)
            assert (await bot.say(command, USER_ID))["text"] == UNKNOWN
        only_answered(await bot.press(callbacks.dismiss(123), MOD_ID))
        only_answered(await bot.press(callbacks.attach(123, FACT), MOD_ID))
        assert not (base_copy / LEARNED_FILE).exists()
        assert not overlay_of(base_copy).exists()
        # Teaching needs no log.
        taught = await bot.say(f"/teach {NEW_WORDING} => {FACT}", MOD_ID)
        assert html.unescape(taught["text"]).startswith("Taught")
        assert bot.holder.answerer.ask(NEW_WORDING).fact == FACT


@pytest.mark.usefixtures("restore_logging")
def test_run_answers_when_the_log_cannot_be_opened(
    answerer: Answerer,
    base_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    settings = Settings(
        knowledge=base_copy,
        token=TOKEN,
        moderators=frozenset({MOD_ID}),
        rate_limit=0,
        reload_interval=0,
        database=blocker / "questions.sqlite3",
    )
    api = answer_in_memory(monkeypatch)
    served: list[object] = []

    async def drive(application: App) -> None:
        served.append(application.bot_data[SERVICES].question_log)
        await application.initialize()
        try:
            await post_init(application)
            for data in (
                private_message(ASSAD_QUESTION, chat_id=USER_ID),
                private_message("/stats", chat_id=MOD_ID),
            ):
                await application.process_update(Update.de_json(data, application.bot))
        finally:
            await post_shutdown(application)
            await application.shutdown()

    def serve(application: App, settings: Settings, webhook: bool) -> None:
        asyncio.run(asyncio.wait_for(drive(application), WAIT))

    monkeypatch.setattr("bot.telegram.running.serve", serve)
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    started = time.perf_counter()
    assert run(settings, answerer, webhook=False) == 0
    assert time.perf_counter() - started < WAIT
    assert served == [None]
    [answer] = api.sent_to(USER_ID)
    assert answer["text"] == answerer.ask(ASSAD_QUESTION).html()
    [stats] = api.sent_to(MOD_ID)
    assert stats["text"] == html.escape(NO_LOG)
    err = capsys.readouterr().err
    assert "answering without a question log: Cannot open the question log at" in err
    assert not blocker.with_name("data").exists()
    assert api.unknown == []
