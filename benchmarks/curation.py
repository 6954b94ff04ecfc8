"""Benchmark: from a moderator's Save under a /newfact preview to the new fact answering.

Run: .venv/bin/python benchmarks/curation.py [--runs 5]

Builds the real Application (build_application) over a copy of the project's fact base in a
temporary folder, its overlay in a data folder beside it, the Bot API answered in memory by the
emulator of tests/emulator/. Each run takes a moderator through /newfact (quote, answer, three
questions, preview), then times the Save press and, straight after it, a user's question in one
of the new phrasings, until that user has the new fact's answer. Prints the median and the
slowest of the runs, in seconds. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not installed

from telegram import Update  # noqa: E402

from bot.config import PROJECT_KNOWLEDGE, Settings  # noqa: E402
from bot.reloading import KnowledgeHolder  # noqa: E402
from bot.storage import QuestionLog  # noqa: E402
from bot.telegram import app as telegram_app  # noqa: E402
from bot.telegram.app import build_application, post_init, post_shutdown  # noqa: E402
from tests.emulator import (  # noqa: E402
    TOKEN,
    BotApi,
    InMemoryRequest,
    callback_query,
    private_message,
)

MODERATOR = 777
USER = 1001
QUOTE = (
    "The following is a rundown of the latest diplomatic efforts, including a Russia-Iran-Turkey"
    " summit."
)
ANSWER = "The latest diplomatic efforts included a Russia-Iran-Turkey summit."
WORDS = ("rundown", "overview", "roundup", "digest", "summary", "recap", "survey", "review")


async def send(application: Any, data: dict[str, Any]) -> None:
    await application.process_update(Update.de_json(data, application.bot))


async def one_run(application: Any, api: BotApi, word: str) -> float:
    """One /newfact through to Save; seconds from Save to the new question answered."""
    questions = [
        f"what does the primer {word} cover",
        f"which efforts are in the primer {word}",
        f"primer {word} of diplomatic efforts",
    ]
    for text in ("/newfact", QUOTE, ANSWER, "\n".join(questions)):
        await send(application, private_message(text, chat_id=MODERATOR))
    start = time.perf_counter()
    await send(application, callback_query("ns", chat_id=MODERATOR))
    before = len(api.calls)
    await send(application, private_message(questions[0], chat_id=USER))
    elapsed = time.perf_counter() - start
    sent = [
        html.unescape(str(call.params.get("text")))
        for call in api.calls[before:]
        if call.method == "sendMessage" and call.params.get("chat_id") == USER
    ]
    if not any(ANSWER in text for text in sent):
        print(f"  run with {word!r}: the new fact did not answer: {sent}")
    return elapsed


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        knowledge = Path(folder) / "knowledge"
        shutil.copytree(PROJECT_KNOWLEDGE, knowledge, ignore=shutil.ignore_patterns("learned.yaml"))
        data = Path(folder) / "data"
        data.mkdir()
        api = BotApi()
        telegram_app.connections = lambda: (InMemoryRequest(api), InMemoryRequest(api))
        settings = Settings(
            knowledge=knowledge,
            token=TOKEN,
            moderators=frozenset({MODERATOR}),
            rate_limit=0,
            reload_interval=0,
            database=data / "questions.sqlite3",
        )
        holder = KnowledgeHolder(knowledge, overlay=settings.overlay_file)
        question_log = QuestionLog.open(settings.database)
        application = build_application(settings, holder, question_log)
        await application.initialize()
        await post_init(application)
        queue = application.job_queue
        if queue is None:
            raise SystemExit("python-telegram-bot[job-queue] is not installed")
        await queue.start()
        try:
            times = [await one_run(application, api, word) for word in WORDS[:runs]]
        finally:
            await queue.stop()
            await post_shutdown(application)
            await application.shutdown()
    print(f"Save to the new fact answering, {len(times)} new facts one after another:")
    print(f"  median {statistics.median(times):.2f} s, slowest {max(times):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help=f"at most {len(WORDS)}")
    asyncio.run(main(max(1, min(parser.parse_args().runs, len(WORDS)))))
