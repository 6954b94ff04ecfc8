"""Moderators keep the fact base from Telegram, offline through the real Application (its Bot
API answered in memory by tests.emulator.BotApi): /newfact, /fact and its buttons, /history,
/undo, the "New fact" button under /unanswered, two moderators at once, permissions, and a
restart that keeps only the data folder.

The fact base is a copy of the project's in tmp_path, the overlay and question log in
tmp_path/data, as on the Docker image's data volume."""

from __future__ import annotations

import asyncio
import contextlib
import html
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.curation import fingerprint
from bot.factbase import load
from bot.reloading import KnowledgeHolder
from bot.storage import QuestionLog
from bot.teaching import LEARNED_FILE
from bot.telegram import curating, curating_facts
from bot.telegram.commands import UNKNOWN_COMMAND
from tests.conftest import copy_project_base
from tests.emulator import JSONDict, callback_query, private_message
from tests.harness import Bot, buttons, running

MOD = 777
OTHER_MOD = 778
USER = 1001
# A sentence on iran-primer's coverage skip list: a moderator's fact may quote it all the same.
QUOTE = (
    "The following is a rundown of the latest diplomatic efforts, including a Russia-Iran-Turkey"
    " summit."
)
ANSWER = "The latest diplomatic efforts included a Russia-Iran-Turkey summit."
QUESTIONS = [
    "what does the iran primer rundown cover",
    "which efforts are in the rundown",
    "rundown of diplomatic efforts",
]
SHIPPED = "sochi-summit"
# A fact nothing else draws on, so that it may be withdrawn; and how people ask for it.
LONE = "russia-backs-assad"
LONE_QUESTION = "How has Russia supported the Assad government?"
LONE_WORDS = "key backer"


class Curating(Bot):
    """The application, its Bot API, and what moderators say and press."""

    async def say(self, text: str, user: int = MOD) -> list[str]:
        """A private message from `user`: the texts of the messages sent back."""
        return texts(await self.receive(private_message(text, chat_id=user)))

    async def press(self, data: str, user: int = MOD) -> list[JSONDict]:
        """A press by `user` on a button in their private chat."""
        return await self.receive(callback_query(data, chat_id=user))

    async def sent(self, text: str, user: int = MOD) -> list[JSONDict]:
        """The messages sent back to a private message."""
        calls = await self.receive(private_message(text, chat_id=user))
        return [call for call in calls if call["method"] == "sendMessage"]


def texts(calls: list[JSONDict]) -> list[str]:
    """The plain text of every message sent."""
    return [html.unescape(call["text"]) for call in calls if call["method"] == "sendMessage"]


@pytest.fixture
def base_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's base, without learned phrasings; the cwd is its parent."""
    monkeypatch.chdir(tmp_path)
    return copy_project_base(tmp_path)


@contextlib.asynccontextmanager
async def curating_bot(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch, data: Path | None = None
) -> AsyncIterator[Curating]:
    """build_application over the base copy and a data folder (by default beside it), run with
    its hooks."""
    data = data if data is not None else base_copy.parent / "data"
    data.mkdir(exist_ok=True)
    question_log = QuestionLog.open(data / "questions.sqlite3")
    holder = KnowledgeHolder(base_copy, overlay=data / "overlay.yaml")
    options: dict[str, Any] = {
        "knowledge": base_copy,
        "moderators": frozenset({MOD, OTHER_MOD}),
        "rate_limit": 0,
        "reload_interval": 0,
        "database": data / "questions.sqlite3",
    }
    async with (
        running(holder, monkeypatch, question_log, hooks=True, **options) as bot,
        job_queue(bot),
    ):
        yield Curating(bot.application, bot.api)


@contextlib.asynccontextmanager
async def job_queue(bot: Bot) -> AsyncIterator[None]:
    """The application's job queue running (Application.start runs it), for the timeouts."""
    queue = bot.application.job_queue
    assert queue is not None
    await queue.start()
    try:
        yield
    finally:
        await queue.stop()


