"""A follow-up that asks what the last answer did not say: the same answer again is no answer.

Right after "Zarif tweeted there was no need for gimmicks — including glowing orbs", "what are
the glowing orbs about?" asks what that tweet only names; after Assad "counts on Russia to keep
foreign players from interfering", "which foreign players?" asks which the quote does not say;
after the readout that names Resolution 2254, "what does it say?" asks for the resolution's
words. Matched, each comes back to the fact just given, which names what is asked and says no
more of it: that fact is then the closest, never the answer. And "the other trip" asks for
something other than what "the trip" finds (the matcher reads "other" as a word that says
nothing): neither that nor the fact the conversation just got answers it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import pairwise

from bot.followups.context import ABOUT
from bot.followups.limits import as_closest
from bot.followups.mentions import split_tokens, word_positions
from bot.followups.words import (
    AUXILIARIES,
    BE,
    PERSON_PRONOUNS,
    PLURAL_PRONOUNS,
    PREPOSITIONS,
)
from bot.matching import Match, Matcher, Outcome
from bot.matching.asked import WHICH_KINDS

_SAYS = frozenset("say says said mean means meant state states stated".split())
_HEDGES = frozenset("the a an actually really exactly again about".split())
_ONES = frozenset(("one", "ones"))
_SOMEONE = frozenset(("person", "organisation", "country"))  # whose words "say" may ask for


def the_other(words: Sequence[str]) -> bool:
    """Whether a message asks for "the other" of something: "when was the other trip?"."""
    return any(a in ("the", "that") and b == "other" for a, b in pairwise(words))


def other_than(match: Match, excluded: Collection[str | None]) -> Match:
    """The match, unless it answers with one of the `excluded` facts: then the closest."""
    best = match.best
    if match.outcome is Outcome.ANSWER and best is not None and best.id in excluded:
        return as_closest(match)
    return match


def _asked_of(words: Sequence[str]) -> tuple[list[str], bool] | None:
    """What a question asks to be told of, and whether it asks what it says: "what are the
    glowing orbs about?" -> the glowing orbs; "what does 2254 say?" -> 2254 (says); "which
    foreign players?" -> foreign players. None for any other shape of question."""
    if len(words) < 2 or words[0] not in ("what", "which"):
        return None
    if words[1] in BE and len(words) > 2:  # "what are the glowing orbs (about)?"
        return [w for w in words[2:] if w not in _HEDGES], False
    if words[1] in ("do", "does", "did") and words[-1] in _SAYS:  # "what does 2254 say?"
        return [w for w in words[2:-1] if w not in _HEDGES], True
    if words[1] in PREPOSITIONS:
        return None  # "what about reconstruction?": the last question, about this instead
    head = []  # "which foreign players (did he mean)?": the words before the verb
    for word in words[1:]:
        if word in AUXILIARIES:
            break
        head.append(word)
    return (head, False) if 0 < len(head) <= 3 else None


def asks_what_it_named(matcher: Matcher, words: Sequence[str], fact: str) -> bool:
    """Whether a question asks what, or which, something the fact `fact` names is, or what it
    says, in words that fact uses: "what are the glowing orbs about?" of Zarif's tweet."""
    asked = _asked_of(words)
    if asked is None:
        return False
    head, says = asked
    if not head or set(head) & (PERSON_PRONOUNS | PLURAL_PRONOUNS):
        return False
    if words[1] not in BE and not says and set(head) & WHICH_KINDS.keys():
        return False  # "which Egyptian leader?": whether it names one is `names_which`'s
    base, index = matcher.base, matcher.index
    analysis = matcher.analyse(" ".join(head))
    named = [index.entity_by_token[t] for t in analysis.entities if t in index.entity_by_token]
    if says and any(entity.kind in _SOMEONE for entity in named):
        return False  # "what did Putin say?": someone's words, which a fact may quote again
    if not says and any(entity.fact == fact for entity in named):
        return False  # "what is the Sochi summit?" after the summit's own fact: it says
    if set(head) <= _ONES:
        return True  # "which ones?": of those the answer spoke of
    terms = set(analysis.content)
    item = base.facts.get(fact)
    if not terms or item is None:
        return False
    text = f"{item.short or ''} {item.answer} {item.quote}"
    return terms <= set(index.analyse(text).content)


def not_again(matcher: Matcher, match: Match, words: Sequence[str], given: str | None) -> Match:
    """The match, unless it answers a question about what the last answer only named with
    that answer again (`given`): then the closest."""
    best = match.best
    if given is None or best is None or best.id != given or match.outcome is not Outcome.ANSWER:
        return match
    return as_closest(match) if asks_what_it_named(matcher, words, given) else match


def repeated(
    matcher: Matcher,
    match: Match,
    question: str,
    fact: str | None,
    given: str | None,
    plain: str | None,
) -> Match:
    """The match of a follow-up read as `question`, unless it only repeats what the conversation
    has: for "the other trip", the fact the conversation was about (`fact`) or the one the
    message finds as it stands (`plain`); for what the last answer (`given`) only named, that
    answer."""
    best = match.best
    if match.outcome is not Outcome.ANSWER or best is None:
        return match
    other = best.id in (fact, plain) and "other" in question.lower()
    if best.id != given and not other:
        return match  # neither could hold: the words need not be read
    words = [word for word, _ in word_positions(split_tokens(question.split(ABOUT)[0]))]
    if the_other(words):
        match = other_than(match, (fact, plain))
    return not_again(matcher, match, words, given)
