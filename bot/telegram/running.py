"""Running the bot until SIGINT or SIGTERM: long polling (bot.telegram.polling) or the webhook
(bot.telegram.webhook); and the log it writes, the token redacted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Sequence

from telegram.error import InvalidToken, TelegramError

from bot.config import Settings
from bot.replies import Answerer
from bot.storage import QuestionLog, StoreError, hash_key
from bot.telegram.app import build_application
from bot.telegram.inbox import InboxApplication
from bot.telegram.polling import Polling

logger = logging.getLogger(__name__)


def run(settings: Settings, answerer: Answerer, webhook: bool) -> int:
    """Run the bot until SIGINT or SIGTERM: long polling, or the webhook endpoint.

    Returns the exit code: 0 after a clean stop, 1 when Telegram refuses to serve the bot.
    """
    configure_logging(settings)
    # PTB 22 warns on every RetryAfter unless told to use timedelta, its coming behaviour.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    question_log = open_question_log(settings)
    application = build_application(settings, answerer, question_log)
    try:
        serve(application, settings, webhook)
    except InvalidToken:
        logger.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN (from @BotFather).")
        return 1
    except (TelegramError, OSError) as error:
        logger.error("the bot could not start: %s", error)
        return 1
    return 0


def open_question_log(settings: Settings) -> QuestionLog | None:
    """The question log, its user ids hashed with the configured key (and a word in the log
    when the key is not where it should be); None, said in the log, when it cannot be opened."""
    key, warning = hash_key(settings.hash_key, settings.hash_key_file, settings.database)
    if warning is not None:
        logger.warning("%s", warning)
    else:
        logger.info("user ids are hashed with the key from %s", key.origin)
    try:
        return QuestionLog.open(settings.database, key=key)
    except StoreError as error:
        # The log never stops the bot from answering.
        logger.warning("answering without a question log: %s", error)
        return None


def serve(application: InboxApplication, settings: Settings, webhook: bool) -> None:
    """Receive updates until SIGINT or SIGTERM."""
    if webhook:
        # Our own endpoint rather than PTB's: it refuses oversized bodies and malformed JSON.
        from bot.telegram import webhook as endpoint

        asyncio.run(endpoint.serve(application, settings.require_webhook()))
    else:
        asyncio.run(poll(application))


async def poll(application: InboxApplication, stop: asyncio.Event | None = None) -> None:
    """Long-poll Telegram until SIGINT, SIGTERM or `stop`."""
    stop = stop or asyncio.Event()
    async with serving(application, stop):
        # No webhook may be set while polling: Telegram refuses getUpdates then.
        await application.bot.delete_webhook()
        polling = Polling(application)
        logger.info("polling for updates")
        try:
            await polling.run(stop)
        finally:
            await polling.confirm()


@contextlib.asynccontextmanager
async def serving(application: InboxApplication, stop: asyncio.Event) -> AsyncIterator[None]:
    """The application initialized, post_init run and started; SIGINT and SIGTERM set `stop`.
    At the end: stopped (the updates queued handled first), post_shutdown run, shut down."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            try:
                yield
            finally:
                await application.stop()
                if application.post_shutdown is not None:
                    await application.post_shutdown(application)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


class RedactToken(logging.Filter):
    """Replace the bot token wherever it would appear in a log line (httpx logs URLs)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; keep it."""
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            error = record.exc_info[1]
            if isinstance(error, InvalidToken):
                # A refused token is a setting to fix, said in one sentence; no traceback.
                record.exc_text = None
            else:
                record.exc_text = self.redact(_FORMATTER.formatException(record.exc_info))
            record.exc_info = None
        return True

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


_FORMATTER = logging.Formatter()


def configure_logging(settings: Settings) -> None:
    """Log to stderr, the token redacted, httpx's per-request lines kept out."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [settings.token or "", settings.hash_key or ""]
    if settings.webhook is not None:
        secrets.append(settings.webhook.secret)
    handler.addFilter(RedactToken(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
