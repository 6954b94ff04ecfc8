"""The decision for one question: answer, ask back between rivals, or fall back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.knowledge import Entity
from bot.matching.index import Answerable
from bot.matching.scoring import Candidate
from bot.matching.weights import Weights


class Outcome(StrEnum):
    """What the bot decided to do with a question."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Match:
    """The decision for one question."""

    outcome: Outcome
    score: float
    best: Answerable | None = None
    candidates: tuple[Candidate, ...] = ()
    entities: tuple[Entity, ...] = ()
    smalltalk: str | None = None
    suggestions: tuple[Answerable, ...] = field(default=())


def decide(ranked: list[Candidate], weights: Weights) -> tuple[Outcome, tuple[Candidate, ...]]:
    """The outcome for ranked candidates, and the candidates it offers or answers with."""
    if not ranked or ranked[0].score < weights.clarify:
        return Outcome.FALLBACK, tuple(c for c in ranked[:3] if c.score >= weights.suggest)
    top = ranked[0]
    # A runner-up that explains nothing the best one does not is no rival, unless it is
    # nearly as good; one that explains something else is a rival within the margin.
    close = [
        c
        for c in ranked[1:3]
        if c.score >= max(weights.clarify, top.score - weights.margin)
        and (not c.matched <= top.matched or c.score >= top.score - weights.dominant_margin)
    ]
    if top.score >= weights.answer and not close:
        return Outcome.ANSWER, (top,)
    if top.explained < weights.clarify_explained:
        # Much of the question is about something the base does not know: say so.
        return Outcome.FALLBACK, (top,)
    return Outcome.CLARIFY, (top, *close)
