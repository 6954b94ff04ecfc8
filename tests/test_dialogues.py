"""Conversation sets: reading them, scoring them, and the tuning set's floors."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.conversation import Conversations
from bot.dialogues import (
    DIALOGUES_FILE,
    dialogue_sets,
    evaluate_dialogues,
    is_dialogue_set,
    load_dialogues,
    unknown_turn_ids,
)
from bot.factbase import EVAL_DIR, FactBase, KnowledgeError, load
from bot.replies import Answerer, Reply
from tests.conftest import WriteFiles

SET = """\
floors:
  answered_correctly: 0.5
dialogues:
  - - q: When did Assad visit Sochi?
      expect: assad-visits-sochi
    - q: thanks
      expect: smalltalk
    - q: who did he meet there?
      expect: [assad-visits-sochi, js-meet-again]
    - q: what did he eat there?
      expect: none
  - turns:
      - q: Will the presidents meet again?
        expect: js-meet-again
      - q: When did Assad visit Sochi?
        expect: js-meet-again
"""


def test_a_set_reads_turns_in_order_with_their_lines(
    tmp_path: Path, write_tree: WriteFiles
) -> None:
    write_tree(tmp_path, {"dialogues.yaml": SET})
    dialogues = load_dialogues(tmp_path / "dialogues.yaml")
    first, second = dialogues.dialogues
    assert [turn.question for turn in first] == [
        "When did Assad visit Sochi?",
        "thanks",
        "who did he meet there?",
        "what did he eat there?",
    ]
    assert [turn.position for turn in first] == [0, 1, 2, 3]
    assert first[1].smalltalk and first[1].expect is None
    assert first[2].expect == ("assad-visits-sochi", "js-meet-again")
    assert first[3].expect is None and not first[3].smalltalk
    assert [turn.line for turn in second] == [13, 15]
    assert dialogues.floors.answered_correctly == 0.5
    assert is_dialogue_set(tmp_path / "dialogues.yaml")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("questions: []\n", 1, "needs a 'dialogues' list"),
        ("dialogues:\n  - []\n", 2, "non-empty list of turns"),
        ("dialogues:\n  - - expect: none\n", 2, "non-empty 'q'"),
        ("dialogues:\n  - - q: hi\n      expect: [none, x]\n", 2, "stand alone"),
        ("floors:\n  answered_correctly: lots\ndialogues: []\n", 1, "must be a share"),
    ],
)
def test_a_malformed_set_names_file_and_line(
    tmp_path: Path, write_tree: WriteFiles, text: str, line: int, message: str
) -> None:
    write_tree(tmp_path, {"bad.yaml": text})
    with pytest.raises(KnowledgeError) as raised:
        load_dialogues(tmp_path / "bad.yaml")
    [problem] = raised.value.problems
    assert problem.line == line
    assert message in problem.message


def test_ids_the_base_does_not_have_are_named(
    tmp_path: Path, write_tree: WriteFiles, mini_base: FactBase
) -> None:
    write_tree(
        tmp_path, {"d.yaml": "dialogues:\n  - - q: hi\n      expect: [js-meet-again, nope]\n"}
    )
    known = set(mini_base.facts) | set(mini_base.entities)
    [problem] = unknown_turn_ids(load_dialogues(tmp_path / "d.yaml"), known)
    assert problem.line == 2 and "'nope'" in problem.message


def test_follow_ups_and_first_questions_are_counted_apart(
    tmp_path: Path, write_tree: WriteFiles, mini_base: FactBase
) -> None:
    write_tree(tmp_path, {"dialogues.yaml": SET})
    answerer = Answerer(mini_base)
    conversations = Conversations()
    asked: list[tuple[Hashable, str]] = []

    def ask(key: Hashable, question: str) -> Reply:
        asked.append((key, question))
        return conversations.ask(answerer, key, question)

    result = evaluate_dialogues(load_dialogues(tmp_path / "dialogues.yaml"), ask)
    # Each dialogue in a conversation of its own, its turns in order.
    assert len({key for key, _ in asked[:4]}) == 1 and asked[4][0] != asked[0][0]
    assert result.first.in_scope["correct"] == 2
    assert result.smalltalk["ok"] == 1
    followups = result.followups
    assert followups.in_scope["correct"] == 1  # "who did he meet there?"
    assert followups.in_scope["wrong"] == 1  # the second dialogue's deliberate mismatch
    assert followups.out_of_scope["declined"] == 1  # "what did he eat there?"
    assert "beyond the sources" in result.table()
    assert [turn.question for turn, _ in result.misses] == ["When did Assad visit Sochi?"]


def test_the_tuning_sets_are_all_there() -> None:
    names = [path.name for path in dialogue_sets(PROJECT_KNOWLEDGE / EVAL_DIR)]
    assert names == [DIALOGUES_FILE, "dialogues-from-article.yaml"]


@pytest.mark.parametrize("name", [DIALOGUES_FILE, "dialogues-from-article.yaml"])
def test_the_tuning_conversations_meet_their_floors(name: str) -> None:
    path = PROJECT_KNOWLEDGE / EVAL_DIR / name
    dialogues = load_dialogues(path)
    assert len(dialogues.dialogues) >= 60
    answerer = Answerer(load(PROJECT_KNOWLEDGE))
    known = set(answerer.base.facts) | set(answerer.base.entities)
    assert unknown_turn_ids(dialogues, known) == []
    conversations = Conversations()

    def ask(key: Hashable, question: str) -> Reply:
        return conversations.ask(answerer, key, question)

    result = evaluate_dialogues(dialogues, ask, answerer.answered_by)
    assert sum(result.followups.in_scope.values()) >= 80
    assert result.failures() == [], result.table()


def test_the_blind_conversations_ask_for_facts_the_base_has(real_base: FactBase) -> None:
    # Their figures (docs/followups.md) are rerun with
    # `python -m bot eval benchmarks/blind/dialogues.yaml`; never tuned on.
    path = PROJECT_KNOWLEDGE.parent / "benchmarks" / "blind" / "dialogues.yaml"
    dialogues = load_dialogues(path)
    assert len(dialogues.dialogues) >= 60
    known = set(real_base.facts) | set(real_base.entities)
    assert unknown_turn_ids(dialogues, known) == []


def test_a_question_after_small_talk_is_a_first_question(
    tmp_path: Path, write_tree: WriteFiles, mini_base: FactBase
) -> None:
    text = """\
dialogues:
  - - q: hi
      expect: smalltalk
    - q: When did Assad visit Sochi?
      expect: assad-visits-sochi
    - q: thanks
      expect: smalltalk
    - q: who did he meet there?
      expect: assad-visits-sochi
"""
    write_tree(tmp_path, {"d.yaml": text})
    answerer = Answerer(mini_base)
    conversations = Conversations()

    def ask(key: Hashable, question: str) -> Reply:
        return conversations.ask(answerer, key, question)

    result = evaluate_dialogues(load_dialogues(tmp_path / "d.yaml"), ask)
    assert sum(result.first.in_scope.values()) == 1
    assert sum(result.followups.in_scope.values()) == 1
    assert result.smalltalk["ok"] == 2
