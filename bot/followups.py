"""Reading a follow-up: a message that cannot stand alone, read as a question that does.

"and Putin?" after "What did Rouhani say at the summit?" reads as "What did Vladimir Putin say
at the summit?"; "how long did they talk?" after "When did Putin talk to Trump?" as "How long did
Vladimir Putin and Donald Trump talk?". A message is read with the context only when something in
it needs one — a pronoun or "there" that nothing in the message stands for, an "and X?", a bare
question word, a short message naming no one — and, except for "and X?", only when that reading
matches better than the message alone: a question that stands on its own is answered as if alone.
The reading is then matched like any question, so everything the matcher knows applies to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from functools import cached_property
from itertools import pairwise

from bot.factbase import Entity
from bot.matching import Match, Outcome
from bot.mentions import (
    Token,
    counterpart,
    find_mentions,
    names_of,
    rebuild,
    replace_names,
    split_tokens,
    word_positions,
)
from bot.replies import Answerer, Reply


@dataclass(frozen=True)
class Context:
    """What a conversation's last question was about."""

    question: str  # the question as it was read
    fact: str | None  # the fact (or entity) it was answered with
    entities: tuple[str, ...]  # the entities it named, in order
    topic: str | None = None  # what it was about, when it was read as "… (about: topic)"
    at: float = 0.0  # when, on the store's clock


@dataclass(frozen=True)
class Reading:
    """How a message was read, the reply to it, and what the conversation is about after it."""

    reply: Reply
    question: str
    fact: str | None
    entities: tuple[str, ...]
    topic: str | None = None
    keeps_context: bool = False


class Need(IntEnum):
    """How much a message needs the context, by what in it points back."""

    NONE = 0
    WEAK = 1  # a short message naming no one: taken only where clearly better
    MEDIUM = 2  # "the meeting", naming no one; "and X?" with nothing of X's kind to replace
    STRONG = 3  # a pronoun or "there" with nothing to stand for, a bare "when?"
    CARRY = 4  # "and about refugees?": the last question, about this instead
    FORM = 5  # "and Putin?", "what about Erdogan?", "Lavrov too?": the last question, about X


# --- the words that point back ---------------------------------------------------------------

PERSON_PRONOUNS = frozenset("he him his she her hers himself herself".split())
PLURAL_PRONOUNS = frozenset("they them their theirs themselves".split())
THING_PRONOUNS = frozenset("it its this that".split())
POSSESSIVES = frozenset("his her its their".split())
QUESTION_WORDS = frozenset("who whom whose what which when where why how".split())
HOW_WORDS = frozenset("long many much often far".split())
AUXILIARIES = frozenset(
    "did does do was were is are has have had will would can could should".split()
)
# "Is there a photo?" asks whether one exists: "there" points nowhere after these.
_BE = frozenset("is are was were be been".split())
# Words a bare question may hold besides its question words: "and when exactly?", "why so?".
_BARE_EXTRA = AUXILIARIES | THING_PRONOUNS | frozenset("and so then exactly again ok okay".split())
# Things a conversation refers to with "the": "how long was the meeting?".
DEFINITE_NOUNS = frozenset(
    """meeting meetings talks talk call calls statement summit visit trip photo picture tweet
    conference congress resolution readout declaration session remarks speech
    two three both leaders presidents ministers sides""".split()
)
_GROUPS = frozenset("two three both leaders presidents ministers sides".split())
_OPENERS = (
    ("and", "what", "about"),
    ("and", "how", "about"),
    ("what", "about"),
    ("how", "about"),
    ("and", "about"),
    ("and",),
)
_CLOSERS = (("as", "well"), ("too",), ("also",), ("either",))
_INTERJECTIONS = frozenset(
    "ok okay well hmm hm right cool great thanks thx alright oh ah nice interesting sure yes "
    "yeah wow i see got it".split()
)
# Words "and X?" may hold besides X: "and the Turkish one then?".
_FILLERS = frozenset("the a an one ones of about then so ok okay mr".split())
_SHORT_WORDS = 4  # a message of at most this many words that names no one may carry a topic on
_SUBSTITUTE_WORDS = 6  # "and X?" with X longer than this is a question of its own
# How far a reading with the context may score below the message alone and still be taken,
# when the message clearly points back; and how far above it must score when it only may.
_STRONG_SLACK = 10.0
_WEAK_MARGIN = 5.0


# --- reading and writing a question ------------------------------------------------------


def _as_question(text: str) -> str:
    """`text` as a question people read: capital first, one question mark at the end."""
    text = " ".join(text.split()).rstrip(" ?!.")
    return text[:1].upper() + text[1:] + "?" if text else text


