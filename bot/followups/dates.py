"""Whose date a fact gives: what a follow-up asking "when?" may be answered with.

The context supplies what a bare "when?" is about, and the fact found for it may name a date
that is not the date of that: "When will the presidents meet again?" is not answered by the
statement of 22 November 2017 that says they will meet again "if necessary", nor "When were
those calls?" by Putin's calls "to brief them on the summit of November 2017".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.followups.context import ABOUT
from bot.followups.limits import as_closest, asks_day, names_a_day
from bot.matching import Match, Matcher, Outcome
from bot.matching.asked import DATE, FUTURE, asked_kinds, kinds_of_answer
from bot.normalization import normalize

_MONTH = "January|February|March|April|May|June|July|August|September|October|November|December"
# "the summit of November 2017", "his talks of 19 November 2017": a date that is a thing's.
_OF_DATE = re.compile(
    rf"\b([A-Za-z][\w'-]*) of (?:\d{{1,2}} )?(?:{_MONTH})(?: \d{{1,2}})?,? \d{{4}}\b"
)


def asks_to_come(words: Sequence[str], before: Sequence[str] = ()) -> bool:
    """Whether a message asks when something still to come will be: "when will they meet
    again?", or a bare "when?" after "will they meet again?" (`before`, the last question's
    words, says what the bare question is about)."""
    asked = asked_kinds(words)
    if DATE not in asked:
        return False
    return FUTURE in asked or (bool(before) and FUTURE in asked_kinds(before))


def dated_to_come(matcher: Matcher, match: Match, to_come: bool) -> Match:
    """The match, unless it answers when something still to come will be with a fact that
    has no date still to come (`planned:`): the dates it names are of what was. Then it is the
    closest."""
    best = match.best
    if not to_come or match.outcome is not Outcome.ANSWER or best is None:
        return match
    fact = matcher.base.facts.get(best.id)
    if fact is None or fact.planned is not None:
        return match
    return as_closest(match)


def own_dates(matcher: Matcher, text: str, question: str) -> str:
    """`text` without the dates it gives of something the question does not ask about: "the
    Riyadh conference of 22 November 2017" dates the conference, not Hijab's resignation."""
    asked = set(matcher.analyse(question).content)

    def keep(found: re.Match[str]) -> str:
        noun = set(matcher.analyse(found.group(1)).content)
        return found.group(0) if not noun or noun & asked else found.group(1)

    return _OF_DATE.sub(keep, text)


def dated_here(matcher: Matcher, match: Match, words: Sequence[str], question: str) -> Match:
    """The match, unless a question asking when (or on what day: `day`) gets a fact whose only
    dates are of something else it names ("the summit of November 2017"): then the closest."""
    best = match.best
    if match.outcome is not Outcome.ANSWER or best is None:
        return match
    day = asks_day(words)
    if not day and DATE not in asked_kinds(words):
        return match
    fact = matcher.base.facts.get(best.id)
    if fact is None:
        return match
    text = f"{fact.short or ''} {fact.answer}"
    if not _OF_DATE.search(text):
        return match
    kept = own_dates(matcher, text, question)
    gives = names_a_day(kept) if day else DATE in kinds_of_answer(normalize(kept).split(), ())
    return match if gives else as_closest(match)


def within_dates(
    matcher: Matcher,
    match: Match,
    words: Sequence[str],
    question: str,
    last: Sequence[str],
    bare: bool,
) -> Match:
    """The match, unless a "when?" read as `question` gets a date that is not of what it asks:
    one of something else the fact names, or one already past where it asks what is to come.
    A bare question ("when?") asks about the topic added to it and, where the last question
    (`last`, its words) asked of what is to come, of that; any other asks about its own words
    ("when did he phone them? (about: … the summit)" asks when they were phoned)."""
    asked = question if bare else question.split(ABOUT)[0]
    match = dated_here(matcher, match, words, asked)
    return dated_to_come(matcher, match, asks_to_come(words, last if bare else ()))
