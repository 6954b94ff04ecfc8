"""Live reload: the new base is swapped in whole, or the old one kept; watch() notices edits."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from bot import reloading
from bot.config import PROJECT_KNOWLEDGE
from bot.curation import Layered, load_layered
from bot.factbase import Problem, load
from bot.reloading import KnowledgeHolder
from bot.replies import Answerer
from bot.teaching import LEARNED_FILE
from tests.conftest import copy_project_base
from tests.harness import learned_yaml

QUESTION = "was there a press conference afterwards"
FACT = "joint-statement-summit"
LEARNED = learned_yaml(QUESTION, FACT)
BROKEN = "facts/summit.yaml"
INTERVAL = 0.05


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    """A copy of the project's fact base, without any learned phrasings."""
    return copy_project_base(tmp_path)


def break_file(base_copy: Path) -> int:
    """Append an entry with a key given twice to a facts file; return that key's line."""
    path = base_copy / BROKEN
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "  - id: one\n    id: two\n", encoding="utf-8")
    return text.count("\n") + 2


def assert_at_broken_line(problems: list[Problem], line: int) -> None:
    assert problems
    assert all(Path(problem.path).as_posix().endswith(BROKEN) for problem in problems)
    assert problems[0].line == line
    assert str(problems[0]) == f"{problems[0].path}:{line}: YAML error: duplicate key 'id'"


