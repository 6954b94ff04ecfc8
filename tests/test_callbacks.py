"""Callback data: the buttons under a closest answer, and forged data refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks


@pytest.mark.parametrize("answers", [True, False])
def test_feedback_on_a_closest_answer_round_trips_within_64_bytes(answers: bool) -> None:
    data = callbacks.closest_feedback(2**47, "a" * 40, answers)
    assert len(data.encode()) <= callbacks.MAX_BYTES
    assert callbacks.parse(data) == callbacks.ClosestFeedback(2**47, "a" * 40, answers)


def test_the_two_buttons_differ() -> None:
    assert callbacks.closest_feedback(7, "putin-calls-leaders", True) != (
        callbacks.closest_feedback(7, "putin-calls-leaders", False)
    )


def test_feedback_with_too_long_an_id_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="longer than 64 bytes"):
        callbacks.closest_feedback(2**47, "a" * 60, True)


@pytest.mark.parametrize(
    "data",
    [
        "c:*:12:assad",  # neither + nor -
        "c:+:12",  # no fact
        "c:+::assad",  # no question
        "c:+:x:assad",  # a question id that is no number
        "c:+:12:Assad",  # not an id
        "c:+:12:assad:more",  # something after the id
        "c:+:12345678901234567:assad",  # a question id longer than any logged one
        "c:+:12:assad\n",  # a trailing newline
        "c:+:12:" + "a" * 70,  # longer than Telegram allows
    ],
)
def test_forged_feedback_is_refused(data: str) -> None:
    assert callbacks.parse(data) is None


@given(st.text(max_size=80))
def test_parsed_feedback_is_what_its_data_says(tail: str) -> None:
    action = callbacks.parse("c:" + tail)
    assert action is None or isinstance(action, callbacks.ClosestFeedback)
    if isinstance(action, callbacks.ClosestFeedback):
        data = callbacks.closest_feedback(action.question, action.ident, action.answers)
        assert data == "c:" + tail
