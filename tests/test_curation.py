"""The moderators' overlay (bot.curation) and its shell commands: changes checked with the
shipped base, refusals in one sentence, conflicts, undo, entries the base no longer supports,
export then validate. On a copy of the project's base in tmp_path, the overlay in tmp_path/data."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.config import VARIABLES
from bot.curation import ConflictError, CurationError, Curator, fingerprint, load_layered
from bot.curation.export import export_text
from bot.factbase import load
from bot.replies import Answerer
from bot.teaching import LEARNED_FILE, teach
from tests.conftest import copy_project_base
from tests.harness import learned_yaml
from tests.test_curating import ANSWER, LONE, LONE_QUESTION, LONE_WORDS, QUESTIONS, QUOTE, SHIPPED

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def base_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's base, made the base in use, its data folder beside it."""
    monkeypatch.chdir(tmp_path)
    folder = copy_project_base(tmp_path)
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("BOT_DATABASE", str(tmp_path / "data" / "questions.sqlite3"))
    return folder


@pytest.fixture
def curator(base_copy: Path) -> Curator:
    return Curator(base_copy, base_copy.parent / "data" / "overlay.yaml")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """The CLI in-process: run("fact", "show", ...) -> (exit code, stdout, stderr)."""

    def call(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def answered(curator: Curator, question: str) -> str:
    """What the base with the overlay answers now."""
    return Answerer(curator.layered().base).ask(question).text()


def new_fact_args(**changed: str | list[str]) -> list[str]:
    values: dict[str, str | list[str]] = {
        "id": "primer-rundown",
        "quote": QUOTE,
        "answer": ANSWER,
        "question": QUESTIONS,
        **changed,
    }
    argv = ["fact", "new"]
    for key, value in values.items():
        for item in [value] if isinstance(value, str) else value:
            argv += [f"--{key}", item]
    return argv


# --- the shell ------------------------------------------------------------------------------


def test_fact_new_from_the_shell_is_answered(run: Run, curator: Curator) -> None:
    code, out, err = run(*new_fact_args(), "--by", "alice")
    assert (code, err) == (0, "")
    assert out.startswith("Done: #1 ") and "alice: new primer-rundown" in out
    assert ANSWER in answered(curator, QUESTIONS[2])
    code, out, _ = run("fact", "show", "primer-rundown")
    assert (
        code == 0 and f"Answer: {ANSWER}" in out and "3. rundown of diplomatic efforts — 0" in out
    )
    code, out, _ = run("history")
    assert "#1" in out and "alice: new primer-rundown" in out


@pytest.mark.parametrize(
    ("changed", "said"),
    [
        (
            {"quote": "Putin and Trump met in Geneva."},
            "The quote is not word for word in any source",
        ),
        ({"id": SHIPPED}, f"There is already a fact, entity or source with the id '{SHIPPED}'."),
        ({"id": "Bad Id!"}, "is not usable: use lowercase letters"),
        ({"answer": " "}, "The answer is empty."),
        ({"answer": "x" * 5000}, "The answer is 5000 characters long; at most 600, please."),
        ({"answer": "<i>hi</i> there"}, "The answer holds HTML"),
        ({"question": QUESTIONS[:2]}, "Give at least 3 questions"),
        ({"question": []}, "Give at least 3 questions"),
        ({"question": [*QUESTIONS, "When did Assad visit Sochi?"]}, "nearly as well"),
        ({"source": "no-such-source"}, "There is no source 'no-such-source'"),
    ],
)
def test_fact_new_refuses_bad_input_in_one_sentence(
    run: Run, curator: Curator, changed: dict[str, str | list[str]], said: str
) -> None:
    code, out, err = run(*new_fact_args(**changed))
    assert code == 1 and out == ""
    assert said in err and len(err.strip().splitlines()) == 1, err
    assert not curator.overlay.exists() and not curator.history.exists()


def test_edit_withdraw_restore_and_undo_from_the_shell(run: Run, curator: Curator) -> None:
    assert run("fact", "edit", SHIPPED, "--answer", "Edited.", "--by", "bob")[0] == 0
    assert (
        run("fact", "edit", SHIPPED, "--add-question", "the trio in sochi", "--by", "bob")[0] == 0
    )
    assert "Edited." in answered(curator, "the trio in sochi")
    assert run("fact", "withdraw", LONE, "--by", "alice")[0] == 0
    assert LONE_WORDS not in answered(curator, LONE_QUESTION)
    assert "WITHDRAWN" in run("fact", "show", LONE)[1]
    assert run("fact", "restore", LONE, "--by", "alice")[0] == 0
    assert LONE_WORDS in answered(curator, LONE_QUESTION)
    code, out, _ = run("undo", "--by", "bob")
    assert code == 0 and "undo sochi-summit (undoes #2)" in out
    assert "Edited." not in answered(curator, "the trio in sochi")
    assert "Edited." in answered(curator, "sochi summit")
    code, _, err = run("fact", "edit", SHIPPED, "--remove-question", "never asked so")
    assert code == 1 and "is not a phrasing of" in err
    assert run("undo", "--by", "carol")[2].strip() == "You have no change to undo."


# --- conflicts and undo -----------------------------------------------------------------------


def test_a_change_made_against_an_old_version_is_a_conflict(curator: Curator) -> None:
    seen = curator.against(SHIPPED)
    curator.edit_answer(SHIPPED, "First.", "alice", seen)
    with pytest.raises(ConflictError, match=r"changed by alice .* since you looked at it"):
        curator.edit_answer(SHIPPED, "Second.", "bob", seen)
    assert "First." in answered(curator, "sochi summit")
    # Changes to different facts at once both stand.
    curator.withdraw(LONE, "bob", fingerprint(None))
    assert [entry.by for entry in curator.entries()] == ["alice", "bob"]


def test_undo_refuses_when_someone_changed_the_fact_since(curator: Curator) -> None:
    curator.edit_answer(SHIPPED, "Alice's.", "alice", "shipped")
    curator.edit_answer(SHIPPED, "Bob's.", "bob", curator.against(SHIPPED))
    with pytest.raises(ConflictError):
        curator.undo("alice")
    assert "Bob's." in answered(curator, "sochi summit")
    curator.undo("bob")
    curator.undo("alice")
    assert curator.state().facts == {}
    lines = curator.history.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["edit answer"] * 2 + ["undo"] * 2


# --- the shipped base changing under the overlay ----------------------------------------------


def test_entries_the_base_no_longer_supports_are_reported_and_kept(
    curator: Curator, base_copy: Path
) -> None:
    curator.new_fact("primer-rundown", None, QUOTE, ANSWER, QUESTIONS, "alice")
    curator.edit_answer(SHIPPED, "Still here.", "bob", "shipped")
    # A new image: the sentence quoted is gone from the source.
    source = base_copy / "sources" / "iran-primer-2017-11-22-russia-iran-turkey-syria-summit.txt"
    source.write_text(source.read_text(encoding="utf-8").replace(QUOTE, ""), encoding="utf-8")
    sources = base_copy / "sources.yaml"
    document = yaml.safe_load(sources.read_text(encoding="utf-8"))
    for item in document["sources"]:
        item["skip"] = [s for s in item.get("skip", []) if s["sentence"] != QUOTE] or None
        if item["skip"] is None:
            del item["skip"]
    sources.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    layered = curator.layered()
    [note] = layered.left_out
    assert note.path.endswith("overlay.yaml") and note.line == 6
    assert "fact 'primer-rundown' is not applied, kept in the overlay" in note.message
    assert "primer-rundown" not in layered.base.facts
    assert layered.base.facts[SHIPPED].answer == "Still here."
    assert "primer-rundown" in curator.state().facts
    code = subprocess.run(
        [sys.executable, "-m", "bot", "validate"], capture_output=True, text=True, check=False
    )
    assert code.returncode == 1 and "overlay.yaml:6: fact 'primer-rundown'" in code.stderr


def test_an_unreadable_overlay_leaves_the_base_serving(curator: Curator) -> None:
    curator.overlay.parent.mkdir(parents=True)
    curator.overlay.write_text("facts: [unclosed\n", encoding="utf-8")
    layered = curator.layered()
    assert layered.left_out and "YAML error" in layered.left_out[0].message
    assert SHIPPED in layered.base.facts
    with pytest.raises(CurationError, match=r"overlay.yaml:2 cannot be read; fix or move it"):
        curator.edit_answer(SHIPPED, "x.", "alice", "shipped")
    assert curator.overlay.read_text(encoding="utf-8") == "facts: [unclosed\n"


def test_learned_yaml_is_still_read_with_the_overlay(curator: Curator, base_copy: Path) -> None:
    # A phrasing taught before the overlay, in knowledge/learned.yaml, and one taught now.
    (base_copy / LEARNED_FILE).write_text(
        learned_yaml("the three presidents at the black sea", SHIPPED), encoding="utf-8"
    )
    teach(curator, "the three leaders meeting at the black sea resort", SHIPPED, "alice")
    assert [entry["by"] for entry in curator.state().learned] == ["alice"]
    curator.edit_answer(SHIPPED, "Edited.", "bob", "shipped")
    assert "Edited." in answered(curator, "the three presidents at the black sea")
    assert "Edited." in answered(curator, "the three leaders meeting at the black sea resort")
    # The taught phrasing is exported with the overlay's facts.
    exported = yaml.safe_load(export_text(curator.state(), load(base_copy)))
    assert exported["learned"] == curator.state().learned


# --- export -------------------------------------------------------------------------------------


def test_the_export_merged_into_knowledge_passes_validate(
    run: Run, curator: Curator, base_copy: Path, tmp_path: Path
) -> None:
    curator.new_fact("primer-rundown", None, QUOTE, ANSWER, QUESTIONS, "alice")
    curator.edit_answer(SHIPPED, "Edited.", "bob", "shipped")
    curator.withdraw(LONE, "bob", "shipped")
    exported = tmp_path / "moderators.yaml"
    assert run("overlay", "export", str(exported))[0] == 0
    text = exported.read_text(encoding="utf-8")
    assert f"#   {SHIPPED}: replaces the fact at knowledge/facts/" in text
    assert f"#   {LONE}: withdrawn; delete the fact at knowledge/facts/" in text
    # Merge as the comments say: the replaced and withdrawn facts out of their files (and a
    # withdrawn one out of related:), the export in; then the base alone passes validate.
    gone = [line.split(":")[0].strip("# ") for line in text.splitlines() if "withdrawn" in line]
    for line in text.splitlines():
        if line.startswith("#   "):
            ident = line.split(":")[0].strip("# ")
            path = Path(line.split(" at ")[1].split(":")[0])
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            document["facts"] = [f for f in document["facts"] if f["id"] != ident]
            path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    for path in (base_copy / "facts").glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for fact in document.get("facts") or []:
            if set(fact.get("related") or []) & set(gone):
                fact["related"] = [i for i in fact["related"] if i not in gone]
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    shutil.move(exported, base_copy / "facts" / "moderators.yaml")
    curator.overlay.unlink()
    code, _, err = run("validate")
    assert code == 0, err
    base = load(base_copy)
    assert base.facts[SHIPPED].answer == "Edited." and LONE not in base.facts
    assert base.facts["primer-rundown"].quote == QUOTE
    assert load_layered(base_copy, None).base.facts.keys() == base.facts.keys()
