"""Follow-up questions on Telegram: each conversation keeps its context, offline against the
emulator. What a follow-up is read as is the core's business (tests/test_followups.py); these
tests check that the adapter hands it the right conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.config import PROJECT_KNOWLEDGE
from bot.conversation import Conversations
from bot.factbase import load
from bot.replies import Answerer, Reply
from tests.emulator import GROUP_CHAT_ID, callback_query, group_message, private_message
from tests.harness import Bot, answer_buttons, picked, running

FIRST = "What did Rouhani say at the summit?"
FOLLOW_UP = "and putin?"


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    """The core on the project's real fact base."""
    return Answerer(load(PROJECT_KNOWLEDGE))


@pytest_asyncio.fixture
async def bot(answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    """The bot on the real fact base, with the default settings."""
    async with running(answerer, monkeypatch) as app:
        yield app


def in_context(answerer: Answerer, *questions: str) -> Reply:
    """The core's reply to the last question, asked after the others in one conversation."""
    conversations = Conversations()
    replies = [conversations.ask(answerer, "one", question) for question in questions]
    return replies[-1]


async def sent_reply(bot: Bot, update: dict[str, object]) -> tuple[str, int]:
    """The text of the one message an update is answered with, and its message id."""
    before = len(bot.api.calls)
    message = await bot.one_message(update)
    sent = [call for call in bot.api.calls[before:] if call.method == "sendMessage"]
    return message["text"], sent[-1].result["message_id"]


def test_the_follow_up_needs_its_context(answerer: Answerer) -> None:
    alone = answerer.ask(FOLLOW_UP)
    followed = in_context(answerer, FIRST, FOLLOW_UP)
    assert followed.understood_as is not None
    assert followed.fact is not None
    assert followed.html() != alone.html()


@pytest.mark.asyncio
async def test_a_private_chat_is_one_conversation(bot: Bot, answerer: Answerer) -> None:
    await sent_reply(bot, private_message(FIRST))
    text, _ = await sent_reply(bot, private_message(FOLLOW_UP))
    assert text == in_context(answerer, FIRST, FOLLOW_UP).html()
    assert "Reading this as:" in text


@pytest.mark.asyncio
async def test_private_chats_do_not_share_context(bot: Bot, answerer: Answerer) -> None:
    await sent_reply(bot, private_message(FIRST, chat_id=1001))
    text, _ = await sent_reply(bot, private_message(FOLLOW_UP, chat_id=1002))
    assert text == answerer.ask(FOLLOW_UP).html()


@pytest.mark.asyncio
async def test_group_members_each_have_their_own_thread(bot: Bot, answerer: Answerer) -> None:
    await sent_reply(bot, group_message(FIRST, user_id=3001, mention=True))
    other, _ = await sent_reply(bot, group_message(FOLLOW_UP, user_id=3002, mention=True))
    assert other == answerer.ask(FOLLOW_UP).html()
    same, _ = await sent_reply(bot, group_message(FOLLOW_UP, user_id=3001, mention=True))
    assert same == in_context(answerer, FIRST, FOLLOW_UP).html()


@pytest.mark.asyncio
async def test_a_reply_to_an_answer_is_read_in_its_context_whoever_replies(
    bot: Bot, answerer: Answerer
) -> None:
    _, answer_id = await sent_reply(bot, group_message(FIRST, user_id=3001, mention=True))
    # Another member, who asked nothing, replies to that answer.
    text, _ = await sent_reply(
        bot, group_message(FOLLOW_UP, chat_id=GROUP_CHAT_ID, user_id=3003, reply_to=answer_id)
    )
    assert text == in_context(answerer, FIRST, FOLLOW_UP).html()


@pytest.mark.asyncio
async def test_a_reply_to_an_old_answer_uses_that_answer_not_the_latest(
    bot: Bot, answerer: Answerer
) -> None:
    _, first_id = await sent_reply(bot, group_message(FIRST, user_id=3001, mention=True))
    await sent_reply(bot, group_message("When did Assad visit Sochi?", user_id=3001, mention=True))
    text, _ = await sent_reply(bot, group_message(FOLLOW_UP, user_id=3001, reply_to=first_id))
    assert text == in_context(answerer, FIRST, FOLLOW_UP).html()


@pytest.mark.asyncio
async def test_a_picked_answer_becomes_the_context(bot: Bot, answerer: Answerer) -> None:
    message = await bot.one_message(private_message(FIRST))
    _, below = answer_buttons(message)
    assert below
    data = below[0][1]
    ident = picked(data)
    await bot.receive(callback_query(data))
    text, _ = await sent_reply(bot, private_message("when?"))
    reply = answerer.answer_with(ident)
    assert reply is not None
    conversations = Conversations()
    conversations.remember(answerer, "one", reply)
    assert text == conversations.ask(answerer, "one", "when?").html()
