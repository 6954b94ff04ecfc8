"""Flood control: a user past the rate gets one polite word, then silence; others are unaffected."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.flood import FloodGuard, Verdict
from bot.replies import Answerer
from bot.telegram import callbacks
from bot.telegram.flooding import SLOW_DOWN
from tests.emulator import (
    PRIVATE_CHAT_ID,
    JSONDict,
    callback_query,
    group_message,
    inline_query,
    private_message,
    sticker_message,
)
from tests.harness import ASSAD_FACT, ASSAD_QUESTION, Bot, running

MODERATOR = 777


def test_a_user_within_the_rate_is_answered() -> None:
    guard = FloodGuard(limit=3, window=60, quiet=30)
    assert [guard.check(1, now=t) for t in (0, 1, 2)] == [Verdict.ALLOW] * 3


def test_past_the_rate_one_warning_then_silence_then_answers_again() -> None:
    guard = FloodGuard(limit=3, window=60, quiet=30)
    for t in (0, 1, 2):
        guard.check(1, now=t)
    assert guard.check(1, now=3) is Verdict.WARN
    assert guard.check(1, now=4) is Verdict.DROP
    assert guard.check(1, now=32) is Verdict.DROP
    assert guard.check(1, now=34) is Verdict.ALLOW


def test_the_window_slides() -> None:
    guard = FloodGuard(limit=2, window=10, quiet=30)
    assert guard.check(1, now=0) is Verdict.ALLOW
    assert guard.check(1, now=5) is Verdict.ALLOW
    assert guard.check(1, now=11) is Verdict.ALLOW  # the first has left the window


def test_other_users_are_unaffected() -> None:
    guard = FloodGuard(limit=1, window=60, quiet=60)
    guard.check(1, now=0)
    assert guard.check(1, now=1) is Verdict.WARN
    assert guard.check(2, now=1) is Verdict.ALLOW


def test_idle_users_are_forgotten() -> None:
    guard = FloodGuard(limit=5, window=10, quiet=10)
    for user in range(1000):
        guard.check(user, now=0)
    guard.check(0, now=100)
    assert list(guard.users) == [0]


def test_a_limit_of_zero_turns_it_off() -> None:
    guard = FloodGuard(limit=0)
    assert all(guard.check(1, now=0) is Verdict.ALLOW for _ in range(1000))


@pytest_asyncio.fixture
async def strict_bot(answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    async with running(answerer, monkeypatch, flood_limit=3) as app:
        yield app


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load(PROJECT_KNOWLEDGE))


@pytest.mark.asyncio
async def test_a_flooding_user_gets_one_slow_down_and_others_are_answered(strict_bot: Bot) -> None:
    texts: list[str] = []
    for _ in range(6):
        calls = await strict_bot.receive(private_message(ASSAD_QUESTION))
        texts.extend(call["text"] for call in calls if call["method"] == "sendMessage")
    assert len(texts) == 4
    assert texts[3] == SLOW_DOWN
    assert all("Assad" in text for text in texts[:3])
    other = await strict_bot.one_message(private_message(ASSAD_QUESTION, PRIVATE_CHAT_ID + 1))
    assert "Assad" in other["text"]


# One user's updates of every kind, each counting against the same rate; True where the one word
# can be said to them alone (a private chat, a button press), False where it cannot (a group,
# an inline query): there, silence from the first update over the rate.
EVERY_KIND: tuple[tuple[Callable[[], JSONDict], bool], ...] = (
    (lambda: private_message("/timeline"), True),
    (lambda: private_message("/start"), True),
    (lambda: private_message("/no_such_command"), True),
    (sticker_message, True),
    (lambda: callback_query(callbacks.pick(ASSAD_FACT)), True),
    (lambda: callback_query("forged"), True),
    (lambda: private_message(ASSAD_QUESTION), True),
    (lambda: inline_query("assad"), False),
    (lambda: group_message("/timeline", user_id=PRIVATE_CHAT_ID), False),
)


@pytest.mark.parametrize(("make", "told"), EVERY_KIND)
@pytest.mark.asyncio
async def test_every_kind_of_update_counts_one_word_then_silence(
    strict_bot: Bot, make: Callable[[], JSONDict], told: bool
) -> None:
    served = [await strict_bot.receive(make()) for _ in range(3)]
    assert all(served), served  # within the rate, each is served
    warned, *silent = [await strict_bot.receive(make()) for _ in range(30)]
    assert silent == [[]] * 29  # no call at all: the send budget is kept for others
    assert [call.get("text") for call in warned] == ([SLOW_DOWN] if told else []), warned
    # Another user is served at once.
    assert await strict_bot.receive(private_message("/timeline", PRIVATE_CHAT_ID + 1))


@pytest.mark.asyncio
async def test_kinds_mixed_count_together(strict_bot: Bot) -> None:
    for make, _ in EVERY_KIND[:3]:
        assert await strict_bot.receive(make())
    [warned] = await strict_bot.receive(callback_query(callbacks.pick(ASSAD_FACT)))
    assert (warned["method"], warned.get("text")) == ("answerCallbackQuery", SLOW_DOWN)
    assert await strict_bot.receive(private_message(ASSAD_QUESTION)) == []
    assert await strict_bot.receive(inline_query("assad")) == []


@pytest.mark.asyncio
async def test_moderators_are_never_held_back(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    moderators = frozenset({MODERATOR})
    async with running(answerer, monkeypatch, flood_limit=3, moderators=moderators) as bot:
        for _ in range(10):
            assert await bot.receive(private_message("/timeline", MODERATOR))
            assert await bot.receive(inline_query("assad", MODERATOR))
