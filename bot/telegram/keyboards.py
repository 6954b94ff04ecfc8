"""The buttons under the bot's messages, each with its callback data (bot.telegram.callbacks)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.factbase import Fact
from bot.replies import Answerer, Reply, Suggestion
from bot.storage import UnansweredGroup
from bot.telegram import callbacks

BUTTON_TEXT = 60  # characters: longer labels are cut with an ellipsis
SHOWN = 3  # suggestions, related questions or candidates under one message
ANSWERS_IT = "That answers it"
NOT_ASKED = "Not what I asked"


def button_text(text: str) -> str:
    """A label short enough for a button."""
    return text if len(text) <= BUTTON_TEXT else text[: BUTTON_TEXT - 1] + "…"


def offered_picks(reply: Reply) -> tuple[Suggestion, ...]:
    """The suggestions whose buttons carry the logged question's id: a clarification's or a
    fallback's (an answer's related questions are new questions, logged when pressed)."""
    return () if reply.fact else reply.suggestions[:SHOWN]


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
    if reply.fact:
        rows.extend(
            [InlineKeyboardButton(button_text(s.question), callback_data=callbacks.pick(s.id))]
            for s in reply.related[:SHOWN]
        )
    rows.extend(
        [InlineKeyboardButton(button_text(s.question), callback_data=callbacks.pick(s.id, asked))]
        for s in offered_picks(reply)
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


def timeline_keyboard(events: Sequence[tuple[str, Fact]]) -> InlineKeyboardMarkup:
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
    """Under an entry of /unanswered: teach it as one of its candidates, or dismiss it. Attach
    names a question worded as shown: that wording, and no other, is taught."""
    rows = []
    for ident in group.candidates[:SHOWN]:
        item = answerer.matcher.answerable(ident)
        if item is not None:
            label = button_text(f"+ {item.question}")
            data = callbacks.attach(group.text_id, ident)
            rows.append([InlineKeyboardButton(label, callback_data=data)])
    rows.append(
        [InlineKeyboardButton("Dismiss", callback_data=callbacks.dismiss(group.question_ids[0]))]
    )
    return InlineKeyboardMarkup(rows)
