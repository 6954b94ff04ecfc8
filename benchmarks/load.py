"""Load: many users' questions through the Bot API emulator to `python -m bot run`, with a live
reload of the fact base in the middle. A script, not a test: it prints figures and asserts nothing.

Run: .venv/bin/python benchmarks/load.py [--questions 10000] [--users 1000] [--pace 200]

Starts the emulator of tests/emulator/ on loopback and the real bot in its own process
(TELEGRAM_API_URL pointed at the emulator, BOT_DATABASE in a temporary folder, BOT_KNOWLEDGE_DIR a
temporary copy of knowledge/ watched every second, BOT_RATE_LIMIT far above reach so that the
figures are the bot's own). Then:

* feeds `--questions` questions, round-robin over `--users` private chats, at a steady `--pace`
  questions a second (every phrasing of the fact base and every entity name, in turn);
* half-way, edits one answer in the copy of the fact base: the bot reloads it by itself; the
  script reports the bot's log line and how many answers carry the edit before and after;
* samples the bot's resident memory (VmRSS of /proc/<pid>/status) every second;
* at the end counts the messages each chat received against the questions it asked (exactly
  once each), and prints the median and p99 time from an update being queued in the emulator to
  its answer arriving there, and the question log's row count.

Latency pairs the k-th question of a chat with the k-th message sent to it; a chat asks again
only `users / pace` seconds later (5 s by default), so the pairing is unambiguous.

Flood control keeps its production default (20 questions a minute a user), which the default
pace stays under (each user asks every 5 s, 12 a minute); `--flood-limit 0` turns it off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not installed

from bot.config import PROJECT_KNOWLEDGE, VARIABLES  # noqa: E402
from bot.factbase import load  # noqa: E402
from tests.emulator import TOKEN, BotApi, Emulator, private_message, start_bot  # noqa: E402

STALL = 15.0  # give up waiting for the rest when no answer has come for this long (seconds)
EDITED_FILE = Path("facts") / "assad-visit.yaml"
EDITED_FACT = "assad-visits-sochi"
BEFORE = "where he met Russia's President Vladimir Putin."
MARKER = "(This answer was edited during the load run.)"
RELOADED = "the fact base changed and was reloaded"
FIRST_USER = 500_000


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of `values` fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def questions(knowledge: Path) -> list[str]:
    """Every phrasing in the fact base, and every entity name, in a fixed shuffled order (so that
    every stretch of the run asks about every part of the base)."""
    base = load(knowledge)
    asked = [q for fact in base.facts.values() for q in fact.questions]
    asked += [entity.name for entity in base.entities.values()]
    random.Random(2017).shuffle(asked)
    return asked


def rss_kib(pid: int) -> int | None:
    """The resident memory of process `pid` in KiB, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of process `pid` so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@dataclass
class Sample:
    """One memory reading."""

    at: float  # seconds since the feed began
    rss: int  # KiB
    pushed: int
    answered: int


@dataclass
class Run:
    """What one load run saw."""

    pushed: dict[int, list[float]] = field(default_factory=dict)  # chat -> queue times
    samples: list[Sample] = field(default_factory=list)
    start: float = 0.0
    fed_in: float = 0.0
    edited_at: float | None = None


def edit_knowledge(knowledge: Path) -> None:
    """Change one answer in the copy of the fact base, as a moderator's editor would."""
    path = knowledge / EDITED_FILE
    text = path.read_text(encoding="utf-8")
    if BEFORE not in text:
        raise SystemExit(f"{path} no longer holds {BEFORE!r}: update benchmarks/load.py")
    path.write_text(text.replace(BEFORE, f"{BEFORE} {MARKER}", 1), encoding="utf-8")


