"""The buttons of the moderators' curating: their callback data, its patterns, the keyboards.

n:<asked>                   start /newfact with logged question <asked> as the first phrasing
nq:<n>                      /newfact: take the n-th nearest source sentence as the quote
ns / nc                     /newfact: save / cancel the fact previewed
k:<a|q|r|w|s>:<fp>:<id>     /fact: edit the answer, add phrasings, remove one (choose), withdraw,
                            restore fact <id>, as seen with fingerprint <fp>
k:x:<fp>:<n>:<id>           /fact: remove the n-th phrasing of <id>

Patterns end with \\Z (a whole match), as in bot.telegram.callbacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import FACT_ID, checked
from bot.telegram.keyboards import button_text

_FP = r"[a-z0-9]{1,8}"
NEW_FROM_QUESTION = re.compile(r"n:([0-9]{1,16})\Z")
NEAREST = re.compile(r"nq:([0-9])\Z")
SAVE = re.compile(r"ns\Z")
CANCEL = re.compile(r"nc\Z")
EDIT = re.compile(rf"k:([aq]):({_FP}):({FACT_ID})\Z")
ACT = re.compile(rf"k:([rws]):({_FP}):({FACT_ID})\Z")
REMOVE = re.compile(rf"k:x:({_FP}):([0-9]{{1,3}}):({FACT_ID})\Z")
# Every kind above: a press outside its conversation (cancelled, timed out, the bot restarted).
ANY = re.compile(r"(?:n|nq|ns|nc|k):?[a-z0-9:-]*\Z")


def new_fact_button(question_id: int) -> InlineKeyboardButton:
    """Under an /unanswered entry: a new fact with that question."""
    return InlineKeyboardButton("New fact", callback_data=checked(f"n:{question_id}"))


def with_new_fact(markup: InlineKeyboardMarkup, question_id: int) -> InlineKeyboardMarkup:
    """/unanswered's keyboard with a "New fact" button added."""
    return InlineKeyboardMarkup([*markup.inline_keyboard, [new_fact_button(question_id)]])


def nearest_keyboard(sentences: Sequence[str]) -> InlineKeyboardMarkup:
    """The nearest source sentences, one a button."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button_text(text), callback_data=f"nq:{n}")]
            for n, text in enumerate(sentences)
        ]
    )


def preview_keyboard() -> InlineKeyboardMarkup:
    """Save or cancel a new fact."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Save", callback_data="ns"),
                InlineKeyboardButton("Cancel", callback_data="nc"),
            ]
        ]
    )


def fact_keyboard(ident: str, against: str, withdrawn: bool) -> InlineKeyboardMarkup:
    """Under /fact: what a moderator may do with it."""
    if withdrawn:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton("Restore", callback_data=checked(f"k:s:{against}:{ident}"))]]
        )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Edit answer", callback_data=checked(f"k:a:{against}:{ident}")
                ),
                InlineKeyboardButton(
                    "Add phrasings", callback_data=checked(f"k:q:{against}:{ident}")
                ),
            ],
            [
                InlineKeyboardButton(
                    "Remove a phrasing", callback_data=checked(f"k:r:{against}:{ident}")
                ),
                InlineKeyboardButton("Withdraw", callback_data=checked(f"k:w:{against}:{ident}")),
            ],
        ]
    )


def remove_keyboard(ident: str, against: str, phrasings: Sequence[str]) -> InlineKeyboardMarkup:
    """One button a phrasing: press one to remove it."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button_text(f"− {text}"), callback_data=checked(f"k:x:{against}:{n}:{ident}")
                )
            ]
            for n, text in enumerate(phrasings[:100])
        ]
    )
