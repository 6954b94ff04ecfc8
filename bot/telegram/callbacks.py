"""Callback data for inline buttons: short, checked strings (Telegram allows 64 bytes).

f:<id>[:<asked>]      answer with fact or entity <id>, picked for the logged question <asked>
x[:<asked>]           none of the suggestions was meant
v:<+|->:<asked>       feedback on the answer to a logged question
c:<+|->:<asked>:<id>  feedback on a closest answer showing <id>: "That answers it" (+) or
                      "Not what I asked" (-)
m:a:<asked>:<id>      moderator: teach the logged question as a phrasing of <id>
m:d:<asked>           moderator: dismiss the logged question (and its near-duplicates)

<asked> is always a logged question's id, never its text. Each kind has a pattern for its own
CallbackQueryHandler (PTB matches from the start; the patterns end with \\Z, so a whole match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
NONE_OF_THESE = "x"
FACT_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # a fact or entity id, as callback data carries it
_ASKED = r"[0-9]{1,16}"
PICK = re.compile(rf"f:({FACT_ID})(?::({_ASKED}))?\Z")
NONE = re.compile(rf"x(?::({_ASKED}))?\Z")
VOTE = re.compile(rf"v:([+-]):({_ASKED})\Z")
CLOSEST = re.compile(rf"c:([+-]):({_ASKED}):({FACT_ID})\Z")
ATTACH = re.compile(rf"m:a:({_ASKED}):({FACT_ID})\Z")
DISMISS = re.compile(rf"m:d:({_ASKED})\Z")


@dataclass(frozen=True)
class Pick:
    """The user picked a suggested question: answer with this fact or entity."""

    ident: str
    question_id: int | None = None


@dataclass(frozen=True)
class NoneOfThese:
    """The user said none of the suggestions was meant."""

    question_id: int | None = None


@dataclass(frozen=True)
class Vote:
    """👍 (+1) or 👎 (-1) on the answer to a logged question."""

    question_id: int
    vote: int


@dataclass(frozen=True)
class ClosestFeedback:
    """Whether the closest answer shown (fact or entity `ident`) answers a logged question."""

    question_id: int
    ident: str
    answers: bool


@dataclass(frozen=True)
class Attach:
    """A moderator teaches a logged question as a phrasing of a fact."""

    question_id: int
    ident: str


@dataclass(frozen=True)
class Dismiss:
    """A moderator dismisses a logged question from the unanswered queue."""

    question_id: int


Action = Pick | NoneOfThese | Vote | ClosestFeedback | Attach | Dismiss


def checked(data: str) -> str:
    """`data`, refused when over Telegram's 64 bytes of callback data."""
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_BYTES} bytes")
    return data


def _suffix(question_id: int | None) -> str:
    return "" if question_id is None else f":{question_id}"


def pick(ident: str, question_id: int | None = None) -> str:
    """Callback data that answers with `ident`."""
    return checked(f"f:{ident}{_suffix(question_id)}")


def none_of_these(question_id: int | None = None) -> str:
    """Callback data for "None of these"."""
    return checked(f"x{_suffix(question_id)}")


def vote(question_id: int, value: int) -> str:
    """Callback data for 👍 (value 1) or 👎 (value -1)."""
    return checked(f"v:{'+' if value > 0 else '-'}:{question_id}")


def closest_feedback(question_id: int, ident: str, answers: bool) -> str:
    """Callback data for "That answers it" (`answers`) or "Not what I asked" under a closest
    answer showing `ident`."""
    return checked(f"c:{'+' if answers else '-'}:{question_id}:{ident}")


def attach(question_id: int, ident: str) -> str:
    """Callback data with which a moderator teaches a question as a phrasing of `ident`."""
    return checked(f"m:a:{question_id}:{ident}")


def dismiss(question_id: int) -> str:
    """Callback data with which a moderator dismisses a question."""
    return checked(f"m:d:{question_id}")


def parse(data: str | None) -> Action | None:
    """The action a button's data asks for, or None for forged or unknown data."""
    if data is None or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    if found := PICK.match(data):
        return Pick(found.group(1), _number(found.group(2)))
    if found := NONE.match(data):
        return NoneOfThese(_number(found.group(1)))
    if found := VOTE.match(data):
        return Vote(int(found.group(2)), 1 if found.group(1) == "+" else -1)
    if found := CLOSEST.match(data):
        return ClosestFeedback(int(found.group(2)), found.group(3), found.group(1) == "+")
    if found := ATTACH.match(data):
        return Attach(int(found.group(1)), found.group(2))
    if found := DISMISS.match(data):
        return Dismiss(int(found.group(1)))
    return None


def _number(text: str | None) -> int | None:
    return None if text is None else int(text)