def answer_of(replies: list[str]) -> str:
    """The one reply to a question."""
    assert len(replies) == 1, replies
    return replies[0]


async def new_fact(bot: Curating, questions: list[str] = QUESTIONS) -> list[JSONDict]:
    """/newfact through to the preview; the preview's messages."""
    assert answer_of(await bot.say("/newfact")) == curating.ASK_QUOTE
    assert "Now the answer" in answer_of(await bot.say(QUOTE))
    assert "questions people would ask" in answer_of(await bot.say(ANSWER))
    return await bot.sent("\n".join(questions))


# --- /newfact -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_new_fact_from_telegram_is_answered_at_once(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        assert ANSWER not in answer_of(await bot.say(QUESTIONS[0], user=USER))
        preview = await new_fact(bot)
        lead, card = preview
        assert "Preview of fact" in html.unescape(lead["text"])
        # Exactly as users will see it: the answer, the quote, the source.
        assert ANSWER in html.unescape(card["text"]) and QUOTE in html.unescape(card["text"])
        assert [data for _, data in buttons(card)] == ["ns", "nc"]
        saved = texts(await bot.press("ns"))
        assert saved == [curating.SAVED.format(ident="iran-primer-rundown-cover")]
        for question in QUESTIONS:
            assert ANSWER in answer_of(await bot.say(question, user=USER))
    overlay = (base_copy.parent / "data" / "overlay.yaml").read_text(encoding="utf-8")
    assert QUOTE in overlay.replace("\n    ", " ")
    assert not list((base_copy.parent / "data").glob(".overlay.yaml.*.tmp"))


