"""Benchmark: how many questions a second the Telegram bot answers, end to end over HTTP.

Run: .venv/bin/python benchmarks/throughput.py [--questions 3000] [--users 100]
     [--mode subprocess|in-process] [--rate-limit 100000] [--pace 0]

Starts the Bot API emulator of tests/emulator/ on loopback and the bot polling it: by default
the real `python -m bot run` in its own process (TELEGRAM_API_URL pointed at the emulator), so the
bot has a CPU of its own; `--mode in-process` runs build_application in this event loop instead.
Then it feeds the questions from one user, and again spread over `--users` users (distinct chat
ids), and prints answered questions per second, lost ones, and the median and p99 time from an
update being queued in the emulator to its sendMessage being received. Asserts nothing.

Telegram itself lets a bot send about 30 messages a second (and 20 a minute to one group), which
the bot's AIORateLimiter enforces by default (BOT_RATE_LIMIT=30). Here the limit is set far above
anything reachable (100000/s; 0 would remove the limiter altogether) so that the figures measure
the bot's own capacity, not Telegram's cap: in production the cap is hit long before this.

Latency pairs the k-th update queued for a chat with the k-th message sent to that chat (every
question here is answered in one message); with concurrent updates the order can differ slightly
inside a chat, which moves individual figures but not the distribution much.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not installed

from bot.config import PROJECT_KNOWLEDGE, Settings  # noqa: E402
from bot.factbase import load  # noqa: E402
from bot.replies import Answerer  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from tests.emulator import TOKEN, BotApi, Emulator, private_message  # noqa: E402

STALL = 10.0  # give up on the rest when no answer has come for this long (seconds)


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of `values` fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def questions() -> list[str]:
    """Every phrasing in the fact base: answers, clarifications and entity cards alike."""
    base = load(PROJECT_KNOWLEDGE)
    asked = [q for fact in base.facts.values() for q in fact.questions]
    return asked + [entity.name for entity in base.entities.values()]


@dataclass
class Result:
    """The figures of one run."""

    name: str
    fed: int
    answered: int
    seconds: float
    latencies: list[float]

    def report(self) -> str:
        lost = self.fed - self.answered
        rate = self.answered / self.seconds if self.seconds else 0.0
        if not self.latencies:
            return f"  {self.name:<22} answered 0 of {self.fed}"
        median = statistics.median(self.latencies) * 1000
        p99 = percentile(self.latencies, 0.99) * 1000
        return (
            f"  {self.name:<22} {rate:8.0f} answers/s   lost {lost:>4}   "
            f"latency median {median:8.1f} ms   p99 {p99:8.1f} ms   "
            f"({self.answered}/{self.fed} in {self.seconds:.2f} s)"
        )


async def feed(
    api: BotApi, name: str, chat_ids: Sequence[int], asked: Sequence[str], count: int, pace: float
) -> Result:
    """Queue `count` questions round-robin over `chat_ids`; wait for the answers; measure."""
    sent_before = len(api.sent)
    pushed: dict[int, list[float]] = {chat: [] for chat in chat_ids}
    start = time.perf_counter()
    for number in range(count):
        chat = chat_ids[number % len(chat_ids)]
        update_id = api.push_update(private_message(asked[number % len(asked)], chat_id=chat))
        pushed[chat].append(api.pushed_at[update_id])
        if pace:
            await asyncio.sleep(max(0.0, start + (number + 1) / pace - time.perf_counter()))
    last_progress, seen = time.perf_counter(), sent_before
    while len(api.sent) - sent_before < count and time.perf_counter() - last_progress < STALL:
        await asyncio.sleep(0.02)
        if len(api.sent) != seen:
            last_progress, seen = time.perf_counter(), len(api.sent)
    received: dict[int, list[float]] = {chat: [] for chat in chat_ids}
    calls = [c for c in api.calls if c.method == "sendMessage" and c.status == 200]
    for call in calls[sent_before:]:
        target = call.params.get("chat_id")
        if isinstance(target, int) and target in received:
            received[target].append(call.at)
    latencies = [
        answer - queued
        for chat in chat_ids
        for queued, answer in zip(pushed[chat], received[chat], strict=False)
    ]
    answered = sum(min(len(pushed[c]), len(received[c])) for c in chat_ids)
    ends = [times[-1] for times in received.values() if times]
    seconds = (max(ends) if ends else time.perf_counter()) - start
    return Result(name, count, answered, seconds, latencies)


@contextlib.asynccontextmanager
async def bot_subprocess(
    telegram: Emulator, rate_limit: float, concurrent: int
) -> AsyncIterator[None]:
    """`python -m bot run` polling the emulator, stopped with SIGTERM."""
    env = dict(os.environ)
    folder = tempfile.TemporaryDirectory()
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=telegram.api_url,
        BOT_RATE_LIMIT=str(rate_limit),
        BOT_CONCURRENT_UPDATES=str(concurrent),
        # Every question is logged, as in production, into a database of this run's own.
        BOT_DATABASE=str(Path(folder.name) / "questions.sqlite3"),
        # One simulated user asks thousands of questions a minute: flood control would (rightly)
        # silence them, so it is off here.
        BOT_FLOOD_LIMIT="0",
    )
    with folder, tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=log
        )
        try:
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
            if process.returncode:
                log.seek(0)
                print(log.read().decode(errors="replace")[-2000:], file=sys.stderr)


@contextlib.asynccontextmanager
async def bot_in_process(
    telegram: Emulator, rate_limit: float, concurrent: int
) -> AsyncIterator[None]:
    """build_application polling the emulator in this event loop."""
    settings = Settings(
        knowledge=PROJECT_KNOWLEDGE,
        token=TOKEN,
        api_url=telegram.api_url,
        rate_limit=rate_limit,
        concurrent_updates=concurrent,
    )
    application = build_application(settings, Answerer(load(PROJECT_KNOWLEDGE)))
    await application.initialize()
    await application.start()
    if application.updater is None:
        raise SystemExit("the application has no updater")
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def main(argv: Sequence[str] | None = None) -> None:
    """Run both scenarios and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=3000, help="questions per scenario")
    parser.add_argument("--users", type=int, default=100, help="users of the second scenario")
    parser.add_argument("--mode", choices=("subprocess", "in-process"), default="subprocess")
    parser.add_argument(
        "--rate-limit", type=float, default=100000, help="BOT_RATE_LIMIT (0: no limiter)"
    )
    parser.add_argument("--concurrent-updates", type=int, default=8, help="BOT_CONCURRENT_UPDATES")
    parser.add_argument("--pace", type=float, default=0, help="questions/s; 0 = all at once")
    args = parser.parse_args(argv)
    asked = questions()
    run_bot = bot_subprocess if args.mode == "subprocess" else bot_in_process
    print(
        f"{args.questions} questions ({len(asked)} distinct), bot {args.mode}, "
        f"rate limit {args.rate_limit:g}/s, {args.concurrent_updates} concurrent updates, "
        f"{'all queued at once' if not args.pace else f'{args.pace:g} questions/s'}"
    )
    async with Emulator() as telegram:
        api = telegram.api
        cpu = time.process_time()
        async with run_bot(telegram, args.rate_limit, args.concurrent_updates):
            warm = await feed(api, "warm-up", [1], asked, 20, 0)
            if warm.answered < warm.fed:
                raise SystemExit("the bot did not answer the warm-up questions")
            one = await feed(api, "1 user", [100], asked, args.questions, args.pace)
            users = list(range(200_000, 200_000 + args.users))
            many = await feed(api, f"{args.users} users", users, asked, args.questions, args.pace)
        cpu = time.process_time() - cpu
    print(one.report())
    print(many.report())
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"  CPU seconds: emulator {cpu:.1f}"
        + (
            f", bot process {child.ru_utime + child.ru_stime:.1f}"
            if args.mode == "subprocess"
            else ""
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
