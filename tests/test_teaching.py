"""Teaching: a question becomes a phrasing of a fact in learned.yaml, checked and kept safe."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import PROJECT_KNOWLEDGE, VARIABLES
from bot.factbase import KnowledgeError, load
from bot.replies import Answerer
from bot.teaching import LEARNED_FILE, phrasings, teach

Run = Callable[..., tuple[int, str, str]]

NOW = dt.datetime(2017, 11, 23, 9, 30, tzinfo=dt.UTC)
# Asked of the real base, none of these is answered with its fact before it is taught.
NEW_QUESTION = "was there a press conference afterwards"
NEW_FACT = "joint-statement-summit"


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    """A copy of the project's fact base (tests never write into knowledge/ itself)."""
    # Without any learned.yaml of the real base, so every test starts from the same state.
    return shutil.copytree(
        PROJECT_KNOWLEDGE, tmp_path / "knowledge", ignore=shutil.ignore_patterns(LEARNED_FILE)
    )


def files_in(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


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
    base_copy: Path, question: str, target: str, answered_by: str | None
) -> None:
    assert Answerer(load(base_copy)).ask(question).fact != (answered_by or target)

    base = teach(base_copy, question, target, "alice", now=NOW)

    assert Answerer(base).ask(question).fact == (answered_by or target)
    assert Answerer(load(base_copy)).ask(question).fact == (answered_by or target)
    [entry] = base.learned
    assert (entry.question, entry.fact, entry.by, entry.at) == (question, target, "alice", NOW)
    text = (base_copy / LEARNED_FILE).read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert text.endswith(
        f"learned:\n  - question: {question}\n    fact: {target}\n    by: alice\n"
        "    at: '2017-11-23T09:30:00+00:00'\n"
    )


def test_entries_are_appended_and_comments_kept(base_copy: Path) -> None:
    teach(base_copy, NEW_QUESTION, NEW_FACT, "alice", now=NOW)
    learned = base_copy / LEARNED_FILE
    learned.write_text("# kept\n" + learned.read_text(encoding="utf-8"), encoding="utf-8")
    base = teach(base_copy, "Who said: 'Erdoğan #1'?", "erdogan", "bob", now=NOW)
    assert [entry.question for entry in base.learned] == [NEW_QUESTION, "Who said: 'Erdoğan #1'?"]
    assert learned.read_text(encoding="utf-8").startswith("# kept\n")
    assert files_in(base_copy) == files_in(PROJECT_KNOWLEDGE) | {
        LEARNED_FILE
    }  # no temporary file left


def test_a_wrong_fact_id_is_refused_with_its_line_and_nothing_is_written(base_copy: Path) -> None:
    teach(base_copy, NEW_QUESTION, NEW_FACT, "alice", now=NOW)
    learned = base_copy / LEARNED_FILE
    before = learned.read_bytes()
    with pytest.raises(KnowledgeError) as caught:
        teach(base_copy, "what did they have for lunch", "no-such-fact", "alice", now=NOW)
    [problem] = caught.value.problems
    assert problem.path.endswith(LEARNED_FILE)
    # The entry would have been appended: its 'fact:' is the second line after the file's end.
    assert problem.line == before.count(b"\n") + 2
    assert "'no-such-fact' is not the id of a fact or entity" in problem.message
    assert learned.read_bytes() == before
    assert files_in(base_copy) == files_in(PROJECT_KNOWLEDGE) | {LEARNED_FILE}


def test_a_wrong_fact_id_creates_no_file(base_copy: Path) -> None:
    with pytest.raises(KnowledgeError):
        teach(base_copy, NEW_QUESTION, "no-such-fact", "alice")
    assert files_in(base_copy) == files_in(PROJECT_KNOWLEDGE)


def test_a_known_phrasing_is_refused(base_copy: Path) -> None:
    base = load(base_copy)
    written = base.facts[NEW_FACT].questions[0]
    with pytest.raises(ValueError, match="is already a phrasing of 'joint-statement-summit'"):
        teach(base_copy, f"  {written.upper().rstrip('?')} ", NEW_FACT, "alice")
    teach(base_copy, NEW_QUESTION, NEW_FACT, "alice")
    with pytest.raises(ValueError, match="already a phrasing"):
        teach(base_copy, NEW_QUESTION + "?", NEW_FACT, "bob")
    # Taught through an entity told by a fact, it is that fact's phrasing too.
    teach(base_copy, "who paid for the hotel", "sochi-summit-event", "alice")
    with pytest.raises(ValueError, match="already a phrasing"):
        teach(base_copy, "Who paid for the hotel?", "sochi-summit", "bob")
    assert "who paid for the hotel" in phrasings(load(base_copy), "sochi-summit")


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
    base_copy: Path, question: str, fact: str, by: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        teach(base_copy, question, fact, by)
    assert not (base_copy / LEARNED_FILE).exists()


def test_two_threads_teaching_at_once_keep_both(base_copy: Path) -> None:
    questions = [f"what did delegation number {n} bring" for n in range(6)]
    start = threading.Barrier(len(questions))
    failures: list[BaseException] = []

    def one(question: str) -> None:
        start.wait()
        try:
            teach(base_copy, question, NEW_FACT, "alice")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=one, args=(question,)) for question in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(entry.question for entry in load(base_copy).learned) == sorted(questions)


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
    base_copy: Path, entry: str, line: int, message: str
) -> None:
    (base_copy / LEARNED_FILE).write_text("learned:\n" + entry, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load(base_copy)
    [problem] = caught.value.problems
    assert (Path(problem.path).name, problem.line) == (LEARNED_FILE, line)
    assert problem.message.startswith(message)
    # Teaching on top of a broken file writes nothing.
    with pytest.raises(KnowledgeError):
        teach(base_copy, NEW_QUESTION, NEW_FACT, "alice")
    assert (base_copy / LEARNED_FILE).read_text(encoding="utf-8") == "learned:\n" + entry


def test_an_emptied_section_loads(base_copy: Path) -> None:
    (base_copy / LEARNED_FILE).write_text("# all removed\nlearned:\n", encoding="utf-8")
    assert load(base_copy).learned == ()
    base = teach(base_copy, NEW_QUESTION, NEW_FACT, "alice")
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


def test_cli_teach_then_ask(cli: Run, base_copy: Path) -> None:
    code, out, err = cli("teach", NEW_QUESTION, NEW_FACT, "--by", "alice")
    assert (code, err) == (0, "")
    assert out == f"Taught: '{NEW_QUESTION}' => {NEW_FACT} (knowledge/learned.yaml)\n"
    code, out, _ = cli("ask", NEW_QUESTION, "--json")
    assert code == 0
    assert json.loads(out)["fact"] == NEW_FACT
    assert load(base_copy).learned[0].by == "alice"


def test_cli_teach_by_defaults_to_the_os_user(
    cli: Run, base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "moderator-x")  # what getpass.getuser() reads first
    assert cli("teach", NEW_QUESTION, NEW_FACT)[0] == 0
    assert load(base_copy).learned[0].by == "moderator-x"


def test_cli_teach_failures(cli: Run, base_copy: Path) -> None:
    code, out, err = cli("teach", NEW_QUESTION, "no-such-fact")
    assert (code, out) == (1, "")
    first = err.splitlines()[0]
    assert first.startswith(f"{Path('knowledge') / LEARNED_FILE}:6: learned phrasing ")
    assert "Nothing was taught" in err
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
