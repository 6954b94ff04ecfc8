"""Flood control for every update, before any handler: past a user's rate, one polite word,
then silence (bot.flood counts; moderators are never held back)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.flood import Verdict
from bot.telegram.asking import acknowledge
from bot.telegram.sending import send_text
from bot.telegram.services import Context, flood_verdict

SLOW_DOWN = (
    "You are sending questions faster than I can answer them well. "
    "Please wait a minute, then ask again."
)


async def flood_gate(update: Update, context: Context) -> None:
    """Count the update against its user's rate; past it, stop it here (no handler runs)."""
    verdict = flood_verdict(update, context)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.WARN:
        await warn(update)
    raise ApplicationHandlerStop


async def warn(update: Update) -> None:
    """The one word said when a user goes over their rate: to a button press, or in a private
    chat. In groups and inline queries there is nowhere to say it to them alone: silence."""
    if update.callback_query is not None:
        # The press's own answer: a note at the top of the chat, nothing posted in it.
        await acknowledge(update.callback_query, SLOW_DOWN)
        return
    chat = update.effective_chat
    message = update.effective_message
    if message is not None and chat is not None and chat.type == ChatType.PRIVATE:
        await send_text(message, SLOW_DOWN)
