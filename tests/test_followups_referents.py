"""What "it", "this one" and "he" stand for after the last answer (bot/followups/context.py,
readings.py, reading.py), over the real fact base: the event whose fact answered a question that
named only a place; a reading with the topic that stays with the conversation's fact."""

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


def test_it_after_a_place_stands_for_the_event_the_answer_was_about(answerer: Answerer) -> None:
    # The question named only Sochi; its answer was the summit's own fact. "it" is the summit:
    # read as the place, "how long did it last?" got the four hours of Assad's talks in Sochi,
    # which the summit's sources do not give.
    first, last = converse(
        answerer, "What happened in Sochi on 22 November?", "how long did it last?"
    )
    assert first.fact == "sochi-summit"
    assert last.understood_as is not None and "the Sochi summit" in last.understood_as
    assert last.fact != "assad-meeting-secrecy"
    assert last.outcome is not Outcome.ANSWER


def test_it_read_as_the_event_is_not_taken_back_to_the_question_before(
    answerer: Answerer,
) -> None:
    # Not answered about the summit, "how long did it last?" is not read instead in the light
    # of "where is Sochi?", where "it" would be the place again.
    *_, last = converse(
        answerer, "where is sochi", "what happened there on 22 november", "how long did it last"
    )
    assert last.understood_as is not None and "Sochi summit" in last.understood_as
    assert last.fact != "assad-meeting-secrecy"


def test_this_one_is_replaced_whole(answerer: Answerer) -> None:
    _, who = converse(answerer, "What happened in Sochi on 22 November?", "who hosted this one?")
    assert who.understood_as == "Who hosted the Sochi summit?"


def test_the_reading_with_the_topic_that_stays_with_the_answer_is_taken(
    answerer: Answerer,
) -> None:
    # "where did he go?" read plainly is Assad's visit to Sochi; with the topic, his trips
    # abroad, the fact just given, matched a little better: that one is taken.
    first, where = converse(
        answerer, "how often has assad left the country since 2011", "where did he go"
    )
    assert first.fact == "assad-trips-abroad"
    assert (where.outcome, where.fact) == (Outcome.ANSWER, "assad-trips-abroad")
    # Asked first, the same words are about his visit.
    (alone,) = converse(answerer, "where did assad go")
    assert alone.fact != "assad-trips-abroad"
