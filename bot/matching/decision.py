"""The decision for one question: answer, ask back between rivals, offer the closest, or not.

The top candidate is answered with when the answerability model (see `answerability`) is
confident it answers what was asked and no rival is as close. Two or three close candidates
that explain different parts of the question are offered to pick from. Otherwise, when the top
candidate is about what was asked but may not answer it, it is shown as the closest the sources
come, marked as such; below that the bot says it has no sourced answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.factbase import Entity
from bot.matching.answerability import Why
from bot.matching.answerables import Answerable
from bot.matching.scoring import Candidate
from bot.matching.weights import Weights


class Outcome(StrEnum):
    """What the bot decided to do with a question."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Match:
    """The decision for one question.

    `closest` is set on a fallback that shows the candidate nearest to what was asked, which
    may not answer it; `why` holds the signals on the top candidate.
    """

    outcome: Outcome
    score: float
    best: Answerable | None = None
    candidates: tuple[Candidate, ...] = ()
    entities: tuple[Entity, ...] = ()
    smalltalk: str | None = None
    suggestions: tuple[Answerable, ...] = field(default=())
    closest: Answerable | None = None
    why: Why | None = None


@dataclass(frozen=True)
class Decision:
    """What to do with ranked candidates, and the candidates it concerns."""

    outcome: Outcome
    chosen: tuple[Candidate, ...] = ()
    closest: Candidate | None = None


def lacks(why: Why) -> bool:
    """Whether a candidate cannot give what was asked for (a date, a place, someone's words,
    the one "who" or "which X" asks for), however close its wording."""
    return (
        bool(why.missing)
        or why.unquoted_person
        or why.nobody
        or why.absent_person
        or why.unnamed is not None
    )


def decide(
    ranked: list[Candidate],
    why: Why | None,
    weights: Weights,
    explain_at: Callable[[int], Why] | None = None,
) -> Decision:
    """The outcome for ranked candidates, given the signals on the top one (and, to weigh
    rivals, `explain_at`: the signals on the candidate at a rank)."""
    if not ranked or why is None or ranked[0].score < weights.clarify:
        near = tuple(c for c in ranked[:3] if c.score >= weights.suggest)
        return Decision(Outcome.FALLBACK, near)
    top = ranked[0]
    # A runner-up that explains nothing the best one does not (a kind word such as "date" it
    # gives included; "what", which asks for no kind of answer, aside) is no rival, unless it
    # is nearly as good; one that explains something else is a rival within the margin.
    explained = top.matched | why.kind_terms
    rivals = [
        c
        for c in ranked[1:3]
        if c.score >= max(weights.clarify, top.score - weights.margin)
        and (
            not c.matched - {"what"} <= explained or c.score >= top.score - weights.dominant_margin
        )
    ]
    # A fact that cannot give what was asked for is never served as its answer.
    lacking = lacks(why)
    confident = top.score >= weights.answer and why.answerable >= weights.answerable
    confident = confident and not lacking
    # A rival that cannot give what was asked is none beside a top one that can, nor beside
    # one that cannot either; asked back, those that can come first.
    offered = [top, *rivals]
    if rivals and explain_at is not None:
        cannot = {id(c): lacks(explain_at(at)) for at, c in enumerate(ranked[:3]) if c in rivals}
        cannot[id(top)] = lacking
        able = [c for c in rivals if not cannot[id(c)]]
        # Between facts none of which can give it, there is nothing to choose: the closest.
        if not lacking or not able:
            rivals = able
        offered = sorted([top, *rivals], key=lambda c: cannot[id(c)])
    if not rivals and confident:
        return Decision(Outcome.ANSWER, (top,))
    if rivals and top.explained >= weights.clarify_explained:
        return Decision(Outcome.CLARIFY, tuple(offered))
    others = tuple(c for c in ranked[1:3] if c.score >= weights.suggest)
    if top.explained >= weights.closest_explained:
        return Decision(Outcome.FALLBACK, others, closest=top)
    # Much of the question is about something the base does not know: say so.
    return Decision(Outcome.FALLBACK, (top, *others))