def _short_name(entity: Entity) -> str:
    """The entity's name, or its shortest plain alias where the name is long."""
    if len(entity.name.split()) <= 3:
        return entity.name
    plain = [a for a in entity.aliases if a.replace(" ", "").replace("-", "").isalpha()]
    return min(plain, key=lambda alias: (" " not in alias, len(alias)), default=entity.name)


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- what the context refers to --------------------------------------------------------------


class _Referents:
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
        if fact is not None:
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
        """What "it" or "them" stands for: an event or document the question named, else
        what it called "the meeting", "the talks"."""
        for entity in self.asked:
            if entity.kind in ("event", "document") and entity.id not in taken:
                return entity.name
        return self.definite()

    def definite(self) -> str | None:
        """What the question called "the meeting", "the talks", if anything."""
        words = [word for word, _ in word_positions(split_tokens(_plain(self.context.question)))]
        for before, word in pairwise(words):
            if before == "the" and word in DEFINITE_NOUNS - _GROUPS:
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
        for entity in self.entities:
            if entity.kind == "event":
                return f"at the {entity.name}"
            if entity.kind in ("place", "country"):
                return f"in {entity.name}"
        return None


def topic_of(context: Context) -> str:
    """What the context's question was about: the question without its question words."""
    if context.topic:
        return context.topic
    tokens = split_tokens(context.question)
    start = 0
    while start < len(tokens) and all(
        word in QUESTION_WORDS | HOW_WORDS | AUXILIARIES
        or (word == "there" and start > 0 and set(tokens[start - 1].words) & _BE)
        for word in tokens[start].words
    ):
        start += 1
    if start == len(tokens):
        start = 0
    return " ".join(token.raw for token in tokens[start:]).rstrip(" ?!.")


def _about(text: str, topic: str) -> str:
    return f"{text.rstrip(' ?!.')}{_ABOUT}{topic})"


def _plain(question: str) -> str:
    """A question read as "… (about: …)" without what was added."""
    return question.split(_ABOUT)[0]


_ABOUT = " (about: "


# --- readings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    text: str
    need: Need
    topic: str | None = None


def _substitution(
    tokens: Sequence[Token], alone: Match, answerer: Answerer, context: Context
) -> list[_Candidate]:
    """ "and X?", "what about X?", "X too?": the last question again, with X in its place."""
    words = [word for word, _ in word_positions(tokens)]
    start, end = 0, len(words)
    about = False
    for opener in _OPENERS:
        if tuple(words[: len(opener)]) == opener:
            start, about = len(opener), opener == ("and", "about")
            break
    for closer in _CLOSERS:
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
    if not rest or len(rest) > _SUBSTITUTE_WORDS or rest[0] in QUESTION_WORDS:
        return []
    if set(rest) & (PERSON_PRONOUNS | PLURAL_PRONOUNS | THING_PRONOUNS | {"there", "here"}):
        return []
    flat = word_positions(tokens)
    if alone.entities:
        # "and the Iranian president?" names someone and nothing else; "was Erdogan at the
        # summit too?" asks a question of its own. A misspelt name is one word not covered.
        spans = find_mentions(tokens, names_of(answerer.base))
        covered = {i for m in spans for i in range(m.first, m.last + 1)}
        others = [w for w, i in flat[start:end] if i not in covered and w not in _FILLERS]
        if len(others) > len(alone.entities) - len({m.entity for m in spans}):
            return []
    x_text = " ".join(tokens[i].raw for i in range(flat[start][1], flat[end - 1][1] + 1))
    x_text = x_text.rstrip(" ?!.,")
    topic = topic_of(context)
    question = _plain(context.question)
    if about or not alone.entities:
        # A topic carried on: "and about refugees?" after "what does the statement say about X?"
        previous = split_tokens(question)
        abouts = [index for word, index in word_positions(previous) if word == "about"]
        if abouts:
            kept = " ".join(token.raw for token in previous[: abouts[-1] + 1])
            return [_Candidate(f"{kept} {x_text}", Need.CARRY)]
        return [_Candidate(f"{question.rstrip(' ?!.')} about {x_text}", Need.CARRY)]
    found = []
    # In the question as it was read, and in what it was about ("since when?" about Russia's
    # support, then "and Iran?": Iran's support).
    for text in dict.fromkeys([question, topic]):
        replaced = replace_names(split_tokens(text), alone.entities, answerer.base)
        if replaced is not None:
            found.append(_Candidate(replaced, Need.FORM))
    return found or [_Candidate(_about(x_text, topic), Need.MEDIUM, topic)]


