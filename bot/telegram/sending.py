"""Sending the bot's messages: HTML, split where too long, the buttons under the last part.

Parse mode, link previews and quoting (a reply to the question in groups) are the application's
`Defaults` (bot.telegram.app).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message

from bot.rendering import linked
from bot.replies import Reply
from bot.splitting import split_html
from bot.telegram.keyboards import reply_keyboard


async def send_html(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send Telegram HTML in reply to `message`, split where it is too long; the last part
    sent."""
    sent = None
    parts = split_html(text)
    for number, part in enumerate(parts, 1):
        sent = await message.reply_text(part, reply_markup=markup if number == len(parts) else None)
    return sent


async def send_text(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send plain text (escaped; a Twitter handle or hashtag linked to X, not left for Telegram
    to link to its own users), split where it is too long."""
    await send_html(message, linked(text), markup)


async def send_reply(message: Message, reply: Reply, asked: int | None = None) -> Message | None:
    """Send the core's reply with its buttons; `asked` is the id its question was logged with.
    The last message sent, which carries the buttons."""
    return await send_html(message, reply.html(), reply_keyboard(reply, asked))
