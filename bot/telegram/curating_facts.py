"""The moderators' facts from Telegram: /fact and its buttons (edit the answer, add or remove
phrasings, withdraw, restore), /history, /undo; and what the curating handlers share. Thin: the
changes themselves are bot.curation's. A press from anyone but a moderator does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.ext import ConversationHandler

from bot.curation import ConflictError, CurationError, Curator, Saved, fingerprint
from bot.curation.overlay import OverlayError
from bot.curation.views import USAGE_DAYS, fact_text, find_fact, history_text
from bot.factbase import KnowledgeError
from bot.storage import StoreError
from bot.telegram import curating_keys as keys
from bot.telegram.asking import STALE_BUTTON, acknowledge
from bot.telegram.sending import send_text
from bot.telegram.services import Context, answerer_of, is_moderator, services_of

logger = logging.getLogger(__name__)

EDIT_ANSWER, ADD_QUESTIONS = 4, 5  # the conversation's states (bot.telegram.curating) for edits
EDITING = "editing"
FACT_USAGE = "Usage: /fact ID, or /fact and the words of a question."
NO_OVERLAY = "There is no overlay configured for moderators' changes (see BOT_OVERLAY)."
GONE = "That is no longer in progress (cancelled, timed out or the bot restarted): nothing changed."


def curator_of(context: Context) -> Curator | None:
    """The curator over the base and overlay in use."""
    holder = services_of(context).holder
    return None if holder.overlay is None else Curator(holder.directory, holder.overlay)


def moderator_name(update: Update) -> str:
    """Who a change is recorded as made by."""
    user = update.effective_user
    return f"telegram:{user.id}" if user is not None else "telegram"


@dataclass(frozen=True)
class Applied:
    """How a change went: written (`done`), refused as a conflict, and what to say."""

    done: bool
    text: str
    conflict: bool = False


async def apply(update: Update, context: Context, change: Any, *args: Any) -> Applied:
    """Run a change of the curator in a worker thread; swap the new base in; say how it went."""
    try:
        saved: Saved = await asyncio.to_thread(change, *args)
    except ConflictError as error:
        return Applied(False, str(error), conflict=True)
    except CurationError as error:  # an OverlayError too
        return Applied(False, str(error))
    except OSError as error:
        text = f"Nothing was changed: cannot write the overlay ({error.strerror or error})."
        return Applied(False, text)
    except KnowledgeError as error:
        logger.warning("a change was not made: the shipped base does not load: %s", error)
        return Applied(False, "Nothing was changed: the shipped fact base does not load (/reload).")
    await services_of(context).holder.swap(saved.answerer)
    return Applied(True, f"Done: {saved.entry.line()}")


# --- /fact and its buttons ------------------------------------------------------------------


async def fact_command(update: Update, context: Context) -> None:
    """/fact ID or /fact words: the fact, how it is used, and what may be done with it."""
    message = update.effective_message
    curator = curator_of(context)
    if message is None:
        return
    words = " ".join(context.args or [])
    if not words.strip() or curator is None:
        await send_text(message, FACT_USAGE if curator else NO_OVERLAY)
        return
    try:
        state = await asyncio.to_thread(curator.state)
    except OverlayError as error:
        await send_text(message, str(error))
        return
    withdrawn = [i for i, record in state.facts.items() if record.get("withdrawn") is True]
    found = find_fact(answerer_of(context), words[:500], withdrawn)
    if not found:
        await send_text(message, f"No fact found for “{words[:200]}”.")
        return
    await show_fact(message, context, curator, found[0], found[1:4])


async def show_fact(
    message: Message, context: Context, curator: Curator, ident: str, others: list[str]
) -> None:
    """The fact's card with its buttons."""
    state = await asyncio.to_thread(curator.state)
    record = state.record(ident)
    asked: tuple[str, ...] = ()
    votes = (0, 0)
    question_log = services_of(context).question_log
    if question_log is not None:
        try:
            usage = await asyncio.to_thread(question_log.fact_usage, ident, USAGE_DAYS)
            asked, votes = usage.questions, (usage.upvotes, usage.downvotes)
        except StoreError as error:
            logger.warning("/fact without usage: %s", error)
    text = fact_text(answerer_of(context).base, ident, record, asked, votes)
    if others:
        text += f"\n\nAlso close: {', '.join(others)}"
    withdrawn = record is not None and record.get("withdrawn") is True
    await send_text(message, text, keys.fact_keyboard(ident, fingerprint(record), withdrawn))


