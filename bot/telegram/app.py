"""The Application: built with every handler registered, in order; what runs at start and stop;
the error handler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.conversation import ContextStore, Conversations
from bot.factbase import Problem
from bot.flood import FloodGuard
from bot.reloading import KnowledgeHolder
from bot.replies import Answerer
from bot.storage import QuestionLog
from bot.telegram import asking, callbacks, commands, curating, curating_facts, moderators
from bot.telegram import curating_keys as curating_buttons
from bot.telegram.flooding import flood_gate
from bot.telegram.inbox import Inbox, InboxApplication
from bot.telegram.inline import inline_query
from bot.telegram.sending import send_text
from bot.telegram.services import SERVICES, App, Context, Services, services_in

logger = logging.getLogger(__name__)

CONNECTIONS = 256  # to the Bot API at once, for replies: ApplicationBuilder's default
APOLOGY = "Sorry, something went wrong on my side. Please try again."
APOLOGY_TRIES = 3
APOLOGY_PAUSE = 0.25  # seconds before the second try; doubled before each next one
# Every message is Telegram HTML, without link previews; in a group it is a reply to the
# message that asked (do_quote left unset: PTB quotes in groups, not in private chats), sent
# even when that message is gone.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
    allow_sending_without_reply=True,
)


def connections() -> tuple[BaseRequest, BaseRequest]:
    """The Bot API connections: one for every method but getUpdates, one for its long polls
    (as ApplicationBuilder makes them)."""
    return HTTPXRequest(connection_pool_size=CONNECTIONS), HTTPXRequest(connection_pool_size=1)


def build_application(
    settings: Settings,
    core: Answerer | KnowledgeHolder,
    question_log: QuestionLog | None = None,
) -> InboxApplication:
    """The Application with every handler registered, in order; its updates come through its
    inbox, fed by bot.telegram.polling or bot.telegram.webhook."""
    if settings.token is None:
        raise ValueError("a Telegram token is needed to build the application")
    request, updates_request = connections()
    options: dict[str, Any] = {
        "token": settings.token,
        "base_url": settings.api_url,
        "request": request,
        "get_updates_request": updates_request,
        "defaults": DEFAULTS,
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
        .bot(ExtBot(**options))
        .updater(None)  # updates come from our polling loop or webhook, through the inbox
        .application_class(InboxApplication)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .concurrent_updates(settings.concurrent_updates)
        .build()
    )
    if not isinstance(application, InboxApplication):
        raise TypeError(f"built {type(application).__name__}, not an InboxApplication")
    application.inbox = Inbox(question_log)
    application.updates_read_timeout = updates_request.read_timeout or 0.0
    holder = (
        core
        if isinstance(core, KnowledgeHolder)
        else KnowledgeHolder(settings.knowledge, core, settings.overlay_file)
    )
    application.bot_data[SERVICES] = Services(
        holder=holder,
        question_log=question_log,
        moderators=settings.moderators,
        reload_interval=settings.reload_interval,
        flood=FloodGuard(limit=settings.flood_limit),
        conversations=Conversations(ContextStore(minutes=settings.context_minutes)),
    )
    add_handlers(application, settings.moderators)
    return application


def add_handlers(application: App, moderator_ids: frozenset[int]) -> None:
    """Every handler, in the order PTB tries them: the first whose filter matches handles."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    # Edited messages are left alone everywhere: answering them again would repeat the bot.
    fresh = filters.UpdateType.MESSAGE
    # Before any handler (group -1 runs first): every update of every kind counts against its
    # user's rate, and one over it stops there.
    application.add_handler(TypeHandler(Update, flood_gate), group=-1)
    # Commands first, so that "/help" is never taken for a question.
    for name, callback in (
        ("start", commands.start),
        ("help", commands.help_command),
        ("about", commands.about),
        ("timeline", commands.timeline),
        ("sources", commands.sources),
        ("ask", commands.ask_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=fresh))
    # The moderators' commands reach only them, and only in a private chat with the bot: what
    # they show (the queue, the stats) is for moderators' eyes. Anyone else's falls through to
    # the unknown-command line below. A new moderator command is added to this list, and no
    # other line: it gets both rules.
    moderator = fresh & filters.User(user_id=moderator_ids)
    moderator_commands = (
        ("unanswered", moderators.unanswered_command),
        ("teach", moderators.teach_command),
        ("reload", moderators.reload_command),
        ("stats", moderators.stats_command),
        ("fact", curating_facts.fact_command),
        ("history", curating_facts.history_command),
        ("undo", curating_facts.undo_command),
    )
    # /newfact is the conversation's (below); elsewhere than a private chat it is one like these.
    moderator_names = [*(name for name, _ in moderator_commands), "newfact"]
    # A moderator's guided changes (/newfact, and the /fact edits that need typing): before the
    # other commands (its /cancel), the buttons (its own) and private text (the quote, the
    # answer and the questions typed are not questions to answer). It holds only moderators:
    # it starts only from a moderator's /newfact, or from a button that checks who pressed.
    application.add_handler(curating.conversation(moderator & private, moderator_ids))
    for name, callback in moderator_commands:
        application.add_handler(CommandHandler(name, callback, filters=moderator & private))
    # A moderator's command anywhere else gets one line saying so, and does nothing.
    application.add_handler(
        CommandHandler(
            moderator_names,
            moderators.private_only,
            filters=moderator & ~private,
        )
    )
    # Any other command: a short word in private chats (in groups it may be another bot's).
    application.add_handler(
        MessageHandler(fresh & private & filters.COMMAND, commands.unknown_command)
    )
    # One handler per kind of button; data none of them knows (forged, stale) comes last: the
    # catch-all matches every press, so a kind registered after it would never be reached.
    for pattern, callback in (
        (callbacks.PICK, asking.pick_button),
        (callbacks.VOTE, asking.vote_button),
        (callbacks.NONE, asking.none_of_these_button),
        (callbacks.CLOSEST, asking.closest_button),
        (callbacks.ATTACH, moderators.moderation_button),
        (callbacks.DISMISS, moderators.moderation_button),
        # Curating presses outside the conversation: withdraw, restore, remove a phrasing, and
        # any left over from a conversation ended (cancelled, timed out, the bot restarted).
        (curating_buttons.ANY, curating_facts.curating_button),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(CallbackQueryHandler(asking.stale_button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_handler(
        MessageHandler(fresh & private & filters.TEXT & ~filters.COMMAND, asking.private_text)
    )
    application.add_handler(
        MessageHandler(fresh & groups & filters.TEXT & ~filters.COMMAND, asking.group_text)
    )
    # Stickers, photos and the like; not service messages (a pin, a timer), where nobody asked.
    application.add_handler(
        MessageHandler(
            fresh & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, asking.not_text
        )
    )
    application.add_error_handler(on_error)


async def on_error(update: object, context: Context) -> None:
    """Log every error once; users never see a traceback."""
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    # The error is often Telegram's own (a 500, a dropped connection): try the apology a few
    # times, so that the asker hears from the bot even when one more send fails.
    for attempt in range(APOLOGY_TRIES):
        try:
            await send_text(update.effective_message, APOLOGY)
            return
        except TelegramError as error:
            if attempt + 1 == APOLOGY_TRIES:
                logger.warning("could not tell the user about the error: %s", error)
                return
            await asyncio.sleep(APOLOGY_PAUSE * 2**attempt)


async def post_init(application: App) -> None:
    """Register the command list with Telegram, queue the updates a crash left unhandled, and
    start watching the fact base."""
    await application.bot.set_my_commands(
        [BotCommand(name, text) for name, text in commands.COMMANDS]
    )
    if isinstance(application, InboxApplication):
        bot = application.bot
        in_flight = application.concurrent_updates
        for update in await asyncio.to_thread(application.inbox.replay, bot, in_flight):
            await application.update_queue.put(update)
    services = services_in(application)
    if services.holder.left_out:
        # Overlay entries this base does not support: the moderators hear of them at once.
        await moderators.report_reload(application, [])
    if services.reload_interval > 0:

        async def report(problems: list[Problem]) -> None:
            await moderators.report_reload(application, problems)

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
    if services.question_log is not None:
        await asyncio.to_thread(services.question_log.close)
