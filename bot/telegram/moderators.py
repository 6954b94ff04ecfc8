"""The moderators' commands and buttons: /unanswered, /teach, /reload, /stats.

They are registered for BOT_MODERATORS only (`filters.User` in bot.telegram.app), and only in
private chats: elsewhere a moderator gets `PRIVATE_ONLY`; for anyone else a moderator's command
falls through to the unknown-command reply.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from telegram import Message, Update
from telegram.error import TelegramError

from bot import moderation
from bot.curation import Curator
from bot.factbase import KnowledgeError, Problem
from bot.replies import split_html
from bot.storage import RECENT_DAYS, QuestionLog, StoreError, same_question, shown_wording
from bot.teaching import teach
from bot.telegram import callbacks
from bot.telegram.asking import STALE_BUTTON, acknowledge, pressed
from bot.telegram.curating_facts import NO_OVERLAY, moderator_name
from bot.telegram.curating_keys import with_new_fact
from bot.telegram.keyboards import unanswered_keyboard
from bot.telegram.sending import send_text
from bot.telegram.services import App, Context, answerer_of, is_moderator, services_in, services_of

logger = logging.getLogger(__name__)

UNANSWERED_SHOWN = 10
SEARCHED_GROUPS = 1000  # unanswered groups searched for a question's near-duplicates
NO_LOG = "There is no question log: the database could not be opened (see the bot's log)."
PRIVATE_ONLY = "Moderators' commands work only in a private chat with me."
RELOAD_FAILED = "The fact base did not load, so I keep answering from the previous one. Problems:\n"
LEFT_OUT = "These moderators' changes do not load with the fact base; kept in the overlay:\n"

Read = TypeVar("Read")


@dataclass(frozen=True)
class Taught:
    """How teaching went: whether the phrasing is in the fact base now, and what to say."""

    done: bool
    text: str


async def read_log(
    update: Update, context: Context, read: Callable[[QuestionLog], Read]
) -> Read | None:
    """Read the question log in a worker thread; say so to the moderator when it cannot be."""
    message = update.effective_message
    question_log = services_of(context).question_log
    if message is None:
        return None
    if question_log is None:
        await send_text(message, NO_LOG)
        return None
    try:
        return await asyncio.to_thread(read, question_log)
    except StoreError as error:
        await send_text(message, str(error))
        return None


async def private_only(update: Update, context: Context) -> None:
    """A moderator's command outside a private chat: one line saying where it works."""
    if update.effective_message is not None:
        await send_text(update.effective_message, PRIVATE_ONLY)


async def unanswered_command(update: Update, context: Context) -> None:
    """/unanswered: the questions the bot could not answer well, each with buttons."""
    message = update.effective_message
    groups = await read_log(
        update, context, lambda found: found.unanswered(RECENT_DAYS, UNANSWERED_SHOWN)
    )
    if message is None or groups is None:
        return
    if not groups:
        await send_text(message, f"Nothing unanswered in the last {RECENT_DAYS} days.")
        return
    answerer = answerer_of(context)
    for group in groups:
        markup = with_new_fact(unanswered_keyboard(group, answerer), group.question_ids[0])
        await send_text(message, moderation.group_text(group), markup)


async def teach_command(update: Update, context: Context) -> None:
    """/teach QUESTION => FACT-ID: one more phrasing for a fact, in the overlay."""
    message = update.effective_message
    if message is None:
        return
    parsed = moderation.parse_teach(" ".join(context.args or []))
    if parsed is None:
        await send_text(message, moderation.TEACH_USAGE)
        return
    question, fact = parsed
    await send_text(message, (await teach_and_reload(update, context, question, fact)).text)


async def teach_and_reload(update: Update, context: Context, question: str, fact: str) -> Taught:
    """Teach, swap the base with the phrasing in, and say how it went."""
    services = services_of(context)
    holder = services.holder
    if holder.overlay is None:
        return Taught(False, NO_OVERLAY)
    curator = Curator(holder.directory, holder.overlay)
    try:
        saved = await asyncio.to_thread(teach, curator, question, fact, moderator_name(update))
    except ValueError as error:  # a CurationError too: a collision, an unreadable overlay
        return Taught(False, str(error))
    except KnowledgeError as error:
        return Taught(False, "Nothing was taught:\n" + moderation.problems_text(error.problems))
    except OSError as error:
        return Taught(
            False, f"Nothing was taught: cannot write the overlay ({error.strerror or error})."
        )
    await holder.swap(saved.answerer)
    if services.question_log is not None:
        try:
            await asyncio.to_thread(settle, services.question_log, question, fact)
        except StoreError as error:
            logger.warning("taught, but the unanswered queue was not updated: %s", error)
    return Taught(True, f"Taught: “{question}” => {fact}. I answer it with that fact now.")


