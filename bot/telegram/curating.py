"""The moderators' curating from Telegram: /newfact (a guided conversation), /fact and its
buttons, /history, /undo. Thin: the changes themselves are bot.curation's.

Registered in bot.telegram.app for BOT_MODERATORS in private chats; a button press from anyone
else, or with data forged, does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.curation import CurationError, rules
from bot.curation.overlay import OverlayError
from bot.storage import StoreError
from bot.telegram import curating_keys as keys
from bot.telegram.asking import STALE_BUTTON, acknowledge
from bot.telegram.curating_facts import (
    ADD_QUESTIONS,
    EDIT_ANSWER,
    apply,
    curator_of,
    edit_button,
    edit_text,
    moderator_name,
    moderators_press,
)
from bot.telegram.sending import send_html, send_text
from bot.telegram.services import Context, answerer_of, services_of

logger = logging.getLogger(__name__)

QUOTE, ANSWER, QUESTIONS, PREVIEW = range(4)
TIMEOUT_SECONDS = 15 * 60  # an abandoned conversation ends by itself
MAX_TYPED = 2000  # characters of a quote or a list of questions
DRAFT = "newfact"

ASK_QUOTE = (
    "A new fact. Send the sentence from a source that answers the question, word for word "
    "(/cancel to stop)."
)
ASK_ANSWER = (
    "Found in “{title}”. Now the answer as I should say it: short and self-contained, plain "
    f"text, at most {rules.MAX_ANSWER} characters."
)
ASK_QUESTIONS = "Now the questions people would ask, one a line (at least three)."
ASK_MORE = "The first is “{first}”; send at least two more, one a line."
NOT_FOUND = (
    "That is not word for word in any source. The nearest sentences are below: press one, or "
    "send the sentence again."
)
TOO_LONG = f"That is more than {MAX_TYPED} characters: send one sentence."
PREVIEW_LEAD = "Preview of fact {ident}, as people will see it:"
COLLIDES = "These questions would not be answered with this fact; change them and send them again:"
SAVED = "Saved: fact {ident}. I answer its questions now."
CANCELLED = "Cancelled: nothing was saved."
TIMED_OUT = "The new fact timed out: nothing was saved. Start again with /newfact."


# --- /newfact ---------------------------------------------------------------------------------


async def new_fact(update: Update, context: Context) -> int:
    """/newfact: ask for the quote."""
    message = update.effective_message
    if message is None or not isinstance(context.user_data, dict):
        return ConversationHandler.END
    context.user_data[DRAFT] = {"first": None}
    await send_text(message, ASK_QUOTE)
    return QUOTE


async def new_fact_button(update: Update, context: Context) -> int:
    """ "New fact" under /unanswered: the flow, with that question as the first phrasing."""
    pressed = await moderators_press(update, context)
    if pressed is None:
        return ConversationHandler.END
    query, data = pressed
    found = keys.NEW_FROM_QUESTION.match(data)
    question_log = services_of(context).question_log
    logged = None
    if found and question_log is not None:
        try:
            logged = await asyncio.to_thread(question_log.question, int(found.group(1)))
        except StoreError:
            logged = None
    await acknowledge(query, None if logged else STALE_BUTTON)
    if logged is None or not isinstance(query.message, Message) or context.user_data is None:
        return ConversationHandler.END
    context.user_data[DRAFT] = {"first": " ".join(logged.text.split())[: rules.MAX_ANSWER]}
    await send_text(query.message, ASK_QUOTE)
    return QUOTE


async def quote_text(update: Update, context: Context) -> int:
    """The quote: found in a source, or the nearest sentences offered."""
    message = update.effective_message
    draft = _draft(context)
    if message is None or message.text is None or draft is None:
        return ConversationHandler.END
    if len(message.text) > MAX_TYPED:
        await send_text(message, TOO_LONG)
        return QUOTE
    base = answerer_of(context).base
    found = rules.find_quote(base, message.text)
    if found is None:
        nearest = await asyncio.to_thread(rules.nearest_sentences, base, message.text)
        draft["nearest"] = nearest
        await send_text(message, NOT_FOUND, keys.nearest_keyboard([s for _, s in nearest]))
        return QUOTE
    return await _quote_taken(message, context, draft, *found)


async def nearest_button(update: Update, context: Context) -> int:
    """One of the nearest sentences pressed: it is the quote."""
    query = update.callback_query
    draft = _draft(context)
    if query is None or draft is None or not query.data:
        return ConversationHandler.END
    await acknowledge(query)
    found = keys.NEAREST.match(query.data)
    nearest = draft.get("nearest") or []
    if (
        found is None
        or int(found.group(1)) >= len(nearest)
        or not isinstance(query.message, Message)
    ):
        return QUOTE
    source, sentence = nearest[int(found.group(1))]
    located = rules.find_quote(answerer_of(context).base, sentence) or (source, sentence)
    return await _quote_taken(query.message, context, draft, *located)


async def _quote_taken(
    message: Message, context: Context, draft: dict[str, Any], source: str, quote: str
) -> int:
    draft["source"], draft["quote"] = source, quote
    found = answerer_of(context).base.sources.get(source)
    await send_text(message, ASK_ANSWER.format(title=found.title if found else source))
    return ANSWER


async def answer_text(update: Update, context: Context) -> int:
    """The answer, checked; then ask for the questions."""
    message = update.effective_message
    draft = _draft(context)
    if message is None or message.text is None or draft is None:
        return ConversationHandler.END
    try:
        draft["answer"] = rules.answer(message.text)
    except CurationError as error:
        await send_text(message, str(error))
        return ANSWER
    first = draft.get("first")
    await send_text(message, ASK_MORE.format(first=first) if first else ASK_QUESTIONS)
    return QUESTIONS


async def questions_text(update: Update, context: Context) -> int:
    """The questions: the fact drafted, checked and previewed with Save and Cancel."""
    message = update.effective_message
    draft = _draft(context)
    curator = curator_of(context)
    if message is None or message.text is None or draft is None or curator is None:
        return ConversationHandler.END
    if len(message.text) > MAX_TYPED:
        await send_text(message, f"That is more than {MAX_TYPED} characters: send the questions.")
        return QUESTIONS
    lines = [draft["first"]] if draft.get("first") else []
    lines += message.text.splitlines()[:50]
    state = await asyncio.to_thread(curator.state)
    base = answerer_of(context).base
    ident = rules.suggest_id(
        next((line for line in lines if line.strip()), ""),
        {*state.facts, *base.facts, *base.entities, *base.sources},
    )
    try:
        made = await asyncio.to_thread(
            curator.draft, ident, draft["source"], draft["quote"], draft["answer"], lines
        )
    except (CurationError, OverlayError) as error:
        await send_text(message, str(error))
        return QUESTIONS
    reply = made.answerer.answer_with(ident)
    await send_text(message, PREVIEW_LEAD.format(ident=ident))
    if made.collisions:
        await send_html(message, reply.html() if reply else "")
        await send_text(message, "\n".join([COLLIDES, *made.collisions]))
        return QUESTIONS
    draft["record"] = made.record
    await send_html(message, reply.html() if reply else "", keys.preview_keyboard())
    return PREVIEW


async def save_button(update: Update, context: Context) -> int:
    """Save: the fact written, the base swapped, its questions answered."""
    query = update.callback_query
    draft = _draft(context)
    curator = curator_of(context)
    if query is None or draft is None or curator is None or "record" not in draft:
        return ConversationHandler.END
    await acknowledge(query)
    applied = await apply(
        update, context, curator.save_new, draft["record"], moderator_name(update)
    )
    done = applied.done
    text = SAVED.format(ident=draft["record"]["id"]) if done else applied.text
    if isinstance(query.message, Message):
        await send_text(query.message, text)
    return ConversationHandler.END if done else QUESTIONS


async def cancel(update: Update, context: Context) -> int:
    """/cancel, or the Cancel button: nothing saved."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query)
    message = update.effective_message
    if message is not None:
        await send_text(message, CANCELLED)
    return ConversationHandler.END


