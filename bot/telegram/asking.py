"""Questions from users: typed in a private chat, addressed to the bot in a group, or picked
with a button; and the other buttons under answers (votes, "None of these", the word on a
closest answer)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Hashable

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.conversation import Conversations, answer_key, chat_key
from bot.rendering import linked
from bot.replies import Reply
from bot.splitting import split_html
from bot.storage import StoreError, new_id
from bot.telegram import callbacks
from bot.telegram.keyboards import examples_keyboard, offered_picks
from bot.telegram.sending import send_reply, send_text
from bot.telegram.services import Context, answerer_of, services_of

logger = logging.getLogger(__name__)

NOT_TEXT = "I answer text questions. Type your question about the November 2017 talks on Syria."
STALE_BUTTON = "That button is no longer valid. Please type your question again."
THANKS_FOR_FEEDBACK = "Thanks for your feedback."
NONE_OF_THESE = (
    "Sorry I could not tell. Try asking with other words, tap an example, "
    "or see /timeline for what I know."
)
NONE_PICKED = "None of these"
PICKED = "→ "  # before what was picked, added to the message it was picked in
NOTED = "Thanks — noted."
NOT_NOTED = "Sorry, I could not note that just now."
# Seconds a press on a closest answer's buttons waits for the question log to check and note it.
NOTE_TIMEOUT = 5.0


async def answer_question(update: Update, context: Context, question: str) -> None:
    """Answer a question in the light of its conversation, log it, and send the reply with its
    buttons."""
    message = update.effective_message
    if message is None:
        return
    conversations = services_of(context).conversations
    key = conversation_key(update)
    # A reply to one of the bot's answers is read in that answer's context, whoever replies.
    replied = message.reply_to_message
    context_of = None
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    ):
        context_of = answer_key(replied.chat.id, replied.message_id)
    reply = conversations.ask(answerer_of(context), key, question, context_of)
    asked = new_id()
    # Small talk ("hi", "thanks") is no question: it would only clutter the unanswered queue.
    if reply.smalltalk is None:
        log_question(update, context, asked, reply)
    sent = await send_reply(message, reply, asked)
    _share(conversations, key, sent)


def conversation_key(update: Update) -> Hashable | None:
    """The conversation an update belongs to: a private chat is one, in a group each member's
    thread is their own; None (no context) without a chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    return chat_key(chat.id, user.id if user is not None else None, chat.type == ChatType.PRIVATE)


def _share(conversations: Conversations, key: Hashable | None, sent: Message | None) -> None:
    """Give the answer just sent its conversation's context, for replies to it."""
    if key is not None and sent is not None:
        conversations.share(key, answer_key(sent.chat.id, sent.message_id))


def log_question(update: Update, context: Context, asked: int, reply: Reply) -> None:
    """Record a question and how it was answered, if there is a question log."""
    question_log = services_of(context).question_log
    if question_log is None:
        return
    user = update.effective_user
    chat = update.effective_chat
    question_log.record_question(
        asked,
        reply.question,
        reply.outcome,
        fact=reply.fact,
        score=reply.score,
        candidates=reply.candidates[:3],
        offered=[suggestion.id for suggestion in offered_picks(reply)],
        chat_type=chat.type if chat is not None else "private",
        user_id=user.id if user is not None else None,
        closest=reply.closest.id if reply.closest is not None else None,
    )


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
        await send_text(message, NOT_TEXT)


