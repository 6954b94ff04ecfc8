"""The Telegram adapter: handlers that pull text out of updates, ask the core, send its reply.

Everything the bot knows and says comes from bot.replies; this module only speaks Telegram.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Sequence
from typing import Any, cast

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.config import Settings
from bot.replies import Answerer, Reply, split_html

log = logging.getLogger(__name__)

ANSWERER = "answerer"
INLINE_RESULTS = 10
BUTTON_TEXT = 60
COMMANDS = (
    ("start", "What I know, with example questions"),
    ("help", "How to ask"),
    ("timeline", "The events in date order"),
    ("sources", "Where the answers come from"),
    ("about", "About this bot"),
    ("ask", "Ask a question (in groups: /ask your question)"),
)
NOT_TEXT = "I answer text questions. Type your question about the November 2017 talks on Syria."
STALE_BUTTON = "That button is no longer valid. Please type your question again."
NONE_OF_THESE = (
    "Sorry I could not tell. Try asking with other words, or see /timeline for what I know."
)
ABOUT = (
    "I answer questions about the diplomacy on Syria in November 2017 from a curated fact base. "
    "Every answer quotes its source word for word and says where it comes from. "
    "When I have no sourced answer, I say so."
)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Context = ContextTypes.DEFAULT_TYPE


def answerer_of(context: Context) -> Answerer:
    """The core in use; a reload swaps it in bot_data in one assignment."""
    return cast(Answerer, context.bot_data[ANSWERER])


# --- rendering --------------------------------------------------------------------------------


def _button_text(text: str) -> str:
    return text if len(text) <= BUTTON_TEXT else text[: BUTTON_TEXT - 1] + "…"


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Buttons under a reply: related questions after an answer, the options otherwise."""
    rows = [
        [InlineKeyboardButton(_button_text(s.question), callback_data=callbacks.pick(s.id))]
        for s in (reply.related if reply.fact else reply.suggestions)[:3]
    ]
    if reply.suggestions and str(reply.outcome) == "clarify":
        rows.append([InlineKeyboardButton("None of these", callback_data=callbacks.NONE_OF_THESE)])
    return InlineKeyboardMarkup(rows) if rows else None


async def send_reply(message: Message, reply: Reply) -> None:
    """Send a reply as HTML, split where it is too long, buttons on the last part."""
    parts = split_html(reply.html())
    for number, part in enumerate(parts, 1):
        await message.reply_html(
            part,
            reply_markup=keyboard(reply) if number == len(parts) else None,
            link_preview_options=NO_PREVIEW,
            do_quote=False,
        )


async def send_text(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send plain text (escaped), split where it is too long."""
    await send_html(message, html.escape(text), markup)


async def send_html(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send Telegram HTML, split where it is too long, the buttons under the last part."""
    parts = split_html(text)
    for number, part in enumerate(parts, 1):
        await message.reply_html(
            part,
            reply_markup=markup if number == len(parts) else None,
            link_preview_options=NO_PREVIEW,
            do_quote=False,
        )


# --- handlers ---------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """/start: what the bot knows, and example questions as buttons."""
    if update.effective_message is None:
        return
    core = answerer_of(context)
    examples = core.examples()
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_button_text(s.question), callback_data=callbacks.pick(s.id))]
            for s in examples
        ]
    )
    await send_text(update.effective_message, core.greeting_text(), markup)


async def help_command(update: Update, context: Context) -> None:
    """/help: how to ask."""
    if update.effective_message is not None:
        await send_text(update.effective_message, answerer_of(context).help_text())


async def about(update: Update, context: Context) -> None:
    """/about: what this bot is."""
    if update.effective_message is not None:
        await send_text(update.effective_message, ABOUT)


async def timeline(update: Update, context: Context) -> None:
    """/timeline: the events in date order, each a button that answers it."""
    if update.effective_message is None:
        return
    events = answerer_of(context).timeline()
    lines = [
        f"<b>{html.escape(str(date))}</b>: {html.escape(fact.answer)}" for date, fact in events
    ]
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _button_text(f"{date}: {fact.questions[0]}"),
                    callback_data=callbacks.pick(fact.id),
                )
            ]
            for date, fact in events
        ]
    )
    await send_html(update.effective_message, "\n\n".join(lines), markup)


async def sources(update: Update, context: Context) -> None:
    """/sources: the documents the answers quote, with links."""
    if update.effective_message is not None:
        await send_html(update.effective_message, answerer_of(context).sources_html())


async def ask_command(update: Update, context: Context) -> None:
    """/ask QUESTION, in private chats and groups."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or []).strip()
    if not question:
        await send_text(message, "Ask me with /ask followed by your question.")
        return
    await send_reply(message, answerer_of(context).ask(question))


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await send_reply(message, answerer_of(context).ask(message.text))


async def group_text(update: Update, context: Context) -> None:
    """In groups, answer only when mentioned or replied to."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = addressed_question(message, context.bot.username, context.bot.id)
    if question is None:
        return
    await send_reply(message, answerer_of(context).ask(question))


