"""The real application run in tests: in memory, or against the loopback emulator; and what
checks its replies. Also the sample learned.yaml that tests write into a copy of the fact base.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import PROJECT_KNOWLEDGE, Settings
from bot.conversation import Conversations
from bot.factbase import MAX_LABEL
from bot.matching import Outcome
from bot.reloading import KnowledgeHolder
from bot.replies import Answerer, Reply
from bot.storage import QuestionLog
from bot.telegram import callbacks
from bot.telegram.app import build_application, post_init, post_shutdown
from bot.telegram.inbox import InboxApplication
from bot.telegram.inline import INLINE_RESULTS
from bot.telegram.keyboards import BUTTON_TEXT, SHOWN
from bot.telegram.polling import Polling
from tests.emulator import TOKEN, BotApi, InMemoryRequest, JSONDict, check_html

App = Application[Any, Any, Any, Any, Any, Any]

ASSAD_QUESTION = "When did Assad visit Sochi?"
ASSAD_FACT = "assad-visits-sochi"
APOLOGY = "Sorry, something went wrong on my side. Please try again."
# Short, ambiguous questions; the first that the base in use clarifies is taken.
CLARIFY_CANDIDATES = (
    "assad putin",
    "putin call",
    "summit",
    "what did putin say",
    "what did assad say",
    "opposition",
    "what did they agree",
)
# Questions about a covered event asking for words the sources do not give; the first that the
# base in use answers with its closest fact is taken.
CLOSEST_CANDIDATES = (
    "What did Netanyahu tell Putin during their call?",
    "what did erdogan tweet about the summit",
    "What did Sisi tell Putin on the phone?",
)
ALLOWED_TAGS = frozenset({"b", "i", "a", "blockquote", "code"})
PHONE_LINE = 40  # characters of 16 px text that one line of a 390 px phone's message holds
STOP_WAIT = 5.0  # seconds post_shutdown may take in `running`


# --- in memory ------------------------------------------------------------------------------


class Bot:
    """The application under test, and the in-memory Bot API it talks to."""

    def __init__(self, application: App, api: BotApi) -> None:
        self.application = application
        self.api = api

    async def receive(self, data: JSONDict) -> list[JSONDict]:
        """Process one update to the end; return the calls it made that succeeded (not getMe)."""
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(data, self.application.bot))
        return [
            {"method": call.method, **call.params}
            for call in self.api.calls[before:]
            if call.method != "getMe" and call.status == 200
        ]

    async def one_message(self, data: JSONDict) -> JSONDict:
        """Process an update that must be answered with exactly one message; return it."""
        calls = await self.receive(data)
        assert [call["method"] for call in calls] == ["sendMessage"], calls
        return calls[0]


def answer_in_memory(monkeypatch: pytest.MonkeyPatch) -> BotApi:
    """Make build_application's connections answer from a fresh in-memory BotApi; return it."""
    api = BotApi()

    def in_memory() -> tuple[InMemoryRequest, InMemoryRequest]:
        return InMemoryRequest(api), InMemoryRequest(api)

    monkeypatch.setattr("bot.telegram.app.connections", in_memory)
    return api


@contextlib.asynccontextmanager
async def running(
    core: Answerer | KnowledgeHolder,
    monkeypatch: pytest.MonkeyPatch,
    question_log: QuestionLog | None = None,
    *,
    hooks: bool = False,
    **overrides: Any,
) -> AsyncIterator[Bot]:
    """build_application, its Bot API requests answered in memory; initialized, then shut down.

    The settings are the project's fact base and the test token, with `overrides` on top. With
    `hooks`, post_init and post_shutdown run inside that (post_shutdown bounded), as run_polling
    runs them. At the end, the bot must have called no method the emulator does not know.
    """
    api = answer_in_memory(monkeypatch)
    options: dict[str, Any] = {"knowledge": PROJECT_KNOWLEDGE, "token": TOKEN, **overrides}
    application = build_application(Settings(**options), core, question_log)
    await application.initialize()
    try:
        if hooks:
            await post_init(application)
        yield Bot(application, api)
    finally:
        if hooks:
            await asyncio.wait_for(post_shutdown(application), STOP_WAIT)
        await application.shutdown()
    assert api.unknown == [], f"the bot called unknown methods: {api.unknown}"