def _bare(tokens: Sequence[Token], context: Context) -> list[_Candidate]:
    """ "when?", "how long?", "why was that?": the last question, asking this instead."""
    words = [word for word, _ in word_positions(tokens)]
    asked = [word for word in words if word in QUESTION_WORDS | HOW_WORDS]
    if not asked or asked[0] not in QUESTION_WORDS:
        return []
    if not all(word in QUESTION_WORDS | HOW_WORDS | _BARE_EXTRA for word in words):
        return []
    topic = topic_of(context)
    found = [_Candidate(_about(" ".join(asked), topic), Need.STRONG, topic)]
    previous = split_tokens(context.question)
    first = previous[0].words if previous else ()
    if first and first[0] in QUESTION_WORDS and not context.topic:
        how = first[0] == "how" and len(previous) > 1 and bool(set(previous[1].words) & HOW_WORDS)
        after = 2 if how else 1
        if after < len(previous) and set(previous[after].words) & AUXILIARIES:
            rest = " ".join(token.raw for token in previous[after:])
            found.insert(0, _Candidate(f"{' '.join(asked)} {rest}", Need.STRONG))
    return found


def _points_at_thing(words: Sequence[str], index: int) -> bool:
    """Whether "it", "this" or "that" at `index` stands for something said before: at the end,
    after a preposition or a verb, not in "is it true that …" or "that week"."""
    word = words[index]
    after = words[index + 1] if index + 1 < len(words) else ""
    before = words[index - 1] if index > 0 else ""
    if not after:
        return True
    if word == "it":
        # "is it true that …", "is it safe to …", "what time is it": an "it" that stands for
        # what follows, or for nothing.
        beside = set(words[index + 1 :]) & _CLAUSE_WORDS or set(words) & _EMPTY_IT
        return not ((before in _BE or after in _BE | {"s"}) and beside)
    return after in AUXILIARIES or before in _PREPOSITIONS


_PREPOSITIONS = frozenset("about of on for in at to from with after before by".split())
_CLAUSE_WORDS = frozenset("that to if whether".split())
_EMPTY_IT = frozenset(
    "true possible likely safe clear known time late early far weather raining cold hot".split()
)
_OBJECT_PRONOUNS = frozenset("him her them".split())


def _pointing_back(
    tokens: Sequence[Token], alone: Match, answerer: Answerer, context: Context
) -> list[_Candidate]:
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
    referents = _Referents(answerer, context)
    changes: dict[int, tuple[int, str]] = {}
    need = Need.NONE
    vague = False
    position = 0
    for index, token in enumerate(tokens):
        before = [base.entities[m.entity] for m in mentions if m.last < index] + unplaced
        for word in token.words:
            stand_in: list[Entity] | str | None = None
            points = False
            if word in PERSON_PRONOUNS and (
                word in _OBJECT_PRONOUNS or not any(e.kind == "person" for e in before)
            ):
                points, person = True, referents.person(taken)
                stand_in = [person] if person is not None else None
            elif word in PLURAL_PRONOUNS and (word in _OBJECT_PRONOUNS or len(before) < 2):
                points, stand_in = True, referents.people(taken) or referents.thing(taken)
            elif word == "there" and (position == 0 or words[position - 1] not in _BE):
                points = not kinds & {"place", "event", "country"}
                stand_in = referents.place() if points else None
            elif word in THING_PRONOUNS and (
                _points_at_thing(words, position) or (word in ("this", "that") and not named)
            ):
                points = True
                following = words[position + 1] if position + 1 < len(words) else ""
                # "this meeting" names no thing to put in its place: the topic goes along.
                if following not in DEFINITE_NOUNS:
                    stand_in = referents.thing(taken)
            if points:
                need = Need.STRONG
                if stand_in and len(token.words) == 1:
                    # "the talks" for "they" says no more than "they": the topic goes along.
                    vague = vague or stand_in == referents.definite()
                    if not isinstance(stand_in, str):
                        taken.update(entity.id for entity in stand_in)
                        stand_in = _join([entity.name for entity in stand_in])
                    changes[index] = (index, stand_in + ("'s" if word in POSSESSIVES else ""))
                else:
                    vague = True
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
    definite = any(a in ("the", "this", "that") and b in DEFINITE_NOUNS for a, b in pairwise(words))
    # "and what did the Duma say?": a question of its own, going on from the last one.
    going_on = len(words) > 1 and words[0] in ("and", "so", "also") and words[1] in QUESTION_WORDS
    short = len(words) <= _SHORT_WORDS
    if not changes and not named and (definite or going_on or short):
        # "was the meeting secret?" is about the meeting this conversation is about.
        vague, need = True, max(need, Need.MEDIUM if definite else Need.WEAK)
    if need is Need.NONE:
        return []
    text = rebuild(tokens, changes) if changes else " ".join(token.raw for token in tokens)
    topic = topic_of(context)
    found = [_Candidate(_about(text, topic), need, topic)]
    if changes and not vague:
        found.insert(0, _Candidate(text, need))
    # Only who and what the last question named, when its other words lead elsewhere.
    names = [_short_name(e) for e in referents.asked if e.id not in taken]
    if names and vague and _join(names) != topic:
        found.append(_Candidate(_about(text, _join(names)), need, _join(names)))
    return found


