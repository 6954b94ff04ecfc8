"""Webhook abuse: `python -m bot run --webhook` with 256 files allowed, tied up by clients that
have no secret. A script, not a test: it prints figures and asserts nothing.

Run: .venv/bin/python benchmarks/webhook_abuse.py [--bodies 150] [--idle 300] [--tree DIR]

Starts the Bot API emulator of tests/emulator/ on loopback and the bot serving its webhook
(from the tree `--tree`, this one by default, so that an older checkout can be measured the
same way). Then, in turn: `--bodies` clients each send the headers of a POST without the
secret and a 1 MiB body, and hold the connection; `--idle` clients connect and send nothing.
After each, it prints the bot's resident memory and open files, how many of the connections
the bot has closed, and how long a real update posted meanwhile took to be answered (or that
it was not within WAIT seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not installed

from bot.config import VARIABLES  # noqa: E402
from tests.emulator import TOKEN, Emulator, post_update, private_message  # noqa: E402

SECRET = "abuse-secret"  # noqa: S105 - the benchmark's own webhook secret
FILES = 256  # the open-file limit the bot runs with, as on a small container
WAIT = 10.0  # seconds a real update may take before it counts as not answered
BODY = 1024 * 1024
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def limit_files() -> None:
    """In the bot's process, before it starts: at most FILES open files."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILES, FILES))


def usage(pid: int) -> str:
    """The process's resident memory and open files."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    files = sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())
    return f"{rss / 1024:6.0f} MiB resident, {files:3d} files open"


async def closed(connection: Connection) -> bool:
    """Whether the bot has closed this connection (what it sent before, if anything, unread)."""
    reader, _ = connection
    try:
        await asyncio.wait_for(reader.read(), 0.05)
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


async def real_update(telegram: Emulator, url: str, chat_id: int) -> str:
    """Post one real update; how long until it was answered."""
    started = time.perf_counter()
    before = len(telegram.api.sent)
    with contextlib.suppress(Exception):  # refused, reset or timed out: counted below
        await asyncio.wait_for(
            post_update(url, private_message("When did Assad visit Sochi?", chat_id), SECRET), WAIT
        )
        await telegram.api.wait_for("sendMessage", before + 1, WAIT)
    if len(telegram.api.sent) > before:
        return f"answered in {time.perf_counter() - started:.2f} s"
    return f"NOT answered within {WAIT:.0f} s"


async def attack(port: int, count: int, body: bool) -> list[Connection]:
    """`count` connections without the secret: a POST with a 1 MiB body, or nothing at all."""
    head = (
        f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {BODY}\r\n\r\n"
    ).encode()
    connections = []
    for _ in range(count):
        try:
            connection = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            continue
        if body:
            with contextlib.suppress(OSError):
                connection[1].write(head + b"{" * BODY)
        connections.append(connection)
    await asyncio.sleep(5.0)  # for the bot to read what it will
    return connections


async def hang_up(connections: list[Connection]) -> None:
    """Close every connection."""
    for _, writer in connections:
        writer.close()
    await asyncio.sleep(0.5)


async def measure(tree: Path, bodies: int, idle: int) -> None:
    """Start the bot from `tree`, attack it twice, print what it took."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        async with Emulator() as telegram:
            env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
            env.update(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=telegram.api_url,
                BOT_DATABASE=str(Path(scratch) / "questions.sqlite3"),
                BOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                BOT_WEBHOOK_SECRET=SECRET,
                BOT_WEBHOOK_LISTEN="127.0.0.1",
                BOT_WEBHOOK_PORT=str(port),
                BOT_FLOOD_LIMIT="0",
            )
            bot = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--webhook",
                cwd=tree,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                preexec_fn=limit_files,
            )
            try:
                await telegram.api.wait_for("setWebhook", 1, 30)
                await asyncio.sleep(1.0)
                url = f"http://127.0.0.1:{port}/hook"
                print(f"{tree}: files limited to {FILES}")
                answer = await real_update(telegram, url, 1)
                print(f"  {'at rest:':<18} {usage(bot.pid)}; a real update {answer}")
                for name, count, body in (("1 MiB bodies", bodies, True), ("idle", idle, False)):
                    connections = await attack(port, count, body)
                    answer = await real_update(telegram, url, 2)
                    shut = sum([await closed(c) for c in connections])
                    print(
                        f"  {f'{count} {name}:':<18} {usage(bot.pid)}; {shut} of "
                        f"{len(connections)} connected closed by the bot; a real update {answer}"
                    )
                    await hang_up(connections)
                answer = await real_update(telegram, url, 3)
                print(f"  {'after:':<18} {usage(bot.pid)}; a real update {answer}")
            finally:
                bot.terminate()
                await bot.wait()


def main() -> None:
    """Parse the options and measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bodies", type=int, default=150)
    parser.add_argument("--idle", type=int, default=300)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to run the bot from")
    args = parser.parse_args()
    asyncio.run(measure(args.tree.resolve(), args.bodies, args.idle))


if __name__ == "__main__":
    main()