# --- over loopback --------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def started(application: App, wait: float) -> AsyncIterator[App]:
    """Initialize and start the application; stop and shut it down at the end. Every step is
    bounded by `wait` seconds."""
    await asyncio.wait_for(application.initialize(), wait)
    try:
        await asyncio.wait_for(application.start(), wait)
        yield application
    finally:
        if application.running:
            await asyncio.wait_for(application.stop(), wait)
        await asyncio.wait_for(application.shutdown(), wait)


@contextlib.asynccontextmanager
async def long_polling(
    application: InboxApplication, wait: float, long_poll: int = 1
) -> AsyncIterator[InboxApplication]:
    """The application `started`, and long polling as `python -m bot run` does (`long_poll`
    seconds a getUpdates); at the end the polling is stopped and its offset confirmed."""
    async with started(application, wait):
        await asyncio.wait_for(application.bot.delete_webhook(), wait)
        polling = Polling(application, long_poll)
        stop = asyncio.Event()
        task = asyncio.create_task(polling.run(stop))
        try:
            yield application
        finally:
            stop.set()
            await asyncio.wait_for(task, wait)
            await asyncio.wait_for(polling.confirm(), wait)


# --- what the bot sent ----------------------------------------------------------------------


class Markup(HTMLParser):
    """The tags, links and text of a Telegram HTML message."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.chunks: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links.extend(value or "" for name, value in attrs if name == "href")

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def assert_safe_html(text: str) -> Markup:
    """Telegram would accept `text`, and it holds only the tags the bot means to send."""
    check_html(text)
    markup = Markup(text)
    assert set(markup.tags) <= ALLOWED_TAGS, markup.tags
    assert "<script" not in text.lower()
    assert all(link.startswith("https://") for link in markup.links), markup.links
    return markup


def buttons(message: JSONDict) -> list[tuple[str, str]]:
    """(text, callback_data) of every button under a sent message."""
    markup = message.get("reply_markup") or {}
    return [
        (button["text"], button["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def picked(data: str) -> str:
    """The id a button's callback data picks; fails on data the bot would not accept."""
    return pick_of(data).ident


def pick_of(data: str) -> callbacks.Pick:
    """The Pick a button's callback data holds; fails on data the bot would not accept."""
    assert len(data.encode()) <= callbacks.MAX_BYTES
    action = callbacks.parse(data)
    assert isinstance(action, callbacks.Pick), data
    return action


def answer_buttons(message: JSONDict) -> tuple[int, list[tuple[str, str]]]:
    """The buttons under an answer: its last row is exactly 👍 / 👎 on one logged question.

    Returns that question's id and the buttons above the vote row: related questions, each a
    Pick with no question id, its data within 64 bytes, its label uncut (at most MAX_LABEL
    characters), at most SHOWN of them and at most two to a row.
    """
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    assert rows, message
    *rest, votes = rows
    assert len(rest) <= SHOWN and all(1 <= len(row) <= 2 for row in rest), rest
    assert all(len(button["text"]) <= MAX_LABEL for row in rest for button in row), rest
    assert [button["text"] for button in votes] == ["👍", "👎"], votes
    actions = []
    for button in votes:
        data = button["callback_data"]
        assert len(data.encode()) <= callbacks.MAX_BYTES
        actions.append(callbacks.parse(data))
    up = actions[0]
    assert isinstance(up, callbacks.Vote), votes
    assert actions == [callbacks.Vote(up.question_id, 1), callbacks.Vote(up.question_id, -1)], votes
    below = [(button["text"], button["callback_data"]) for row in rest for button in row]
    for _, data in below:
        assert pick_of(data).question_id is None, data  # related buttons answer, they log no pick
    return up.question_id, below


