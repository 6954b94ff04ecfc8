"""End to end over loopback: the real Application, polling or serving a webhook, against the
Bot API emulator of tests/emulator/ (TELEGRAM_API_URL pointed at it); and `python -m bot run`
as a subprocess. Every wait is bounded, so a broken bot fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import signal
import socket
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.config import PROJECT_KNOWLEDGE, VARIABLES, Settings, Webhook
from bot.factbase import load
from bot.replies import Answerer
from bot.storage import QuestionLog
from bot.telegram import callbacks, webhook
from bot.telegram.app import build_application
from bot.telegram.asking import STALE_BUTTON
from bot.telegram.commands import ABOUT, COMMANDS
from tests.emulator import (
    GROUP_CHAT_ID,
    PRIVATE_CHAT_ID,
    TOKEN,
    Emulator,
    JSONDict,
    callback_query,
    chats,
    group_message,
    inline_query,
    post_update,
    private_message,
    start_bot,
)
from tests.harness import (
    APOLOGY,
    ASSAD_FACT,
    ASSAD_QUESTION,
    App,
    answer_buttons,
    assert_safe_html,
    buttons,
    check_inline_results,
    clarifying_question,
    long_polling,
    picked,
    suggestion_buttons,
)

ROOT = Path(__file__).resolve().parent.parent
WAIT = 5.0
SECRET = "s3cret"  # noqa: S105 - the test webhook secret


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    """The core on the project's real fact base."""
    return Answerer(load(PROJECT_KNOWLEDGE))


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[Emulator]:
    """The Bot API emulator on a fresh loopback port."""
    async with Emulator() as emulator:
        yield emulator
    assert emulator.api.unknown == []


def settings_for(telegram: Emulator, **overrides: Any) -> Settings:
    """Settings pointing the bot at the emulator."""
    options: dict[str, Any] = {
        "knowledge": PROJECT_KNOWLEDGE,
        "token": TOKEN,
        "api_url": telegram.api_url,
        **overrides,
    }
    return Settings(**options)


@contextlib.asynccontextmanager
async def polling(telegram: Emulator, answerer: Answerer, **overrides: Any) -> AsyncIterator[App]:
    """The bot, long polling the emulator."""
    application = build_application(settings_for(telegram, **overrides), answerer)
    async with long_polling(application, WAIT):
        yield application


async def ask(telegram: Emulator, data: JSONDict, count: int = 1) -> JSONDict:
    """Push an update; wait until `count` messages in all have been sent; return the last."""
    telegram.api.push_update(data)
    return (await telegram.api.wait_for("sendMessage", count, WAIT))[-1]


async def settle(telegram: Emulator) -> None:
    """A moment for anything unexpected to arrive, after the expected answer has."""
    await asyncio.sleep(0.2)


