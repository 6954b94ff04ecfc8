"""What a conversation's last question offers a follow-up: the people, things and places that
"he", "they", "it" and "there" may stand for, and what it was about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

from bot.factbase import Entity
from bot.followups.mentions import (
    counterpart,
    find_mentions,
    names_of,
    split_tokens,
    word_positions,
)
from bot.followups.words import (
    AUXILIARIES,
    BE,
    DEFINITE_NOUNS,
    GROUPS,
    HOW_WORDS,
    QUESTION_WORDS,
    TOPIC_OPENERS,
    TOPIC_TAGS,
)
from bot.replies import Answerer


@dataclass(frozen=True)
class Context:
    """What a conversation's last question was about."""

    question: str  # the question as it was read
    fact: str | None  # the fact (or entity) it was answered with
    entities: tuple[str, ...]  # the entities it named, in order
    topic: str | None = None  # what it was about, when it was read as "… (about: topic)"
    answered: bool = True  # whether `fact` answered it (not only shown as the closest)
    offered: bool = False  # whether `fact` was only the first offered in a "Did you mean?"
    at: float = 0.0  # when, on the store's clock
    before: Context | None = None  # the conversation's context before this question (one)


def answered_with(context: Context) -> str | None:
    """The fact the context's question was answered with: not one only shown as the closest
    or offered among others."""
    return context.fact if context.answered and not context.offered else None


def short_name(entity: Entity) -> str:
    """The entity's name, or its shortest plain alias where the name is long."""
    if len(entity.name.split()) <= 3:
        return entity.name
    plain = [a for a in entity.aliases if a.replace(" ", "").replace("-", "").isalpha()]
    return min(plain, key=lambda alias: (" " not in alias, len(alias)), default=entity.name)


def join_names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- what the context refers to --------------------------------------------------------------


class Referents:
    """The entities a context offers to stand for "he", "they", "there": those the question
    named first, then the speakers and entities of the fact it got, then those its answer names."""

    def __init__(self, answerer: Answerer, context: Context) -> None:
        self.base = answerer.base
        self.context = context
        self.asked = [self.base.entities[i] for i in context.entities if i in self.base.entities]

    @cached_property
    def entities(self) -> list[Entity]:
        base, context = self.base, self.context
        ids = list(context.entities)
        fact = base.facts.get(context.fact) if context.fact else None
        if fact is not None and context.answered:
            # Whom a fact only shown as the closest is about, the question may not be about:
            # "when will they happen?" after the elections the statement came near.
            ids += [*fact.speakers, *fact.entities]
            ids += [m.entity for m in find_mentions(split_tokens(fact.answer), names_of(base))]
        elif context.fact is not None and context.fact in base.entities:
            ids.append(context.fact)
        return [base.entities[i] for i in dict.fromkeys(ids) if i in base.entities]

    def of(self, kind: str, asked_only: bool = False) -> list[Entity]:
        return [e for e in (self.asked if asked_only else self.entities) if e.kind == kind]

    def person(self, taken: set[str]) -> Entity | None:
        """Who "he" or "she" is: the first person of the context not named already."""
        people = [e for e in self.of("person") if e.id not in taken]
        return people[0] if people else None

    def people(self, taken: set[str]) -> list[Entity]:
        """Two or three people for "they": those the question named, else those of its fact."""
        for found in (self.of("person", asked_only=True), self.of("person")):
            found = [e for e in found if e.id not in taken]
            if len(found) >= 2:
                return found[:3]
        return []

    def thing(self, taken: set[str]) -> str | None:
        """What "it" or "them" stands for: an event, document or body the question named, else
        what it called "the meeting", "the talks"."""
        things = self.things(taken)
        if not things:
            return self.definite()
        name = short_name(things[0])
        # "the Sochi summit": a name that ends in a common noun is said with "the".
        return f"the {name}" if name.split()[-1].islower() else name

    def things(self, taken: set[str]) -> list[Entity]:
        """The events, documents and bodies the question named, in order; where it named none
        (only a place: "what happened there on the 22nd?"), the one whose own fact answered it
        (the Sochi summit): "how long did it last?" is about the event, not the place."""
        kinds = ("event", "document", "organisation")
        named = [e for e in self.asked if e.kind in kinds and e.id not in taken]
        if named or self.context.fact is None or not self.context.answered:
            return named
        return [
            e
            for e in self.base.entities.values()
            if e.fact == self.context.fact and e.kind in kinds and e.id not in taken
        ]

    def definite(self) -> str | None:
        """What the question called "the meeting", "the talks", if anything."""
        words = [word for word, _ in word_positions(split_tokens(plain(self.context.question)))]
        for before, word in pairwise(words):
            if before == "the" and word in DEFINITE_NOUNS - GROUPS:
                return f"the {word}"
        return None

    def of_country(self, country: Entity) -> Entity | None:
        """ "The Russian one": the context's person of that country, or their counterpart."""
        people = self.of("person")
        for person in people:
            if person.country == country.id:
                return person
        return counterpart(people[0], country, self.base) if people else None

    def place(self) -> str | None:
        entity = self.place_entity()
        if entity is None:
            return None
        return f"at the {entity.name}" if entity.kind == "event" else f"in {entity.name}"

    def place_entity(self) -> Entity | None:
        """What "there" stands for: the first event, place or country of the context."""
        return next((e for e in self.entities if e.kind in ("event", "place", "country")), None)


def topic_of(context: Context) -> str:
    """What the context's question was about: the question without its question words."""
    if context.topic:
        return context.topic
    tokens = split_tokens(context.question)
    start = 0
    while start < len(tokens) and all(
        word in QUESTION_WORDS | HOW_WORDS | AUXILIARIES
        or (word == "there" and start > 0 and set(tokens[start - 1].words) & BE)
        for word in tokens[start].words
    ):
        start += 1
    if start == len(tokens):
        start = 0
    # "tell me about the zones", "putin and assad met in sochi, right?": the topic is the rest.
    words = [token.words for token in tokens]
    for opener in TOPIC_OPENERS:
        if (
            start == 0
            and len(tokens) > len(opener)
            and tuple(w for t in words[: len(opener)] for w in t) == opener
        ):
            start = len(opener)
            break
    end = len(tokens)
    while end > start + 1 and set(words[end - 1]) and set(words[end - 1]) <= TOPIC_TAGS:
        end -= 1
    return " ".join(token.raw for token in tokens[start:end]).rstrip(" ?!.,")


def about_topic(text: str, topic: str) -> str:
    return f"{text.rstrip(' ?!.')}{ABOUT}{topic})"


def plain(question: str) -> str:
    """A question read as "… (about: …)" without what was added."""
    return question.split(ABOUT)[0]


ABOUT = " (about: "