# --- buttons ----------------------------------------------------------------------------------


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (stop its spinner), with a short note if given. A press Telegram
    no longer takes an answer for (handled late: after a restart, say) still counts."""
    try:
        await query.answer(text)
    except BadRequest as error:
        if "query is too old" not in error.message.lower():
            raise
        logger.info("a button press was answered too late to acknowledge: %s", error.message)


async def pressed(
    update: Update, context: Context
) -> tuple[CallbackQuery, callbacks.Action | None] | None:
    """The press to act on and what its data asks for (None for data forged or stale); None
    when there is no press."""
    query = update.callback_query
    return None if query is None else (query, callbacks.parse(query.data))


async def pick_button(update: Update, context: Context) -> None:
    """A suggested, related, example or timeline question picked: answer it."""
    press = await pressed(update, context)
    if press is None:
        return
    query, action = press
    services = services_of(context)
    reply = None
    if isinstance(action, callbacks.Pick):
        reply = services.holder.answerer.answer_with(action.ident)
    if reply is None or not isinstance(action, callbacks.Pick):
        await acknowledge(query, STALE_BUTTON)
        return
    await acknowledge(query)
    asked = action.question_id
    if asked is not None and services.question_log is not None and query.from_user is not None:
        services.question_log.record_pick(asked, query.from_user.id, action.ident)
    if asked is not None:
        # An option of "Did you mean…" picked: the message shows the pick, its buttons go.
        await show_picked(query, reply.label or reply.question)
    if isinstance(query.message, Message):
        await answer_picked(update, context, query.message, reply, asked)
    elif query.from_user is not None:
        # The button was under an inline message: answer in a private chat instead.
        for part in split_html(reply.html()):
            await context.bot.send_message(query.from_user.id, part)


async def answer_picked(
    update: Update, context: Context, message: Message, reply: Reply, asked: int | None = None
) -> None:
    """Send the answer of a fact picked (by button or a /start link) under `message`; `asked`
    is the logged question it was picked for, None for a question asked by the pick itself."""
    if asked is None:
        # A related question, an example or an event picked: a question asked by button,
        # logged like a typed one so that its answer can be voted on.
        asked = new_id()
        log_question(update, context, asked, reply)
    services = services_of(context)
    # The picked answer is what the presser's conversation is now about.
    user = update.effective_user
    chat = message.chat
    key = chat_key(chat.id, user.id if user is not None else None, chat.type == ChatType.PRIVATE)
    services.conversations.remember(services.holder.answerer, key, reply)
    sent = await send_reply(message, reply, asked)
    _share(services.conversations, key, sent)


async def show_picked(query: CallbackQuery, picked: str) -> None:
    """Edit the message a pick was made in to show what was picked, without its buttons. A
    message Telegram no longer lets us edit stays as it is."""
    message = query.message
    if not isinstance(message, Message) or not message.text:
        return
    try:
        await query.edit_message_text(f"{message.text_html}\n\n{PICKED}<b>{linked(picked)}</b>")
    except BadRequest as error:
        logger.info("a message a pick was made in was not edited: %s", error.message)


async def vote_button(update: Update, context: Context) -> None:
    """👍 or 👎 under an answer: counted (a later press replaces the user's vote)."""
    press = await pressed(update, context)
    if press is None:
        return
    query, action = press
    question_log = services_of(context).question_log
    if (
        isinstance(action, callbacks.Vote)
        and question_log is not None
        and query.from_user is not None
    ):
        question_log.record_feedback(action.question_id, query.from_user.id, action.vote)
    await acknowledge(query, THANKS_FOR_FEEDBACK)


async def none_of_these_button(update: Update, context: Context) -> None:
    """ "None of these" under suggestions: a word on how to ask instead."""
    query = update.callback_query
    if query is None:
        return
    await acknowledge(query)
    await show_picked(query, NONE_PICKED)
    if isinstance(query.message, Message):
        markup = examples_keyboard(answerer_of(context))
        await send_text(query.message, NONE_OF_THESE, markup)


async def closest_button(update: Update, context: Context) -> None:
    """ "That answers it" or "Not what I asked" under a closest answer: noted when the asker
    presses it on the fact shown; any other press (another user's, forged data) changes
    nothing and is answered as a stale button."""
    press = await pressed(update, context)
    if press is None:
        return
    query, action = press
    question_log = services_of(context).question_log
    if not isinstance(action, callbacks.ClosestFeedback) or query.from_user is None:
        await acknowledge(query, STALE_BUTTON)
        return
    if question_log is None:
        await acknowledge(query)  # no log to check it against or note it in
        return
    noting = question_log.record_closest_feedback(
        action.question_id, query.from_user.id, action.ident, action.answers
    )
    try:
        counted = await asyncio.wait_for(asyncio.wrap_future(noting), NOTE_TIMEOUT)
    except (StoreError, TimeoutError) as error:
        logger.warning("a word on a closest answer may not have been noted: %r", error)
        await acknowledge(query, NOT_NOTED)
        return
    await acknowledge(query, NOTED if counted else STALE_BUTTON)


async def stale_button(update: Update, context: Context) -> None:
    """A press whose data no handler knows (forged, or from an older version): changes nothing."""
    query = update.callback_query
    if query is not None:
        await acknowledge(query, STALE_BUTTON)
