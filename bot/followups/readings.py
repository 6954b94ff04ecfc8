"""The ways a message may point back, each read as a question that stands alone: "and X?",
"and about X?", pronouns and "there", bare questions, a vague message given the topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import pairwise

from bot.factbase import Entity
from bot.followups.context import (
    Context,
    Referents,
    about_topic,
    join_names,
    plain,
    short_name,
    topic_of,
)
from bot.followups.limits import ELSE_WORDS, SAYING  # "who said it?": a thing said
from bot.followups.mentions import (
    Token,
    find_mentions,
    names_of,
    rebuild,
    replace_names,
    split_tokens,
    word_positions,
)
from bot.followups.words import (
    AUXILIARIES,
    BARE_EXTRA,
    BARE_PREPOSITIONS,
    BE,
    CLAUSE_WORDS,
    CLOSERS,
    DEFINITE_NOUNS,
    DEFINITE_WORDS,
    EMPTY_IT,
    FILLERS,
    GROUPS,
    HOW_WORDS,
    OBJECT_PRONOUNS,
    OPENERS,
    PERSON_PRONOUNS,
    PLURAL_PRONOUNS,
    POSSESSIVES,
    PRECISE,
    PREPOSITIONS,
    QUESTION_WORDS,
    SHORT_WORDS,
    SUBSTITUTE_WORDS,
    THING_PRONOUNS,
)
from bot.matching import Match
from bot.matching.asked import KIND_WORDS, exact
from bot.replies import Answerer


class Need(IntEnum):
    """How much a message needs the context, by what in it points back."""

    NONE = 0
    WEAK = 1  # a short message naming no one: taken only where clearly better
    MEDIUM = 2  # "the meeting", naming no one; "and X?" with nothing of X's kind to replace
    STRONG = 3  # a pronoun or "there" with nothing to stand for, a bare "when?"
    CARRY = 4  # "and about refugees?": the last question, about this instead
    FORM = 5  # "and Putin?", "what about Erdogan?", "Lavrov too?": the last question, about X


# --- readings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    text: str
    need: Need
    topic: str | None = None
    another: bool = False  # "anything else?": a fact other than the one the context got
    # What each pronoun was read as: the entities any of which it stands for, one set each.
    referents: tuple[frozenset[str], ...] = ()
    # For a pronoun nothing in the context stands for: whom the last question named.
    unresolved: frozenset[str] = frozenset()
    bare: bool = False  # "when?", "why was that?": only what is asked, the rest the context's
    names_only: bool = False  # the topic is only whom the last question named


# Words "anything else?", "what else did he say?" may hold besides an ELSE_WORDS word.
_ELSE_EXTRA = frozenset(
    "anything something what did does do was were is are there any he she they it say said "
    "tell me us mention mentioned and so ok okay then".split()
)


def another(tokens: Sequence[Token], context: Context) -> list[Candidate]:
    """ "anything else?", "what else did he say?": the last question, for another fact."""
    words = [word for word, _ in word_positions(tokens)]
    if not set(words) & ELSE_WORDS or not set(words) <= ELSE_WORDS | _ELSE_EXTRA:
        return []
    return [Candidate(plain(context.question), Need.FORM, another=True)]


def substitution(
    tokens: Sequence[Token], alone: Match, answerer: Answerer, context: Context
) -> list[Candidate]:
    """ "and X?", "what about X?", "X too?": the last question again, with X in its place."""
    words = [word for word, _ in word_positions(tokens)]
    start, end = 0, len(words)
    about = False
    for opener in OPENERS:
        if tuple(words[: len(opener)]) == opener:
            start, about = len(opener), opener == ("and", "about")
            break
    for closer in CLOSERS:
        if len(words) - start > len(closer) and tuple(words[-len(closer) :]) == closer:
            end = len(words) - len(closer)
            break
    if start == 0 and end == len(words):
        return []
    while start < end and words[start] in AUXILIARIES:
        start += 1
    # "and about X?": what the last question asked, about X, whoever X is.
    if start < end and words[start] in ("about", "on"):
        about, start = True, start + 1
    rest = words[start:end]
    if not rest or len(rest) > SUBSTITUTE_WORDS or rest[0] in QUESTION_WORDS:
        return []
    if set(rest) & (PERSON_PRONOUNS | PLURAL_PRONOUNS | THING_PRONOUNS | {"there", "here"}):
        return []
    flat = word_positions(tokens)
    if alone.entities:
        # "and the Iranian president?" names someone and nothing else; "was Erdogan at the
        # summit too?" asks a question of its own. A misspelt name is one word not covered.
        spans = find_mentions(tokens, names_of(answerer.base))
        covered = {i for m in spans for i in range(m.first, m.last + 1)}
        others = [w for w, i in flat[start:end] if i not in covered and w not in FILLERS]
        if len(others) > len(alone.entities) - len({m.entity for m in spans}):
            return []
    x_text = " ".join(tokens[i].raw for i in range(flat[start][1], flat[end - 1][1] + 1))
    x_text = x_text.rstrip(" ?!.,")
    topic = topic_of(context)
    question = plain(context.question)
    if about or not alone.entities:
        # A topic carried on: "and about refugees?" after "what does the statement say about X?"
        previous = split_tokens(question)
        abouts = [index for word, index in word_positions(previous) if word == "about"]
        if abouts:
            kept = " ".join(token.raw for token in previous[: abouts[-1] + 1])
            return [Candidate(f"{kept} {x_text}", Need.CARRY)]
        return [Candidate(f"{question.rstrip(' ?!.')} about {x_text}", Need.CARRY)]
    found = []
    # In the question as it was read, and in what it was about ("since when?" about Russia's
    # support, then "and Iran?": Iran's support).
    for text in dict.fromkeys([question, topic]):
        replaced = replace_names(split_tokens(text), alone.entities, answerer.base)
        if replaced is not None:
            found.append(Candidate(replaced, Need.FORM))
    return found or [Candidate(about_topic(x_text, topic), Need.MEDIUM, topic)]


def _asked_words(words: Sequence[str]) -> list[str]:
    """What a bare question asks with: its question words, the preposition before them
    ("since when", "for how long", "to whom") and the kind after "what" ("what date")."""
    asked = []
    for index, word in enumerate(words):
        after = words[index + 1] if index + 1 < len(words) else ""
        before = words[index - 1] if index > 0 else ""
        if (
            word in QUESTION_WORDS | HOW_WORDS
            or (word in BARE_PREPOSITIONS and after in QUESTION_WORDS)
            or (word in KIND_WORDS and (before in ("what", "which") or before in PRECISE))
            or (word in KIND_WORDS and index == 0)  # "date?", "city?"
            or exact((word,))  # "when exactly?" asks for a day: the reading keeps it
            or word in PRECISE
        ):
            asked.append(word)
    if asked and not set(asked) & QUESTION_WORDS and set(asked) & KIND_WORDS.keys():
        asked.insert(0, "what")  # "exact date?" asks what date
    return asked


def bare(tokens: Sequence[Token], context: Context) -> list[Candidate]:
    """ "when?", "how long?", "why was that?", "since when?", "what date?": the last question,
    asking this instead."""
    words = [word for word, _ in word_positions(tokens)]
    asked = _asked_words(words)
    if not asked or not set(asked[:2]) & QUESTION_WORDS:
        return []
    if not all(word in asked or word in BARE_EXTRA for word in words):
        return []
    topic = topic_of(context)
    found = [Candidate(about_topic(" ".join(asked), topic), Need.STRONG, topic, bare=True)]
    previous = split_tokens(context.question)
    first = previous[0].words if previous else ()
    if first and first[0] in QUESTION_WORDS and not context.topic:
        how = first[0] == "how" and len(previous) > 1 and bool(set(previous[1].words) & HOW_WORDS)
        after = 2 if how else 1
        if after < len(previous) and set(previous[after].words) & AUXILIARIES:
            rest = " ".join(token.raw for token in previous[after:])
            found.insert(0, Candidate(f"{' '.join(asked)} {rest}", Need.STRONG, bare=True))
    return found


def fragment(tokens: Sequence[Token], alone: Match, context: Context) -> list[Candidate]:
    """ "to discuss what?", "and said what?": a short message naming no one that ends in its
    question word goes on from the last question, as its last words."""
    words = [word for word, _ in word_positions(tokens)]
    if (
        len(words) < 2
        or len(words) > SHORT_WORDS
        or alone.entities
        or words[-1] not in QUESTION_WORDS
        or words[0] in QUESTION_WORDS | AUXILIARIES
        or set(words[:-1]) & QUESTION_WORDS
    ):
        return []
    said = " ".join(token.raw for token in tokens).rstrip(" ?!.")
    return [Candidate(f"{plain(context.question).rstrip(' ?!.')} {said}", Need.STRONG)]


def _points_at_thing(words: Sequence[str], index: int) -> bool:
    """Whether "it", "its", "this" or "that" at `index` stands for something said before: at
    the end, after a preposition or a verb, not in "is it true that …" or "that week"."""
    word = words[index]
    after = words[index + 1] if index + 1 < len(words) else ""
    before = words[index - 1] if index > 0 else ""
    if not after or word == "its":
        return True
    if word == "it":
        # "is it true that …", "is it safe to …", "what time is it": an "it" that stands for
        # what follows, or for nothing.
        beside = set(words[index + 1 :]) & CLAUSE_WORDS or set(words) & EMPTY_IT
        return not ((before in BE or after in BE | {"s"}) and beside)
    return after in AUXILIARIES or before in PREPOSITIONS


def pointing_back(
    tokens: Sequence[Token], alone: Match, answerer: Answerer, context: Context
) -> list[Candidate]:
    """Pronouns and "there" replaced by what they stand for; a vague message given the topic.

    "he", "his", "they" point out of the message unless it names someone before them ("what did
    Assad say about his visit?"); "him" and "them" always do ("what did Netanyahu tell him?").
    """
    base = answerer.base
    mentions = find_mentions(tokens, names_of(base))
    # Names the matcher found that the plain scan did not (misspelt ones) count as said first.
    unplaced = [
        base.entities[i] for i in {e.id for e in alone.entities} - {m.entity for m in mentions}
    ]
    kinds = {entity.kind for entity in alone.entities}
    named = {entity.id for entity in alone.entities}
    taken = set(named)  # who the message names, and who its pronouns have been read as
    words = [word for word, _ in word_positions(tokens)]
    referents = Referents(answerer, context)
    changes: dict[int, tuple[int, str]] = {}
    groups: list[frozenset[str]] = []
    need = Need.NONE
    vague = unresolved = False
    position = 0
    for index, token in enumerate(tokens):
        before = [base.entities[m.entity] for m in mentions if m.last < index] + unplaced
        for word in token.words:
            stand_in: list[Entity] | str | None = None
            group: list[Entity] = []  # the entities any of which the word may stand for
            points = False
            if word in PERSON_PRONOUNS and (
                word in OBJECT_PRONOUNS or not any(e.kind == "person" for e in before)
            ):
                points, person = True, referents.person(taken)
                stand_in = [person] if person is not None else None
            elif word in PLURAL_PRONOUNS and (word in OBJECT_PRONOUNS or len(before) < 2):
                points, stand_in = True, referents.people(taken) or referents.thing(taken)
                group = referents.things(taken) if isinstance(stand_in, str) else []
            elif word == "there" and (position == 0 or words[position - 1] not in BE):
                points = not kinds & {"place", "event", "country"}
                stand_in = referents.place() if points else None
                place = referents.place_entity() if points else None
                group = [place] if place is not None else []
            elif word in THING_PRONOUNS and (
                _points_at_thing(words, position) or (word in ("this", "that") and not named)
            ):
                points = True
                following = words[position + 1] if position + 1 < len(words) else ""
                preceding = words[position - 1] if position > 0 else ""
                # "this meeting" names no thing to put in its place, nor does "who said it?"
                # (the words of the last answer, not what they were about): the topic goes along.
                if following not in DEFINITE_NOUNS and preceding not in SAYING:
                    stand_in = referents.thing(taken)
                    group = referents.things(taken)
            if points:
                need = Need.STRONG
                if stand_in and len(token.words) == 1:
                    # "the talks" for "they" says no more than "they": the topic goes along.
                    vague = vague or stand_in == referents.definite()
                    if not isinstance(stand_in, str):
                        group = stand_in
                        taken.update(entity.id for entity in stand_in)
                        stand_in = join_names([entity.name for entity in stand_in])
                    if group:
                        ids = {entity.id for entity in group}
                        if word in POSSESSIVES:
                            # "his country", "their government": theirs may be named by it.
                            ids |= {entity.country for entity in group if entity.country}
                        groups.append(frozenset(ids))
                    # "this one" is the thing, "one" with it.
                    one = index + 1 < len(tokens) and tokens[index + 1].words == ("one",)
                    last = index + 1 if one and word in ("this", "that") else index
                    changes[index] = (last, stand_in + ("'s" if word in POSSESSIVES else ""))
                else:
                    # "he" with no one to stand for: whom the last question named. ("it" and
                    # "they" often stand for what the message names: "did ISIS lose its …")
                    vague, unresolved = True, unresolved or word in PERSON_PRONOUNS
            position += 1
    for mention in mentions:
        # "the Russian one": the person of that country the conversation was about.
        entity = base.entities[mention.entity]
        after = tokens[mention.last + 1].words if mention.last + 1 < len(tokens) else ()
        if entity.kind == "country" and after in (("one",), ("ones",)):
            person = referents.of_country(entity)
            the = mention.first > 0 and tokens[mention.first - 1].words == ("the",)
            if person is not None:
                changes[mention.first - the] = (mention.last + 1, person.name)
                need = Need.STRONG
    pairs = [(a, b) for a, b in pairwise(words) if a in ("the", "this", "that")]
    definite = any(b in DEFINITE_NOUNS for _, b in pairs)
    things = any(b in DEFINITE_NOUNS - GROUPS for _, b in pairs)  # not "the two leaders"
    # "and what did the Duma say?": a question of its own, going on from the last one.
    going_on = len(words) > 1 and words[0] in ("and", "so", "also") and words[1] in QUESTION_WORDS
    short = len(words) <= SHORT_WORDS
    if not changes and not named and (definite or going_on or short):
        # "was the meeting secret?" is about the meeting this conversation is about.
        vague, need = True, max(need, Need.MEDIUM if definite else Need.WEAK)
        # "how long did the talks last?": the talks of the conversation, not any talks.
        unresolved = unresolved or (things and len(words) <= DEFINITE_WORDS)
    if need is Need.NONE:
        return []
    text = rebuild(tokens, changes) if changes else " ".join(token.raw for token in tokens)
    topic = topic_of(context)
    pointed = tuple(groups)
    unknown = frozenset(e.id for e in referents.asked if unresolved and e.id not in named)
    found = [
        Candidate(about_topic(text, topic), need, topic, referents=pointed, unresolved=unknown)
    ]
    if changes and not vague:
        found.insert(0, Candidate(text, need, referents=pointed, unresolved=unknown))
    # Only who and what the last question named, when its other words lead elsewhere.
    names = [short_name(e) for e in referents.asked if e.id not in taken]
    named_only = join_names(names) if names else None
    if named_only and vague and named_only != topic:
        found.append(
            Candidate(
                about_topic(text, named_only),
                need,
                named_only,
                referents=pointed,
                unresolved=unknown,
                names_only=True,
            )
        )
    return found
