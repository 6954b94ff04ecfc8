"""Teaching: a question becomes a phrasing of a fact in the moderators' overlay, checked, kept
safe, recorded in the history and undoable; phrasings in knowledge/learned.yaml are still read."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.config import PROJECT_KNOWLEDGE, VARIABLES
from bot.curation import CurationError, Curator
from bot.curation.overlay import read_state
from bot.factbase import KnowledgeError, load
from bot.replies import Answerer
from bot.teaching import LEARNED_FILE, phrasings, teach
from tests.conftest import copy_project_base

Run = Callable[..., tuple[int, str, str]]

NOW = dt.datetime(2017, 11, 23, 9, 30, tzinfo=dt.UTC)
# Asked of the real base, none of these is answered with its fact before it is taught.
NEW_QUESTION = "was there a press conference afterwards"
NEW_FACT = "joint-statement-summit"


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    """A copy of the project's fact base (tests never write into knowledge/ itself)."""
    # Without any learned.yaml of the real base, so every test starts from the same state.
    return copy_project_base(tmp_path)


@pytest.fixture
def curator(base_copy: Path) -> Curator:
    """The curation core over the copy, its overlay in a data folder beside it."""
    return Curator(base_copy, base_copy.parent / "data" / "overlay.yaml")


def files_in(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


def taught(curator: Curator) -> list[dict[str, str]]:
    """The overlay's `learned:` entries, as written."""
    document = yaml.safe_load(curator.overlay.read_text(encoding="utf-8"))
    return list(document.get("learned") or [])


@pytest.mark.parametrize(
    ("question", "target", "answered_by"),
    [
        (NEW_QUESTION, NEW_FACT, NEW_FACT),
        ("what did the ministers eat for dinner", "foreign-ministers-talks", None),
        # An entity with its own description answers itself ...
        ("what about the kurds", "erdogan", None),
        # ... and one told by a fact answers with that fact.
        ("who paid for the hotel", "sochi-summit-event", "sochi-summit"),
    ],
)
def test_taught_question_answers_with_its_fact(
    curator: Curator, base_copy: Path, question: str, target: str, answered_by: str | None
) -> None:
    assert Answerer(load(base_copy)).ask(question).fact != (answered_by or target)

    base = teach(curator, question, target, "alice", now=NOW).answerer.base

    assert Answerer(base).ask(question).fact == (answered_by or target)
    assert Answerer(curator.layered().base).ask(question).fact == (answered_by or target)
    [entry] = base.learned
    assert (entry.question, entry.fact, entry.by, entry.at) == (question, target, "alice", NOW)
    assert curator.overlay.read_text(encoding="utf-8").startswith("# ")
    assert taught(curator) == [
        {"question": question, "fact": target, "by": "alice", "at": "2017-11-23T09:30:00+00:00"}
    ]
    # The fact base folder (in the Docker image) is not written to.
    assert files_in(base_copy) == files_in(PROJECT_KNOWLEDGE) - {LEARNED_FILE}
    assert load(base_copy).learned == ()


def test_entries_are_appended_and_recorded(curator: Curator, base_copy: Path) -> None:
    teach(curator, NEW_QUESTION, NEW_FACT, "alice", now=NOW)
    base = teach(curator, "Who said: 'Erdoğan #1'?", "erdogan", "bob", now=NOW).answerer.base
    assert [entry.question for entry in base.learned] == [NEW_QUESTION, "Who said: 'Erdoğan #1'?"]
    assert [entry.question for entry in curator.layered().base.learned] == [
        NEW_QUESTION,
        "Who said: 'Erdoğan #1'?",
    ]
    history = curator.entries()
    assert [(e.by, e.action, e.fact, e.before) for e in history] == [
        ("alice", "teach", NEW_FACT, None),
        ("bob", "teach", "erdogan", None),
    ]
    assert history[1].after == taught(curator)[1]
    # No temporary file left beside the overlay.
    assert files_in(curator.overlay.parent) == {
        curator.overlay.name,
        curator.history.name,
        f".{curator.overlay.name}.lock",
    }


def test_undo_takes_a_taught_phrasing_back(curator: Curator) -> None:
    teach(curator, NEW_QUESTION, NEW_FACT, "alice", now=NOW)
    teach(curator, "who paid for the hotel", "sochi-summit-event", "bob", now=NOW)
    undone = curator.undo("alice")
    assert (undone.entry.action, undone.entry.undoes) == ("undo", 1)
    assert [entry.question for entry in undone.answerer.base.learned] == ["who paid for the hotel"]
    assert [entry["by"] for entry in taught(curator)] == ["bob"]
    assert Answerer(curator.layered().base).ask(NEW_QUESTION).fact != NEW_FACT
    with pytest.raises(CurationError, match="no change to undo"):
        curator.undo("alice")
    # Taught again after the undo, it is there once.
    teach(curator, NEW_QUESTION, NEW_FACT, "alice", now=NOW)
    assert [entry["question"] for entry in taught(curator)] == [
        "who paid for the hotel",
        NEW_QUESTION,
    ]


def test_a_phrasing_of_another_fact_is_refused_as_a_collision(
    curator: Curator, base_copy: Path
) -> None:
    other = load(base_copy).facts["sochi-summit"].questions[0]
    with pytest.raises(CurationError, match=r"^Nothing was taught: fact .* nearly as well"):
        teach(curator, other, NEW_FACT, "alice")
    assert not curator.overlay.exists()
    assert curator.entries() == []


def test_a_withdrawn_fact_is_not_taught(curator: Curator) -> None:
    lone = "russia-backs-assad"  # a fact nothing else draws on, so that it may be withdrawn
    curator.withdraw(lone, "bob", "shipped")
    before = curator.overlay.read_bytes()
    with pytest.raises(CurationError, match=f"'{lone}' is withdrawn; restore it first"):
        teach(curator, "how does moscow help damascus", lone, "alice")
    assert curator.overlay.read_bytes() == before
    assert [entry.action for entry in curator.entries()] == ["withdraw"]


def test_a_wrong_fact_id_is_refused_with_its_line_and_nothing_is_written(
    curator: Curator,
) -> None:
    teach(curator, NEW_QUESTION, NEW_FACT, "alice", now=NOW)
    before = curator.overlay.read_bytes()
    with pytest.raises(KnowledgeError) as caught:
        teach(curator, "what did they have for lunch", "no-such-fact", "alice", now=NOW)
    [problem] = caught.value.problems
    assert problem.path.endswith(curator.overlay.name)
    # The line of the refused entry's 'fact:', in the overlay as it would have been written.
    state = read_state(curator.overlay)
    state.learned.append({"question": "q", "fact": "no-such-fact", "by": "alice", "at": "x"})
    state.revision += 1
    lines = state.text().splitlines()
    assert lines[problem.line - 1].strip() == "fact: no-such-fact"
    assert "'no-such-fact' is not the id of a fact or entity" in problem.message
    assert curator.overlay.read_bytes() == before
    assert len(curator.entries()) == 1


def test_a_wrong_fact_id_creates_no_file(curator: Curator) -> None:
    with pytest.raises(KnowledgeError):
        teach(curator, NEW_QUESTION, "no-such-fact", "alice")
    assert not curator.overlay.exists()
    assert not curator.history.exists()


def test_a_known_phrasing_is_refused(curator: Curator, base_copy: Path) -> None:
    base = load(base_copy)
    written = base.facts[NEW_FACT].questions[0]
    with pytest.raises(ValueError, match="is already a phrasing of 'joint-statement-summit'"):
        teach(curator, f"  {written.upper().rstrip('?')} ", NEW_FACT, "alice")
    teach(curator, NEW_QUESTION, NEW_FACT, "alice")
    with pytest.raises(ValueError, match="already a phrasing"):
        teach(curator, NEW_QUESTION + "?", NEW_FACT, "bob")
    # Taught through an entity told by a fact, it is that fact's phrasing too.
    teach(curator, "who paid for the hotel", "sochi-summit-event", "alice")
    with pytest.raises(ValueError, match="already a phrasing"):
        teach(curator, "Who paid for the hotel?", "sochi-summit", "bob")
    assert "who paid for the hotel" in phrasings(curator.layered().base, "sochi-summit")
    # A phrasing in knowledge/learned.yaml (taught before the overlay) is known too.
    (base_copy / LEARNED_FILE).write_text(
        "learned:\n  - question: who chose the menu\n    fact: sochi-summit\n    by: al\n"
        "    at: 2017-11-23\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="already a phrasing"):
        teach(curator, "Who chose the menu?", "sochi-summit", "bob")


@pytest.mark.parametrize(
    ("question", "fact", "by", "message"),
    [
        ("", NEW_FACT, "alice", "The question is empty"),
        (" \n\t ", NEW_FACT, "alice", "The question is empty"),
        ("why " * 126, NEW_FACT, "alice", "at most 500"),
        (NEW_QUESTION, " ", "alice", "Give the id of the fact"),
        (NEW_QUESTION, NEW_FACT, " ", "Say who teaches it"),
    ],
)
def test_bad_requests_are_refused_with_a_sentence(
    curator: Curator, question: str, fact: str, by: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        teach(curator, question, fact, by)
    assert not curator.overlay.exists()


def test_two_threads_teaching_at_once_keep_both(curator: Curator) -> None:
    questions = [f"what did delegation number {n} bring" for n in range(6)]
    start = threading.Barrier(len(questions))
    failures: list[BaseException] = []

    def one(question: str) -> None:
        start.wait()
        try:
            teach(curator, question, NEW_FACT, "alice")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=one, args=(question,)) for question in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(e.question for e in curator.layered().base.learned) == sorted(questions)
    assert sorted(entry["question"] for entry in taught(curator)) == sorted(questions)
    assert sorted(entry.n for entry in curator.entries()) == list(range(1, len(questions) + 1))


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        (
            "  - question: q\n    fact: erdogan\n    by: al\n    at: 2017-11-23\n    when: now\n",
            6,
            "learned phrasing: unknown key 'when' (known: question, fact, by, at)",
        ),
        (
            "  - question: q\n    fact: erdogan\n    by: ''\n    at: 2017-11-23\n",
            4,
            "learned phrasing: 'by' is empty",
        ),
        (
            "  - question: q\n    fact: erdogan\n    at: 2017-11-23\n",
            2,
            "learned phrasing: missing 'by'",
        ),
        (
            "  - question: q\n    fact: erdogan\n    by: al\n    at: soon\n",
            5,
            "learned phrasing: 'at' must be a time",
        ),
        (
            "  - question: q\n    fact: erdgoan\n    by: al\n    at: 2017-11-23\n",
            3,
            "learned phrasing 'q': 'erdgoan' is not the id of a fact or entity",
        ),
        (
            "  - question: [q]\n    fact: erdogan\n    by: al\n    at: 2017-11-23\n",
            2,
            "learned phrasing: 'question' must be text",
        ),
        ("  - just text\n", 2, "a learned phrasing must be a mapping"),
        ("  - question: q\n   fact: x\n", 3, "YAML error"),
    ],
)
def test_a_hand_edit_is_reported_at_its_line(
    curator: Curator, base_copy: Path, entry: str, line: int, message: str
) -> None:
    (base_copy / LEARNED_FILE).write_text("learned:\n" + entry, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load(base_copy)
    [problem] = caught.value.problems
    assert (Path(problem.path).name, problem.line) == (LEARNED_FILE, line)
    assert problem.message.startswith(message)
    # Teaching on top of a broken file writes nothing.
    with pytest.raises(KnowledgeError):
        teach(curator, NEW_QUESTION, NEW_FACT, "alice")
    assert (base_copy / LEARNED_FILE).read_text(encoding="utf-8") == "learned:\n" + entry
    assert not curator.overlay.exists()


def test_an_emptied_section_loads(curator: Curator, base_copy: Path) -> None:
    (base_copy / LEARNED_FILE).write_text("# all removed\nlearned:\n", encoding="utf-8")
    assert load(base_copy).learned == ()
    base = teach(curator, NEW_QUESTION, NEW_FACT, "alice").answerer.base
    assert [entry.question for entry in base.learned] == [NEW_QUESTION]


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """Run bot.cli.main on the copied base: cli("teach", ...) -> (exit code, stdout, stderr)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(base_copy))
    monkeypatch.chdir(base_copy.parent)

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_cli_teach_then_ask(cli: Run, curator: Curator) -> None:
    code, out, err = cli("teach", NEW_QUESTION, NEW_FACT, "--by", "alice")
    assert (code, err) == (0, "")
    assert out == f"Taught: '{NEW_QUESTION}' => {NEW_FACT} (data/overlay.yaml)\n"
    code, out, _ = cli("ask", NEW_QUESTION, "--json")
    assert code == 0
    assert json.loads(out)["fact"] == NEW_FACT
    assert curator.layered().base.learned[0].by == "alice"
    code, out, _ = cli("history")
    assert code == 0
    assert f"alice: teach {NEW_FACT}\n    + {NEW_QUESTION}" in out
    code, out, err = cli("undo", "--by", "alice")
    assert (code, err) == (0, "")
    assert curator.layered().base.learned == ()


def test_cli_teach_by_defaults_to_the_os_user(
    cli: Run, curator: Curator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "moderator-x")  # what getpass.getuser() reads first
    assert cli("teach", NEW_QUESTION, NEW_FACT)[0] == 0
    assert curator.layered().base.learned[0].by == "moderator-x"
    assert curator.entries()[0].by == "moderator-x"


def test_cli_teach_failures(cli: Run, base_copy: Path, curator: Curator) -> None:
    code, out, err = cli("teach", NEW_QUESTION, "no-such-fact")
    assert (code, out) == (1, "")
    first = err.splitlines()[0]
    assert re.match(rf"{Path('data') / 'overlay.yaml'}:\d+: learned phrasing ", first)
    assert "Nothing was taught" in err
    assert not curator.overlay.exists()
    assert not (base_copy / LEARNED_FILE).exists()
    written = load(base_copy).facts[NEW_FACT].questions[0]
    code, out, err = cli("teach", written, NEW_FACT)
    assert (code, out) == (1, "")
    assert err == f"{written!r} is already a phrasing of {NEW_FACT!r}: nothing to teach.\n"


def test_cli_validate_reports_a_broken_learned_file(cli: Run, base_copy: Path) -> None:
    (base_copy / LEARNED_FILE).write_text(
        "learned:\n  - question: q\n    fact: nope\n    by: al\n    at: 2017-11-23\n",
        encoding="utf-8",
    )
    code, _, err = cli("validate")
    assert code == 1
    assert err.splitlines()[0] == (
        "knowledge/learned.yaml:3: learned phrasing 'q': 'nope' is not the id of a fact or entity"
    )