def settle(question_log: QuestionLog, question: str, fact: str) -> None:
    """Take a taught question, and its near-duplicates, off the unanswered queue."""
    for group in question_log.unanswered(RECENT_DAYS, limit=SEARCHED_GROUPS):
        if same_question(group.text, question):
            question_log.mark_taught(group.question_ids, fact)


async def reload_command(update: Update, context: Context) -> None:
    """/reload: load the fact base again; on failure keep the old one and list the problems."""
    message = update.effective_message
    if message is None:
        return
    problems = await services_of(context).holder.reload()
    await send_text(message, reload_text(context, problems))


def reload_text(context: Context, problems: Sequence[Problem]) -> str:
    """What /reload says: the problems, or the size of the new fact base."""
    if problems:
        return RELOAD_FAILED + moderation.problems_text(problems)
    base = answerer_of(context).base
    left_out = services_of(context).holder.left_out
    note = "\n\n" + LEFT_OUT + moderation.problems_text(left_out) if left_out else ""
    return f"Reloaded: {len(base.facts)} facts, {len(base.entities)} entities.{note}"


async def stats_command(update: Update, context: Context) -> None:
    """/stats: questions, outcome rates, top facts and unanswered, votes."""
    message = update.effective_message
    stats = await read_log(update, context, lambda found: found.stats())
    if message is not None and stats is not None:
        await send_text(message, moderation.stats_text(stats))


async def moderation_button(update: Update, context: Context) -> None:
    """A moderator's press under /unanswered; anyone else's press does nothing."""
    press = await pressed(update, context)
    if press is None:
        return
    query, action = press
    question_log = services_of(context).question_log
    if (
        not isinstance(action, callbacks.Attach | callbacks.Dismiss)
        or not is_moderator(update, context)
        or question_log is None
    ):
        await acknowledge(query)
        return
    try:
        ids = await asyncio.to_thread(group_of, question_log, action.question_id)
        if isinstance(action, callbacks.Dismiss):
            await asyncio.to_thread(question_log.dismiss, ids)
            text = "Dismissed."
        else:
            logged = await asyncio.to_thread(question_log.question, action.question_id)
            if logged is None:
                await acknowledge(query, STALE_BUTTON)
                return
            # The wording /unanswered showed: the button names a question worded so.
            wording = shown_wording(logged.text)
            taught = await teach_and_reload(update, context, wording, action.ident)
            text = taught.text
            if taught.done:
                # The group may hold wordings other than the one taught.
                await asyncio.to_thread(question_log.mark_taught, ids, action.ident)
    except StoreError as error:
        text = str(error)
    await acknowledge(query)
    if isinstance(query.message, Message):
        await send_text(query.message, text)


def group_of(question_log: QuestionLog, question_id: int) -> list[int]:
    """The ids of the unanswered group holding `question_id` (just it, when no group does)."""
    for group in question_log.unanswered(RECENT_DAYS, limit=SEARCHED_GROUPS):
        if question_id in group.question_ids:
            return list(group.question_ids)
    return [question_id]


async def report_reload(application: App, problems: list[Problem]) -> None:
    """After an automatic reload (and at start): tell every moderator when the new base did not
    load, or when overlay entries were left out of it."""
    services = services_in(application)
    left_out = services.holder.left_out
    if not problems and not left_out:
        logger.info("the fact base changed and was reloaded")
        return
    if problems:
        logger.warning("the fact base changed but did not load: %d problem(s)", len(problems))
        text = html.escape(RELOAD_FAILED + moderation.problems_text(problems))
    else:
        logger.warning("%d overlay entries do not load with the fact base", len(left_out))
        text = html.escape(LEFT_OUT + moderation.problems_text(left_out))
    for moderator in sorted(services.moderators):
        for part in split_html(text):
            try:
                await application.bot.send_message(moderator, part)
            except TelegramError as error:
                logger.warning("could not tell moderator %s about the reload: %s", moderator, error)