async def sample_memory(pid: int, api: BotApi, run: Run, stop: asyncio.Event) -> None:
    """Read the bot's RSS every second until `stop` is set."""
    while not stop.is_set():
        rss = rss_kib(pid)
        if rss is None:
            return
        pushed = sum(len(times) for times in run.pushed.values())
        run.samples.append(Sample(time.perf_counter() - run.start, rss, pushed, len(api.sent)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def feed(
    api: BotApi, run: Run, asked: Sequence[str], count: int, users: int, pace: float, edit: Path
) -> None:
    """Queue `count` questions round-robin over `users` chats at `pace` a second; edit the fact
    base half-way. Times count from `run.start`."""
    for number in range(count):
        if number == count // 2:
            edit_knowledge(edit)
            run.edited_at = time.perf_counter()
        chat = FIRST_USER + number % users
        update_id = api.push_update(private_message(asked[number % len(asked)], chat_id=chat))
        run.pushed.setdefault(chat, []).append(api.pushed_at[update_id])
        delay = run.start + (number + 1) / pace - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif number % 50 == 0:
            await asyncio.sleep(0)  # behind: catch up, but let the emulator answer meanwhile
    run.fed_in = time.perf_counter() - run.start


async def wait_for_answers(api: BotApi, expected: int) -> None:
    """Until `expected` messages have been sent, or none has come for STALL seconds."""
    last_progress, seen = time.perf_counter(), len(api.sent)
    while seen < expected and time.perf_counter() - last_progress < STALL:
        await asyncio.sleep(0.1)
        if len(api.sent) != seen:
            last_progress, seen = time.perf_counter(), len(api.sent)


@contextlib.asynccontextmanager
async def bot_subprocess(env: dict[str, str], log: Path) -> AsyncIterator[int]:
    """`python -m bot run`, its stderr in `log`, stopped with SIGTERM; yields its pid."""
    with log.open("wb") as err:
        process = await start_bot(env, stderr=err)
    try:
        yield process.pid
    finally:
        cpu = cpu_seconds(process.pid)
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
        print(
            f"bot process: exit code {process.returncode}"
            + (f", {cpu:.1f} CPU seconds" if cpu is not None else "")
        )


def report(api: BotApi, run: Run, args: argparse.Namespace, log: Path, database: Path) -> None:
    """Print the figures."""
    calls = [c for c in api.calls if c.method == "sendMessage" and c.status == 200]
    received: dict[int, list[float]] = {}
    texts: dict[int, list[str]] = {}
    for call in calls:
        chat = int(call.params["chat_id"])
        received.setdefault(chat, []).append(call.at)
        texts.setdefault(chat, []).append(str(call.params["text"]))
    fed = sum(len(times) for times in run.pushed.values())
    per_chat = Counter(
        "exactly once"
        if len(received.get(chat, [])) == len(times)
        else ("fewer" if len(received.get(chat, [])) < len(times) else "more")
        for chat, times in run.pushed.items()
    )
    unexpected = set(received) - set(run.pushed)
    pairs = [
        (queued, answer - queued)
        for chat, times in run.pushed.items()
        for queued, answer in zip(times, received.get(chat, []), strict=False)
    ]
    latencies = [latency for _, latency in pairs]
    print()
    print("answers")
    print(f"  questions fed: {fed} from {len(run.pushed)} users in {run.fed_in:.1f} s")
    print(f"  messages sent: {len(calls)}; sendMessage errors: {len(api.failed('sendMessage'))}")
    print(
        f"  chats answered exactly once per question: {per_chat['exactly once']}; "
        f"fewer: {per_chat['fewer']}; more: {per_chat['more']}; "
        f"messages to chats that asked nothing: {len(unexpected)}"
    )
    if latencies:
        print(
            f"  update to reply: median {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
            f"max {max(latencies) * 1000:.1f} ms ({len(latencies)} pairs)"
        )
        print(f"  by {args.window:g} s of feed (the edit in the window marked *):")
        windows: dict[int, list[float]] = {}
        for queued, latency in pairs:
            windows.setdefault(int((queued - run.start) // args.window), []).append(latency)
        edit_window = int(((run.edited_at or 0) - run.start) // args.window)
        for number, values in sorted(windows.items()):
            print(
                f"    {number * args.window:5.0f}-{(number + 1) * args.window:<5.0f} s "
                f"{len(values):>6} answers  median {statistics.median(values) * 1000:6.1f} ms  "
                f"p99 {percentile(values, 0.99) * 1000:6.1f} ms  "
                f"max {max(values) * 1000:6.1f} ms{' *' if number == edit_window else ''}"
            )

    print()
    print("reload")
    lines = log.read_text(errors="replace").splitlines()
    reloads = [line for line in lines if RELOADED in line]
    print(f"  fact base edited at {(run.edited_at or run.start) - run.start:.1f} s into the feed")
    for line in reloads:
        print(f"  bot log: {line}")
    if not reloads:
        print("  bot log: no reload line")
    edited = run.edited_at or float("inf")
    marked = {"before the edit": [0, 0], "after the edit": [0, 0]}
    first_new: float | None = None
    last_old: float | None = None
    for call in calls:
        text = str(call.params["text"])
        if not text.startswith("On 20 November 2017 Syria"):
            continue  # not the edited fact's answer
        key = "before the edit" if call.at < edited else "after the edit"
        marked[key][0] += 1
        marked[key][1] += MARKER in text
        if MARKER in text and first_new is None:
            first_new = call.at - edited
        if MARKER not in text and call.at >= edited:
            last_old = call.at - edited
    for key, (total, with_marker) in marked.items():
        print(f"  answers of {EDITED_FACT} sent {key}: {total}, carrying the edit: {with_marker}")
    if first_new is not None:
        print(f"  first answer carrying the edit: {first_new:.2f} s after the edit")
    if last_old is not None:
        print(f"  last answer without it: {last_old:.2f} s after the edit")
    problems = [line for line in lines if " ERROR " in line or "Traceback" in line]
    print(f"  bot log: {len(lines)} lines, {len(problems)} errors")
    for line in problems[:5]:
        print(f"    {line}")

    print()
    print("memory (bot VmRSS, sampled every second)")
    warm = [s for s in run.samples if s.answered < args.warm_up]
    rest = [s for s in run.samples if s.answered >= args.warm_up]
    for sample in run.samples:
        phase = "warm-up" if sample.answered < args.warm_up else ""
        print(
            f"  {sample.at:6.1f} s  {sample.rss / 1024:7.1f} MiB  "
            f"fed {sample.pushed:>6}  answered {sample.answered:>6}  {phase}"
        )
    if warm:
        peak = max(s.rss for s in warm) / 1024
        print(f"  warm-up (the first {args.warm_up} answers): peak {peak:.1f} MiB")
    if len(rest) >= 2:
        low, high = min(s.rss for s in rest), max(s.rss for s in rest)
        first, last = rest[0], rest[-1]
        slope = (last.rss - first.rss) / max(1, last.answered - first.answered) * 1000
        print(
            f"  after warm-up: {len(rest)} samples, min {low / 1024:.1f} MiB, "
            f"max {high / 1024:.1f} MiB, first {first.rss / 1024:.1f} MiB, "
            f"last {last.rss / 1024:.1f} MiB ({slope / 1024:+.2f} MiB per 1000 answers)"
        )

    print()
    with contextlib.closing(sqlite3.connect(database)) as connection:
        logged = connection.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
    print(f"question log: {logged} questions recorded")


async def main(argv: Sequence[str] | None = None) -> None:
    """Run the load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--pace", type=float, default=200, help="questions a second")
    parser.add_argument("--rate-limit", type=float, default=100_000, help="BOT_RATE_LIMIT")
    parser.add_argument("--flood-limit", type=int, help="BOT_FLOOD_LIMIT (default: the bot's)")
    parser.add_argument(
        "--window", type=float, default=5.0, help="seconds of feed per latency line"
    )
    parser.add_argument(
        "--warm-up", type=int, default=1_000, help="answers counted as warm-up for the memory"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bot-load-") as folder:
        knowledge = Path(folder) / "knowledge"
        shutil.copytree(PROJECT_KNOWLEDGE, knowledge)
        database = Path(folder) / "questions.sqlite3"
        log = Path(folder) / "bot.log"
        asked = questions(knowledge)
        print(
            f"{args.questions} questions ({len(asked)} distinct) from {args.users} users at "
            f"{args.pace:g}/s; fact base reload checked every 1 s, edited half-way; "
            f"rate limit {args.rate_limit:g}/s; flood limit "
            f"{'the default' if args.flood_limit is None else args.flood_limit}"
        )
        async with Emulator() as telegram:
            env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
            env.update(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=telegram.api_url,
                BOT_DATABASE=str(database),
                BOT_KNOWLEDGE_DIR=str(knowledge),
                BOT_RELOAD_INTERVAL="1",
                BOT_RATE_LIMIT=str(args.rate_limit),
                PYTHONUTF8="1",
            )
            if args.flood_limit is not None:
                env["BOT_FLOOD_LIMIT"] = str(args.flood_limit)
            api = telegram.api
            run = Run()
            async with bot_subprocess(env, log) as pid:
                await api.wait_for("setMyCommands", 1, 60)
                stop = asyncio.Event()
                run.start = time.perf_counter()
                sampler = asyncio.create_task(sample_memory(pid, api, run, stop))
                await feed(api, run, asked, args.questions, args.users, args.pace, knowledge)
                await wait_for_answers(api, args.questions)
                stop.set()
                await sampler
            report(api, run, args, log, database)


if __name__ == "__main__":
    asyncio.run(main())
