"""What the bot can answer with: facts and entities, and the texts each one answers from."""

from __future__ import annotations

from dataclasses import dataclass

from bot.factbase import Entity, Fact


@dataclass(frozen=True)
class Answerable:
    """Something the bot can answer with: a fact, or an entity's own description."""

    id: str
    question: str
    fact: Fact | None = None
    entity: Entity | None = None


def entity_question(entity: Entity) -> str:
    """The question an entity's own description answers: "Who is Dmitry Peskov?"."""
    return f"Who is {entity.name}?" if entity.kind == "person" else f"What is {entity.name}?"


def entity_phrasings(entity: Entity) -> list[str]:
    """The ways people ask for an entity itself, before any taught phrasing."""
    name = entity.name
    if entity.kind == "person":
        return [f"who is {name}", name, f"tell me about {name}", f"who was {name}"]
    return [f"what is {name}", name, f"tell me about {name}", f"where is {name}"][
        : 4 if entity.kind == "place" else 3
    ]


def answer_texts(item: Answerable) -> list[str]:
    """The texts that hold what an item answers: its answer and its quote."""
    if item.fact is not None:
        return [item.fact.answer, item.fact.quote]
    if item.entity is not None and item.entity.description is not None:
        return [item.entity.description, item.entity.quote or ""]
    return []
