"""The Telegram adapter: handlers that pull text out of updates, ask the core, send its reply.

Everything the bot knows and says comes from bot.replies; this module only speaks Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import re
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from telegram import (
    BotCommand,
    CallbackQuery,
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
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import callbacks, moderation
from bot.config import Settings
from bot.flood import FloodGuard, Verdict
from bot.inbox import Inbox, InboxApplication, InboxBot
from bot.knowledge import KnowledgeError, Problem
from bot.reloading import KnowledgeHolder
from bot.replies import Answerer, Reply, split_html
from bot.store import QuestionLog, StoreError, new_id
from bot.teaching import teach

log = logging.getLogger(__name__)

SERVICES = "services"
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
CONNECTIONS = 256  # to the Bot API at once, for replies: ApplicationBuilder's default
UNANSWERED_DAYS = 7
UNANSWERED_SHOWN = 10
NO_LOG = "There is no question log: the database could not be opened (see the bot's log)."
RELOAD_FAILED = "The fact base did not load, so I keep answering from the previous one. Problems:\n"
NOT_TEXT = "I answer text questions. Type your question about the November 2017 talks on Syria."
STALE_BUTTON = "That button is no longer valid. Please type your question again."
THANKS_FOR_FEEDBACK = "Thanks for your feedback."
UNKNOWN_COMMAND = "I don't know that command. Try /help."
APOLOGY = "Sorry, something went wrong on my side. Please try again."
APOLOGY_TRIES = 3
APOLOGY_PAUSE = 0.25  # seconds before the second try; doubled before each next one
SLOW_DOWN = (
    "You are sending questions faster than I can answer them well. "
    "Please wait a minute, then ask again."
)
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
App = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Services:
    """What the handlers share: the fact base (reloadable), the question log, the moderators."""

    holder: KnowledgeHolder
    log: QuestionLog | None = None
    moderators: frozenset[int] = frozenset()
    reload_interval: float = 0.0
    flood: FloodGuard = field(default_factory=lambda: FloodGuard(limit=0))
    watcher: asyncio.Task[None] | None = field(default=None, repr=False)


def services_of(context: Context) -> Services:
    """The services of the running application."""
    return services_in(context.application)


def services_in(application: App) -> Services:
    """The services an application was built with."""
    return cast(Services, application.bot_data[SERVICES])


def answerer_of(context: Context) -> Answerer:
    """The core in use; a reload swaps it in one assignment, so read it once per update."""
    return services_of(context).holder.answerer


# --- rendering --------------------------------------------------------------------------------


def _button_text(text: str) -> str:
    return text if len(text) <= BUTTON_TEXT else text[: BUTTON_TEXT - 1] + "…"


def keyboard(reply: Reply, question: int | None = None) -> InlineKeyboardMarkup | None:
    """Buttons under a reply: 👍/👎 and related questions after an answer, the options otherwise.

    `question` is the id the question was logged with; the buttons carry it back.
    """
    rows = []
    if reply.fact and question is not None:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=callbacks.vote(question, 1)),
                InlineKeyboardButton("👎", callback_data=callbacks.vote(question, -1)),
            ]
        )
    offered = reply.related if reply.fact else reply.suggestions
    asked = None if reply.fact else question
    rows.extend(
        [InlineKeyboardButton(_button_text(s.question), callback_data=callbacks.pick(s.id, asked))]
        for s in offered[:3]
    )
    if reply.suggestions and str(reply.outcome) == "clarify":
        none = callbacks.none_of_these(question)
        rows.append([InlineKeyboardButton("None of these", callback_data=none)])
    return InlineKeyboardMarkup(rows) if rows else None


async def send_reply(message: Message, reply: Reply, question: int | None = None) -> None:
    """Send a reply as HTML, split where it is too long, buttons on the last part."""
    await send_html(message, reply.html(), keyboard(reply, question))


def flood_verdict(update: Update, context: Context) -> Verdict:
    """Whether this user's message is within their rate (moderators always are)."""
    user = update.effective_user
    if user is None or is_moderator(update, context):
        return Verdict.ALLOW
    return services_of(context).flood.check(user.id)


