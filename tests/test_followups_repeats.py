"""A follow-up that asks what the last answer did not say (bot/followups/repeats.py), over the
real fact base: what an answer only names, "which ones?" of those it spoke of, "the other" of a
pair; the same answer again is shown as the closest, never given as the answer."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.matching import Outcome
from bot.replies import Answerer
from tests.harness import converse


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load(PROJECT_KNOWLEDGE))


def test_what_a_word_of_the_last_answer_means_is_not_that_answer_again(
    answerer: Answerer,
) -> None:
    # Zarif's tweet mentions "glowing orbs" and says no more of them.
    tweet, orbs = converse(answerer, "what did zarif tweet", "what do the glowing orbs mean?")
    assert tweet.fact == "zarif-tweet"
    assert orbs.outcome is not Outcome.ANSWER
    # Asked first, the same words are answered as the matcher answers them, as before.
    (alone,) = converse(answerer, "what do the glowing orbs mean?")
    assert alone.fact == "zarif-tweet"


@pytest.mark.parametrize(
    ("first", "fact", "then"),
    [
        # The readout names Resolution 2254; it does not say what the resolution says.
        (
            "what did trump and putin stress in their call",
            "trump-putin-readout",
            "what does that resolution say?",
        ),
        # The leaders agreed to fight "terrorists": which ones, it does not say.
        (
            "what did the three leaders agree to do about terrorists",
            "summit-against-terrorists",
            "which ones?",
        ),
    ],
)
def test_what_the_answer_only_spoke_of_is_not_the_answer_again(
    answerer: Answerer, first: str, fact: str, then: str
) -> None:
    answered, followed = converse(answerer, first, then)
    assert answered.fact == fact
    assert followed.outcome is not Outcome.ANSWER


def test_someones_words_asked_again_are_still_answered(answerer: Answerer) -> None:
    # "what did he say?" asks for Lavrov's words, which the fact just given quotes.
    first, again = converse(answerer, "What did Lavrov say about the talks?", "what did he say?")
    assert first.fact == again.fact == "lavrov-on-talks"
    assert again.outcome is Outcome.ANSWER


def test_a_kind_the_answer_gives_is_not_held_to_this(answerer: Answerer) -> None:
    # "what hashtag?" asks for what the tweet gives (#SochiSummit), in a word it does not use.
    _, hashtag = converse(answerer, "what did zarif tweet", "what hashtag?")
    assert (hashtag.outcome, hashtag.fact) == (Outcome.ANSWER, "zarif-tweet")


def test_the_other_of_two_is_neither_the_one_found_nor_the_answer_given(
    answerer: Answerer,
) -> None:
    # Assad left Syria twice; the sources date only his visit to Sochi. "the other visit" is
    # not that one (what "the visit" finds), nor the count just given.
    trips, other = converse(
        answerer, "how many times has assad travelled abroad since 2011", "when was the other trip?"
    )
    assert trips.fact == "assad-trips-abroad"
    assert other.outcome is not Outcome.ANSWER
    _, visit = converse(
        answerer, "how many times has assad travelled abroad since 2011", "when was the trip?"
    )
    assert visit.outcome is Outcome.ANSWER
