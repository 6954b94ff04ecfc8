"""Honest limits on a follow-up's reading: what the answer must give that the context cannot.

The context supplies who and what a follow-up is about, never what it asks. "why did he quit?"
after Riyad Hijab's resignation reads as "Why did Riyad Hijab quit?", which the fact that he
stepped down matches well, but that fact gives no reason: it is shown as the closest, never as
the answer. "anything else?" asks the last question again for another fact than the one given.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from bot.claims import Names, claim_of
from bot.factbase import FactBase
from bot.followups.mentions import find_mentions, names_of, split_tokens
from bot.followups.words import BE, PERSON_PRONOUNS, PLURAL_PRONOUNS
from bot.matching import Match, Matcher, Outcome
from bot.matching.asked import DATE, asked_kinds, asks_why, exact, kinds_asked, which_named
from bot.matching.asked import gives_reason as says_why
from bot.matching.lexicon import SAY_WORDS
from bot.matching.naming import named_inside
from bot.normalization import normalize

# "anything else?", "what else did he say?", "more?": the last question, for another fact.
SAYING = frozenset(SAY_WORDS.split())  # "what did he say?" asks for someone's words
ELSE_WORDS = frozenset("else more other another further".split())
_SOMEONE = ("person", "organisation", "country")  # whom "who" may be answered with
_SETTINGS = ("place", "event", "document")  # where and at what a fact is


def gives_reason(base: FactBase, ident: str) -> bool:
    """Whether the fact (or entity) `ident` says why: a cause or a purpose."""
    fact = base.facts.get(ident)
    if fact is None:
        return False
    return says_why(fact.answer)


def as_closest(match: Match) -> Match:
    """An answer turned into the closest the sources come: shown, marked as maybe not it."""
    if match.outcome is not Outcome.ANSWER or match.best is None:
        return match
    return replace(match, outcome=Outcome.FALLBACK, closest=match.best, best=None)


def only_fact(match: Match, fact: str | None) -> Match:
    """The match, if it answers with `fact`; else that answer is the closest."""
    if match.best is not None and match.best.id == fact:
        return match
    return as_closest(match)


def asks_who(words: Sequence[str]) -> bool:
    """Whether a message asks who: "who replaced them?", "whom did he call?"."""
    return bool(words) and words[0] in ("who", "whom")


def asks_who_they_are(words: Sequence[str]) -> bool:
    """Whether a message asks who people are: "who were they?", "who's he?"."""
    verb, pronoun = [*words[1:3], "", ""][:2]
    return (
        asks_who(words)
        and (verb in BE or verb == "s")  # "who's he?" reads as who, s, he
        and pronoun in PERSON_PRONOUNS | PLURAL_PRONOUNS
    )


def names_someone_new(
    base: FactBase, ident: str, question: str, kinds: Collection[str] = _SOMEONE
) -> bool:
    """Whether the answer of `ident` names a person, body or country (of `kinds`) `question`
    does not."""
    item = base.facts.get(ident)
    text = item.answer if item is not None else ""
    if not text:
        return True  # an entity's own answer: who they are
    names = names_of(base)
    asked = {mention.entity for mention in find_mentions(split_tokens(question), names)}
    given = {mention.entity for mention in find_mentions(split_tokens(text), names)}
    return any(base.entities[e].kind in kinds for e in given - asked if e in base.entities)


def named_in(base: FactBase, text: str) -> set[str]:
    """The entities a text names, by their names and aliases."""
    return {mention.entity for mention in find_mentions(split_tokens(text), names_of(base))}


_ABOUT: dict[int, tuple[Matcher, dict[str, frozenset[str]]]] = {}


def concerned(matcher: Matcher, ident: str) -> frozenset[str]:
    """Whom and what the fact (or entity) `ident` is about: those its answer names (and the
    places, events and documents its phrasings do), its speakers and its entities; an entity's
    own card is about that entity. Worked out once per matcher."""
    cached = _ABOUT.get(id(matcher))
    if cached is None or cached[0] is not matcher:
        cached = (matcher, {})
        _ABOUT.clear()  # one matcher at a time: a reloaded base replaces the old one
        _ABOUT[id(matcher)] = cached
    found = cached[1].get(ident)
    if found is None:
        found = cached[1][ident] = frozenset(_concerned(matcher, ident))
    return found


def _concerned(matcher: Matcher, ident: str) -> set[str]:
    base, index = matcher.base, matcher.index
    fact = base.facts.get(ident)
    if fact is None:
        return {ident}
    found = named_in(base, fact.answer) | set(fact.speakers) | set(fact.entities)
    position = index.item_index.get(ident)
    if position is not None:
        # Where and at what a fact is, its phrasings may say ("the Sochi congress"); whom it is
        # about, its own text says.
        phrased = (index.entity_by_token[t] for t in index.item_entities[position])
        found |= {entity.id for entity in phrased if entity.kind in _SETTINGS}
    return found | countries_in(base, fact.answer)


def countries_in(base: FactBase, text: str) -> set[str]:
    """The countries a text names, inside other names too: "Egypt's President Abdel-Fattah
    el-Sissi" names Egypt (as one name, it names el-Sissi only)."""
    return named_inside(base, text, ("country",))