def addressed_question(message: Message, username: str | None, bot_id: int) -> str | None:
    """The question in a group message meant for the bot, or None when it is not for us."""
    text = message.text or ""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text.strip() or None
    if not username:
        return None
    mention = f"@{username}".lower()
    entities = message.parse_entities([MessageEntity.MENTION])
    if not any(value.lower() == mention for value in entities.values()):
        return None
    question = re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE).strip()
    return question or None


async def not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice: a short word in private chats, silence in groups."""
    message = update.effective_message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        await message.reply_text(NOT_TEXT, do_quote=False)


async def button(update: Update, context: Context) -> None:
    """A press on a suggestion: answer that fact; forged or stale data gets a polite word."""
    query = update.callback_query
    if query is None:
        return
    action = callbacks.parse(query.data)
    core = answerer_of(context)
    reply = None
    if isinstance(action, callbacks.Pick):
        reply = core.answer_with(action.ident)
    if isinstance(action, callbacks.NoneOfThese):
        await query.answer()
        if isinstance(query.message, Message):
            await send_text(query.message, NONE_OF_THESE)
        return
    if reply is None:
        await query.answer(STALE_BUTTON, show_alert=False)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await send_reply(query.message, reply)
    elif query.from_user is not None:
        # The button was under an inline message: answer in a private chat instead.
        for part in split_html(reply.html()):
            await context.bot.send_message(
                query.from_user.id,
                part,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            )


async def inline_query(update: Update, context: Context) -> None:
    """@bot question in any chat: up to ten matching answers; an empty query lists the timeline."""
    query = update.inline_query
    if query is None:
        return
    core = answerer_of(context)
    replies = core.search(query.query, INLINE_RESULTS)
    results = [
        InlineQueryResultArticle(
            id=reply.fact or str(number),
            title=_button_text(reply.question),
            description=reply.intro[:200],
            input_message_content=InputTextMessageContent(
                split_html(reply.html())[0],
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            ),
        )
        for number, reply in enumerate(replies)
    ]
    await query.answer(results, cache_time=60)


async def on_error(update: object, context: Context) -> None:
    """Log every error once; users never see a traceback."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong on my side. Please try again.", do_quote=False
            )
        except TelegramError:
            log.warning("could not tell the user about the error")


async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the command list with Telegram at start-up."""
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


# --- wiring -----------------------------------------------------------------------------------


def build_application(
    settings: Settings, answerer: Answerer
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application with every handler registered, in order."""
    if settings.token is None:
        raise ValueError("a Telegram token is needed to build the application")
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_url)
        .post_init(post_init)
        .concurrent_updates(settings.concurrent_updates)
    )
    if settings.api_url.endswith("/bot"):
        # Files are served beside the methods: .../bot<token> and .../file/bot<token>.
        builder = builder.base_file_url(settings.api_url.removesuffix("bot") + "file/bot")
    if settings.rate_limit > 0:
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=settings.rate_limit, max_retries=3)
        )
    application = builder.build()
    application.bot_data[ANSWERER] = answerer
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    # Commands first, so that "/help" is never taken for a question. Edited messages are left
    # alone everywhere: answering them again would repeat the bot.
    fresh = filters.UpdateType.MESSAGE
    for name, callback in (
        ("start", start),
        ("help", help_command),
        ("about", about),
        ("timeline", timeline),
        ("sources", sources),
        ("ask", ask_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=fresh))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_handler(
        MessageHandler(fresh & private & filters.TEXT & ~filters.COMMAND, private_text)
    )
    application.add_handler(
        MessageHandler(fresh & groups & filters.TEXT & ~filters.COMMAND, group_text)
    )
    application.add_handler(MessageHandler(fresh & ~filters.TEXT & ~filters.COMMAND, not_text))
    application.add_error_handler(on_error)
    return application


class RedactToken(logging.Filter):
    """Replace the bot token wherever it would appear in a log line (httpx logs URLs)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
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
    secrets = [settings.token or ""]
    if settings.webhook is not None:
        secrets.append(settings.webhook.secret)
    handler.addFilter(RedactToken(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run(settings: Settings, answerer: Answerer, webhook: bool) -> int:
    """Run the bot until SIGINT or SIGTERM: long polling, or PTB's webhook server.

    Returns the exit code: 0 after a clean stop, 1 when Telegram refuses to serve the bot.
    """
    configure_logging(settings)
    # PTB 22 warns on every RetryAfter unless told to use timedelta, its coming behaviour.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    application = build_application(settings, answerer)
    try:
        _serve(application, settings, webhook)
    except InvalidToken:
        log.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN (from @BotFather).")
        return 1
    except (TelegramError, OSError) as error:
        log.error("the bot could not start: %s", error)
        return 1
    return 0


def _serve(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings, webhook: bool
) -> None:
    if webhook:
        hook = settings.require_webhook()
        log.info("serving the webhook on %s:%s/%s", hook.listen, hook.port, hook.path)
        application.run_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=hook.path,
            webhook_url=hook.url,
            secret_token=hook.secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        log.info("polling for updates")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
