"""The commands anyone may use, listed in Telegram's command menu."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ChatType

from bot.rendering import linked
from bot.replies import Answerer
from bot.telegram.asking import answer_picked, answer_question
from bot.telegram.keyboards import examples_keyboard
from bot.telegram.sending import send_html, send_text
from bot.telegram.services import Context, answerer_of

# The menu Telegram shows, in this order (registered at start-up).
COMMANDS = (
    ("start", "What I know, with example questions"),
    ("help", "How to ask"),
    ("timeline", "The events in date order"),
    ("sources", "Where the answers come from"),
    ("about", "About this bot"),
    ("ask", "Ask a question (in groups: /ask your question)"),
)
UNKNOWN_COMMAND = "I don't know that command. Try /help."
ASK_USAGE = "Ask me with /ask followed by your question."
ABOUT = (
    "I answer questions about the diplomacy on Syria in November 2017 from a curated fact base. "
    "Every answer quotes its source word for word and says where it comes from. "
    "When I have no sourced answer, I say so."
)
TIMELINE = "<b>What happened, in date order</b> (tap an event):"


async def start(update: Update, context: Context) -> None:
    """/start: the greeting, and example questions as buttons; "/start FACT" (a /timeline
    link) answers with that fact."""
    message = update.effective_message
    if message is None:
        return
    answerer = answerer_of(context)
    picked = answerer.answer_with(context.args[0]) if context.args else None
    if picked is not None:
        await answer_picked(update, context, message, picked)
        return
    await send_text(message, answerer.greeting_text(), examples_keyboard(answerer))


async def help_command(update: Update, context: Context) -> None:
    """/help: how to ask, with the example questions as buttons."""
    if update.effective_message is not None:
        answerer = answerer_of(context)
        markup = examples_keyboard(answerer)
        await send_text(update.effective_message, answerer.help_text(), markup)


async def about(update: Update, context: Context) -> None:
    """/about: what this bot is."""
    if update.effective_message is not None:
        await send_text(update.effective_message, ABOUT)


async def timeline(update: Update, context: Context) -> None:
    """/timeline: one line an event, its date then its label, which a tap answers (a link
    that starts this bot with the fact's id)."""
    if update.effective_message is not None:
        text = timeline_html(answerer_of(context), context.bot.username)
        await send_html(update.effective_message, text)


def timeline_html(answerer: Answerer, username: str | None) -> str:
    """/timeline's text: a header, then a line an event, each a link to "/start FACT"."""
    lines = [TIMELINE]
    for date, fact in answerer.timeline():
        label = linked(fact.caption)
        if username:
            address = html.escape(f"https://t.me/{username}?start={fact.id}")
            label = f'<a href="{address}">{html.escape(fact.caption)}</a>'
        lines.append(f"{html.escape(str(date))} · {label}")
    return "\n".join(lines)


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
        await send_text(message, ASK_USAGE)
        return
    await answer_question(update, context, question)


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not know (or may not run for this user), in a private chat."""
    message = update.effective_message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        await send_text(message, UNKNOWN_COMMAND)