def about_each(matcher: Matcher, match: Match, groups: Sequence[Collection[str]]) -> Match:
    """The match, unless it answers with a fact about none of the entities of one of `groups`:
    then that fact is the closest. "and Trump?" is not answered by Putin's calls to others;
    "did he meet Assad there?" of Erdogan not by Putin's meeting with Assad."""
    best = match.best
    if match.outcome is not Outcome.ANSWER or best is None:
        return match
    about = concerned(matcher, best.id)
    if all(about.intersection(group) for group in groups if group):
        return match
    return as_closest(match)


def gives_kinds(matcher: Matcher, match: Match, words: Sequence[str]) -> Match:
    """The match, unless the message asks a kind of answer ("when?", "where are they?", "how
    long?", "which city?") that its fact's own text does not give: then it is the closest.
    What a fact's phrasings ask for is no answer here: the context supplied the rest of the
    question, and "how long did it last?" is not answered by a fact that names no length."""
    best = match.best
    if match.outcome is not Outcome.ANSWER or best is None or best.id not in matcher.base.facts:
        return match
    index = matcher.index
    position = index.item_index[best.id]
    asked = kinds_asked(words)
    return match if asked <= index.answer_kinds[position] else as_closest(match)


_DAY_WORDS = frozenset(("date", "day"))
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())


def asks_day(words: Sequence[str]) -> bool:
    """Whether a message asks for a day: "what date?", "which day?", "when exactly?"."""
    return exact(words) and (DATE in asked_kinds(words) or bool(set(words) & _DAY_WORDS))


def gives_day(matcher: Matcher, match: Match, words: Sequence[str]) -> Match:
    """The match, unless "what date?" gets a fact whose answer names no day ("before the
    summit", "earlier in the week" say when, not on what date): then it is the closest."""
    best = match.best
    if match.outcome is not Outcome.ANSWER or best is None or not asks_day(words):
        return match
    fact = matcher.base.facts.get(best.id)
    if fact is None:
        return match
    return match if names_a_day(f"{fact.short} {fact.answer}") else as_closest(match)


def names_a_day(text: str) -> bool:
    """Whether a text says on what day: a day of a month ("22 November"), or of the week."""
    return bool(claim_of(text, Names(())).days or set(normalize(text).split()) & _WEEKDAYS)


def names_which(base: FactBase, match: Match, words: Sequence[str], question: str) -> Match:
    """The match, unless "which groups?" gets a fact that names no group the question (as
    read) does not: "Turkey has supported Syrian opposition groups" does not say which."""
    best = match.best
    which = which_named(words)
    if match.outcome is not Outcome.ANSWER or best is None or which is None:
        return match
    kind = which[1]
    fact = base.facts.get(best.id)
    if fact is None:
        return match
    new = named_in(base, fact.answer) - named_in(base, question)
    return match if any(base.entities[e].kind == kind for e in new) else as_closest(match)


