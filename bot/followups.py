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
from itertools import pairwise

from bot.factbase import Entity, FactBase
from bot.matching import Match, Outcome
from bot.normalization import normalize
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
    WEAK = 1  # short, naming no one, or "the meeting": read with context only if clearly better
    MEDIUM = 2  # a topic carried on: "and about refugees?"
    STRONG = 3  # a pronoun or "there" with nothing to stand for, a bare "when?"
    CARRY = 4  # "and what about refugees?": the last question, about this instead
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
    conference congress resolution readout declaration session remarks speech""".split()
)
_OPENERS = (
    ("and", "what", "about"),
    ("and", "how", "about"),
    ("what", "about"),
    ("how", "about"),
    ("and", "about"),
    ("and",),
)
_CLOSERS = (("as", "well"), ("too",), ("also",), ("either",))
_SUBSTITUTE_WORDS = 6  # "and X?" with X longer than this is a question of its own
_SHORT_WORDS = 4  # a message of at most this many words that names no one may carry a topic on
# Which kinds of entity stand in for which in "and X?".
_KINDS = {
    "person": ("person", "organisation"),
    "organisation": ("organisation", "person", "country"),
    "country": ("country", "organisation"),
    "place": ("place", "event"),
    "event": ("event", "document", "place"),
    "document": ("document", "event"),
}
# How far a reading with the context may score below the message alone and still be taken,
# when the message clearly points back; and how far above it must score when it only may.
_STRONG_SLACK = 5.0
_WEAK_MARGIN = 5.0


# --- words and names in a text ---------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    raw: str
    words: tuple[str, ...]


def _tokens(text: str) -> list[_Token]:
    return [_Token(raw, tuple(normalize(raw).split())) for raw in text.split()]


def _words(tokens: Sequence[_Token]) -> list[tuple[str, int]]:
    """Each normalised word with the index of the token it comes from."""
    return [(word, index) for index, token in enumerate(tokens) for word in token.words]


@dataclass(frozen=True)
class _Names:
    """Every name of every entity, as normalised words, to find where a text names whom."""

    entities: dict[tuple[str, ...], str]
    capitals: frozenset[tuple[str, ...]]  # "US", "IS": names only when typed in capitals
    longest: int


_NAMES: dict[int, tuple[FactBase, _Names]] = {}


def _names(base: FactBase) -> _Names:
    cached = _NAMES.get(id(base))
    if cached is not None and cached[0] is base:
        return cached[1]
    entities: dict[tuple[str, ...], str] = {}
    capitals = set()
    for entity in base.entities.values():
        for name in (entity.name, *entity.aliases):
            words = tuple(normalize(name).split())
            if not words:
                continue
            entities.setdefault(words, entity.id)
            if name.isupper() and len(name) <= 3:
                capitals.add(words)
    names = _Names(entities, frozenset(capitals), max(map(len, entities), default=1))
    if len(_NAMES) >= 4:  # a reload makes a new base; the old ones need not be kept
        _NAMES.clear()
    _NAMES[id(base)] = (base, names)
    return names


@dataclass(frozen=True)
class _Mention:
    first: int  # the first and last token naming the entity
    last: int
    entity: str


def _mentions(tokens: Sequence[_Token], names: _Names) -> list[_Mention]:
    """Where `tokens` name entities, longest names first, left to right."""
    words = _words(tokens)
    found = []
    i = 0
    while i < len(words):
        for size in range(min(names.longest, len(words) - i), 0, -1):
            key = tuple(word for word, _ in words[i : i + size])
            ident = names.entities.get(key)
            if ident is None:
                continue
            first, last = words[i][1], words[i + size - 1][1]
            if key in names.capitals and not tokens[first].raw.strip("?!.,;:").isupper():
                continue
            found.append(_Mention(first, last, ident))
            i += size
            break
        else:
            i += 1
    return found


def _rebuild(tokens: Sequence[_Token], changes: dict[int, tuple[int, str]]) -> str:
    """The text with tokens replaced, punctuation kept: changes[first] = (last, new text)."""
    out = []
    i = 0
    while i < len(tokens):
        if i in changes:
            last, text = changes[i]
            raw = tokens[last].raw
            possessive = raw.rstrip("?!.,;:").lower().endswith(("'s", "’s"))
            tail = raw[len(raw.rstrip("?!.,;:")) :]
            out.append(text + ("'s" if possessive and not text.endswith("'s") else "") + tail)
            i = last + 1
            continue
        out.append(tokens[i].raw)
        i += 1
    return " ".join(out)


def _as_question(text: str) -> str:
    """`text` as a question people read: capital first, one question mark at the end."""
    text = " ".join(text.split()).rstrip(" ?!.")
    return text[:1].upper() + text[1:] + "?" if text else text


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- what the context refers to --------------------------------------------------------------


class _Referents:
    """The entities a context offers to stand for "he", "they", "there": those the question
    named first, then the speakers and entities of the fact it got, then those its answer names."""

    def __init__(self, answerer: Answerer, context: Context) -> None:
        base = answerer.base
        ids = list(context.entities)
        fact = base.facts.get(context.fact) if context.fact else None
        if fact is not None:
            ids += [*fact.speakers, *fact.entities]
            ids += [m.entity for m in _mentions(_tokens(fact.answer), _names(base))]
        elif context.fact is not None and context.fact in base.entities:
            ids.append(context.fact)
        self.entities = [base.entities[i] for i in dict.fromkeys(ids) if i in base.entities]
        self.asked = [base.entities[i] for i in context.entities if i in base.entities]

    def of(self, kind: str, asked_only: bool = False) -> list[Entity]:
        return [e for e in (self.asked if asked_only else self.entities) if e.kind == kind]

    def person(self) -> str | None:
        people = self.of("person")
        return people[0].name if people else None

    def people(self) -> str | None:
        """Two or three people for "they": those the question named, else those of its fact."""
        for found in (self.of("person", asked_only=True), self.of("person")):
            if len(found) >= 2:
                return _join([e.name for e in found[:3]])
        return None

    def thing(self, named: set[str]) -> str | None:
        """What "it" or "them" stands for: an event, document or place the question named."""
        for entity in self.asked:
            if entity.kind in ("event", "document", "place") and entity.id not in named:
                return entity.name
        return None

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
    tokens = _tokens(context.question)
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
    return f"{text.rstrip(' ?!.')} (about: {topic})"


# --- readings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    text: str
    need: Need
    topic: str | None = None


def _substitution(
    tokens: Sequence[_Token], alone: Match, answerer: Answerer, context: Context
) -> list[_Candidate]:
    """ "and X?", "what about X?", "X too?": the last question again, with X in its place."""
    words = [word for word, _ in _words(tokens)]
    start, end = 0, len(words)
    for opener in _OPENERS:
        if tuple(words[: len(opener)]) == opener:
            start = len(opener)
            break
    for closer in _CLOSERS:
        if len(words) - start > len(closer) and tuple(words[-len(closer) :]) == closer:
            end = len(words) - len(closer)
            break
    if start == 0 and end == len(words):
        return []
    while start < end and words[start] in AUXILIARIES | {"about", "on"}:
        start += 1
    rest = words[start:end]
    if not rest or len(rest) > _SUBSTITUTE_WORDS or rest[0] in QUESTION_WORDS:
        return []
    if set(rest) & (PERSON_PRONOUNS | PLURAL_PRONOUNS | THING_PRONOUNS):
        return []
    flat = _words(tokens)
    x_text = " ".join(tokens[i].raw for i in range(flat[start][1], flat[end - 1][1] + 1))
    x_text = x_text.rstrip(" ?!.,")
    topic = topic_of(context)
    if not alone.entities:
        # A topic carried on: "and about refugees?" after "what does the statement say about X?"
        previous = _tokens(context.question)
        about = [index for word, index in _words(previous) if word == "about"]
        if about:
            kept = " ".join(token.raw for token in previous[: about[-1] + 1])
            return [_Candidate(f"{kept} {x_text}", Need.CARRY)]
        return [_Candidate(f"{context.question.rstrip(' ?!.')} about {x_text}", Need.CARRY)]
    found = []
    # In the question as it was read, and in what it was about ("since when?" about Russia's
    # support, then "and Iran?": Iran's support).
    for text in dict.fromkeys([context.question, topic]):
        replaced = _replace_names(_tokens(text), alone.entities, answerer.base)
        if replaced is not None:
            found.append(_Candidate(replaced, Need.FORM))
    return found or [_Candidate(_about(x_text, topic), Need.MEDIUM, topic)]


def _replace_names(
    tokens: Sequence[_Token], entities: Sequence[Entity], base: FactBase
) -> str | None:
    """`tokens` with the names of entities of the same kinds replaced by `entities`' names."""
    changes: dict[int, tuple[int, str]] = {}
    mentions = _mentions(tokens, _names(base))
    for entity in entities:
        for mention in mentions:
            other = base.entities[mention.entity]
            stand_in = entity if other.kind in _KINDS.get(entity.kind, ()) else None
            if entity.kind == "country" and other.kind == "person":
                # "and the Turkish one?" after Iran's president: Turkey's counterpart.
                stand_in = _counterpart(other, entity, base)
            if mention.first not in changes and stand_in is not None and other.id != stand_in.id:
                changes[mention.first] = (mention.last, stand_in.name)
                break
    return _rebuild(tokens, changes) if changes else None