def free_port() -> int:
    """A loopback port nobody listens on (for the webhook server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- polling --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_start_over_http(telegram: Emulator, answerer: Answerer) -> None:
    async with polling(telegram, answerer):
        message = await ask(telegram, private_message("/start"))
    assert message["chat_id"] == PRIVATE_CHAT_ID
    assert html.unescape(message["text"]) == answerer.greeting_text()
    assert [picked(data) for _, data in buttons(message)] == [s.id for s in answerer.examples()]
    assert telegram.api.requests("getMe")
    assert telegram.api.requests("deleteWebhook")


@pytest.mark.asyncio
async def test_question_answered_with_quote_and_source(
    telegram: Emulator, answerer: Answerer
) -> None:
    async with polling(telegram, answerer):
        message = await ask(telegram, private_message(ASSAD_QUESTION))
        await settle(telegram)
    assert len(telegram.api.sent) == 1
    fact = answerer.base.facts[ASSAD_FACT]
    markup = assert_safe_html(message["text"])
    assert message["parse_mode"] == "HTML"
    assert fact.short is not None and fact.short in markup.text
    assert f"<blockquote>{html.escape(fact.quote)}</blockquote>" in message["text"]
    document = answerer.base.document_of(answerer.base.sources[fact.source])
    assert document.url in markup.links
    _, related = answer_buttons(message)
    assert related
    for _, data in related:
        assert answerer.answer_with(picked(data)) is not None


@pytest.mark.asyncio
async def test_clarify_then_press_a_suggestion(telegram: Emulator, answerer: Answerer) -> None:
    question, reply = clarifying_question(answerer)
    async with polling(telegram, answerer):
        offer = await ask(telegram, private_message(question))
        asked, offered = suggestion_buttons(offer)
        (_, data), *_ = offered
        assert offered[-1] == ("None of these", callbacks.none_of_these(asked))
        answer = await ask(telegram, callback_query(data), count=2)
        await telegram.api.wait_for("answerCallbackQuery", 1, WAIT)
    chosen = answerer.answer_with(picked(data))
    assert chosen is not None
    assert picked(data) == reply.suggestions[0].id
    assert answer["text"] == chosen.html()
    assert "<blockquote" in answer["text"]
    # The question's message now shows what was picked, and its buttons are gone.
    [edit] = telegram.api.requests("editMessageText")
    assert edit["chat_id"] == offer["chat_id"]
    assert edit["text"].endswith(f"<b>{html.escape(chosen.label)}</b>")
    assert "reply_markup" not in edit
    # The answer to the picked suggestion is voted on as the question first asked.
    voted, _ = answer_buttons(answer)
    assert voted == asked


@pytest.mark.asyncio
async def test_forged_button_gets_a_polite_word(telegram: Emulator, answerer: Answerer) -> None:
    async with polling(telegram, answerer):
        telegram.api.push_update(callback_query("f:../../etc/passwd"))
        [answered] = await telegram.api.wait_for("answerCallbackQuery", 1, WAIT)
        sentinel = await ask(telegram, private_message("/about"))
        await settle(telegram)
    assert answered["text"] == STALE_BUTTON
    assert telegram.api.sent == [sentinel]
    assert sentinel["text"] == html.escape(ABOUT)


@pytest.mark.asyncio
async def test_inline_query(telegram: Emulator, answerer: Answerer) -> None:
    async with polling(telegram, answerer):
        telegram.api.push_update(inline_query(ASSAD_QUESTION))
        [answered] = await telegram.api.wait_for("answerInlineQuery", 1, WAIT)
    check_inline_results(answered["results"])
    assert answered["results"][0]["id"] == ASSAD_FACT


@pytest.mark.asyncio
async def test_group_answers_mentions_and_ignores_the_rest(
    telegram: Emulator, answerer: Answerer
) -> None:
    async with polling(telegram, answerer):
        telegram.api.push_update(group_message("Anyone know when Assad went to Sochi?"))
        telegram.api.push_update(group_message("what a week", user_id=3003))
        answer = await ask(telegram, group_message(ASSAD_QUESTION, mention=True))
        await settle(telegram)
        replied = await ask(telegram, group_message(ASSAD_QUESTION, reply_to_bot=True), count=2)
        await settle(telegram)
    assert chats(telegram.api.sent) == [GROUP_CHAT_ID, GROUP_CHAT_ID]
    assert answer["text"] == replied["text"] == answerer.ask(ASSAD_QUESTION).html()


@pytest.mark.asyncio
async def test_retry_after_is_waited_out_and_the_reply_sent_once(
    telegram: Emulator, answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22.8 warns (PTBDeprecationWarning) in RetryAfter.__init__ unless the bot opts in to
    # timedelta durations; AIORateLimiter works either way.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    telegram.api.fail_next("sendMessage", times=1, status=429, retry_after=1)
    async with polling(telegram, answerer, rate_limit=30.0):
        message = await ask(telegram, private_message(ASSAD_QUESTION))
        await settle(telegram)
    [refused] = telegram.api.failed("sendMessage")
    assert refused.status == 429
    assert refused.params["text"] == message["text"]
    assert len(telegram.api.sent) == 1
    assert "<blockquote>" in message["text"]
    [delivered] = [c for c in telegram.api.calls if c.method == "sendMessage" and c.status == 200]
    assert delivered.at - refused.at >= 1.0  # retry_after was respected


@pytest.mark.asyncio
async def test_polling_survives_a_telegram_error(telegram: Emulator, answerer: Answerer) -> None:
    telegram.api.fail_next("getUpdates", times=1, status=500)
    async with polling(telegram, answerer):
        message = await ask(telegram, private_message(ASSAD_QUESTION))
    assert len(telegram.api.failed("getUpdates")) == 1
    assert "<blockquote>" in message["text"]


@pytest.mark.asyncio
async def test_server_error_on_send_gets_an_apology(telegram: Emulator, answerer: Answerer) -> None:
    telegram.api.fail_next("sendMessage", times=1, status=500)
    async with polling(telegram, answerer):
        message = await ask(telegram, private_message(ASSAD_QUESTION))
        await settle(telegram)
    assert message["text"] == APOLOGY
    assert len(telegram.api.sent) == 1


# --- webhook --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_webhook_answers_only_posts_with_the_secret(
    telegram: Emulator, answerer: Answerer
) -> None:
    async with serving_webhook(telegram, answerer) as url:
        assert telegram.api.webhook["url"] == url
        assert telegram.api.webhook["secret_token"] == SECRET
        wrong = await post_update(url, private_message(ASSAD_QUESTION, chat_id=7), "wrong")
        missing = await post_update(url, private_message(ASSAD_QUESTION, chat_id=8))
        right = await post_update(url, private_message(ASSAD_QUESTION, chat_id=9), SECRET)
        [message] = await telegram.api.wait_for("sendMessage", 1, WAIT)
        await settle(telegram)
    assert (wrong, missing, right) == (403, 403, 200)
    assert chats(telegram.api.sent) == [9]
    assert "<blockquote>" in message["text"]


@pytest.mark.asyncio
async def test_webhook_refuses_oversized_and_malformed_bodies_and_keeps_serving(
    telegram: Emulator, answerer: Answerer
) -> None:
    headers = {"Content-Type": "application/json", webhook.SECRET_HEADER: SECRET}
    async with serving_webhook(telegram, answerer) as url:
        async with httpx.AsyncClient(timeout=5.0) as client:
            huge = await refused_or_status(
                client.post(url, content=b"{" * (webhook.MAX_BODY_BYTES + 1), headers=headers)
            )
            broken = await client.post(url, content=b'{"update_id": 1, ', headers=headers)
            not_utf8 = await client.post(url, content=b"\xff\xfe{}", headers=headers)
            a_list = await client.post(url, content=b"[1, 2]", headers=headers)
            no_id = await client.post(url, content=b'{"message": {}}', headers=headers)
            bad_ids = [
                await client.post(url, content=f'{{"update_id": {bad}}}'.encode(), headers=headers)
                for bad in ("true", "-1", str(2**63), "1.5", '"7"')
            ]
        right = await post_update(url, private_message(ASSAD_QUESTION, chat_id=11), SECRET)
        await telegram.api.wait_for("sendMessage", 1, WAIT)
        await settle(telegram)
    # Tornado stops reading past the limit: a 4xx, or the connection closed unread.
    assert huge in (400, 413, None)
    assert [r.status_code for r in (broken, not_utf8, a_list, no_id, *bad_ids)] == [400] * 9
    assert right == 200
    assert chats(telegram.api.sent) == [11]


@pytest.mark.asyncio
async def test_webhook_answers_an_update_sent_again_once(
    telegram: Emulator, answerer: Answerer, tmp_path: Path
) -> None:
    # Telegram sends an update again when the webhook's answer to it was lost.
    sent_twice = private_message(ASSAD_QUESTION, chat_id=12)
    question_log = QuestionLog.open(tmp_path / "questions.sqlite3")
    async with serving_webhook(telegram, answerer, question_log) as url:
        first = await post_update(url, sent_twice, SECRET)
        await telegram.api.wait_for("sendMessage", 1, WAIT)
        again = await post_update(url, sent_twice, SECRET)
        other = await post_update(url, private_message(ASSAD_QUESTION, chat_id=13), SECRET)
        await telegram.api.wait_for("sendMessage", 2, WAIT)
        await settle(telegram)
    assert (first, again, other) == (200, 200, 200)
    assert chats(telegram.api.sent) == [12, 13]


@pytest.mark.asyncio
async def test_webhook_acknowledges_and_skips_an_update_the_library_cannot_read(
    telegram: Emulator, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    # Refused, Telegram would send it again and again; skipped, the next is answered.
    unreadable: JSONDict = {"update_id": 41, "message": {"message_id": 1}}  # no date, no chat
    async with serving_webhook(telegram, answerer) as url:
        skipped = await post_update(url, unreadable, SECRET)
        right = await post_update(url, private_message(ASSAD_QUESTION, chat_id=14), SECRET)
        await telegram.api.wait_for("sendMessage", 1, WAIT)
        await settle(telegram)
    assert (skipped, right) == (200, 200)
    assert chats(telegram.api.sent) == [14]
    assert "update 41 was skipped: python-telegram-bot cannot read it" in caplog.text


@contextlib.asynccontextmanager
async def serving_webhook(
    telegram: Emulator,
    answerer: Answerer,
    question_log: QuestionLog | None = None,
    limits: webhook.Limits = webhook.LIMITS,
) -> AsyncIterator[str]:
    """The bot's own webhook endpoint on a free loopback port, registered; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    hook = Webhook(url=url, secret=SECRET, listen="127.0.0.1", port=port, path="hook")
    application = build_application(settings_for(telegram), answerer, question_log)
    stop = asyncio.Event()
    serving = asyncio.create_task(webhook.serve(application, hook, stop, limits))
    try:
        await telegram.api.wait_for("setWebhook", 1, WAIT)
        await wait_until_listening(port)
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(serving, WAIT)


