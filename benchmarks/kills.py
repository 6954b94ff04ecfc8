"""Kills: questions streaming to `python -m bot run` through the Bot API emulator, the bot killed
with SIGKILL at random moments and restarted each time on the same question log. A script, not a
test: it prints figures and asserts nothing.

Run: .venv/bin/python benchmarks/kills.py [--kills 20] [--pace 100] [--seed 2017]

Starts the emulator of tests/emulator/ on loopback and feeds it one question a user at a steady
`--pace` a second, before, during and between the bot's lives. The bot (BOT_DATABASE in a
temporary folder, rate and flood limits off) is started, killed after a random 0.5–3 s of
answering, and started again, `--kills` times; then it runs until every question is answered
(or nothing more comes for STALL seconds) and is stopped with SIGTERM. At the end it counts, per
user, the messages received: answered once, more than once (with how long before the nearest
kill each of those was first answered), or never.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not installed

from bot.config import PROJECT_KNOWLEDGE, VARIABLES  # noqa: E402
from bot.factbase import load  # noqa: E402
from tests.emulator import TOKEN, BotApi, Emulator, private_message, start_bot  # noqa: E402

STALL = 15.0  # seconds without a new answer before the final wait gives up
STARTUP = 30.0  # seconds for a started bot to register its commands
JUST_BEFORE = 0.2  # a first answer this close before a kill counts as "in the last moment"
FIRST_USER = 700_000


async def feed(api: BotApi, questions: list[str], pace: float, asked: dict[int, str]) -> None:
    """One question from each new user, `pace` a second, until cancelled."""
    user = FIRST_USER
    while True:
        question = questions[len(asked) % len(questions)]
        asked[user] = question
        api.push_update(private_message(question, chat_id=user))
        user += 1
        await asyncio.sleep(1 / pace)


async def main(args: argparse.Namespace) -> None:
    """Run the kills and print what reached the users."""
    base = load(PROJECT_KNOWLEDGE)
    questions = [fact.questions[0] for fact in base.facts.values()]
    rng = random.Random(args.seed)
    asked: dict[int, str] = {}
    kills: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
        async with Emulator() as telegram:
            api = telegram.api
            env.update(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=telegram.api_url,
                BOT_DATABASE=str(Path(folder) / "questions.sqlite3"),
                BOT_RATE_LIMIT="100000",
                BOT_FLOOD_LIMIT="0",
                BOT_RELOAD_INTERVAL="0",
            )
            log = Path(folder) / "bot.log"
            feeding = asyncio.create_task(feed(api, questions, args.pace, asked))
            try:
                for life in range(1, args.kills + 1):
                    with log.open("ab") as err:
                        process = await start_bot(env, stderr=err)
                    await api.wait_for("setMyCommands", life, STARTUP)
                    await asyncio.sleep(rng.uniform(0.5, 3.0))
                    process.send_signal(signal.SIGKILL)
                    kills.append(time.perf_counter())
                    await process.wait()
                    print(f"  kill {life:>3}: {len(asked):>5} asked, {len(api.sent):>5} sent")
                with log.open("ab") as err:
                    process = await start_bot(env, stderr=err)
                await api.wait_for("setMyCommands", args.kills + 1, STARTUP)
            finally:
                feeding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await feeding
            last, quiet_since = -1, time.perf_counter()
            while time.perf_counter() - quiet_since < STALL:
                answered = {int(m["chat_id"]) for m in api.sent}
                if set(asked) <= answered:
                    break
                if len(api.sent) != last:
                    last, quiet_since = len(api.sent), time.perf_counter()
                await asyncio.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            code = await process.wait()
            lines = log.read_text(errors="replace").splitlines()

    first_answer: dict[int, float] = {}
    for call in api.calls:
        if call.method == "sendMessage" and call.status == 200:
            first_answer.setdefault(int(call.params["chat_id"]), call.at)
    per_user = Counter(int(m["chat_id"]) for m in api.sent)
    once = sum(1 for user in asked if per_user[user] == 1)
    repeated = [user for user in asked if per_user[user] > 1]
    never = [user for user in asked if per_user[user] == 0]
    # How long before the nearest kill each repeated answer was first sent (negative: after the
    # signal, while the process was still dying).
    ahead = sorted(
        min((kill - first_answer[user] for kill in kills), key=abs, default=float("inf"))
        for user in repeated
    )
    just_before = [gap for gap in ahead if gap <= JUST_BEFORE]
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    print()
    print(f"{args.kills} kills at random moments (seed {args.seed}), questions at {args.pace}/s")
    print(f"  questions asked: {len(asked)}, one a user")
    print(f"  answered exactly once: {once}")
    print(
        f"  answered more than once: {len(repeated)} "
        f"(first answer within {JUST_BEFORE * 1000:.0f} ms before a kill: {len(just_before)}; "
        f"ms before the nearest kill: {', '.join(f'{gap * 1000:.0f}' for gap in ahead)})"
    )
    print(f"  never answered: {len(never)}")
    print(f"  bot: last exit code {code}, log {len(lines)} lines, {len(errors)} errors")
    for line in errors[:5]:
        print(f"    {line}")


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--pace", type=float, default=100, help="questions a second")
    parser.add_argument("--seed", type=int, default=2017)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(arguments()))