async def answer_question(update: Update, context: Context, question: str) -> None:
    """Answer a question, log it, and send the reply with its buttons."""
    message = update.effective_message
    if message is None:
        return
    verdict = flood_verdict(update, context)
    if verdict is Verdict.WARN:
        await send_text(message, SLOW_DOWN)
    if verdict is not Verdict.ALLOW:
        return
    reply = answerer_of(context).ask(question)
    asked = new_id()
    # Small talk ("hi", "thanks") is no question: it would only clutter the unanswered queue.
    if reply.smalltalk is None:
        log_question(update, context, asked, reply)
    await send_reply(message, reply, asked)


def log_question(update: Update, context: Context, asked: int, reply: Reply) -> None:
    """Record a question and how it was answered, if there is a log."""
    questions = services_of(context).log
    if questions is None:
        return
    user = update.effective_user
    chat = update.effective_chat
    questions.record_question(
        asked,
        reply.question,
        reply.outcome,
        fact=reply.fact,
        score=reply.score,
        candidates=reply.candidates[:3],
        chat_type=chat.type if chat is not None else "private",
        user_id=user.id if user is not None else None,
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
    await answer_question(update, context, question)


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await answer_question(update, context, message.text)


async def group_text(update: Update, context: Context) -> None:
    """In groups, answer only when mentioned or replied to."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = addressed_question(message, context.bot.username, context.bot.id)
    if question is None:
        return
    await answer_question(update, context, question)


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


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (stop its spinner), with a short note if given. A press Telegram
    no longer takes an answer for (handled late: after a restart, say) still counts."""
    try:
        await query.answer(text)
    except BadRequest as error:
        if "query is too old" not in error.message.lower():
            raise
        log.info("a button press was answered too late to acknowledge: %s", error.message)


async def button(update: Update, context: Context) -> None:
    """A press on a button: answer a picked suggestion, count a vote, or a moderator's choice.

    Forged or stale data gets a polite word and changes nothing.
    """
    query = update.callback_query
    if query is None:
        return
    action = callbacks.parse(query.data)
    services = services_of(context)
    verdict = flood_verdict(update, context)
    if verdict is not Verdict.ALLOW:
        await acknowledge(query, SLOW_DOWN if verdict is Verdict.WARN else None)
        return
    if isinstance(action, callbacks.Attach | callbacks.Dismiss):
        await moderation_button(update, context, action)
        return
    if isinstance(action, callbacks.Vote):
        if services.log is not None and query.from_user is not None:
            services.log.record_feedback(action.question, query.from_user.id, action.vote)
        await acknowledge(query, THANKS_FOR_FEEDBACK)
        return
    if isinstance(action, callbacks.NoneOfThese):
        await acknowledge(query)
        if isinstance(query.message, Message):
            await send_text(query.message, NONE_OF_THESE)
        return
    reply = None
    if isinstance(action, callbacks.Pick):
        reply = services.holder.answerer.answer_with(action.ident)
    if reply is None or not isinstance(action, callbacks.Pick):
        await acknowledge(query, STALE_BUTTON)
        return
    await acknowledge(query)
    asked = action.question
    if asked is not None and services.log is not None:
        services.log.record_pick(asked, action.ident)
    if asked is None:
        # A related question, an example or an event picked: a question asked by button,
        # logged like a typed one so that its answer can be voted on.
        asked = new_id()
        log_question(update, context, asked, reply)
    if isinstance(query.message, Message):
        await send_reply(query.message, reply, asked)
    elif query.from_user is not None:
        # The button was under an inline message: answer in a private chat instead.
        for part in split_html(reply.html()):
            await context.bot.send_message(
                query.from_user.id,
                part,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            )


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not know (or may not run for this user), in a private chat."""
    message = update.effective_message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        await send_text(message, UNKNOWN_COMMAND)


# --- moderators -------------------------------------------------------------------------------


def is_moderator(update: Update, context: Context) -> bool:
    """Whether the user behind an update is one of BOT_MODERATORS."""
    user = update.effective_user
    return user is not None and user.id in services_of(context).moderators


Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
Read = TypeVar("Read")


def moderators_only(handler: Handler) -> Handler:
    """A command for moderators; anyone else gets the reply to an unknown command."""

    async def guarded(update: Update, context: Context) -> None:
        if is_moderator(update, context):
            await handler(update, context)
        else:
            await unknown_command(update, context)

    guarded.__doc__ = handler.__doc__
    return guarded


async def _read_log(
    update: Update, context: Context, read: Callable[[QuestionLog], Read]
) -> Read | None:
    """Read the question log in a worker thread; say so to the moderator when it cannot be."""
    message = update.effective_message
    questions = services_of(context).log
    if message is None:
        return None
    if questions is None:
        await send_text(message, NO_LOG)
        return None
    try:
        return await asyncio.to_thread(read, questions)
    except StoreError as error:
        await send_text(message, str(error))
        return None


@moderators_only
async def unanswered_command(update: Update, context: Context) -> None:
    """/unanswered: the questions the bot could not answer well, each with buttons."""
    message = update.effective_message
    groups = await _read_log(
        update, context, lambda log_: log_.unanswered(UNANSWERED_DAYS, UNANSWERED_SHOWN)
    )
    if message is None or groups is None:
        return
    if not groups:
        await send_text(message, f"Nothing unanswered in the last {UNANSWERED_DAYS} days.")
        return
    core = answerer_of(context)
    for group in groups:
        first = group.question_ids[0]
        rows = []
        for ident in group.candidates[:3]:
            item = core.matcher.answerable(ident)
            if item is not None:
                label = _button_text(f"+ {item.question}")
                data = callbacks.attach(first, ident)
                rows.append([InlineKeyboardButton(label, callback_data=data)])
        rows.append([InlineKeyboardButton("Dismiss", callback_data=callbacks.dismiss(first))])
        await send_text(message, moderation.group_text(group), InlineKeyboardMarkup(rows))


@moderators_only
async def teach_command(update: Update, context: Context) -> None:
    """/teach QUESTION => FACT-ID: one more phrasing for a fact, then a reload."""
    message = update.effective_message
    if message is None:
        return
    parsed = moderation.parse_teach(" ".join(context.args or []))
    if parsed is None:
        await send_text(message, moderation.TEACH_USAGE)
        return
    question, fact = parsed
    await send_text(message, await _teach(update, context, question, fact))


async def _teach(update: Update, context: Context, question: str, fact: str) -> str:
    """Teach, reload, and say how it went."""
    services = services_of(context)
    user = update.effective_user
    by = f"telegram:{user.id}" if user is not None else "telegram"
    try:
        await asyncio.to_thread(teach, services.holder.directory, question, fact, by)
    except ValueError as error:
        return str(error)
    except KnowledgeError as error:
        return "Nothing was taught:\n" + moderation.problems_text(error.problems)
    except OSError as error:
        return f"Nothing was taught: cannot write the fact base ({error.strerror or error})."
    if services.log is not None:
        try:
            await asyncio.to_thread(_settle, services.log, question, fact)
        except StoreError as error:
            log.warning("taught, but the unanswered queue was not updated: %s", error)
    problems = await services.holder.reload()
    if problems:
        return "Taught, but the fact base did not reload:\n" + moderation.problems_text(problems)
    return f"Taught: “{question}” => {fact}. I answer it with that fact now."


def _settle(questions: QuestionLog, question: str, fact: str) -> None:
    """Take a taught question, and its near-duplicates, off the unanswered queue."""
    for group in questions.unanswered(UNANSWERED_DAYS, limit=1000):
        if moderation.same_question(group.text, question):
            questions.mark_taught(group.question_ids, fact)


@moderators_only
async def reload_command(update: Update, context: Context) -> None:
    """/reload: load the fact base again; on failure keep the old one and list the problems."""
    message = update.effective_message
    if message is None:
        return
    problems = await services_of(context).holder.reload()
    await send_text(message, _reload_text(context, problems))


def _reload_text(context: Context, problems: Sequence[Problem]) -> str:
    if problems:
        return RELOAD_FAILED + moderation.problems_text(problems)
    base = answerer_of(context).base
    return f"Reloaded: {len(base.facts)} facts, {len(base.entities)} entities."


@moderators_only
async def stats_command(update: Update, context: Context) -> None:
    """/stats: questions, outcome rates, top facts and unanswered, votes."""
    message = update.effective_message
    stats = await _read_log(update, context, lambda log_: log_.stats())
    if message is not None and stats is not None:
        await send_text(message, moderation.stats_text(stats))


async def moderation_button(
    update: Update, context: Context, action: callbacks.Attach | callbacks.Dismiss
) -> None:
    """A moderator's press under /unanswered; anyone else's press does nothing."""
    query = update.callback_query
    if query is None:
        return
    services = services_of(context)
    if not is_moderator(update, context) or services.log is None:
        await acknowledge(query)
        return
    try:
        ids = await asyncio.to_thread(_group_of, services.log, action.question)
        if isinstance(action, callbacks.Dismiss):
            await asyncio.to_thread(services.log.dismiss, ids)
            text = "Dismissed."
        else:
            logged = await asyncio.to_thread(services.log.question, action.question)
            if logged is None:
                await acknowledge(query, STALE_BUTTON)
                return
            text = await _teach(update, context, logged.text, action.ident)
            if text.startswith("Taught"):
                # The group may hold wordings other than the one taught.
                await asyncio.to_thread(services.log.mark_taught, ids, action.ident)
    except StoreError as error:
        text = str(error)
    await acknowledge(query)
    if isinstance(query.message, Message):
        await send_text(query.message, text)


def _group_of(questions: QuestionLog, question: int) -> list[int]:
    """The ids of the unanswered group holding `question` (just it, when no group does)."""
    for group in questions.unanswered(UNANSWERED_DAYS, limit=1000):
        if question in group.question_ids:
            return list(group.question_ids)
    return [question]


async def report_reload(application: App, problems: list[Problem]) -> None:
    """After an automatic reload: tell every moderator when the new base did not load."""
    if not problems:
        log.info("the fact base changed and was reloaded")
        return
    log.warning("the fact base changed but did not load: %d problem(s)", len(problems))
    services = services_in(application)
    text = html.escape(RELOAD_FAILED + moderation.problems_text(problems))
    for moderator in sorted(services.moderators):
        for part in split_html(text):
            try:
                await application.bot.send_message(moderator, part, parse_mode=ParseMode.HTML)
            except TelegramError as error:
                log.warning("could not tell moderator %s about the reload: %s", moderator, error)


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
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    # The error is often Telegram's own (a 500, a dropped connection): try the apology a few
    # times, so that the asker hears from the bot even when one more send fails.
    for attempt in range(APOLOGY_TRIES):
        try:
            await update.effective_message.reply_text(APOLOGY, do_quote=False)
            return
        except TelegramError as error:
            if attempt + 1 == APOLOGY_TRIES:
                log.warning("could not tell the user about the error: %s", error)
                return
            await asyncio.sleep(APOLOGY_PAUSE * 2**attempt)


async def post_init(application: App) -> None:
    """Register the command list with Telegram, queue the updates a crash left unhandled, and
    start watching the fact base."""
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    bot = application.bot
    if isinstance(bot, InboxBot):
        for update in await asyncio.to_thread(bot.inbox.replay, bot):
            await application.update_queue.put(update)
    services = services_in(application)
    if services.reload_interval > 0:

        async def report(problems: list[Problem]) -> None:
            await report_reload(application, problems)

        services.watcher = asyncio.create_task(
            services.holder.watch(services.reload_interval, report)
        )


async def post_shutdown(application: App) -> None:
    """Stop watching the fact base and close the question log, its last writes saved."""
    services = services_in(application)
    if services.watcher is not None:
        services.watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await services.watcher
    if services.log is not None:
        await asyncio.to_thread(services.log.close)


# --- wiring -----------------------------------------------------------------------------------


def connections(settings: Settings) -> tuple[BaseRequest, BaseRequest]:
    """The Bot API connections: one for every method but getUpdates, one for its long polls
    (as ApplicationBuilder makes them)."""
    return HTTPXRequest(connection_pool_size=CONNECTIONS), HTTPXRequest(connection_pool_size=1)


def build_application(
    settings: Settings,
    core: Answerer | KnowledgeHolder,
    questions: QuestionLog | None = None,
) -> App:
    """The Application with every handler registered, in order."""
    if settings.token is None:
        raise ValueError("a Telegram token is needed to build the application")
    request, updates_request = connections(settings)
    options: dict[str, Any] = {
        "token": settings.token,
        "base_url": settings.api_url,
        "request": request,
        "get_updates_request": updates_request,
    }
    if settings.api_url.endswith("/bot"):
        # Files are served beside the methods: .../bot<token> and .../file/bot<token>.
        options["base_file_url"] = settings.api_url.removesuffix("bot") + "file/bot"
    if settings.rate_limit > 0:
        options["rate_limiter"] = AIORateLimiter(
            overall_max_rate=settings.rate_limit, max_retries=3
        )
    application = (
        Application.builder()
        .bot(InboxBot(Inbox(questions), **options))
        .application_class(InboxApplication)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .concurrent_updates(settings.concurrent_updates)
        .build()
    )
    holder = (
        core if isinstance(core, KnowledgeHolder) else KnowledgeHolder(settings.knowledge, core)
    )
    application.bot_data[SERVICES] = Services(
        holder=holder,
        log=questions,
        moderators=settings.moderators,
        reload_interval=settings.reload_interval,
        flood=FloodGuard(limit=settings.flood_limit),
    )
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
        ("unanswered", unanswered_command),
        ("teach", teach_command),
        ("reload", reload_command),
        ("stats", stats_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=fresh))
    # Any other command: a short word in private chats (in groups it may be another bot's).
    application.add_handler(MessageHandler(fresh & private & filters.COMMAND, unknown_command))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_handler(
        MessageHandler(fresh & private & filters.TEXT & ~filters.COMMAND, private_text)
    )
    application.add_handler(
        MessageHandler(fresh & groups & filters.TEXT & ~filters.COMMAND, group_text)
    )
    # Stickers, photos and the like; not service messages (a pin, a timer), where nobody asked.
    application.add_handler(
        MessageHandler(
            fresh & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, not_text
        )
    )
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
    try:
        questions: QuestionLog | None = QuestionLog.open(settings.database)
    except StoreError as error:
        # The log never stops the bot from answering.
        log.warning("answering without a question log: %s", error)
        questions = None
    application = build_application(settings, answerer, questions)
    try:
        _serve(application, settings, webhook)
    except InvalidToken:
        log.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN (from @BotFather).")
        return 1
    except (TelegramError, OSError) as error:
        log.error("the bot could not start: %s", error)
        return 1
    return 0


def _serve(application: App, settings: Settings, webhook: bool) -> None:
    if webhook:
        # Our own endpoint rather than PTB's: it refuses oversized bodies and malformed JSON.
        from bot import webhook as endpoint

        asyncio.run(endpoint.serve(application, settings.require_webhook()))
    else:
        log.info("polling for updates")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
