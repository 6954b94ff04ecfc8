"""The spelling correction's cap: how many words of one message are looked up for a slip."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from rapidfuzz import process

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.matching import Matcher, Outcome
from bot.matching.spelling import Speller, likely_slip
from bot.replies import MESSAGE_LIMIT


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load(PROJECT_KNOWLEDGE))


def slips(speller: Speller, count: int) -> list[tuple[str, str]]:
    """`count` (slip, word) pairs: a word of the base with one letter dropped, which the
    speller, asked about it alone, corrects back to that word."""
    found = []
    for word in speller.targets:
        slip = word[:2] + word[3:]
        if len(word) >= 6 and speller.settled(slip) is None and speller.look_up(slip) == word:
            found.append((slip, word))
        if len(found) == count:
            return found
    raise AssertionError(f"the base has fewer than {count} words to misspell")


def made_up_words(length: int) -> str:
    """Distinct made-up words of consonants only (no English, no base word), `length`
    characters in all."""
    words: list[str] = []
    for letters in itertools.product("bcdfghjklmnpqrstvwxz", repeat=4):
        if len(" ".join(words)) + 1 + 5 > length:
            break
        words.append("z" + "".join(letters))
    return " ".join(words)


def test_only_the_first_words_past_the_cap_are_corrected_and_the_rest_read_as_typed(
    matcher: Matcher,
) -> None:
    speller = matcher.index.speller
    cap = matcher.weights.corrected_words
    pairs = slips(speller, cap + 5)
    first, last = pairs[:cap], pairs[cap:]
    # The first slip again at the end, and a word of the base: both are read as always.
    known = next(word for word in speller.targets if len(word) >= 6 and word.isalpha())
    text = " ".join([slip for slip, _ in pairs] + [first[0][0], known])
    analysis = matcher.analyse(text, correct=True)
    assert list(analysis.words) == [word for _, word in first] + [slip for slip, _ in last] + [
        first[0][1],
        known,
    ]
    assert analysis.unread == {slip for slip, _ in last}
    # An unread word is not stemmed either: it is a term as typed.
    assert {slip for slip, _ in last} <= set(analysis.content)


def test_a_message_is_read_the_same_whatever_the_cache_holds(matcher: Matcher) -> None:
    speller = matcher.index.speller
    pairs = slips(speller, matcher.weights.corrected_words + 5)
    text = " ".join(slip for slip, _ in reversed(pairs))
    speller.look_up.cache_clear()
    cold = matcher.analyse(text, correct=True)
    warm = matcher.analyse(text, correct=True)
    for slip, _ in pairs:  # every slip known to the cache now
        speller.look_up(slip)
    assert matcher.analyse(text, correct=True) == warm == cold


def test_the_longest_message_costs_at_most_the_cap_in_lookups(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    searches: list[str] = []
    extract: Callable[..., Any] = process.extract

    def counted(word: str, *args: Any, **kwargs: Any) -> Any:
        searches.append(word)
        return extract(word, *args, **kwargs)

    monkeypatch.setattr(process, "extract", counted)
    text = made_up_words(MESSAGE_LIMIT)
    assert len(text) <= MESSAGE_LIMIT
    assert len(text.split()) > 10 * matcher.weights.corrected_words
    matcher.index.speller.look_up.cache_clear()
    match = matcher.match(text)
    assert 0 < len(searches) <= matcher.weights.corrected_words
    assert match.outcome is Outcome.FALLBACK


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("zareef", "zarif"), ("sluzky", "slutsky"), ("peskow", "peskov"), ("rohaani", "rohani")],
)
def test_a_name_is_found_two_slips_away(matcher: Matcher, typed: str, meant: str) -> None:
    assert matcher.index.speller.correct([typed])[0] == [meant]


def test_an_ordinary_word_is_not_looked_for_two_slips_away(matcher: Matcher) -> None:
    # "sumit" is one slip from "summit"; "sunmot" two slips from it, and it is no name.
    speller = matcher.index.speller
    assert speller.correct(["sumit"])[0] == ["summit"]
    assert speller.correct(["sunmot"])[0] == ["sunmot"]


def test_a_name_wins_over_an_ordinary_word_as_close(matcher: Matcher) -> None:
    # "putn" is one slip from "put" and from "putin".
    assert matcher.index.speller.correct(["putn"])[0] == ["putin"]
    match = matcher.match("when did putn speak with trump")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "putin-trump-call"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("tslk", "talk"), ("putim", "putin"), ("sochu", "sochi"), ("iarn", "iran")],
)
def test_a_short_word_with_a_likely_slip_is_corrected(typed: str, meant: str) -> None:
    assert likely_slip(typed, meant)


def test_a_short_word_with_an_unlikely_letter_is_no_slip(matcher: Matcher) -> None:
    # "c" and "n" are far apart, neither vowels nor alike in sound: "opec" is not "open".
    assert not likely_slip("opec", "open")
    assert matcher.index.speller.correct(["opec"])[0] == ["opec"]
    assert matcher.match("what is opec").outcome is not Outcome.ANSWER
