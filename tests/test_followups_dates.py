"""Whose date a "when?" follow-up gets (bot/followups/dates.py), over the real fact base: a date
still to come for what is still to come, and not the date of something else the fact names."""

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


def test_when_of_what_is_to_come_needs_a_date_still_to_come(answerer: Answerer) -> None:
    # They decided to meet again "if necessary": no date. The summit that was, dated 22
    # November, is not when they will meet again.
    again, when = converse(answerer, "will the presidents meet again?", "when?")
    assert again.fact == "js-meet-again"
    assert when.outcome is not Outcome.ANSWER


def test_when_of_what_is_to_come_is_answered_with_its_planned_date(answerer: Answerer) -> None:
    # The congress is planned for early December: that fact says when.
    _, when = converse(answerer, "is the congress going to happen", "when will it be?")
    assert (when.outcome, when.fact) == (Outcome.ANSWER, "congress-invitations")


def test_a_date_of_something_else_the_fact_names_does_not_say_when(answerer: Answerer) -> None:
    # Putin called them "to brief them on the summit of November 2017": the summit's date, not
    # the calls'.
    calls, when = converse(
        answerer, "who else did putin phone about the summit", "when did he phone them?"
    )
    assert calls.fact == "putin-calls-leaders"
    assert when.outcome is not Outcome.ANSWER


def test_the_day_of_the_conference_is_not_the_day_he_stepped_down(answerer: Answerer) -> None:
    # Hijab stepped down "earlier in the week of the … Riyadh conference of 22 November 2017":
    # that says when (answered), but not on which day.
    when, day = converse(answerer, "when did hijab quit", "which day exactly?")
    assert (when.outcome, when.fact) == (Outcome.ANSWER, "hijab-resignation")
    assert day.outcome is not Outcome.ANSWER


def test_a_date_of_what_is_asked_about_still_answers(answerer: Answerer) -> None:
    # Slutsky described "their meeting of 20 November 2017": "when?" of the meeting is answered.
    first, when = converse(answerer, "how did slutsky describe the assad putin meeting", "when?")
    assert first.fact == "slutsky-breakthrough"
    assert (when.outcome, when.fact) == (Outcome.ANSWER, "slutsky-breakthrough")
