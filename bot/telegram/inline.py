"""Inline mode: "@bot question" in any chat offers the matching answers to send there."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update

from bot.splitting import split_html
from bot.telegram.keyboards import button_text
from bot.telegram.services import Context, answerer_of

INLINE_RESULTS = 10
DESCRIPTION = 200  # characters of an answer's short answer shown under its label
CACHE_TIME = 60  # seconds Telegram may reuse the results for the same query


async def inline_query(update: Update, context: Context) -> None:
    """@bot question in any chat: up to ten matching answers, each titled with its label and
    described by its short answer; an empty query lists the timeline."""
    query = update.inline_query
    if query is None:
        return
    replies = answerer_of(context).search(query.query, INLINE_RESULTS)
    results = [
        InlineQueryResultArticle(
            id=reply.fact or str(number),
            title=button_text(reply.label or reply.question),
            description=reply.intro[:DESCRIPTION],
            # Parse mode and link previews: the application's Defaults.
            input_message_content=InputTextMessageContent(split_html(reply.html())[0]),
        )
        for number, reply in enumerate(replies)
    ]
    await query.answer(results, cache_time=CACHE_TIME)