async def timed_out(update: Update, context: Context) -> None:
    """An abandoned conversation, ended by the timeout."""
    message = update.effective_message
    if message is not None:
        await send_text(message, TIMED_OUT)


def _draft(context: Context) -> dict[str, Any] | None:
    found = context.user_data.get(DRAFT) if isinstance(context.user_data, dict) else None
    return found if isinstance(found, dict) else None


# --- wiring -----------------------------------------------------------------------------------


class Pressed(CallbackQueryHandler[Any, Any]):
    """A CallbackQueryHandler for a moderator's presses that carry data. PTB's takes a press
    without data whatever its pattern (such a press is stale_button's, bot.telegram.asking), and
    anyone else's press is curating_button's, which does nothing: it never enters the
    conversation."""

    def __init__(self, callback: Any, pattern: re.Pattern[str], users: frozenset[int]) -> None:
        super().__init__(callback, pattern)
        self.users = users

    def check_update(self, update: object) -> bool | object | None:
        """Only a moderator's press with data matching the pattern."""
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        query = update.callback_query
        if not query.data or query.from_user.id not in self.users:
            return None
        return super().check_update(update)


def conversation(moderator: filters.BaseFilter, users: frozenset[int]) -> ConversationHandler[Any]:
    """/newfact and the /fact edits that need typing: one conversation per moderator and chat;
    /cancel at any step, and an abandoned one ends by itself after TIMEOUT_SECONDS."""
    text = filters.TEXT & ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, Any, Any]]] = {
        QUOTE: [
            MessageHandler(text, quote_text),
            Pressed(nearest_button, keys.NEAREST, users),
        ],
        ANSWER: [MessageHandler(text, answer_text)],
        QUESTIONS: [MessageHandler(text, questions_text)],
        PREVIEW: [
            Pressed(save_button, keys.SAVE, users),
            MessageHandler(text, questions_text),
        ],
        EDIT_ANSWER: [MessageHandler(text, edit_text)],
        ADD_QUESTIONS: [MessageHandler(text, edit_text)],
        ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, timed_out)],
    }
    with warnings.catch_warnings():
        # Buttons are tracked per chat and user, not per message: meant so (a press on an old
        # preview is the same conversation's).
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("newfact", new_fact, filters=moderator),
                Pressed(new_fact_button, keys.NEW_FROM_QUESTION, users),
                Pressed(edit_button, keys.EDIT, users),
            ],
            states=states,
            fallbacks=[CommandHandler("cancel", cancel), Pressed(cancel, keys.CANCEL, users)],
            conversation_timeout=TIMEOUT_SECONDS,
            allow_reentry=True,
        )
