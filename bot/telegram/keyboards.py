"""The buttons under the bot's messages, each with its callback data (bot.telegram.callbacks)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.factbase import EventDate, Fact
from bot.replies import Answerer, Reply
from bot.storage import UnansweredGroup
from bot.telegram import callbacks

BUTTON_TEXT = 60  # characters: longer labels are cut with an ellipsis
SHOWN = 3  # suggestions, related questions or candidates under one message
ANSWERS_IT = "That answers it"
NOT_ASKED = "Not what I asked"


def button_text(text: str) -> str:
    """A label short enough for a button."""
    return text if len(text) <= BUTTON_TEXT else text[: BUTTON_TEXT - 1] + "…"


def reply_keyboard(reply: Reply, asked: int | None = None) -> InlineKeyboardMarkup | None:
    """Buttons under a reply: 👍/👎 and related questions after an answer; after a closest
    answer "That answers it" / "Not what I asked", then the options; the options otherwise.

    `asked` is the id the question was logged with; the buttons carry it back.
    """
    rows = []
    if reply.closest is not None and asked is not None:
        # The asker's word on the closest answer, just under it; its other options follow.
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=callbacks.closest_feedback(asked, reply.closest.id, yes)
                )
                for label, yes in ((ANSWERS_IT, True), (NOT_ASKED, False))
            ]
        )
    if reply.fact and asked is not None:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=callbacks.vote(asked, 1)),
                InlineKeyboardButton("👎", callback_data=callbacks.vote(asked, -1)),
            ]
        )
    offered = reply.related if reply.fact else reply.suggestions
    picked_for = None if reply.fact else asked
    rows.extend(
        [
            InlineKeyboardButton(
                button_text(s.question), callback_data=callbacks.pick(s.id, picked_for)
            )
        ]
        for s in offered[:SHOWN]
    )
    if reply.suggestions and str(reply.outcome) == "clarify":
        none = callbacks.none_of_these(asked)
        rows.append([InlineKeyboardButton("None of these", callback_data=none)])
    return InlineKeyboardMarkup(rows) if rows else None


def examples_keyboard(answerer: Answerer) -> InlineKeyboardMarkup:
    """/start's example questions, each a button that answers it."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button_text(s.question), callback_data=callbacks.pick(s.id))]
            for s in answerer.examples()
        ]
    )


def timeline_keyboard(events: Sequence[tuple[EventDate, Fact]]) -> InlineKeyboardMarkup:
    """/timeline's events, each a button that answers it."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button_text(f"{date}: {fact.questions[0]}"),
                    callback_data=callbacks.pick(fact.id),
                )
            ]
            for date, fact in events
        ]
    )


def unanswered_keyboard(group: UnansweredGroup, answerer: Answerer) -> InlineKeyboardMarkup:
    """Under an entry of /unanswered: teach it as one of its candidates, or dismiss it."""
    first = group.question_ids[0]
    rows = []
    for ident in group.candidates[:SHOWN]:
        item = answerer.matcher.answerable(ident)
        if item is not None:
            label = button_text(f"+ {item.question}")
            rows.append([InlineKeyboardButton(label, callback_data=callbacks.attach(first, ident))])
    rows.append([InlineKeyboardButton("Dismiss", callback_data=callbacks.dismiss(first))])
    return InlineKeyboardMarkup(rows)