def _rank(match: Match) -> tuple[int, float]:
    outcome = {Outcome.ANSWER: 2, Outcome.CLARIFY: 1}.get(match.outcome, 0)
    return outcome, match.score


def _explains(answerer: Answerer, message: str, match: Match, share: float = 0.5) -> bool:
    """Whether the reading's best fact explains the words of the message itself (`share` of
    them at least: a synonym the fact does not use, "talks", is no reason to refuse)."""
    if not match.candidates:
        return False
    own = {
        term
        for term in answerer.matcher.analyse(message, correct=True).content
        if term not in QUESTION_WORDS
    }
    return len(own & match.candidates[0].matched) >= share * len(own)


def _better(
    answerer: Answerer, message: str, candidate: _Candidate, read: Match, alone: Match
) -> bool:
    """Whether the reading with the context is to be taken over the message alone.

    Besides matching better, an answer to the reading must explain the message's own words:
    the context supplies what was left out, never what was asked ("who replaced them?"); all
    of them where the reading only adds the topic ("… (about: …)").
    """
    (read_outcome, read_score), (alone_outcome, alone_score) = _rank(read), _rank(alone)
    need = candidate.need
    if need is Need.FORM:
        return True
    share = 1.0 if candidate.topic else 0.5
    if read.outcome is Outcome.ANSWER and not _explains(answerer, message, read, share):
        return False
    if need is Need.CARRY and read.outcome is Outcome.ANSWER:
        return True
    if need >= Need.STRONG:
        if read_outcome != alone_outcome:
            return read_outcome > alone_outcome
        return read_outcome == 0 or read_score >= alone_score - _STRONG_SLACK
    if need is Need.MEDIUM:
        if read_outcome != alone_outcome:
            return read_outcome > alone_outcome
        return read_score >= alone_score
    # A message that only may point back must be explained whole: "what did the summit cost?"
    return (
        read.outcome is Outcome.ANSWER
        and (alone.outcome is not Outcome.ANSWER or read_score >= alone_score + _WEAK_MARGIN)
        and _explains(answerer, message, read, share=1.0)
    )


def _reading(
    answerer: Answerer,
    message: str,
    match: Match,
    understood_as: str | None = None,
    topic: str | None = None,
    keeps_context: bool = False,
) -> Reading:
    reply = answerer.reply_for(message, match)
    if understood_as is not None:
        reply = replace(reply, understood_as=understood_as)
    return Reading(
        reply=reply,
        question=understood_as if understood_as is not None else message,
        # What the reply was about: the fact answered, else the first of those offered.
        fact=reply.fact or (reply.suggestions[0].id if reply.outcome is Outcome.CLARIFY else None),
        entities=tuple(entity.id for entity in match.entities),
        topic=topic,
        keeps_context=keeps_context,
    )


def read_followup(answerer: Answerer, message: str, context: Context | None) -> Reading:
    """Read `message` in `context` (None: alone), and answer it as read."""
    alone = answerer.matcher.match(message)
    # Small talk, or a message the bot cannot answer that names no one, says nothing new about
    # what the conversation is about.
    empty = alone.smalltalk is not None or (
        alone.outcome is Outcome.FALLBACK and not alone.entities
    )
    if context is not None and alone.smalltalk is None:
        tokens = split_tokens(message)
        # "ok, and Erdogan?": what the message says starts after the interjections.
        while len(tokens) > 1 and tokens[0].words and set(tokens[0].words) <= _INTERJECTIONS:
            tokens = tokens[1:]
        candidates = (
            _substitution(tokens, alone, answerer, context)
            or _bare(tokens, context)
            or _pointing_back(tokens, alone, answerer, context)
        )
        if candidates and candidates[0].need is Need.WEAK and alone.outcome is Outcome.ANSWER:
            candidates = []  # it only may point back, and it is answered as it stands
        # The plainest reading that answers; else the plainest.
        found: tuple[Match, _Candidate] | None = None
        for candidate in candidates:
            read = answerer.matcher.match(candidate.text)
            if found is None or read.outcome is Outcome.ANSWER:
                found = (read, candidate)
            if read.outcome is Outcome.ANSWER:
                break
        if found is not None:
            read, chosen = found
            if _better(answerer, message, chosen, read, alone):
                understood = _as_question(chosen.text)
                return _reading(answerer, message, read, understood, chosen.topic)
    return _reading(answerer, message, alone, keeps_context=empty)
