"""Scoring a question set: what counts as answered, declined, and reached."""

from __future__ import annotations

from pathlib import Path

from bot.config import PROJECT_KNOWLEDGE
from bot.evaluation import Case, Floors, QuestionSet, evaluate, load_questions, unknown_ids
from bot.factbase import load
from bot.matching import Matcher, Outcome
from bot.replies import Answerer, Reply, Suggestion


def _reply(
    outcome: Outcome,
    fact: str | None = None,
    closest: str | None = None,
    offered: tuple[str, ...] = (),
) -> Reply:
    return Reply(
        question="q",
        outcome=outcome,
        score=50.0,
        intro="",
        fact=fact,
        closest=Suggestion(closest, "?") if closest else None,
        suggestions=tuple(Suggestion(ident, "?") for ident in offered),
    )


REPLIES = {
    "answered right": _reply(Outcome.ANSWER, fact="a"),
    "answered wrong": _reply(Outcome.ANSWER, fact="b"),
    "closest right": _reply(Outcome.FALLBACK, closest="a", offered=("b",)),
    "offered first": _reply(Outcome.CLARIFY, offered=("a", "b")),
    "offered second": _reply(Outcome.CLARIFY, offered=("b", "a")),
    "closest to nothing": _reply(Outcome.FALLBACK, closest="b"),
    "declined": _reply(Outcome.FALLBACK),
}


def _set(cases: list[tuple[str, str | None]], floors: Floors | None = None) -> QuestionSet:
    found = tuple(Case(q, expect, (), n) for n, (q, expect) in enumerate(cases, 1))
    return QuestionSet(found, floors or Floors())


def test_the_fact_is_reached_when_answered_shown_closest_or_offered_first() -> None:
    questions = _set([(name, "a") for name in list(REPLIES)[:5]])
    result = evaluate(questions, REPLIES.__getitem__)
    assert result.in_scope["correct"] == 1
    assert result.in_scope["wrong"] == 1
    # Answered right, shown as the closest, offered first: three of five.
    assert result.reach["reached"] == 3
    assert result.reached == 0.6
    assert result.reach["closest"] == 1


def test_a_closest_answer_out_of_scope_counts_as_declined() -> None:
    questions = _set([("closest to nothing", None), ("declined", None), ("answered wrong", None)])
    result = evaluate(questions, REPLIES.__getitem__)
    assert result.out_of_scope["declined"] == 2
    assert result.reach["outside closest"] == 1
    assert abs(result.declined - 2 / 3) < 1e-9


def test_a_reached_floor_is_checked_and_named() -> None:
    questions = _set([("offered second", "a")], Floors(answered_correctly=0.0, reached=0.5))
    result = evaluate(questions, REPLIES.__getitem__)
    assert result.failures() == ["right fact reached 0.0% < floor 50%"]
    assert "right fact reached" in result.table()


def test_a_question_answered_by_either_of_two_ids_counts_either(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        "questions:\n"
        "  - q: which resolution did trump and putin mention\n"
        "    expect: [joint-statement-summit, trump-putin-readout]\n"
        "  - q: which resolution did trump and putin mention\n"
        "    expect: joint-statement-summit\n",
        encoding="utf-8",
    )
    questions = load_questions(path)
    assert questions.cases[0].expected == ("joint-statement-summit", "trump-putin-readout")
    base = load(PROJECT_KNOWLEDGE)
    answerer = Answerer(base, Matcher(base))
    result = evaluate(questions, answerer.ask, answerer.answered_by)
    assert result.in_scope["correct"] == 1 and result.in_scope["wrong"] == 1
    assert unknown_ids(questions, set(base.facts) | set(base.entities)) == []
