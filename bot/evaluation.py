"""The question set: questions with the fact they should get, scored against the bot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.factbase import KnowledgeError, Problem, read_yaml
from bot.matching import Outcome
from bot.replies import Reply

NONE = "none"


@dataclass(frozen=True)
class Floors:
    """The least share of right answers, the most of wrong ones, a set must reach.

    `reached` is the least share of in-scope questions whose fact is in the reply or one tap
    away: answered with it, shown as the closest answer, or offered first.
    """

    answered_correctly: float = 0.9
    answered_wrongly: float = 0.03
    out_of_scope_declined: float = 0.95
    reached: float = 0.0


@dataclass(frozen=True)
class Case:
    """One question of the set and the id it should be answered with (None: out of scope);
    `also`, other ids that answer it as well (`expect: [a, b]`)."""

    question: str
    expect: str | None
    tags: tuple[str, ...]
    line: int
    also: tuple[str, ...] = ()

    @property
    def expected(self) -> tuple[str, ...]:
        """Every id that answers the question (none: out of scope)."""
        return () if self.expect is None else (self.expect, *self.also)


@dataclass(frozen=True)
class QuestionSet:
    """A question set read from YAML."""

    cases: tuple[Case, ...]
    floors: Floors


@dataclass
class Result:
    """How the bot did on a question set."""

    floors: Floors
    in_scope: Counter[str] = field(default_factory=Counter)
    out_of_scope: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Case, Reply]] = field(default_factory=list)
    reach: Counter[str] = field(default_factory=Counter)

    def share(self, counter: Counter[str], key: str) -> float:
        """The share of `counter`'s questions that ended as `key`."""
        total = sum(counter.values())
        return counter[key] / total if total else 0.0

    @property
    def correct(self) -> float:
        """In-scope questions answered with the expected fact."""
        return self.share(self.in_scope, "correct")

    @property
    def wrong(self) -> float:
        """In-scope questions answered with another fact."""
        return self.share(self.in_scope, "wrong")

    def of(self, total: int, key: str) -> float:
        """`reach[key]` as a share of `total` questions."""
        return self.reach[key] / total if total else 0.0

    @property
    def reached(self) -> float:
        """In-scope questions whose fact is in the reply or one tap away."""
        total = sum(self.in_scope.values())
        return self.reach["reached"] / total if total else 0.0

    @property
    def declined(self) -> float:
        """Out-of-scope questions not answered."""
        return 1.0 - self.share(self.out_of_scope, "answered") if self.out_of_scope else 1.0

    def failures(self) -> list[str]:
        """The floors this result does not reach, as sentences."""
        found = []
        floors = self.floors
        if self.in_scope and self.correct < floors.answered_correctly:
            found.append(
                f"answered correctly {self.correct:.1%} < floor {floors.answered_correctly:.0%}"
            )
        if self.in_scope and self.wrong > self.floors.answered_wrongly:
            found.append(
                f"answered wrongly {self.wrong:.1%} > floor {self.floors.answered_wrongly:.0%}"
            )
        if self.in_scope and self.reached < floors.reached:
            found.append(f"right fact reached {self.reached:.1%} < floor {floors.reached:.0%}")
        if self.out_of_scope and self.declined < self.floors.out_of_scope_declined:
            found.append(
                f"out of scope declined {self.declined:.1%} < floor "
                f"{self.floors.out_of_scope_declined:.0%}"
            )
        return found

    def table(self) -> str:
        """The result as a small table."""
        inside = sum(self.in_scope.values())
        outside = sum(self.out_of_scope.values())
        rows = [
            ("in scope", inside, ""),
            ("  answered correctly", self.in_scope["correct"], f"{self.correct:.1%}"),
            (
                "  clarified",
                self.in_scope["clarify"],
                f"{self.share(self.in_scope, 'clarify'):.1%}",
            ),
            ("  answered wrongly", self.in_scope["wrong"], f"{self.wrong:.1%}"),
            (
                "  fell back",
                self.in_scope["fallback"],
                f"{self.share(self.in_scope, 'fallback'):.1%}",
            ),
            ("    the closest shown", self.reach["closest"], f"{self.of(inside, 'closest'):.1%}"),
            ("  right fact reached", self.reach["reached"], f"{self.reached:.1%}"),
            ("out of scope", outside, ""),
            ("  declined", outside - self.out_of_scope["answered"], f"{self.declined:.1%}"),
            (
                "    the closest shown",
                self.reach["outside closest"],
                f"{self.of(outside, 'outside closest'):.1%}",
            ),
            (
                "  wrongly answered",
                self.out_of_scope["answered"],
                f"{self.share(self.out_of_scope, 'answered'):.1%}",
            ),
        ]
        return "\n".join(f"{name:<24}{count:>6}  {share:>7}" for name, count, share in rows)


