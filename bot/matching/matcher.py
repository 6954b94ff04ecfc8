"""The matcher: reads a question, ranks the answerables, and decides what to do with it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.factbase import Entity, Fact, FactBase
from bot.matching.answerability import explain
from bot.matching.answerables import Answerable
from bot.matching.decision import Match, Outcome, decide
from bot.matching.index import Analysis, Index
from bot.matching.lexicon import entity_token
from bot.matching.scoring import Candidate, rank
from bot.matching.weights import Weights
from bot.normalization import normalize


class Matcher:
    """An index over one fact base, built once; `match` answers questions against it."""

    def __init__(self, base: FactBase, weights: Weights | None = None) -> None:
        self.base = base
        self.weights = weights or Weights()
        self.index = Index(base, self.weights)

    def analyse(self, text: str, correct: bool = False) -> Analysis:
        """Read `text` as the matcher does (see Index.analyse)."""
        return self.index.analyse(text, correct)

    def rank(self, analysis: Analysis) -> list[Candidate]:
        """Score the candidates for an analysed question, best first."""
        return rank(self.index, analysis)

    def read(self, question: str) -> tuple[list[str], Analysis]:
        """The small talk around a question, and the question read as the matcher reads it."""
        # Small talk is matched word for word ("thanks" is small talk, "thanked" is not), and
        # only around a question: "hi, who is Lavrov?", but not "assad thanks russia".
        smalltalk, words = self.index.smalltalk.strip(normalize(question).split())
        return smalltalk, self.index.analyse(" ".join(words), correct=True)

    def match(self, question: str) -> Match:
        """Decide how to answer `question`."""
        index = self.index
        smalltalk, analysis = self.read(question)
        entities = tuple(dict.fromkeys(index.entity_by_token[t] for t in analysis.entities))
        if not analysis.content:
            kind = smalltalk[0].removeprefix("smalltalk_") if smalltalk else None
            return Match(
                outcome=Outcome.FALLBACK,
                score=0.0,
                smalltalk=kind,
                entities=entities,
                suggestions=self._suggest(entities, ()),
            )
        ranked = self.rank(analysis)
        why = explain(index, analysis, ranked) if ranked else None
        decision = decide(
            ranked, why, self.weights, lambda at: explain(index, analysis, ranked, at)
        )
        score = round(ranked[0].score, 1) if ranked else 0.0
        chosen = decision.chosen
        if decision.outcome is Outcome.ANSWER:
            return Match(
                outcome=decision.outcome,
                score=score,
                best=chosen[0].item,
                candidates=tuple(ranked[:3]),
                entities=entities,
                why=why,
            )
        if decision.outcome is Outcome.CLARIFY:
            return Match(
                outcome=decision.outcome,
                score=score,
                candidates=chosen,
                entities=entities,
                suggestions=tuple(c.item for c in chosen),
                why=why,
            )
        closest = decision.closest.item if decision.closest is not None else None
        near = [c.item for c in chosen]
        suggestions = self._suggest(entities, near, exclude=closest)
        return Match(
            outcome=decision.outcome,
            score=score,
            entities=entities,
            candidates=tuple(ranked[:3]),
            suggestions=suggestions,
            closest=closest,
            why=why,
        )

    def _suggest(
        self,
        entities: Iterable[Entity],
        near: Iterable[Answerable],
        limit: int = 3,
        exclude: Answerable | None = None,
    ) -> tuple[Answerable, ...]:
        """Questions to offer: near misses, then about the entities named, then the timeline."""
        chosen: dict[str, Answerable] = {item.id: item for item in near}
        for entity in entities:
            own = self.answerable(entity.id)
            if own is not None:
                chosen.setdefault(own.id, own)
            for item in self.suggest_for(entity, limit):
                chosen.setdefault(item.id, item)
        if not chosen:
            for fact in timeline(self.base)[:limit]:
                found = self.answerable(fact.id)
                if found is not None:
                    chosen.setdefault(found.id, found)
        if exclude is not None:
            chosen.pop(exclude.id, None)
        return tuple(chosen.values())[:limit]

    def suggest_for(self, entity: Entity, limit: int = 3) -> list[Answerable]:
        """Facts that are about `entity`, those that people ask about it with first."""
        ordered = self.index.facts_about.get(entity_token(entity.id), [])
        return [self.index.items[position] for position in ordered[:limit]]

    def answerable(self, ident: str) -> Answerable | None:
        """The fact or entity with id `ident`, if the base has it."""
        position = self.index.item_index.get(ident)
        return None if position is None else self.index.items[position]


def timeline(base: FactBase) -> list[Fact]:
    """The dated facts in date order; facts of one day in the order the source tells them."""

    def order(fact: Fact) -> tuple[tuple[int, int, int], int]:
        source = base.sources.get(fact.source)
        text = base.document_of(source).text if source is not None else None
        where = text.find(fact.quote) if text else -1
        assert fact.date is not None  # noqa: S101 - only dated facts are ordered
        return fact.date.sort_key(), where

    return sorted((fact for fact in base.facts.values() if fact.date is not None), key=order)
