"""The buttons under the bot's messages, each with its callback data (bot.telegram.callbacks)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.factbase import MAX_LABEL
from bot.replies import Answerer, Reply, Suggestion, label_of
from bot.storage import UnansweredGroup
from bot.telegram import callbacks

BUTTON_TEXT = MAX_LABEL  # characters a phone shows uncut; a longer text is cut with an ellipsis
PAIRED = 18  # characters: two labels at most this long share a row on a phone
SHOWN = 3  # suggestions, related questions or candidates under one message
ANSWERS_IT = "That answers it"
NOT_ASKED = "Not what I asked"


def button_text(text: str) -> str:
    """A label short enough for a button."""
    return text if len(text) <= BUTTON_TEXT else text[: BUTTON_TEXT - 1] + "…"


def in_rows(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Buttons two to a row where both labels fit side by side, else one to a row."""
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        last = rows[-1] if rows else []
        if len(last) == 1 and len(last[0].text) <= PAIRED and len(button.text) <= PAIRED:
            last.append(button)
        else:
            rows.append([button])
    return rows


def pick_button(suggestion: Suggestion, asked: int | None = None) -> InlineKeyboardButton:
    """A button that answers with a fact or entity, labelled with its short label."""
    data = callbacks.pick(suggestion.id, asked)
    return InlineKeyboardButton(button_text(suggestion.button), callback_data=data)


def offered_picks(reply: Reply) -> tuple[Suggestion, ...]:
    """The suggestions whose buttons carry the logged question's id: a clarification's or a
    fallback's (an answer's related questions are new questions, logged when pressed)."""
    return () if reply.fact else reply.suggestions[:SHOWN]


def reply_keyboard(reply: Reply, asked: int | None = None) -> InlineKeyboardMarkup | None:
    """Buttons under a reply: related questions, then 👍/👎 on the last row, after an answer;
    after a closest answer "That answers it" / "Not what I asked", then the options; the
    options otherwise (a greeting's examples among them).

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
    if reply.fact:
        rows.extend(in_rows([pick_button(s) for s in reply.related[:SHOWN]]))
    if reply.smalltalk is not None:
        # Small talk is not logged: its examples are new questions, like /start's.
        rows.extend(in_rows([pick_button(s) for s in reply.suggestions]))
    else:
        rows.extend(in_rows([pick_button(s, asked) for s in offered_picks(reply)]))
    if reply.suggestions and str(reply.outcome) == "clarify":
        none = callbacks.none_of_these(asked)
        rows.append([InlineKeyboardButton("None of these", callback_data=none)])
    if reply.fact and asked is not None:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=callbacks.vote(asked, 1)),
                InlineKeyboardButton("👎", callback_data=callbacks.vote(asked, -1)),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def examples_keyboard(answerer: Answerer) -> InlineKeyboardMarkup:
    """The example questions (/start, /help, "None of these"), each a button that answers it."""
    return InlineKeyboardMarkup(in_rows([pick_button(s) for s in answerer.examples()]))


def unanswered_keyboard(group: UnansweredGroup, answerer: Answerer) -> InlineKeyboardMarkup:
    """Under an entry of /unanswered: teach it as one of its candidates, or dismiss it. Attach
    names a question worded as shown: that wording, and no other, is taught."""
    rows = []
    for ident in group.candidates[:SHOWN]:
        item = answerer.matcher.answerable(ident)
        if item is not None:
            label = button_text(f"+ {label_of(item)}")
            data = callbacks.attach(group.text_id, ident)
            rows.append([InlineKeyboardButton(label, callback_data=data)])
    rows.append(
        [InlineKeyboardButton("Dismiss", callback_data=callbacks.dismiss(group.question_ids[0]))]
    )
    return InlineKeyboardMarkup(rows)