def within_limits(base: FactBase, words: Sequence[str], question: str, match: Match) -> Match:
    """The reading's match, unless it answers a "why?" with a fact that gives no reason, or a
    "who?" with one that names no one the question (as read) did not: then that fact is the
    closest."""
    best = match.best
    if match.outcome is not Outcome.ANSWER or best is None:
        return match
    if asks_why(words) and not gives_reason(base, best.id):
        return as_closest(match)
    if asks_who(words) and not names_someone_new(base, best.id, question):
        return as_closest(match)
    # "who were they?" of the military chiefs asks for people: the countries they came from
    # are not who they were.
    if asks_who_they_are(words) and not names_someone_new(base, best.id, question, ("person",)):
        return as_closest(match)
    return match


def another_fact(base: FactBase, matcher: Matcher, question: str, given: str | None) -> Match:
    """ "anything else?": the last question matched again with the fact already given set
    aside; the next fact (another quote of the same speakers first, where it has them) is
    answered with where it scores as an answer would, else shown as the closest."""
    match = matcher.match(question)
    if given is None or match.best is None or match.best.id != given:
        return match
    _, analysis = matcher.read(question)
    others = [c for c in matcher.rank(analysis) if c.item.id != given]
    fact = base.facts.get(given)
    speakers = set(fact.speakers) if fact is not None else set()
    weights = matcher.weights
    answer_at = weights.answer
    same = [c for c in others if speakers and _speakers(base, c.item.id) == speakers]
    if same and same[0].score >= weights.clarify:
        # Another quote of the same people on what was asked: what "what else?" asks for.
        others, answer_at = same, weights.clarify
    elif speakers and set(analysis.words) & SAYING:
        # "anything more?" after what Slutsky said asks for more of his words: his card, or
        # another's words, is not more of what he said.
        others = same
    if not others or others[0].score < weights.clarify:
        return replace(match, outcome=Outcome.FALLBACK, best=None, closest=None, why=None)
    nearest = others[0]
    if nearest.score >= answer_at:
        return replace(match, best=nearest.item, score=round(nearest.score, 1), why=None)
    return replace(match, outcome=Outcome.FALLBACK, best=None, closest=nearest.item, why=None)


def _speakers(base: FactBase, ident: str) -> set[str]:
    fact = base.facts.get(ident)
    return set(fact.speakers) if fact is not None else set()


def first_named(base: FactBase, match: Match, entities: Sequence[str]) -> Match:
    """ "and Turkey?" offered Russia's, Iran's and Turkey's support to pick from: the one fact
    of those offered whose answer names first whom the message named is the answer."""
    if match.outcome is not Outcome.CLARIFY or not entities:
        return match
    names = names_of(base)
    chosen = []
    for candidate in match.candidates:
        fact = base.facts.get(candidate.item.id)
        mentions = find_mentions(split_tokens(fact.answer), names) if fact is not None else []
        if mentions and mentions[0].entity in entities:
            chosen.append(candidate)
    if len(chosen) != 1:
        return match
    best = chosen[0]
    return replace(
        match, outcome=Outcome.ANSWER, best=best.item, score=round(best.score, 1), suggestions=()
    )


def offered_that_gives(
    matcher: Matcher,
    match: Match,
    words: Sequence[str],
    question: str,
    given: str | None,
    only: str | None = None,
    more: Callable[[Match], Match] | None = None,
) -> Match:
    """ "when?", "why was that?" asked back between facts offered: the one that gives what
    is asked — the fact the conversation just got, if it does, else the only one that does —
    is the answer. (The context supplied the rest of the question; the pick is what it asks.)
    With `only`, no fact but that one is picked; `more` is a further limit each must pass."""
    if match.outcome is not Outcome.CLARIFY:
        return match
    offered = {item.id for item in match.suggestions}
    giving = []
    for candidate in match.candidates:
        if candidate.item.id not in offered or only not in (None, candidate.item.id):
            continue
        answered = replace(match, outcome=Outcome.ANSWER, best=candidate.item, suggestions=())
        limited = within_limits(matcher.base, words, question, answered)
        limited = gives_kinds(matcher, gives_day(matcher, limited, words), words)
        limited = more(limited) if more is not None else limited
        if limited.outcome is Outcome.ANSWER:
            giving.append(candidate)
    chosen = [c for c in giving if c.item.id == given] or giving
    if len(chosen) != 1:
        return match
    best = chosen[0]
    return replace(
        match, outcome=Outcome.ANSWER, best=best.item, score=round(best.score, 1), suggestions=()
    )