def suggestion_buttons(message: JSONDict) -> tuple[int, list[tuple[str, str]]]:
    """The suggestion buttons under a clarify or fallback reply: no vote row, each a Pick that
    carries the id of the logged question. Returns that id and the buttons."""
    pressed = buttons(message)
    assert pressed, message
    assert not any(text in ("👍", "👎") for text, _ in pressed), pressed
    asked = {pick_of(data).question_id for text, data in pressed if text != "None of these"}
    assert len(asked) == 1, pressed
    [question] = asked
    assert question is not None, pressed
    return question, pressed


def clarifying_question(answerer: Answerer) -> tuple[str, Reply]:
    """A question the base in use answers with "did you mean", and that reply."""
    for question in CLARIFY_CANDIDATES:
        reply = answerer.ask(question)
        if reply.outcome is Outcome.CLARIFY and len(reply.suggestions) >= 2:
            return question, reply
    raise AssertionError(f"none of {CLARIFY_CANDIDATES} clarifies any more; add one that does")


def closest_question(answerer: Answerer) -> tuple[str, Reply]:
    """A question the base in use answers with its closest fact, and that reply."""
    for question in CLOSEST_CANDIDATES:
        reply = answerer.ask(question)
        if reply.closest is not None and reply.outcome is Outcome.FALLBACK:
            return question, reply
    raise AssertionError(f"none of {CLOSEST_CANDIDATES} gets a closest answer; add one that does")


def closest_buttons(
    message: JSONDict,
) -> tuple[callbacks.ClosestFeedback, callbacks.ClosestFeedback, list[tuple[str, str]]]:
    """The buttons under a closest answer: its first row is exactly "That answers it" / "Not
    what I asked" on one logged question and one fact, each within 64 bytes.

    Returns both actions and the buttons below that row: the other options, each a Pick that
    carries the same question's id."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    assert rows, message
    feedback, *rest = rows
    assert [button["text"] for button in feedback] == ["That answers it", "Not what I asked"]
    actions = []
    for button in feedback:
        data = button["callback_data"]
        assert len(data.encode()) <= callbacks.MAX_BYTES
        action = callbacks.parse(data)
        assert isinstance(action, callbacks.ClosestFeedback), data
        actions.append(action)
    yes, no = actions
    assert (yes.answers, no.answers) == (True, False)
    assert (yes.question_id, yes.ident) == (no.question_id, no.ident)
    below = [(button["text"], button["callback_data"]) for row in rest for button in row]
    for _, data in below:
        assert pick_of(data).question_id == yes.question_id, data
    return yes, no, below


def check_inline_results(results: list[JSONDict]) -> None:
    """Inline results Telegram would take: 1 to INLINE_RESULTS HTML articles, ids unique."""
    assert 0 < len(results) <= INLINE_RESULTS
    ids = [result["id"] for result in results]
    assert len(set(ids)) == len(ids)
    for result in results:
        assert result["type"] == "article"
        assert 0 < len(result["id"].encode()) <= 64
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert 0 < check_html(content["message_text"]) <= 4096
        assert len(result["title"]) <= BUTTON_TEXT


# --- the fact base a test edits -------------------------------------------------------------


def learned_yaml(question: str, fact: str) -> str:
    """A learned.yaml holding one phrasing a moderator taught: `question` is answered with
    `fact`."""
    return f"""\
learned:
  - question: {question}
    fact: {fact}
    by: alice
    at: 2017-11-23T09:30:00+00:00
"""


def converse(answerer: Answerer, *messages: str) -> list[Reply]:
    """The replies to `messages`, asked in order in one conversation."""
    conversations = Conversations()
    return [conversations.ask(answerer, "chat", message) for message in messages]