def _counterpart(person: Entity, country: Entity, base: FactBase) -> Entity | None:
    """The person of `country` whose names read most like `person`'s ("Iranian president" and
    "Turkish president"), leaving out the words that name the countries themselves."""
    if person.country is None or person.country == country.id:
        return None

    def words(entity: Entity, own: Entity | None) -> set[str]:
        found = {word for name in entity.aliases for word in normalize(name).split()}
        names = (own.name, *own.aliases) if own is not None else ()
        return found - {word for name in names for word in normalize(name).split()}

    home = base.entities.get(person.country)
    mine = words(person, home)
    people = [e for e in base.entities.values() if e.kind == "person" and e.country == country.id]
    scored = [(len(mine & words(other, country)), other.id, other) for other in people]
    best = max(scored, default=None, key=lambda item: item[:2])
    return best[2] if best is not None and (best[0] > 0 or len(people) == 1) else None


def _bare(tokens: Sequence[_Token], context: Context) -> list[_Candidate]:
    """ "when?", "how long?", "why was that?": the last question, asking this instead."""
    words = [word for word, _ in _words(tokens)]
    asked = [word for word in words if word in QUESTION_WORDS | HOW_WORDS]
    if not asked or asked[0] not in QUESTION_WORDS:
        return []
    if not all(word in QUESTION_WORDS | HOW_WORDS | _BARE_EXTRA for word in words):
        return []
    topic = topic_of(context)
    found = [_Candidate(_about(" ".join(asked), topic), Need.STRONG, topic)]
    previous = _tokens(context.question)
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
    tokens: Sequence[_Token], alone: Match, answerer: Answerer, context: Context
) -> list[_Candidate]:
    """Pronouns and "there" replaced by what they stand for; a vague message given the topic.

    "he", "his", "they" point out of the message unless it names someone before them ("what did
    Assad say about his visit?"); "him" and "them" always do ("what did Netanyahu tell him?").
    """
    base = answerer.base
    mentions = _mentions(tokens, _names(base))
    # Names the matcher found that the plain scan did not (misspelt ones) count as said first.
    unplaced = [
        base.entities[i] for i in {e.id for e in alone.entities} - {m.entity for m in mentions}
    ]
    kinds = {entity.kind for entity in alone.entities}
    named = {entity.id for entity in alone.entities}
    words = [word for word, _ in _words(tokens)]
    referents = _Referents(answerer, context)
    changes: dict[int, tuple[int, str]] = {}
    need = Need.NONE
    vague = False
    position = 0
    for index, token in enumerate(tokens):
        before = [base.entities[m.entity] for m in mentions if m.last < index] + unplaced
        for word in token.words:
            stand_in: str | None = None
            points = False
            if word in PERSON_PRONOUNS and (
                word in _OBJECT_PRONOUNS or not any(e.kind == "person" for e in before)
            ):
                points, stand_in = True, referents.person()
            elif word in PLURAL_PRONOUNS and (word in _OBJECT_PRONOUNS or len(before) < 2):
                points, stand_in = True, referents.people() or referents.thing(named)
            elif word == "there" and (position == 0 or words[position - 1] not in _BE):
                points = not kinds & {"place", "event", "country"}
                stand_in = referents.place() if points else None
            elif word in THING_PRONOUNS and _points_at_thing(words, position):
                points, stand_in = True, referents.thing(named)
            if points:
                need = Need.STRONG
                if stand_in is not None and len(token.words) == 1:
                    changes[index] = (index, stand_in + ("'s" if word in POSSESSIVES else ""))
                else:
                    vague = True
            position += 1
    pairs = pairwise(words)
    if (
        not alone.entities
        and not changes
        and (
            any(a in ("the", "this", "that") and b in DEFINITE_NOUNS for a, b in pairs)
            or len(words) <= _SHORT_WORDS
        )
    ):
        vague, need = True, max(need, Need.WEAK)
    if need is Need.NONE:
        return []
    text = _rebuild(tokens, changes) if changes else " ".join(token.raw for token in tokens)
    topic = topic_of(context)
    found = [_Candidate(_about(text, topic), need, topic)]
    if changes and not vague:
        found.insert(0, _Candidate(text, need))
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