@pytest.mark.asyncio
async def test_reload_picks_up_an_edit(base_copy: Path) -> None:
    holder = KnowledgeHolder(base_copy)
    old = holder.answerer
    assert old.ask(QUESTION).fact != FACT
    (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
    assert await holder.reload() == []
    assert holder.answerer is not old
    assert holder.answerer.ask(QUESTION).fact == FACT


@pytest.mark.asyncio
async def test_a_broken_edit_keeps_the_old_answerer(base_copy: Path) -> None:
    holder = KnowledgeHolder(base_copy)
    old = holder.answerer
    line = break_file(base_copy)
    (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
    assert_at_broken_line(await holder.reload(), line)
    assert holder.answerer is old
    assert holder.answerer.ask(QUESTION).fact != FACT
    shutil.copyfile(PROJECT_KNOWLEDGE / BROKEN, base_copy / BROKEN)
    assert await holder.reload() == []
    assert holder.answerer.ask(QUESTION).fact == FACT


@pytest.mark.asyncio
async def test_an_answerer_given_is_used_until_the_first_reload(base_copy: Path) -> None:
    given = Answerer(load(base_copy))
    holder = KnowledgeHolder(base_copy, given)
    assert holder.answerer is given
    assert await holder.reload() == []
    assert holder.answerer is not given


@pytest.mark.asyncio
async def test_concurrent_reloads_run_one_at_a_time(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = KnowledgeHolder(base_copy)
    active = 0
    most = 0
    guard = threading.Lock()

    def slow_load(directory: Path, overlay: Path | None) -> Layered:
        nonlocal active, most
        with guard:
            active += 1
            most = max(most, active)
        time.sleep(0.05)
        try:
            return load_layered(directory, overlay)
        finally:
            with guard:
                active -= 1

    monkeypatch.setattr(reloading, "load_layered", slow_load)
    results = await asyncio.gather(*(holder.reload() for _ in range(4)))
    assert results == [[], [], [], []]
    assert most == 1


@pytest.mark.asyncio
async def test_questions_during_reloads_all_get_a_whole_answer(base_copy: Path) -> None:
    """Reloads flip between two bases while many tasks ask: every question gets the reply one
    of the two bases gives, none is lost and none comes from anything in between."""
    questions = [
        QUESTION,
        "When did Assad visit Sochi?",
        "what did rohani say",
        "33 delegations",
        "who is the Russian president?",
        "hello",
        "what is the weather in Paris",
    ]
    without = Answerer(load(base_copy))
    (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
    with_learned = Answerer(load(base_copy))
    expected = {
        q: {(a.ask(q).outcome, a.ask(q).fact) for a in (without, with_learned)} for q in questions
    }
    assert expected[QUESTION] == {("fallback", None), ("answer", FACT)}
    holder = KnowledgeHolder(base_copy, with_learned)
    stop = asyncio.Event()
    replies: list[tuple[str, str, str | None]] = []
    answerers: dict[int, Answerer] = {}  # the objects kept, so that no id is reused

    async def ask_many(offset: int) -> int:
        asked = 0
        while not stop.is_set():
            question = questions[(offset + asked) % len(questions)]
            answerer = holder.answerer  # read once: the whole question uses this base
            answerers[id(answerer)] = answerer
            asked += 1
            reply = await asyncio.to_thread(answerer.ask, question)
            replies.append((question, str(reply.outcome), reply.fact))
        return asked

    async def flip(times: int) -> None:
        for _ in range(times):
            learned = base_copy / LEARNED_FILE
            if learned.exists():
                learned.unlink()
            else:
                learned.write_text(LEARNED, encoding="utf-8")
            assert await holder.reload() == []
        stop.set()

    flipper = asyncio.create_task(flip(4))
    asked = await asyncio.gather(*(ask_many(offset) for offset in range(12)))
    await flipper
    assert len(answerers) >= 4  # questions were answered across the reloads
    assert len(replies) == sum(asked) > 12 * 5
    for question, outcome, fact in replies:
        assert (outcome, fact) in expected[question], question


def test_snapshot_covers_yaml_and_source_texts_only(base_copy: Path) -> None:
    holder = KnowledgeHolder(base_copy)
    names = {Path(path).relative_to(base_copy).as_posix() for path, _, _ in holder.snapshot()}
    assert "entities.yaml" in names
    assert BROKEN in names
    assert any(name.startswith("sources/") and name.endswith(".txt") for name in names)
    assert not any(name.startswith("eval/") for name in names)
    before = holder.snapshot()
    (base_copy / ".learned.yaml.x.tmp").write_text(
        "half", encoding="utf-8"
    )  # teach's temporary file
    (base_copy / "eval" / "questions.yaml").write_text("questions: []\n", encoding="utf-8")
    assert holder.snapshot() == before
    source = next((base_copy / "sources").glob("*.txt"))
    with source.open("a", encoding="utf-8") as out:
        out.write(" ")
    assert holder.snapshot() != before


async def wait_for_calls(calls: list[list[Problem]], count: int, intervals: int = 40) -> None:
    for _ in range(intervals):
        if len(calls) >= count:
            return
        await asyncio.sleep(INTERVAL)
    raise AssertionError(f"on_result called {len(calls)} time(s), expected {count}")


@pytest.mark.asyncio
async def test_watch_reloads_on_a_change_and_stops_when_cancelled(base_copy: Path) -> None:
    holder = KnowledgeHolder(base_copy)
    calls: list[list[Problem]] = []

    async def on_result(problems: list[Problem]) -> None:
        calls.append(problems)

    watcher = asyncio.create_task(holder.watch(INTERVAL, on_result))
    await asyncio.sleep(INTERVAL * 4)
    assert calls == []  # nothing changed, nothing reloaded

    (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
    await wait_for_calls(calls, 1)
    assert calls == [[]]
    assert holder.answerer.ask(QUESTION).fact == FACT

    # A broken edit is reported once, with its file and line, and the old base stays.
    answerer = holder.answerer
    line = break_file(base_copy)
    await wait_for_calls(calls, 2)
    assert_at_broken_line(calls[1], line)
    assert holder.answerer is answerer
    await asyncio.sleep(INTERVAL * 4)
    assert len(calls) == 2

    watcher.cancel()
    with pytest.raises(asyncio.CancelledError):
        await watcher
    assert watcher.cancelled()
    shutil.copyfile(PROJECT_KNOWLEDGE / BROKEN, base_copy / BROKEN)
    await asyncio.sleep(INTERVAL * 4)
    assert len(calls) == 2


@pytest.mark.asyncio
async def test_watch_waits_for_the_files_to_settle(base_copy: Path) -> None:
    holder = KnowledgeHolder(base_copy)
    calls: list[list[Problem]] = []

    async def on_result(problems: list[Problem]) -> None:
        calls.append(problems)

    watcher = asyncio.create_task(holder.watch(INTERVAL * 2, on_result))
    learned = base_copy / LEARNED_FILE
    # Written a piece at a time, faster than the interval: one reload, of the whole file.
    for end in range(1, len(LEARNED) + 1, 40):
        learned.write_text(LEARNED[:end], encoding="utf-8")
        await asyncio.sleep(INTERVAL / 2)
    learned.write_text(LEARNED, encoding="utf-8")
    await wait_for_calls(calls, 1)
    await asyncio.sleep(INTERVAL * 6)
    watcher.cancel()
    assert calls == [[]]
    assert holder.answerer.ask(QUESTION).fact == FACT


@pytest.mark.asyncio
async def test_watch_survives_a_failing_report(
    base_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = KnowledgeHolder(base_copy)
    calls: list[list[Problem]] = []

    async def on_result(problems: list[Problem]) -> None:
        calls.append(problems)
        if len(calls) == 1:
            raise ConnectionError("Telegram is unreachable")

    watcher = asyncio.create_task(holder.watch(INTERVAL, on_result))
    with caplog.at_level(logging.ERROR, logger="bot.reloading"):
        (base_copy / LEARNED_FILE).write_text(LEARNED, encoding="utf-8")
        await wait_for_calls(calls, 1)
        os.utime(base_copy / "entities.yaml", ns=(0, 0))
        await wait_for_calls(calls, 2)
    watcher.cancel()
    assert calls == [[], []]
    assert "Reporting a reload" in caplog.text
