"""What each answerable gives: the kinds of answer (a date, a place, a count, a reason…), the
places it gives as where, and the things it counts; read from its answer, quote and phrasings,
or from what a fact declares (`answers:`). Built once, with the index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.factbase import FactBase
from bot.matching.answerables import Answerable
from bot.matching.asked import (
    DAY,
    DECLARED,
    FUTURE,
    OUTCOME,
    TWEET,
    asked_kinds,
    counted,
    counts_given,
    is_tweet,
    kinds_of_answer,
    places_given,
    which_named,
)
from bot.matching.lexicon import entity_token, stem
from bot.normalization import normalize


@dataclass(frozen=True)
class Gives:
    """Per item (by position): what it gives."""

    answer_kinds: list[frozenset[str]]  # read from its answer and quote (or declared)
    phrasing_kinds: list[frozenset[str]]  # asked for by its own phrasings (or declared)
    answer_places: list[frozenset[str]]  # the places its text gives as where, less the general
    general_places: frozenset[str]  # the place the base is about (Syria), given by many
    item_counts: list[frozenset[str]]  # what it gives a count of, stemmed ("deleg" of "33 …")
    # The things its text describes with a clause ("opposition groups that are committed to
    # …"), or its own phrasings ask "which" of: it says which ones, without naming them.
    described: list[frozenset[str]]


def what_items_give(
    base: FactBase,
    items: Sequence[Answerable],
    answer_words: Sequence[Sequence[Sequence[str]]],
    marked: Sequence[frozenset[str]],
    phrasings: Sequence[tuple[int, Sequence[str]]],
    general_share: float,
) -> Gives:
    """What each of `items` gives, from its answer and quote as words (`answer_words`, by
    position), the hashtags and handles they have as written (`marked`, of `marked_kinds`)
    and its phrasings (item position, words)."""
    # The places each answer gives as where ("in southern Turkey"), less the one the base is
    # about (Syria, given by more than `general_share` of the answers): "where?" wants a place
    # the question does not know.
    place_tokens = {
        normalize(name): entity_token(entity.id)
        for entity in base.entities.values()
        if entity.kind in ("place", "country")
        for name in (entity.name, *entity.aliases)
    }
    countries = [entity_token(e.id) for e in base.entities.values() if e.kind == "country"]
    flat = [[word for words in texts for word in words] for texts in answer_words]
    given = [places_given(words, place_tokens, countries) for words in flat]
    named: dict[str, int] = defaultdict(int)
    for found in given:
        for term in found:
            named[term] += 1
    common = max(named, key=named.__getitem__, default="")
    share = named.get(common, 0) / max(1, len(items))
    general = frozenset({common}) if share > general_share else frozenset()
    # A fact planned for a date still to come (`planned:`) tells what is to come, and not what
    # came of it, as a text of something still "to be held" does not; a tweet's words are what
    # its author tweeted.
    answer_kinds = [
        _planned(
            kinds_of_answer(words, list(place_tokens))
            | marked[position]
            | ({TWEET} if _from_tweet(base, item) else set()),
            item,
        )
        for position, (words, item) in enumerate(zip(flat, items, strict=True))
    ]
    # The kinds of answer an item's own phrasings ask for: a fact asked "where ...?" by the
    # people who wrote its phrasings gives a place, whatever its answer's wording.
    asked: list[set[str]] = [set() for _ in items]
    # What each item gives a count of: the words after a number in its answer or quote ("33
    # delegations"), and what its own phrasings ask "how many" of.
    counts: list[set[str]] = [{stem(word) for word in counts_given(words)} for words in flat]
    described: list[set[str]] = [
        {stem(words[at]) for at in range(len(words) - 1) if words[at + 1] in _RELATIVE}
        for words in flat
    ]
    for position, words in phrasings:
        asked[position].update(asked_kinds(words))
        noun = counted(words)
        if noun is not None:
            counts[position].add(stem(noun))
        which = which_named(words)
        if which is not None:
            described[position].add(stem(which[0]))
    phrasing_kinds = [frozenset(kinds) for kinds in asked]
    # A fact that declares what it answers (`answers:`) gives just that, whatever its text and
    # phrasings seem to give; whether its text names a day is still read from it.
    for position, item in enumerate(items):
        if item.fact is not None and item.fact.answers is not None:
            kinds = frozenset(DECLARED[name] for name in item.fact.answers)
            answer_kinds[position] = kinds | (answer_kinds[position] & {DAY, OUTCOME})
            phrasing_kinds[position] = kinds
    return Gives(
        answer_kinds=answer_kinds,
        phrasing_kinds=phrasing_kinds,
        answer_places=[found - general for found in given],
        general_places=general,
        item_counts=[frozenset(found) for found in counts],
        described=[frozenset(found) for found in described],
    )


_RELATIVE = frozenset(("that", "who", "which", "whom", "whose"))


def _planned(kinds: frozenset[str], item: Answerable) -> frozenset[str]:
    """A fact planned for a date still to come tells what is to come, not what came of it."""
    if item.fact is None or item.fact.planned is None:
        return kinds
    return (kinds | {FUTURE}) - {OUTCOME}


def _from_tweet(base: FactBase, item: Answerable) -> bool:
    """Whether an item's quote is a tweet's words: "what did Zarif tweet?"."""
    ident = item.fact.source if item.fact is not None else None
    if item.entity is not None:
        ident = item.entity.source
    source = base.sources.get(ident) if ident is not None else None
    return source is not None and is_tweet(source.title, source.publisher)
