"""Our own long polling (bot/telegram/polling.py) against the loopback Bot API emulator: what it
queues, what it confirms when stopped, how it ends on a refused token. Faults on getUpdates are
in tests/test_faults.py; updates the library cannot read in tests/test_unexpected_updates.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Update
from telegram.error import InvalidToken

from bot.config import PROJECT_KNOWLEDGE, Settings
from bot.factbase import load
from bot.replies import Answerer
from bot.telegram.app import build_application
from bot.telegram.inbox import InboxApplication
from bot.telegram.polling import Polling
from bot.telegram.running import poll
from tests.emulator import TOKEN, Emulator, private_message
from tests.harness import ASSAD_QUESTION, long_polling, started

WAIT = 5.0


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[Emulator]:
    """The Bot API emulator on a fresh loopback port."""
    async with Emulator() as emulator:
        yield emulator
    assert emulator.api.unknown == []


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    """The core on the project's real fact base."""
    return Answerer(load(PROJECT_KNOWLEDGE))


def application_for(telegram: Emulator, answerer: Answerer, token: str = TOKEN) -> InboxApplication:
    """The bot, without a question log, pointed at the emulator."""
    settings = Settings(knowledge=PROJECT_KNOWLEDGE, token=token, api_url=telegram.api_url)
    return build_application(settings, answerer)


@pytest.mark.asyncio
async def test_a_fetch_queues_each_new_update_and_moves_the_offset_past_the_batch(
    telegram: Emulator, answerer: Answerer
) -> None:
    application = application_for(telegram, answerer)
    first = telegram.api.push_update(private_message(ASSAD_QUESTION))
    second = telegram.api.push_update(private_message("Who is Lavrov?", chat_id=77))
    async with application.bot:
        polling = Polling(application, long_poll=0)
        assert await polling.fetch() == 2
        assert polling.offset == second + 1
        queued = [application.update_queue.get_nowait() for _ in range(2)]
        assert [u.update_id for u in queued if isinstance(u, Update)] == [first, second]
        # Nothing new: an empty batch queues nothing and keeps the offset.
        assert await polling.fetch() == 0
        assert polling.offset == second + 1
    assert application.update_queue.empty()


@pytest.mark.asyncio
async def test_stopping_abandons_the_long_poll_and_confirms_what_was_fetched(
    telegram: Emulator, answerer: Answerer
) -> None:
    application = application_for(telegram, answerer)
    async with long_polling(application, WAIT, long_poll=30):
        telegram.api.push_update(private_message(ASSAD_QUESTION))
        await telegram.api.wait_for("sendMessage", 1, WAIT)
        # The next getUpdates now waits up to 30 s; leaving must not.
        started_at = asyncio.get_running_loop().time()
    assert asyncio.get_running_loop().time() - started_at < WAIT
    # Confirmed on the way out: a restarted bot would not be sent the question again.
    assert telegram.api.pending() == []
    assert len(telegram.api.sent) == 1


@pytest.mark.asyncio
async def test_polling_ends_with_invalid_token_when_telegram_refuses_the_token(
    telegram: Emulator, answerer: Answerer
) -> None:
    application = application_for(telegram, answerer)
    async with started(application, WAIT):
        telegram.api.token = "654321:refused"  # noqa: S105 - revoked while the bot ran
        with pytest.raises(InvalidToken):
            await asyncio.wait_for(Polling(application, long_poll=0).run(asyncio.Event()), WAIT)


@pytest.mark.asyncio
async def test_the_bot_polls_until_stopped_and_removes_a_webhook_first(
    telegram: Emulator, answerer: Answerer
) -> None:
    # Telegram refuses getUpdates while a webhook is set; the emulator too.
    telegram.api.webhook["url"] = "https://example.org/hook"
    application = application_for(telegram, answerer)
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(application, stop))
    telegram.api.push_update(private_message(ASSAD_QUESTION))
    [sent] = await telegram.api.wait_for("sendMessage", 1, WAIT)
    stop.set()
    await asyncio.wait_for(polling, WAIT)
    assert sent["text"] == answerer.ask(ASSAD_QUESTION).html()
    assert telegram.api.failed("getUpdates") == []
    assert telegram.api.pending() == []
