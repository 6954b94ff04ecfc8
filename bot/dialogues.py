"""Conversation sets: dialogues of a few turns, each turn with what it should get, scored.

A set is YAML with a `dialogues:` list (and optional `floors:`, as in a question set). Each
dialogue is a list of turns, asked in order in one conversation:

    dialogues:
      - - q: What did Rouhani say at the summit?
          expect: rouhani-pleased
        - q: and putin?
          expect: [putin-real-chance, summit-against-terrorists]   # any of these
        - q: thanks!
          expect: smalltalk
        - q: what did erdogan say there?
          expect: none                     # the sources do not say: it must not be answered

The turns after the first question are the follow-ups (small talk before it, "hi", makes no
follow-up of it); they are what the set measures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.evaluation import NONE, Floors, Result, count, read_set
from bot.factbase import KnowledgeError, Problem, read_yaml
from bot.replies import Reply

SMALLTALK = "smalltalk"
DIALOGUES_FILE = "dialogues.yaml"  # the conversation set beside the question set in eval/


@dataclass(frozen=True)
class Turn:
    """One message of a dialogue and what it should get: ids (any of them), none, small talk."""

    question: str
    expect: tuple[str, ...] | None  # None: beyond the sources
    line: int
    position: int  # 0 for the first question, then 1, 2, … for the follow-ups
    smalltalk: bool = False


@dataclass(frozen=True)
class DialogueSet:
    """A conversation set read from YAML."""

    dialogues: tuple[tuple[Turn, ...], ...]
    floors: Floors


@dataclass
class DialogueResult:
    """How the bot did on a conversation set: first questions and follow-ups apart."""

    first: Result
    followups: Result
    smalltalk: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Turn, Reply]] = field(default_factory=list)

    def failures(self) -> list[str]:
        """The floors the follow-ups do not reach, as sentences."""
        return [f"follow-ups {failure}" for failure in self.followups.failures()]

    def table(self) -> str:
        """Follow-ups and first questions, each as a small table."""
        beyond = self.followups.out_of_scope
        parts = [
            "Follow-ups (every question after the first):",
            self.followups.table().replace("out of scope", "beyond the sources"),
            f"  beyond the sources answered as if known: {beyond['answered']}",
            "",
            "First questions:",
            self.first.table(),
        ]
        if self.smalltalk:
            total = sum(self.smalltalk.values())
            parts.append(f"\nSmall talk taken as such: {self.smalltalk['ok']} of {total}")
        return "\n".join(parts)

    def miss_lines(self, name: str) -> list[str]:
        """Each turn that did not get what it should, one line each, with how it was read."""
        lines = []
        for turn, reply in self.misses:
            got = reply.fact if reply.fact else reply.outcome
            expected = " or ".join(turn.expect) if turn.expect else "none"
            read = f", read as {reply.understood_as!r}" if reply.understood_as else ""
            lines.append(
                f"{name}:{turn.line}: turn {turn.position + 1} {turn.question!r}: "
                f"expected {expected}, got {got} ({reply.score:.0f}){read}"
            )
        return lines


def dialogue_sets(folder: Path) -> list[Path]:
    """The conversation sets in `folder`: dialogues.yaml first, then the others by name."""
    found = [path for path in sorted(folder.glob("*.yaml")) if is_dialogue_set(path)]
    return sorted(found, key=lambda path: path.name != DIALOGUES_FILE)


def is_dialogue_set(path: Path) -> bool:
    """Whether the YAML file at `path` is a conversation set (it has `dialogues:`)."""
    document, problems = read_yaml(path, str(path))
    return not problems and isinstance(document, dict) and "dialogues" in document


def load_dialogues(path: Path) -> DialogueSet:
    """Read a conversation set; raise KnowledgeError with file:line problems if it is malformed."""
    shown = str(path)
    raw, floors = read_set(path, "dialogues", "conversation set")
    problems: list[Problem] = []
    dialogues = []
    for item, line in zip(raw, raw.item_lines, strict=True):
        turns = item.get("turns") if isinstance(item, dict) else item
        if not isinstance(turns, list) or not turns:
            problems.append(Problem(shown, line, "each dialogue needs a non-empty list of turns"))
            continue
        dialogue = [
            _turn(turn, turn_line, position, shown, problems)
            for position, (turn, turn_line) in enumerate(_lined(turns))
        ]
        dialogues.append(tuple(turn for turn in dialogue if turn is not None))
    if problems:
        raise KnowledgeError(problems)
    return DialogueSet(tuple(dialogues), floors)


def _lined(items: list[Any]) -> list[tuple[Any, int]]:
    lines = getattr(items, "item_lines", [0] * len(items))
    return list(zip(items, lines, strict=True))


def _turn(item: Any, line: int, position: int, shown: str, problems: list[Problem]) -> Turn | None:
    if not isinstance(item, dict) or not str(item.get("q", "")).strip():
        problems.append(Problem(shown, line, "each turn needs a non-empty 'q'"))
        return None
    raw = item.get("expect")
    values = raw if isinstance(raw, list) else [raw]
    expect = [str(value).strip() for value in values if value is not None and str(value).strip()]
    if not expect or expect == [NONE]:
        return Turn(str(item["q"]), None, line, position)
    if expect == [SMALLTALK]:
        return Turn(str(item["q"]), None, line, position, smalltalk=True)
    if NONE in expect or SMALLTALK in expect:
        problems.append(Problem(shown, line, "'none' and 'smalltalk' stand alone in 'expect'"))
        return None
    return Turn(str(item["q"]), tuple(expect), line, position)


def unknown_turn_ids(dialogues: DialogueSet, known: set[str]) -> list[Problem]:
    """Turns expecting an id the fact base does not have."""
    return [
        Problem("dialogues", turn.line, f"expected id {ident!r} is not in the fact base")
        for dialogue in dialogues.dialogues
        for turn in dialogue
        for ident in turn.expect or ()
        if ident not in known
    ]


def evaluate_dialogues(
    dialogues: DialogueSet,
    ask: Callable[[Hashable, str], Reply],
    answered_by: Callable[[str], str] = lambda ident: ident,
) -> DialogueResult:
    """Ask every dialogue in a conversation of its own and count how each turn ended.

    `ask(conversation, question)` answers a question in a conversation's context.
    """
    result = DialogueResult(Result(dialogues.floors), Result(dialogues.floors))
    for number, dialogue in enumerate(dialogues.dialogues):
        asked = False  # "hi" first, then a question: that question is the first, no follow-up
        for turn in dialogue:
            reply = ask(("dialogue", number), turn.question)
            if turn.smalltalk:
                result.smalltalk["ok" if reply.smalltalk is not None else "missed"] += 1
                continue
            counted = result.followups if asked else result.first
            asked = True
            expected = None if turn.expect is None else {answered_by(i) for i in turn.expect}
            if count(counted, expected, reply):
                result.misses.append((turn, reply))
    return result
