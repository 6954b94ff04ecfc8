"""Follow-ups that ask for a precision, go on from the last question, or are asked back: bare
"which city?" and "exact date?", "to discuss what?", "anything more?", a reading that keeps
only names, a pronoun's reading asked back (bot/followups/), over the real fact base."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.followups.limits import asks_day
from bot.matching import Outcome
from bot.replies import Answerer, Reply
from tests.harness import converse


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load(PROJECT_KNOWLEDGE))


def offered(reply: Reply) -> list[str]:
    return [suggestion.id for suggestion in reply.suggestions]


def test_a_bare_which_city_is_answered_only_with_the_conversations_fact(
    answerer: Answerer,
) -> None:
    # The ministers met "in southern Turkey": no city. Read alone, "which city?" came near
    # Assad's visit to the resort city of Sochi; it is not about that.
    first, city = converse(answerer, "When did the foreign ministers meet?", "which city?")
    assert first.fact == "foreign-ministers-talks"
    assert city.fact is None
    assert city.outcome is not Outcome.ANSWER
    # Where the conversation's fact gives it, the bare question is answered.
    _, where = converse(answerer, "When did the foreign ministers meet?", "where?")
    assert (where.outcome, where.fact) == (Outcome.ANSWER, "foreign-ministers-talks")


@pytest.mark.parametrize(
    ("message", "asks"),
    [("exact date?", True), ("precise day?", True), ("what exact date", True), ("exact", False)],
)
def test_exact_date_asks_for_a_day(message: str, asks: bool) -> None:
    assert asks_day(message.rstrip("?").split()) is asks


def test_exact_date_asks_more_of_the_answer_just_given(answerer: Answerer) -> None:
    # "early December 2017" names no day; the day the presidents committed to the congress
    # (22 November) is not the congress's.
    first, exact = converse(
        answerer, "When is the Syrian National Dialogue Congress?", "exact date?"
    )
    assert first.fact == "congress-invitations"
    assert exact.understood_as is not None and "exact date" in exact.understood_as.lower()
    assert exact.outcome is not Outcome.ANSWER
    # Assad's visit names its day: "exact date?" is answered with it.
    _, day = converse(answerer, "When did Assad visit Sochi?", "exact date?")
    assert (day.outcome, day.fact) == (Outcome.ANSWER, "assad-visits-sochi")


def test_a_message_ending_in_its_question_word_goes_on_from_the_last_question(
    answerer: Answerer,
) -> None:
    first, discuss = converse(
        answerer,
        "How many delegations did Russia invite to the dialogue congress?",
        "to discuss what",
    )
    assert first.fact == "congress-invitations"
    assert discuss.understood_as == (
        "How many delegations did Russia invite to the dialogue congress to discuss what?"
    )
    assert (discuss.outcome, discuss.fact) == (Outcome.ANSWER, "congress-invitations")


def test_anything_more_after_someones_words_asks_for_more_of_their_words(
    answerer: Answerer,
) -> None:
    # The sources quote Slutsky once: his card is not more of what he said.
    first, more = converse(answerer, "What did Slutsky say?", "anything more?")
    assert first.fact == "slutsky-breakthrough"
    assert more.fact is None
    assert more.outcome is Outcome.FALLBACK
    # Assad is quoted twice: "anything else?" gets the other quote.
    _, other = converse(answerer, "What did Assad say in Sochi?", "anything else?")
    assert (other.outcome, other.fact) == (Outcome.ANSWER, "assad-foreign-players")


def test_a_reading_of_names_only_gives_way_to_the_question_before(answerer: Answerer) -> None:
    # "what about the iranians?" got only the closest; "that meeting" is the ministers' talks
    # Lavrov spoke of, not a meeting of Rouhani's (the Sochi summit).
    *_, when = converse(
        answerer,
        "did lavrov say what they agreed on",
        "what about the iranians?",
        "when was that meeting",
    )
    assert when.fact in ("lavrov-on-talks", "foreign-ministers-talks")
    assert when.understood_as is not None and "lavrov" in when.understood_as.lower()


def test_a_pronoun_read_in_context_and_asked_back_is_not_overruled_alone(
    answerer: Answerer,
) -> None:
    # Alone, "what did the joint statement say about it?" gets the statement as a whole; in
    # context it is about the ceasefire, whose two facts are offered.
    first, about = converse(
        answerer,
        "When was the ceasefire in Syria established?",
        "what did the joint statement say about it?",
    )
    assert first.fact == "js-ceasefire-achievements"
    assert about.fact != "joint-statement-summit"
    assert about.outcome is Outcome.CLARIFY
    assert "js-ceasefire-achievements" in offered(about)
    # A "Did you mean?" answered nothing: its first fact is not the conversation's answer, and
    # is not picked for the next question.
    asked, why = converse(
        answerer, "which leaders did putin phone after the summit", "why did he call them"
    )
    assert asked.outcome is Outcome.CLARIFY
    assert why.fact != "summit-against-terrorists"