def read_set(path: Path, key: str, kind: str) -> tuple[Any, Floors]:
    """The `key` list of the set at `path` and its floors; raise KnowledgeError with file:line
    problems when the file cannot be read or has no such list."""
    shown = str(path)
    document, problems = read_yaml(path, shown)
    if problems:
        raise KnowledgeError(problems)
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise KnowledgeError([Problem(shown, 1, f"a {kind} needs a {key!r} list")])
    return document[key], Floors(**_floors(document.get("floors") or {}, shown))


OWN_SET = "questions.yaml"  # the question set of knowledge/eval/ read first


def question_sets(folder: Path) -> list[Path]:
    """The question sets in `folder`: the own set first, then every other by name (a file
    without a `questions` list, such as a conversation set, is none)."""

    def is_question_set(path: Path) -> bool:
        document, problems = read_yaml(path, str(path))
        return not problems and isinstance(document, dict) and "questions" in document

    others = sorted(p for p in folder.glob("*.yaml") if p.name != OWN_SET and is_question_set(p))
    return [folder / OWN_SET, *others]


def load_questions(path: Path) -> QuestionSet:
    """Read a question set; raise KnowledgeError with file:line problems if it is malformed."""
    shown = str(path)
    questions, floors = read_set(path, "questions", "question set")
    problems: list[Problem] = []
    cases = []
    for item, line in zip(questions, questions.item_lines, strict=True):
        if not isinstance(item, dict) or not str(item.get("q", "")).strip():
            problems.append(Problem(shown, line, "each question needs a non-empty 'q'"))
            continue
        raw_expect = item.get("expect")
        values = raw_expect if isinstance(raw_expect, list) else [raw_expect]
        ids = [str(value).strip() for value in values if value is not None and str(value).strip()]
        expect = ids[0] if ids else NONE
        tags = item.get("tags") or []
        cases.append(
            Case(
                question=str(item["q"]),
                expect=None if expect == NONE else expect,
                tags=tuple(str(tag) for tag in tags),
                line=line,
                also=tuple(ids[1:]) if expect != NONE else (),
            )
        )
    if problems:
        raise KnowledgeError(problems)
    return QuestionSet(tuple(cases), floors)


def _floors(raw: object, shown: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise KnowledgeError([Problem(shown, 1, "'floors' must be a mapping")])
    known = set(Floors.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise KnowledgeError(
            [Problem(shown, 1, f"unknown floors {sorted(unknown)} (known: {sorted(known)})")]
        )
    floors = {}
    for key, value in raw.items():
        try:
            floors[key] = float(value)
        except (TypeError, ValueError):
            raise KnowledgeError(
                [Problem(shown, 1, f"floor {key!r} must be a share such as 0.9, not {value!r}")]
            ) from None
    return floors


def unknown_ids(questions: QuestionSet, known: set[str]) -> list[Problem]:
    """Questions expecting an id the fact base does not have."""
    return [
        Problem("questions", case.line, f"expected id {ident!r} is not in the fact base")
        for case in questions.cases
        for ident in case.expected
        if ident not in known
    ]


def _within_reach(reply: Reply) -> tuple[str | None, ...]:
    """The facts a reply gives or puts one tap away: its answer, else the closest shown and
    the first question offered."""
    if reply.outcome is Outcome.ANSWER:
        return (reply.fact,)
    first = reply.suggestions[0].id if reply.suggestions else None
    return (reply.closest.id if reply.closest is not None else None, first)


def evaluate(
    questions: QuestionSet,
    ask: Callable[[str], Reply],
    answered_by: Callable[[str], str] = lambda ident: ident,
) -> Result:
    """Ask every question and count how each ended.

    `answered_by` maps an expected id to the one that answers it (an entity explained by a fact
    is answered with that fact).
    """
    result = Result(floors=questions.floors)
    for case in questions.cases:
        reply = ask(case.question)
        expected = {answered_by(ident) for ident in case.expected} or None
        if count(result, expected, reply):
            result.misses.append((case, reply))
    return result


def count(result: Result, expected: Collection[str] | None, reply: Reply) -> bool:
    """Count how a reply ended, against the ids any of which answers it (None: out of scope);
    return whether it missed: answered out of scope, or not answered with an expected id."""
    if expected is None:
        answered = reply.outcome is Outcome.ANSWER
        result.out_of_scope["answered" if answered else "declined"] += 1
        result.reach["outside closest"] += reply.closest is not None
        return answered
    if reply.outcome is Outcome.ANSWER:
        verdict = "correct" if reply.fact in expected else "wrong"
    else:
        verdict = str(reply.outcome)
    result.in_scope[verdict] += 1
    result.reach["closest"] += reply.closest is not None
    result.reach["reached"] += any(ident in expected for ident in _within_reach(reply))
    return verdict != "correct"