@pytest.mark.asyncio
async def test_a_quote_not_in_any_source_offers_the_nearest_sentences(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        await bot.say("/newfact")
        [offer] = await bot.sent("The following is a rundown of the diplomatic efforts")
        assert html.unescape(offer["text"]) == curating.NOT_FOUND
        choices = buttons(offer)
        assert choices and all(data.startswith("nq:") for _, data in choices)
        assert "rundown" in choices[0][0]
        assert "Now the answer" in texts(await bot.press(choices[0][1]))[0]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("step", "typed", "said"),
    [
        ("answer", "x" * 5000, "characters long; at most 600"),
        ("answer", "<b>Putin</b> hosted the summit.", "holds HTML"),
        ("answer", "   ", "is empty"),
        ("questions", "only one question", "at least 3 questions"),
        ("questions", "\n\n", "at least 3 questions"),
        ("questions", "a <script>x</script>\nb\nc", "holds HTML"),
    ],
)
async def test_bad_input_at_a_step_is_said_and_asked_again(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch, step: str, typed: str, said: str
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        await bot.say("/newfact")
        await bot.say(QUOTE)
        if step == "questions":
            await bot.say(ANSWER)
        assert said in answer_of(await bot.say(typed))
        # Still at that step: good input now goes on.
        good = ANSWER if step == "answer" else "\n".join(QUESTIONS)
        assert await bot.say(good)
        assert not (base_copy.parent / "data" / "overlay.yaml").exists()


@pytest.mark.asyncio
async def test_colliding_questions_are_shown_and_nothing_is_saved(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        sent = await new_fact(bot, ["When did Assad visit Sochi?", *QUESTIONS])
        said = html.unescape(sent[-1]["text"])
        assert said.startswith(curating.COLLIDES) and "When did Assad visit Sochi?" in said
        assert all(not buttons(message) for message in sent)
        # Save pressed anyway (an old preview): nothing is written.
        await bot.press("ns")
        assert not (base_copy.parent / "data" / "overlay.yaml").exists()


@pytest.mark.asyncio
async def test_cancel_at_any_step_saves_nothing(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        for steps in ([], [QUOTE], [QUOTE, ANSWER]):
            await bot.say("/newfact")
            for text in steps:
                await bot.say(text)
            assert answer_of(await bot.say("/cancel")) == curating.CANCELLED
            # The conversation is over: text is a question again.
            assert curating.ASK_QUOTE not in await bot.say(QUOTE)
        await new_fact(bot)
        assert texts(await bot.press("nc")) == [curating.CANCELLED]
        assert texts(await bot.press("ns")) == [curating_facts.GONE]
    assert not (base_copy.parent / "data" / "overlay.yaml").exists()


@pytest.mark.asyncio
async def test_an_abandoned_new_fact_times_out(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(curating, "TIMEOUT_SECONDS", 0.3)
    async with curating_bot(base_copy, monkeypatch) as bot:
        await bot.say("/newfact")
        await bot.say(QUOTE)
        before = len(bot.api.calls)

        def timed_out() -> bool:
            return any(curating.TIMED_OUT in str(call.params) for call in bot.api.calls[before:])

        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not timed_out():
            await asyncio.sleep(0.05)
        assert timed_out()
        # Over: the answer typed now is a question, and nothing was saved.
        assert "questions people would ask" not in answer_of(await bot.say(ANSWER))
        assert not (base_copy.parent / "data" / "overlay.yaml").exists()


@pytest.mark.asyncio
async def test_a_restart_mid_flow_saves_nothing_and_says_so(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        await new_fact(bot)
    async with curating_bot(base_copy, monkeypatch) as bot:
        assert texts(await bot.press("ns")) == [curating_facts.GONE]
    assert not (base_copy.parent / "data" / "overlay.yaml").exists()


@pytest.mark.asyncio
async def test_new_fact_from_unanswered_takes_the_question_as_first_phrasing(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        asked = "what does the primer rundown include"
        await bot.say(asked, user=USER)
        services = bot.application.bot_data["services"]
        assert services.question_log.flush(5)
        sent = await bot.sent("/unanswered")
        entry = next(m for m in sent if asked in html.unescape(m["text"]))
        [data] = [data for label, data in buttons(entry) if label == "New fact"]
        assert texts(await bot.press(data, user=USER)) == []  # not a moderator: nothing
        assert texts(await bot.press(data)) == [curating.ASK_QUOTE]
        await bot.say(QUOTE)
        assert asked in answer_of(await bot.say(ANSWER))
        await bot.sent("\n".join(QUESTIONS[:2]))
        await bot.press("ns")
        assert ANSWER in answer_of(await bot.say(asked, user=USER))


# --- /fact, /history, /undo ------------------------------------------------------------------


async def fact_card(bot: Curating, words: str) -> JSONDict:
    [card] = await bot.sent(f"/fact {words}")
    return card


def button(card: JSONDict, label: str) -> str:
    [data] = [data for text, data in buttons(card) if text == label]
    return data


@pytest.mark.asyncio
async def test_fact_shows_a_fact_found_by_id_or_by_words(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        await bot.say("who met at the sochi summit", user=USER)
        await bot.say("who met in sochi on 22 november", user=USER)
        assert bot.application.bot_data["services"].question_log.flush(5)
        by_id = html.unescape((await fact_card(bot, SHIPPED))["text"])
        by_words = html.unescape((await fact_card(bot, "who came to the Sochi summit"))["text"])
        assert by_id.splitlines()[0] == by_words.splitlines()[0] == f"Fact {SHIPPED}"
        assert "Quote: “On November 22, Putin met" in by_id
        counts = [int(line.rsplit("— ", 1)[1]) for line in by_id.splitlines() if " — " in line]
        assert sum(counts) == 2
        assert "👍 0  👎 0" in by_id
        assert answer_of(await bot.say("/fact")) == curating_facts.FACT_USAGE


@pytest.mark.asyncio
async def test_fact_buttons_edit_add_remove_withdraw_restore(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        card = await fact_card(bot, SHIPPED)
        await bot.press(button(card, "Edit answer"))
        assert "at most 600" in answer_of(await bot.say("y" * 700))
        assert answer_of(await bot.say("Putin hosted a summit in Sochi.")).startswith("Done")
        assert "Putin hosted a summit in Sochi." in answer_of(
            await bot.say("who met at the sochi summit", user=USER)
        )
        card = await fact_card(bot, SHIPPED)
        await bot.press(button(card, "Add phrasings"))
        assert answer_of(await bot.say("the trio in sochi")).startswith("Done")
        assert "Putin hosted" in answer_of(await bot.say("the trio in sochi", user=USER))
        card = await fact_card(bot, SHIPPED)
        calls = await bot.press(button(card, "Remove a phrasing"))
        [removing] = [m for m in calls if m["method"] == "sendMessage"]
        assert "Which phrasing" in html.unescape(removing["text"])
        data = next(d for label, d in buttons(removing) if "the trio in sochi" in label)
        assert texts(await bot.press(data))[0].startswith("Done")
        card = await fact_card(bot, SHIPPED)
        assert "the trio in sochi" not in html.unescape(card["text"])
        # A fact another draws on is not withdrawn: said, and nothing changes.
        refused = texts(await bot.press(button(card, "Withdraw")))[0]
        assert refused.startswith("Nothing was changed") and "sochi-summit-event" in refused
        history = answer_of(await bot.say(f"/history {SHIPPED}"))
        actions = ["remove phrasing", "add phrasings", "edit answer"]
        assert [a for a in actions if f": {a} {SHIPPED}" in history] == actions
        card = await fact_card(bot, LONE)
        assert texts(await bot.press(button(card, "Withdraw")))[0].startswith("Done")
        assert LONE_WORDS not in answer_of(await bot.say(LONE_QUESTION, user=USER))
        card = await fact_card(bot, LONE)
        assert "WITHDRAWN" in html.unescape(card["text"])
        assert texts(await bot.press(button(card, "Restore")))[0].startswith("Done")
        assert LONE_WORDS in answer_of(await bot.say(LONE_QUESTION, user=USER))


@pytest.mark.asyncio
async def test_two_moderators_never_lose_a_change(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        mine = await fact_card(bot, SHIPPED)
        theirs = await fact_card(bot, SHIPPED)
        await bot.press(button(mine, "Edit answer"), user=MOD)
        await bot.press(button(theirs, "Edit answer"), user=OTHER_MOD)
        assert answer_of(await bot.say("First answer.", user=MOD)).startswith("Done")
        refused = answer_of(await bot.say("Second answer.", user=OTHER_MOD))
        assert "since you looked at it; nothing was changed" in refused
        assert "First answer." in answer_of(await bot.say("sochi summit", user=USER))
        # A stale Withdraw from the first card is refused too.
        assert (
            "since you looked" in texts(await bot.press(button(theirs, "Withdraw"), OTHER_MOD))[0]
        )
        # Looking again, the second moderator's change goes in over the first.
        fresh = await fact_card(bot, SHIPPED)
        await bot.press(button(fresh, "Edit answer"), user=OTHER_MOD)
        assert answer_of(await bot.say("Second answer.", user=OTHER_MOD)).startswith("Done")
        history = answer_of(await bot.say("/history"))
        assert "telegram:777: edit answer" in history and "telegram:778: edit answer" in history


@pytest.mark.asyncio
async def test_undo_takes_back_the_moderators_own_last_change(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        await new_fact(bot)
        await bot.press("ns")
        card = await fact_card(bot, LONE)
        await bot.press(button(card, "Withdraw"), user=OTHER_MOD)
        assert "undoes #1" in answer_of(await bot.say("/undo"))
        assert ANSWER not in answer_of(await bot.say(QUESTIONS[0], user=USER))
        # The other moderator's withdrawal stands, until they undo it themselves.
        assert LONE_WORDS not in answer_of(await bot.say(LONE_QUESTION, user=USER))
        assert answer_of(await bot.say("/undo")) == "You have no change to undo."
        assert "undoes #2" in answer_of(await bot.say("/undo", user=OTHER_MOD))
        assert LONE_WORDS in answer_of(await bot.say(LONE_QUESTION, user=USER))


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_for_anyone_else_the_commands_are_unknown_and_buttons_inert(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with curating_bot(base_copy, monkeypatch) as bot:
        for command in ("/newfact", f"/fact {SHIPPED}", "/history", "/undo", "/cancel"):
            assert await bot.say(command, user=USER) == [html.unescape(UNKNOWN_COMMAND)]
        against = fingerprint(None)
        forged = [
            f"k:w:{against}:{SHIPPED}",
            f"k:a:{against}:{SHIPPED}",
            f"k:x:{against}:0:{SHIPPED}",
            "ns",
            "nc",
            "nq:0",
            "n:1",
            "k:w:zzzz:no-such-fact",
        ]
        for data in forged:
            calls = await bot.press(data, user=USER)
            assert [call["method"] for call in calls] == ["answerCallbackQuery"], data
            assert "text" not in calls[0], data
        # A forged edit did not start a conversation: the user's text is a question.
        assert "Done" not in answer_of(await bot.say("Withdrawn answer", user=USER))
    assert not (base_copy.parent / "data" / "overlay.yaml").exists()


# --- a container replaced -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_every_change_outlives_the_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with `docker run` and a data volume: the image (here the app folder with its
    knowledge) is deleted and made again; only data/ is kept."""
    monkeypatch.chdir(tmp_path)
    knowledge = copy_project_base(tmp_path / "app")
    data = tmp_path / "data"
    async with curating_bot(knowledge, monkeypatch, data) as bot:
        await new_fact(bot)
        await bot.press("ns")
        await bot.press(button(await fact_card(bot, SHIPPED), "Edit answer"))
        assert answer_of(await bot.say("Edited in the old container.")).startswith("Done")
        await bot.press(button(await fact_card(bot, LONE), "Withdraw"), user=OTHER_MOD)
    shutil.rmtree(tmp_path / "app")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]
    copy_project_base(tmp_path / "app")  # the new image
    async with curating_bot(knowledge, monkeypatch, data) as bot:
        assert ANSWER in answer_of(await bot.say(QUESTIONS[1], user=USER))
        assert "Edited in the old container." in answer_of(await bot.say("sochi summit", USER))
        assert LONE_WORDS not in answer_of(await bot.say(LONE_QUESTION, USER))
        history = answer_of(await bot.say("/history"))
        assert [line[:2] for line in history.splitlines() if line.startswith("#")] == [
            "#3",
            "#2",
            "#1",
        ]


# Not answered with its fact before it is taught (see tests/test_teaching.py).
TAUGHT = "was there a press conference afterwards"
TAUGHT_FACT = "joint-statement-summit"


@pytest.mark.asyncio
async def test_a_phrasing_taught_with_teach_outlives_the_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/teach writes into the overlay on the data volume, not into the image's knowledge/."""
    monkeypatch.chdir(tmp_path)
    knowledge = copy_project_base(tmp_path / "app")
    data = tmp_path / "data"
    asked = load(knowledge).facts[TAUGHT_FACT].questions[0]  # how the fact is asked
    async with curating_bot(knowledge, monkeypatch, data) as bot:
        told = answer_of(await bot.say(asked, USER))
        assert answer_of(await bot.say(TAUGHT, OTHER_MOD)) != told
        taught = answer_of(await bot.say(f"/teach {TAUGHT} => {TAUGHT_FACT}"))
        assert taught == f"Taught: “{TAUGHT}” => {TAUGHT_FACT}. I answer it with that fact now."
    assert not (knowledge / LEARNED_FILE).exists()
    shutil.rmtree(tmp_path / "app")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]
    copy_project_base(tmp_path / "app")  # the new image
    async with curating_bot(knowledge, monkeypatch, data) as bot:
        assert answer_of(await bot.say(TAUGHT, USER)) == told
        history = answer_of(await bot.say("/history"))
        assert history.startswith("#1 ")
        assert f"telegram:{MOD}: teach {TAUGHT_FACT}\n    + {TAUGHT}" in history


@pytest.mark.asyncio
async def test_undo_takes_back_a_taught_phrasing(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = load(base_copy).facts[TAUGHT_FACT].questions[0]  # how the fact is asked
    async with curating_bot(base_copy, monkeypatch) as bot:
        told = answer_of(await bot.say(asked, USER))
        assert answer_of(await bot.say(f"/teach {TAUGHT} => {TAUGHT_FACT}")).startswith("Taught")
        assert answer_of(await bot.say(TAUGHT, OTHER_MOD)) == told
        # Another moderator's /undo is not this one's to take.
        assert answer_of(await bot.say("/undo", OTHER_MOD)) == "You have no change to undo."
        undone = answer_of(await bot.say("/undo"))
        assert undone.startswith("Done: #2 ") and undone.endswith(
            f"telegram:{MOD}: undo {TAUGHT_FACT} (undoes #1)"
        )
        assert answer_of(await bot.say(TAUGHT, USER)) != told
        assert answer_of(await bot.say("/undo")) == "You have no change to undo."
    overlay = (base_copy.parent / "data" / "overlay.yaml").read_text(encoding="utf-8")
    assert TAUGHT not in overlay
    assert not (base_copy / LEARNED_FILE).exists()


@pytest.mark.asyncio
async def test_moderators_hear_of_changes_the_new_base_does_not_support(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = base_copy.parent / "data"
    async with curating_bot(base_copy, monkeypatch) as bot:
        await new_fact(bot)
        await bot.press("ns")
    # A new image whose source no longer holds the sentence quoted.
    for path in (base_copy / "sources").glob("iran-primer-*.txt"):
        path.write_text(path.read_text(encoding="utf-8").replace(QUOTE, ""), encoding="utf-8")
    sources = base_copy / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    start = text.index("      - sentence: The following is a rundown")
    end = text.index("      - sentence:", start + 1)
    sources.write_text(text[:start] + text[end:], encoding="utf-8")
    async with curating_bot(base_copy, monkeypatch, data) as bot:
        told = [
            html.unescape(str(call.params["text"]))
            for call in bot.api.calls
            if call.method == "sendMessage" and call.params.get("chat_id") in (MOD, OTHER_MOD)
        ]
        assert len(told) == 2 and all("data/overlay.yaml:6: fact 'iran-primer" in t for t in told)
        assert "kept in the overlay" in told[0]
        assert ANSWER not in answer_of(await bot.say(QUESTIONS[0], user=USER))
        assert "iran-primer-rundown-cover" in answer_of(await bot.say("/history"))
    assert "iran-primer-rundown-cover" in (data / "overlay.yaml").read_text(encoding="utf-8")


@pytest.mark.asyncio
async def test_forged_curating_presses_never_enter_the_conversation(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a running job queue, a conversation handling anything would warn (an error
    here): anyone else's press, and a press without data, never reach it."""
    holder = KnowledgeHolder(base_copy, overlay=base_copy.parent / "data" / "overlay.yaml")
    options: dict[str, Any] = {
        "knowledge": base_copy,
        "moderators": frozenset({MOD}),
        "rate_limit": 0,
    }
    async with running(holder, monkeypatch, **options) as bot:
        for data in ("n:1", f"k:a:shipped:{SHIPPED}", "ns", "nc", "nq:0"):
            calls = await bot.receive(callback_query(data, chat_id=USER))
            assert [call["method"] for call in calls] == ["answerCallbackQuery"], data
            assert "text" not in calls[0], data
