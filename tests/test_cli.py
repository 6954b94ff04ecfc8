"""The command line, run in-process through bot.cli.main and as a real `python -m bot`."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import audit
from bot.cli import main
from bot.config import PROJECT_KNOWLEDGE, VARIABLES, knowledge_dir
from bot.factbase import load
from bot.storage import QuestionLog, new_id
from tests.conftest import WriteFiles
from tests.test_terminal import HOSTILE, unsafe

Run = Callable[..., tuple[int, str, str]]

ASSAD_QUOTE = (
    "On November 20, Syrian President Bashar al Assad visited the Russian resort city of Sochi, "
    "where he met with President Vladimir Putin."
)
PRIMER_URL = "https://iranprimer.usip.org/blog/2017/nov/22/russia-iran-and-turkey-hold-syria-summit"
PRIMER_LINE = (
    "“Russia, Iran and Turkey Hold Syria Summit”, The Iran Primer, United States Institute of "
    "Peace, 22 Nov 2017 — https://iranprimer.usip.org/blog/2017/nov/22/"
    "russia-iran-and-turkey-hold-syria-summit"
)
SUMMARY = re.compile(
    r"^OK: (\d+) facts \((\d+) phrasings\), (\d+) entities, (\d+) sources in (\d+) files; "
    r"(\d+) collision warning\(s\); (\d+) source sentence\(s\) not quoted\.$"
)
PROBLEM_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): (?P<message>.+)$")


@pytest.fixture
def mini_base_in_use(mini_base_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini base, made the base in use through BOT_KNOWLEDGE_DIR."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(mini_base_dir))
    return mini_base_dir


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the CLI in-process: run("ask", "...", stdin="...") -> (exit code, stdout, stderr)."""

    def call(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()  # drop anything printed before
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def _subprocess_env(knowledge: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
    env["BOT_KNOWLEDGE_DIR"] = str(knowledge)
    env["PYTHONUTF8"] = "1"
    return env


def run_module(
    knowledge: Path, cwd: Path, *argv: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGV` in a fresh interpreter, from the folder `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=_subprocess_env(knowledge),
        timeout=60,
        check=False,
    )


# --- validate -----------------------------------------------------------------------------


def test_validate_ok_prints_a_one_line_summary(mini_base_in_use: Path, run: Run) -> None:
    code, out, err = run("validate")
    assert code == 0
    assert err == ""
    [line] = out.splitlines()
    found = SUMMARY.match(line)
    assert found is not None, line
    facts, phrasings, entities, sources, files, collisions, gaps = map(int, found.groups())
    assert (facts, phrasings, entities, sources, files, collisions) == (2, 4, 3, 2, 3, 0)
    assert gaps == len(audit.uncovered(load(mini_base_in_use))) > 0


def test_validate_takes_a_folder_argument(
    mini_base_dir: Path,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The base in use points at an empty folder; the argument wins.
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(tmp_path_factory.mktemp("empty")))
    code, out, _ = run("validate", str(mini_base_dir))
    assert code == 0
    assert out.startswith("OK: 2 facts")
    code, _, err = run("validate")
    assert code == 1
    assert "no .yaml files in this folder" in err


def test_validate_broken_base_lists_file_line_problems(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        mini_base_in_use,
        {
            "facts/wrong.yaml": textwrap.dedent("""\
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: President Vladimir Poutine
                    colour: red
            """)
        },
    )
    monkeypatch.chdir(mini_base_in_use)
    code, out, err = run("validate")
    assert code == 1
    assert "OK:" not in out
    *problems, summary = err.splitlines()
    assert problems == [
        "facts/wrong.yaml:6: fact \"x\": quote not found in source 'iran-primer': "
        "'President Vladimir Poutine' (copy it word for word; curly quotes and dashes count)",
        "facts/wrong.yaml:7: fact x: unknown key 'colour' (known: id, answer, questions, "
        "source, quote, date, entities, related, speakers, planned, supported_by, short, label, "
        "answers)",
    ]
    assert summary == f"The fact base in {mini_base_in_use} has 2 problem(s)."


def test_validate_missing_folder(run: Run, tmp_path: Path) -> None:
    code, out, err = run("validate", str(tmp_path / "nowhere"))
    assert code == 1
    assert out == ""
    assert re.search(r":1: no such knowledge folder$", err.splitlines()[0])


def test_validate_coverage_lists_unquoted_sentences(mini_base_in_use: Path, run: Run) -> None:
    code, out, _ = run("validate", "--coverage")
    assert code == 1  # the mini base quotes little of its source
    *gaps, summary = out.splitlines()
    assert SUMMARY.match(summary)
    assert len(gaps) == len(audit.uncovered(load(mini_base_in_use))) > 0
    for gap in gaps:
        found = PROBLEM_LINE.match(gap)
        assert found is not None, gap
        assert found["path"].endswith(".txt")
        assert found["message"].startswith("no fact quotes this sentence of 'iran-primer'")
    assert not any("Syrian President Bashar al Assad visited" in gap for gap in gaps)


def test_validate_coverage_passes_when_every_sentence_is_quoted(
    tmp_path: Path, write_tree: WriteFiles, run: Run
) -> None:
    write_tree(
        tmp_path,
        {
            "sources/doc.txt": "Alpha met Beta. Beta left.\n",
            "base.yaml": textwrap.dedent("""\
                sources:
                  - id: doc
                    title: A document
                    publisher: A publisher
                    text: sources/doc.txt
                    skip:
                      - sentence: Beta left.
                        reason: nothing to say
                facts:
                  - id: alpha-met-beta
                    answer: Alpha met Beta.
                    questions: [Who did Alpha meet?]
                    source: doc
                    quote: Alpha met Beta.
            """),
        },
    )
    code, out, _ = run("validate", "--coverage", str(tmp_path))
    assert code == 0
    [line] = out.splitlines()
    assert line.endswith("; 0 source sentence(s) not quoted.")


def _add_collision(mini_base_in_use: Path, write_tree: WriteFiles) -> None:
    write_tree(
        mini_base_in_use,
        {
            "facts/more.yaml": textwrap.dedent("""\
                facts:
                  - id: assad-meets-putin
                    answer: Assad met Putin in Sochi.
                    questions:
                      - When did Assad visit Sochi?
                    source: iran-primer
                    quote: where he met with President Vladimir Putin.
            """)
        },
    )


def test_validate_strict_fails_on_a_collision(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_collision(mini_base_in_use, write_tree)
    monkeypatch.chdir(mini_base_in_use)
    code, out, err = run("validate")
    assert code == 0  # a collision is only a warning...
    warnings = [line for line in err.splitlines() if line.endswith("[warning]")]
    assert "facts/more.yaml:5: " in "\n".join(warnings)
    assert all(PROBLEM_LINE.match(line) for line in warnings)
    found = SUMMARY.match(out.strip())
    assert found is not None
    assert int(found[6]) == len(warnings) > 0
    code, out, err = run("validate", "--strict")
    assert code == 1  # ...that --strict fails on
    assert "Failing: --strict" in err
    assert out.startswith("OK: 3 facts")


def test_validate_strict_passes_without_collisions(mini_base_in_use: Path, run: Run) -> None:
    code, _, err = run("validate", "--strict")
    assert code == 0
    assert err == ""


# --- ask ----------------------------------------------------------------------------------


def test_ask_prints_answer_quote_and_source(mini_base_in_use: Path, run: Run) -> None:
    code, out, err = run("ask", "When did Assad visit Sochi?")
    assert code == 0
    assert err == ""
    answer, quote, source = out.strip().split("\n\n")
    assert answer == "Assad visited Sochi on 20 November 2017."
    assert quote == f"“{ASSAD_QUOTE}”"
    assert source == f"The Iran Primer, 22 Nov 2017 — {PRIMER_URL}"


def test_ask_names_the_document_a_primary_source_is_quoted_in(
    mini_base_in_use: Path, run: Run
) -> None:
    code, out, _ = run("ask", "Will the presidents meet again?")
    assert code == 0
    source = out.strip().splitlines()[-1]
    assert source == f"Joint statement, 22 Nov 2017 · via The Iran Primer — {PRIMER_URL}"


def test_ask_on_a_broken_base_fails(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(mini_base_in_use, {"facts/wrong.yaml": "fatcs: []\n"})
    monkeypatch.chdir(mini_base_in_use)
    code, out, err = run("ask", "When did Assad visit Sochi?")
    assert code == 1
    assert out == ""
    assert err.splitlines()[0] == "facts/wrong.yaml:1: unknown section 'fatcs' " + (
        "(known: sources, entities, facts, smalltalk, replies, synonyms, examples, learned)"
    )


def _check_reply_json(reply: dict[str, Any], question: str) -> None:
    """The JSON contract of `ask --json`."""
    keys = {"question", "outcome", "fact", "text", "sources", "suggestions", "score"}
    assert keys | {"related", "smalltalk", "closest", "why"} <= set(reply)
    assert reply["question"] == question
    assert reply["outcome"] in ("answer", "clarify", "fallback")
    assert isinstance(reply["text"], str) and reply["text"]
    assert isinstance(reply["score"], int | float)
    assert 0 <= reply["score"] <= 100
    assert isinstance(reply["sources"], list)
    for source in reply["sources"]:
        assert set(source) == {"id", "title", "publisher", "date", "url", "quote"}
    assert isinstance(reply["suggestions"], list)
    for suggestion in reply["suggestions"]:
        assert set(suggestion) == {"fact", "question", "label"}
    if reply["outcome"] == "answer":
        assert isinstance(reply["fact"], str)
        assert reply["sources"]
        assert reply["closest"] is None
    elif reply["closest"] is not None:
        # A closest answer is no answer, but it shows its fact with quote and sources.
        assert reply["fact"] is None
        assert set(reply["closest"]) == {"fact", "question", "label"}
        assert reply["sources"]
    else:
        assert reply["fact"] is None
        assert reply["sources"] == []
    if reply["why"] is not None:
        assert 0 <= reply["why"]["answerable"] <= 1


def test_ask_json_answer(mini_base_in_use: Path, run: Run) -> None:
    question = "When did Assad visit Sochi?"
    code, out, _ = run("ask", "--json", question)
    assert code == 0
    [line] = out.splitlines()  # one JSON object on one line
    reply = json.loads(line)
    _check_reply_json(reply, question)
    assert reply["outcome"] == "answer"
    assert reply["fact"] == "assad-visits-sochi"
    assert reply["sources"] == [
        {
            "id": "iran-primer",
            "title": "Russia, Iran and Turkey Hold Syria Summit",
            "publisher": "The Iran Primer, United States Institute of Peace",
            "date": "2017-11-22",
            "url": "https://iranprimer.usip.org/blog/2017/nov/22/russia-iran-and-turkey-hold-syria-summit",
            "quote": ASSAD_QUOTE,
        }
    ]
    assert reply["score"] >= 62  # an answer is at least the answer threshold
    assert "“" in line  # printed as UTF-8, not as \u escapes


def test_ask_json_primary_source_then_its_document(mini_base_in_use: Path, run: Run) -> None:
    _, out, _ = run("ask", "--json", "Will the presidents meet again?")
    reply = json.loads(out)
    assert [source["id"] for source in reply["sources"]] == ["joint-statement", "iran-primer"]
    assert reply["sources"][0]["url"] is None
    assert {source["quote"] for source in reply["sources"]} == {
        "The presidents decided to meet again if necessary."
    }


def _asked(run: Run, question: str) -> dict[str, Any]:
    """The reply of `ask --json question`, checked against the contract."""
    code, out, _ = run("ask", "--json", question)
    assert code == 0
    reply: dict[str, Any] = json.loads(out)
    _check_reply_json(reply, question)
    return reply


def test_ask_json_fallback_offers_suggestions(mini_base_in_use: Path, run: Run) -> None:
    reply = _asked(run, "What is the weather like in Paris?")
    assert reply["outcome"] == "fallback"
    assert reply["suggestions"]
    base = load(mini_base_in_use)
    for suggestion in reply["suggestions"]:
        assert suggestion["fact"] in base.facts or suggestion["fact"] in base.entities


def test_ask_json_closest_names_the_fact_shown_and_why(mini_base_in_use: Path, run: Run) -> None:
    reply = _asked(run, "how many times did assad visit sochi")
    assert reply["outcome"] == "fallback"
    assert reply["closest"] == {
        "fact": "assad-visits-sochi",
        "question": "When did Assad visit Sochi?",
        "label": "Assad visits Sochi",
    }
    assert reply["text"].startswith("My sources don't say how many. What they say:")
    assert reply["why"]["missing"] == ["number"]
    assert reply["why"]["fact"] == "assad-visits-sochi"


def test_ask_json_smalltalk(mini_base_in_use: Path, run: Run) -> None:
    _, out, _ = run("ask", "--json", "hello")
    reply = json.loads(out)
    _check_reply_json(reply, "hello")
    assert reply["outcome"] == "fallback"
    # The greeting, then the example questions.
    greeting, examples = reply["text"].split("\n\n")
    assert greeting == load(mini_base_in_use).reply("greeting")
    assert reply["suggestions"] and reply["fact"] is None
    assert examples.splitlines()[0] == f"1. {reply['suggestions'][0]['question']}"


def test_ask_stdin_without_json_answers_each_non_empty_line(
    mini_base_in_use: Path, run: Run
) -> None:
    code, out, _ = run(
        "ask", "-", stdin="When did Assad visit Sochi?\n\nWill the presidents meet again?\n"
    )
    assert code == 0
    first = out.index("Assad visited Sochi on 20 November 2017.")
    second = out.index("They decided to meet again if necessary.")
    assert first < second
    assert out.count(" — https://") == 2


def test_ask_json_stdin_gives_json_lines_in_order(
    mini_base_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    questions = ["Will the presidents meet again?", "hello", "When did Assad visit Sochi?"]
    elsewhere = tmp_path_factory.mktemp("cwd")  # the working directory does not matter
    done = run_module(
        mini_base_dir, elsewhere, "ask", "--json", "-", stdin="\n".join(questions) + "\n"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3
    replies = [json.loads(line) for line in lines]
    assert [reply["question"] for reply in replies] == questions
    for reply, question in zip(replies, questions, strict=True):
        _check_reply_json(reply, question)
    assert [reply["fact"] for reply in replies] == ["js-meet-again", None, "assad-visits-sochi"]


# --- chat ---------------------------------------------------------------------------------


def test_chat_answers_each_line_until_eof(mini_base_in_use: Path, run: Run) -> None:
    messages = [
        "When did Assad visit Sochi?",
        "",
        "timeline",
        "/sources",
        "HELP",
        "hello",
    ]
    code, out, _ = run("chat", stdin="\n".join(messages) + "\n")
    assert code == 0
    assert "> " not in out  # no prompts when the input is not a terminal
    base = load(mini_base_in_use)
    answer = out.index("Assad visited Sochi on 20 November 2017.")
    timeline = out.index(
        "20 Nov 2017: On 20 November 2017 Assad visited Sochi and met Putin.\n"
        "Nov 2017: The presidents decided to meet again if necessary."
    )
    sources = out.index(
        f"- {PRIMER_LINE.replace('“', '').replace('”', '')}\n"
        "  - Joint Statement by the Presidents of Iran, Russia and Turkey, President Rouhani's "
        "website, 22 Nov 2017"
    )
    help_text = out.index(base.reply("help"))
    greeting = out.index(base.reply("greeting"), help_text + 1)
    assert answer < timeline < sources < help_text < greeting
    # One reply a message, each followed by a blank line; the empty line got none.
    assert out.endswith("\n\n") and base.reply("greeting") in out[greeting:]
    assert out.count("\n\n\n") == 0


def test_chat_as_a_real_process(
    mini_base_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("cwd")
    done = run_module(
        mini_base_dir, elsewhere, "chat", stdin="Will the presidents meet again?\ntimeline\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.index("“The presidents decided to meet again if necessary.”") < (
        done.stdout.index("20 Nov 2017: ")
    )


def test_chat_on_a_broken_base_fails(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    write_tree(mini_base_in_use, {"facts/wrong.yaml": "facts: [\n"})
    code, out, err = run("chat", stdin="hello\n")
    assert code == 1
    assert out == ""
    assert "wrong.yaml:" in err


# --- eval ---------------------------------------------------------------------------------

GOOD_SET = """\
questions:
  - q: When did Assad visit Sochi?
    expect: assad-visits-sochi
  - q: Will the presidents meet again?
    expect: js-meet-again
  - q: who is putin
    expect: putin
  - q: What is the capital of France?
    expect: none
"""


def _table_counts(out: str) -> dict[str, int]:
    rows = {}
    for line in out.splitlines():
        found = re.match(r"^\s*(\S.*?)\s+(\d+)\s", line + " ")
        if found:
            rows[found[1]] = int(found[2])
    return rows


def test_eval_passes_when_floors_are_met(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    write_tree(mini_base_in_use, {"eval/questions.yaml": GOOD_SET})
    code, out, err = run("eval", str(mini_base_in_use / "eval" / "questions.yaml"))
    assert code == 0, err
    rows = _table_counts(out)
    assert rows["in scope"] == 3
    assert rows["answered correctly"] == 3
    assert rows["answered wrongly"] == 0
    assert rows["out of scope"] == 1
    assert rows["declined"] == 1
    assert "Below floor" not in err


def test_eval_reads_the_bases_own_question_set_by_default(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    write_tree(mini_base_in_use, {"eval/questions.yaml": GOOD_SET})
    code, out, _ = run("eval")
    assert code == 0
    assert _table_counts(out)["answered correctly"] == 3


def test_eval_by_default_runs_every_question_set_beside_the_own_one(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    wrong = "questions:\n  - q: When did Assad visit Sochi?\n    expect: js-meet-again\n"
    write_tree(mini_base_in_use, {"eval/questions.yaml": GOOD_SET, "eval/more.yaml": wrong})
    code, out, err = run("eval")
    # The own set first, then the other one under its name; the other one's floor fails.
    assert out.index("questions.yaml:") < out.index("answered correctly") < out.index("more.yaml:")
    assert code == 1
    assert "Below floor: answered wrongly 100.0% > floor 3%" in err


def test_eval_fails_below_the_floors(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    path = mini_base_in_use / "eval" / "wrong.yaml"
    write_tree(
        mini_base_in_use,
        {
            "eval/wrong.yaml": (
                "questions:\n"
                "  - q: When did Assad visit Sochi?\n"
                "    expect: js-meet-again\n"
                "  - q: Will the presidents meet again?\n"
                "    expect: js-meet-again\n"
            )
        },
    )
    code, out, err = run("eval", "-v", str(path))
    assert code == 1
    rows = _table_counts(out)
    assert (rows["answered correctly"], rows["answered wrongly"]) == (1, 1)
    assert "Below floor: answered correctly 50.0% < floor 90%" in err
    assert "Below floor: answered wrongly 50.0% > floor 3%" in err
    # -v names each miss at its line in the set.
    assert (
        "  wrong.yaml:2: 'When did Assad visit Sochi?': expected js-meet-again, "
        "got assad-visits-sochi"
    ) in out
    # ... and the signals the decision weighed, on the line below.
    lines = out.splitlines()
    miss = next(n for n, line in enumerate(lines) if line.startswith("  wrong.yaml:2:"))
    assert lines[miss + 1].startswith("      why: top=assad-visits-sochi p=")


def test_eval_floors_come_from_the_set(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    write_tree(
        mini_base_in_use,
        {
            "eval/lenient.yaml": (
                "floors:\n"
                "  answered_correctly: 0.5\n"
                "  answered_wrongly: 0.5\n"
                "questions:\n"
                "  - q: When did Assad visit Sochi?\n"
                "    expect: js-meet-again\n"
                "  - q: Will the presidents meet again?\n"
                "    expect: js-meet-again\n"
            )
        },
    )
    code, _, err = run("eval", str(mini_base_in_use / "eval" / "lenient.yaml"))
    assert code == 0, err


def test_eval_names_an_id_missing_from_the_base(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    path = mini_base_in_use / "eval" / "questions.yaml"
    write_tree(
        mini_base_in_use,
        {
            "eval/questions.yaml": (
                "questions:\n"
                "  - q: When did Assad visit Sochi?\n"
                "    expect: assad-visits-sochi\n"
                "  - q: Who is Lavrov?\n"
                "    expect: lavrov\n"
            )
        },
    )
    code, out, err = run("eval", str(path))
    assert code == 1
    assert out == ""  # nothing is asked when the set does not fit the base
    assert err.splitlines() == [f"{path}:4: expected id 'lavrov' is not in the fact base"]


def test_eval_malformed_set(mini_base_in_use: Path, run: Run, write_tree: WriteFiles) -> None:
    path = mini_base_in_use / "eval" / "questions.yaml"
    write_tree(
        mini_base_in_use, {"eval/questions.yaml": "questions:\n  - q: ''\n    expect: putin\n"}
    )
    code, _, err = run("eval", str(path))
    assert code == 1
    assert f"{path}:2: each question needs a non-empty 'q'" in err


def test_eval_missing_set(mini_base_in_use: Path, run: Run) -> None:
    code, _, err = run("eval", str(mini_base_in_use / "eval" / "missing.yaml"))
    assert code == 1
    assert "cannot read the file" in err


def test_eval_floor_that_is_not_a_number(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    path = mini_base_in_use / "eval" / "questions.yaml"
    write_tree(
        mini_base_in_use,
        {
            "eval/questions.yaml": (
                "floors:\n"
                "  answered_correctly: high\n"
                "questions:\n"
                "  - q: When did Assad visit Sochi?\n"
                "    expect: assad-visits-sochi\n"
            )
        },
    )
    code, _, err = run("eval", str(path))
    assert code == 1
    assert str(path) in err


# --- configuration and usage --------------------------------------------------------------


def test_knowledge_dir_from_the_environment(tmp_path: Path) -> None:
    assert knowledge_dir({"BOT_KNOWLEDGE_DIR": str(tmp_path)}) == tmp_path
    assert knowledge_dir({"BOT_KNOWLEDGE_DIR": "  "}) == PROJECT_KNOWLEDGE
    assert knowledge_dir({}) == PROJECT_KNOWLEDGE
    home = knowledge_dir({"BOT_KNOWLEDGE_DIR": "~/kb"})
    assert home.is_absolute()
    assert home.name == "kb"


# --- what reaches the terminal ---------------------------------------------------------------


@pytest.fixture
def hostile_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A question log holding questions full of terminal escapes, bidi and hidden characters,
    made the log in use through BOT_DATABASE."""
    path = tmp_path / "questions.sqlite3"
    question_log = QuestionLog.open(path)
    for text in HOSTILE:
        question_log.record_question(
            new_id(), text, "fallback", candidates=["x\x1b[2J"], at=time.time()
        )
    question_log.close()
    monkeypatch.setenv("BOT_DATABASE", str(path))
    return path


@pytest.mark.parametrize(
    "argv", [("unanswered",), ("unanswered", "--json"), ("stats",), ("stats", "--json")]
)
def test_reports_show_escapes_not_control_characters(
    mini_base_in_use: Path, hostile_log: Path, run: Run, argv: tuple[str, ...]
) -> None:
    code, out, err = run(*argv)
    assert code == 0
    assert unsafe(out + err) == []
    if "--json" in argv:
        json.loads(out)  # still JSON, the escapes being JSON's
    if argv == ("unanswered", "--json"):
        shown = {group["text"] for group in json.loads(out)["groups"]}
        assert {" ".join(text.split()) for text in HOSTILE} == shown


@pytest.mark.parametrize("argv", [("ask", "-"), ("ask", "-", "--json"), ("chat",)])
def test_replies_show_escapes_not_control_characters(
    mini_base_in_use: Path, run: Run, argv: tuple[str, ...]
) -> None:
    lines = "".join(f"{text} Assad Sochi\n" for text in HOSTILE)
    code, out, err = run(*argv, stdin=lines)
    assert code == 0
    assert unsafe(out + err) == []
    if "--json" in argv:
        assert [json.loads(line)["question"] for line in out.splitlines()] == [
            f"{text} Assad Sochi" for text in HOSTILE
        ]


def test_unknown_command_is_a_usage_error(run: Run) -> None:
    with pytest.raises(SystemExit) as exited:
        run("frobnicate")
    assert exited.value.code == 2


# --- conversations: JSON Lines with a conversation, chat, conversation sets ---------------


@pytest.fixture
def real_base_in_use(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's own fact base, in use."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return PROJECT_KNOWLEDGE


def test_ask_json_lines_reads_each_conversation_in_its_own_context(
    real_base_in_use: Path, run: Run
) -> None:
    lines = [
        {"question": "When did Putin talk to Trump?", "conversation": "a"},
        {"question": "What did Rouhani say at the summit?", "conversation": "b"},
        {"question": "how long did they talk?", "conversation": "a"},
        {"question": "and putin?", "conversation": "b"},
        {"question": "and putin?"},  # no conversation: no context
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nand putin?\n"
    code, out, _ = run("ask", "--json", "-", stdin=stdin)
    assert code == 0
    replies = [json.loads(line) for line in out.splitlines()]
    assert len(replies) == 6
    for reply, line in zip(replies, lines, strict=False):
        _check_reply_json(reply, line["question"])
    assert [reply["understood_as"] for reply in replies] == [
        None,
        None,
        "How long did Vladimir Putin and Donald Trump talk?",
        "What did Vladimir Putin say at the summit?",
        None,
        None,  # a plain line keeps its meaning: one question, no context
    ]
    assert replies[2]["fact"] == "putin-trump-call"
    assert replies[3]["text"].startswith("Reading this as: What did Vladimir Putin say")
    assert replies[4]["fact"] == replies[5]["fact"] == "putin"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"question": "when did assad visit sochi"', "not a JSON object"),
        ('{"question": 3}', '"question" must be a non-empty string'),
        ('{"question": "  "}', '"question" must be a non-empty string'),
        ('{"question": "hi", "conversation": 5}', '"conversation" must be a string'),
        ('{"conversation": "a"}', '"question" must be a non-empty string'),
    ],
)
def test_ask_json_lines_says_what_is_wrong_with_a_bad_object_and_goes_on(
    mini_base_in_use: Path, run: Run, line: str, message: str
) -> None:
    good = json.dumps({"question": "When did Assad visit Sochi?", "conversation": "a"})
    code, out, _ = run("ask", "--json", "-", stdin=f"{good}\n{line}\n{good}\n")
    assert code == 0
    first, error, last = (json.loads(text) for text in out.splitlines())
    assert set(error) == {"error", "line"} and error["line"] == 2
    assert error["error"].startswith(f"line 2: {message}")
    assert first["fact"] == last["fact"] == "assad-visits-sochi"


def test_chat_keeps_the_context(real_base_in_use: Path, run: Run) -> None:
    code, out, _ = run("chat", stdin="When did Putin talk to Trump?\nhow long did they talk?\n")
    assert code == 0
    assert "Reading this as: How long did Vladimir Putin and Donald Trump talk?\n" in out


DIALOGUE_SET = """\
floors:
  answered_correctly: 0.9
dialogues:
  - - q: When did Assad visit Sochi?
      expect: assad-visits-sochi
    - q: who did he meet there?
      expect: assad-visits-sochi
    - q: what did he eat there?
      expect: none
"""


def test_eval_runs_a_conversation_set(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    write_tree(mini_base_in_use, {"eval/dialogues.yaml": DIALOGUE_SET})
    code, out, err = run("eval", "-v", str(mini_base_in_use / "eval" / "dialogues.yaml"))
    assert code == 0, err
    follow_ups = out[: out.index("First questions:")]
    rows = _table_counts(follow_ups)
    assert rows["answered correctly"] == 1
    assert rows["beyond the sources"] == 1
    assert "beyond the sources answered as if known: 0" in out


def test_eval_without_a_file_runs_both_sets(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    wrong = DIALOGUE_SET.replace(
        "expect: assad-visits-sochi\n    - q: who", "expect: x\n    - q: who"
    )
    write_tree(mini_base_in_use, {"eval/questions.yaml": GOOD_SET, "eval/dialogues.yaml": wrong})
    code, out, err = run("eval")
    assert code == 1  # the conversation set names an id the base does not have
    assert _table_counts(out)["answered correctly"] == 3
    assert "expected id 'x' is not in the fact base" in err


def test_eval_without_a_file_runs_every_conversation_set(
    mini_base_in_use: Path, run: Run, write_tree: WriteFiles
) -> None:
    # A second conversation set beside the first, and a question set that is no such set.
    wrong = DIALOGUE_SET.replace("expect: none", "expect: assad-visits-sochi")
    write_tree(
        mini_base_in_use,
        {
            "eval/questions.yaml": GOOD_SET,
            "eval/dialogues.yaml": DIALOGUE_SET,
            "eval/dialogues-more.yaml": wrong,
            "eval/other-questions.yaml": GOOD_SET,
        },
    )
    code, out, err = run("eval")
    assert out.index("dialogues.yaml:") < out.index("dialogues-more.yaml:")
    # The other question set is run as one (not as a conversation set), before them.
    assert out.index("other-questions.yaml:") < out.index("dialogues.yaml:")
    assert out.count("First questions:") == 2
    # The second set's floors count too: its third turn is not answered.
    assert err.count("Below floor") == 1 and code == 1