async def moderators_press(update: Update, context: Context) -> tuple[CallbackQuery, str] | None:
    """The press and its data, when a moderator's; any other is acknowledged and dropped."""
    query = update.callback_query
    if query is not None and is_moderator(update, context) and query.data:
        return query, query.data
    if query is not None:
        await acknowledge(query)
    return None


async def edit_button(update: Update, context: Context) -> int:
    """Edit answer / Add phrasings: ask for the text."""
    pressed = await moderators_press(update, context)
    if pressed is None:
        return ConversationHandler.END
    query, data = pressed
    await acknowledge(query)
    found = keys.EDIT.match(data)
    if found is None or not isinstance(query.message, Message) or context.user_data is None:
        return ConversationHandler.END
    what, against, ident = found.groups()
    context.user_data[EDITING] = (what, ident, against)
    if what == "a":
        await send_text(query.message, f"Send the new answer of {ident} (/cancel to stop).")
        return EDIT_ANSWER
    await send_text(query.message, f"Send the new phrasings of {ident}, one a line (/cancel).")
    return ADD_QUESTIONS


async def edit_text(update: Update, context: Context) -> int:
    """The new answer, or the phrasings to add: saved, or said why not (and asked again)."""
    message = update.effective_message
    curator = curator_of(context)
    editing = context.user_data.get(EDITING) if isinstance(context.user_data, dict) else None
    if message is None or message.text is None or curator is None or editing is None:
        return ConversationHandler.END
    what, ident, against = editing
    by = moderator_name(update)
    if what == "a":
        applied = await apply(
            update, context, curator.edit_answer, ident, message.text, by, against
        )
    else:
        lines = message.text.splitlines()[:50]
        applied = await apply(update, context, curator.add_questions, ident, lines, by, against)
    await send_text(message, applied.text)
    if applied.done or applied.conflict:
        return ConversationHandler.END
    return EDIT_ANSWER if what == "a" else ADD_QUESTIONS


async def curating_button(update: Update, context: Context) -> None:
    """Withdraw, restore, remove a phrasing; and any curating press outside its conversation.
    Anyone but a moderator: nothing happens."""
    query = update.callback_query
    if query is None:
        return
    curator = curator_of(context)
    if not is_moderator(update, context) or curator is None or not query.data:
        await acknowledge(query)
        return
    message = query.message if isinstance(query.message, Message) else None
    by = moderator_name(update)
    if found := keys.ACT.match(query.data):
        what, against, ident = found.groups()
        await acknowledge(query)
        if what == "r":
            record = await asyncio.to_thread(curator.current, ident)
            phrasings = [str(q) for q in (record or {}).get("questions") or []]
            if message is not None:
                markup = keys.remove_keyboard(ident, against, phrasings)
                await send_text(message, f"Which phrasing of {ident} goes?", markup)
            return
        change = curator.withdraw if what == "w" else curator.restore
        text = (await apply(update, context, change, ident, by, against)).text
    elif found := keys.REMOVE.match(query.data):
        against, number, ident = found.groups()
        await acknowledge(query)
        record = await asyncio.to_thread(curator.current, ident)
        phrasings = [str(q) for q in (record or {}).get("questions") or []]
        if int(number) >= len(phrasings):
            text = STALE_BUTTON
        else:
            remove = curator.remove_question
            removed = phrasings[int(number)]
            text = (await apply(update, context, remove, ident, removed, by, against)).text
    else:
        await acknowledge(query)
        text = GONE
    if message is not None:
        await send_text(message, text)


# --- /history and /undo ----------------------------------------------------------------------


async def _with_overlay(update: Update, context: Context) -> tuple[Message | None, Curator | None]:
    """The command's message and the curator; without an overlay, says so and gives no curator."""
    message = update.effective_message
    curator = curator_of(context)
    if message is not None and curator is None:
        await send_text(message, NO_OVERLAY)
    return message, curator


async def history_command(update: Update, context: Context) -> None:
    """/history [ID]: the latest changes, newest first."""
    message, curator = await _with_overlay(update, context)
    if message is None or curator is None:
        return
    ident = context.args[0] if context.args else None
    entries = await asyncio.to_thread(curator.entries, ident)
    await send_text(message, history_text(entries, ident))


async def undo_command(update: Update, context: Context) -> None:
    """/undo: take back this moderator's own last change."""
    message, curator = await _with_overlay(update, context)
    if message is None or curator is None:
        return
    applied = await apply(update, context, curator.undo, moderator_name(update))
    await send_text(message, applied.text)
