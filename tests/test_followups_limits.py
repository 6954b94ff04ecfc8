"""When a follow-up's reading may be served as an answer: about whom the context supplied, giving
what the message asks (bot/followups/limits.py), over the real fact base."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.followups.limits import asks_day, asks_who_they_are, gives_kinds
from bot.matching import Outcome
from bot.matching.asked import asks_why, which_named
from bot.normalization import normalize
from bot.replies import Answerer, Reply
from tests.harness import converse


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load(PROJECT_KNOWLEDGE))


def closest(reply: Reply) -> str | None:
    return reply.closest.id if reply.closest is not None else None


def test_and_x_is_answered_only_by_a_fact_about_x(answerer: Answerer) -> None:
    # Putin's calls to the Saudi king, el-Sissi and Netanyahu say nothing of Trump calling.
    first, trump = converse(answerer, "Who did Putin phone after the summit?", "and Trump?")
    assert first.fact == "putin-calls-leaders"
    assert trump.understood_as == "Who did Donald Trump phone after the summit?"
    assert (trump.outcome, closest(trump)) == (Outcome.FALLBACK, "putin-calls-leaders")
    # "Egypt's President Abdel-Fattah el-Sissi" is about Egypt too.
    _, egypt = converse(answerer, "Did Putin speak with the Saudis?", "and Egypt?")
    assert (egypt.outcome, egypt.fact) == (Outcome.ANSWER, "putin-calls-leaders")


def test_he_read_alone_is_answered_only_about_him(answerer: Answerer) -> None:
    # "he" is Erdogan: Putin's meeting with Assad, or Assad's with Putin, is not his.
    first, he = converse(answerer, "Who did Erdogan meet at the summit?", "did he see Assad there?")
    assert first.fact == "sochi-summit"
    assert he.outcome is Outcome.FALLBACK
    assert he.fact is None
    # When the answer is about him, it is answered.
    _, met = converse(answerer, "When did Assad visit Sochi?", "who did he meet there?")
    assert (met.outcome, met.fact) == (Outcome.ANSWER, "assad-visits-sochi")
    # "his country" may be named by the country: Turkey for Erdogan.
    _, side = converse(
        answerer, "Who is Recep Tayyip Erdogan?", "which side does his country back?"
    )
    assert (side.outcome, side.fact) == (Outcome.ANSWER, "turkey-supports-opposition")


def test_a_short_question_about_the_talks_is_about_those_of_the_conversation(
    answerer: Answerer,
) -> None:
    # The sources give the length of Assad's meeting with Putin, not of the ministers' talks.
    first, long = converse(
        answerer,
        "When did the foreign ministers of Iran, Russia and Turkey meet?",
        "how long were the talks?",
    )
    assert first.fact == "foreign-ministers-talks"
    assert (long.outcome, closest(long)) == (Outcome.FALLBACK, "assad-meeting-secrecy")
    # "the talks" of a conversation about Lavrov are his talks, in southern Turkey.
    _, held = converse(answerer, "What did Lavrov say?", "where were the talks held?")
    assert (held.outcome, held.fact) == (Outcome.ANSWER, "foreign-ministers-talks")


def test_stale_context_does_not_hold_back_what_the_message_names(answerer: Answerer) -> None:
    # "its" is ISIS's and "they" those Putin spoke of, not what the last question was about.
    for before, question, fact in (
        ("When did Assad visit Sochi?", "did ISIS lose its last stronghold in Syria?", "abu-kamal"),
        (
            "Is there a photo of Assad and Putin shaking hands?",
            "did putin say they would step up the fight against terrorist groups",
            "summit-against-terrorists",
        ),
    ):
        _, reply = converse(answerer, before, question)
        assert (reply.outcome, reply.fact) == (Outcome.ANSWER, fact)
        assert answerer.ask(question).fact == fact


def test_what_for_asks_a_purpose(answerer: Answerer) -> None:
    assert asks_why("what was the conference for".split())
    assert asks_why("ok what for".split())
    assert not asks_why("what did they call for".split())
    # Ahram Online's tweet says that the conference started, not what it was for.
    _, what_for = converse(
        answerer,
        "What did Ahram Online say about the Riyadh conference?",
        "what was the conference for?",
    )
    assert what_for.outcome is not Outcome.ANSWER
    # The fact that gives its purpose ("to forge a unified position") answers it.
    _, purpose = converse(answerer, "What was the Riyadh conference?", "what was it for?")
    assert (purpose.outcome, purpose.fact) == (Outcome.ANSWER, "riyadh-opposition-meeting")


def test_which_groups_needs_a_fact_that_names_one(answerer: Answerer) -> None:
    assert which_named("which groups".split()) == ("groups", "organisation")
    assert which_named("what city did they pick".split()) == ("city", "place")
    assert which_named("which side".split()) is None
    # That Turkey has supported Syrian opposition groups does not say which.
    replies = converse(answerer, "has iran backed assad militarily", "and turkey?", "which groups?")
    assert replies[1].fact == "turkey-supports-opposition"
    assert replies[2].outcome is not Outcome.ANSWER


def test_who_were_they_is_answered_by_people_not_countries(answerer: Answerer) -> None:
    assert asks_who_they_are("who were they".split())
    assert asks_who_they_are("who s he again".split())  # "who's he again?"
    assert not asks_who_they_are("who did they meet".split())
    # The military chiefs came from Russia, Iran and Turkey; the sources do not name them.
    _, who = converse(answerer, "Did the military chiefs meet too?", "who were they?")
    assert (who.outcome, closest(who)) == (Outcome.FALLBACK, "military-chiefs-meeting")
    # Slutsky's card says who he is.
    _, he = converse(answerer, "What did Slutsky call the meeting?", "who's he?")
    assert (he.outcome, he.fact) == (Outcome.ANSWER, "slutsky")


def test_a_reading_must_give_the_kind_asked_in_the_facts_own_text(answerer: Answerer) -> None:
    matcher = answerer.matcher
    tweet = matcher.match("What did Zarif tweet?")
    assert (tweet.outcome, tweet.best and tweet.best.id) == (Outcome.ANSWER, "zarif-tweet")
    # The tweet's text gives a day, not a length of time.
    long = gives_kinds(matcher, tweet, "how long".split())
    assert long.outcome is Outcome.FALLBACK
    assert long.closest is not None and long.closest.id == "zarif-tweet"
    assert gives_kinds(matcher, tweet, "when".split()) == tweet


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("what date?", True),
        ("which day was it", True),
        ("when exactly", True),
        ("when?", False),
        ("what did he say that day", False),
    ],
)
def test_a_day_is_asked_by_what_date_and_when_exactly(message: str, asks: bool) -> None:
    assert asks_day(normalize(message).split()) is asks