async def refused_or_status(request: Awaitable[httpx.Response]) -> int | None:
    """The status of a response, or None when the server closed the connection instead."""
    try:
        return (await request).status_code
    except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
        return None


async def wait_until_listening(port: int) -> None:
    """Until the webhook server accepts connections (bounded)."""
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"nothing listens on port {port}")


# --- the real process -----------------------------------------------------------------------


def _environment(telegram: Emulator, database: Path, token: str = TOKEN) -> dict[str, str]:
    """The bot's environment: the emulator, and a question log of the test's own (never the
    project's data/ folder)."""
    env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_URL=telegram.api_url,
        BOT_DATABASE=str(database),
        PYTHONUTF8="1",
    )
    return env


@contextlib.asynccontextmanager
async def bot_process(
    env: dict[str, str], *options: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot run [options]`, killed at the end if it has not exited."""
    process = await start_bot(
        env, *options, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()


@pytest.mark.asyncio
async def test_python_m_bot_run_webhook_serves_and_stops_cleanly_on_sigterm(
    telegram: Emulator, answerer: Answerer, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg"
    env = _environment(telegram, tmp_path / "questions.sqlite3")
    env.update(
        BOT_WEBHOOK_URL=url,
        BOT_WEBHOOK_SECRET=SECRET,
        BOT_WEBHOOK_LISTEN="127.0.0.1",
        BOT_WEBHOOK_PORT=str(port),
    )
    async with bot_process(env, "--webhook") as process:
        await telegram.api.wait_for("setWebhook", 1, 30)
        await wait_until_listening(port)
        refused = await post_update(url, private_message(ASSAD_QUESTION, chat_id=5), "nope")
        taken = await post_update(url, private_message(ASSAD_QUESTION, chat_id=6), SECRET)
        [message] = await telegram.api.wait_for("sendMessage", 1, WAIT)
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, err.decode()
    assert (refused, taken) == (403, 200)
    assert telegram.api.webhook["url"] == url
    assert message["text"] == answerer.ask(ASSAD_QUESTION).html()
    log = err.decode()
    assert SECRET not in log and TOKEN not in log
    assert "Traceback" not in log


@pytest.mark.asyncio
async def test_python_m_bot_run_answers_and_stops_cleanly_on_sigterm(
    telegram: Emulator, answerer: Answerer, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "questions.sqlite3"
    async with bot_process(_environment(telegram, database)) as process:
        # Started: the commands are registered just before polling begins.
        await telegram.api.wait_for("setMyCommands", 1, 30)
        message = await ask(telegram, private_message(ASSAD_QUESTION))
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, err.decode()
    assert message["text"] == answerer.ask(ASSAD_QUESTION).html()
    [commands] = telegram.api.requests("setMyCommands")
    assert [c["command"] for c in commands["commands"]] == [n for n, _ in COMMANDS]
    log = err.decode()
    assert "polling for updates" in log
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log
    assert "Traceback" not in log
    assert out == b""
    # The question was logged, and the log closed cleanly on SIGTERM.
    question_log = QuestionLog.open(database)
    try:
        stats = question_log.stats()
        assert (stats.week, stats.answered, stats.top_facts) == (1, 1.0, ((ASSAD_FACT, 1),))
        assert question_log.unanswered() == []
    finally:
        question_log.close()


@pytest.mark.asyncio
async def test_rejected_token_is_not_printed(tmp_path: Path) -> None:
    database = tmp_path / "questions.sqlite3"
    async with (
        Emulator(token="999999:ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ") as telegram,  # noqa: S106
        bot_process(_environment(telegram, database)) as process,
    ):
        _, err = await asyncio.wait_for(process.communicate(), 30)
    log = err.decode()
    assert process.returncode != 0
    assert TOKEN not in log
    assert "Traceback" not in log