def _better(answerer: Answerer, message: str, need: Need, read: Match, alone: Match) -> bool:
    """Whether the reading with the context is to be taken over the message alone.

    Besides matching better, an answer to the reading must explain the message's own words:
    the context supplies what was left out, never what was asked ("who replaced them?").
    """
    (read_outcome, read_score), (alone_outcome, alone_score) = _rank(read), _rank(alone)
    if need is Need.FORM:
        return True
    if read.outcome is Outcome.ANSWER and not _explains(answerer, message, read):
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
        fact=reply.fact,
        entities=tuple(entity.id for entity in match.entities),
        topic=topic,
        keeps_context=keeps_context,
    )


def read_followup(answerer: Answerer, message: str, context: Context | None) -> Reading:
    """Read `message` in `context` (None: alone), and answer it as read."""
    alone = answerer.matcher.match(message)
    empty = alone.smalltalk is not None or (
        alone.outcome is Outcome.FALLBACK and not alone.candidates and not alone.entities
    )
    if context is not None and alone.smalltalk is None:
        tokens = _tokens(message)
        candidates = (
            _substitution(tokens, alone, answerer, context)
            or _bare(tokens, context)
            or _pointing_back(tokens, alone, answerer, context)
        )
        matched = [(answerer.matcher.match(c.text), c) for c in candidates]
        if matched:
            # The plainest reading that answers; else the plainest.
            answers = [pair for pair in matched if pair[0].outcome is Outcome.ANSWER]
            read, chosen = answers[0] if answers else matched[0]
            if _better(answerer, message, chosen.need, read, alone):
                understood = _as_question(chosen.text)
                return _reading(answerer, message, read, understood, chosen.topic)
    return _reading(answerer, message, alone, keeps_context=empty)
