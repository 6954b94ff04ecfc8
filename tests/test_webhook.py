"""The webhook server the bot starts, on loopback, against clients that try to tie it up:
slow or idle connections, bodies sent without the secret, too many connections at once, and
JSON nested too deeply. Every wait is bounded, so a server that hangs fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.replies import Answerer
from bot.telegram import webhook
from tests.emulator import Emulator, chats, post_update, private_message
from tests.harness import ASSAD_QUESTION
from tests.test_end_to_end import SECRET, WAIT, serving_webhook

# Short limits, so that a test sees a connection cut off in well under a second.
QUICK = webhook.Limits(header_seconds=0.5, body_seconds=0.5)
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    """The core on the project's real fact base."""
    return Answerer(load(PROJECT_KNOWLEDGE))


@contextlib.asynccontextmanager
async def served(
    answerer: Answerer, limits: webhook.Limits = webhook.LIMITS
) -> AsyncIterator[tuple[Emulator, str]]:
    """The Bot API emulator and the bot's webhook server with `limits`; yields both."""
    async with Emulator() as telegram, serving_webhook(telegram, answerer, limits=limits) as url:
        yield telegram, url


async def connect(url: str) -> Connection:
    """A raw TCP connection to the webhook's server."""
    parts = urlsplit(url)
    return await asyncio.open_connection(parts.hostname, parts.port)


def head(url: str, content_length: int, secret: str | None, path: str | None = None) -> bytes:
    """A POST's request line and headers, as Telegram would send them (to `path`, if given)."""
    lines = [
        f"POST {path or urlsplit(url).path} HTTP/1.1",
        f"Host: {urlsplit(url).netloc}",
        "Content-Type: application/json",
        f"Content-Length: {content_length}",
    ]
    if secret is not None:
        lines.append(f"{webhook.SECRET_HEADER}: {secret}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_until_closed(reader: asyncio.StreamReader, seconds: float) -> bytes | None:
    """All the server sends until it closes the connection, or None if it is still open after
    `seconds`."""
    try:
        return await asyncio.wait_for(reader.read(), seconds)
    except TimeoutError:
        return None
    except ConnectionResetError:
        return b""


async def hang_up(connection: Connection) -> None:
    """Close our end."""
    _, writer = connection
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def answers_a_real_update(telegram: Emulator, url: str, chat_id: int) -> None:
    """A real update is still answered."""
    assert await post_update(url, private_message(ASSAD_QUESTION, chat_id=chat_id), SECRET) == 200
    await telegram.api.wait_for("sendMessage", 1, WAIT)
    assert chats(telegram.api.sent) == [chat_id]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("secret", "path", "status"),
    [(None, None, b"403"), ("wrong", None, b"403"), (None, "/other", b"404")],
)
async def test_a_body_without_the_secret_is_never_read(
    answerer: Answerer, secret: str | None, path: str | None, status: bytes
) -> None:
    # The default limits: what the bot runs with. The body is announced and never sent; the
    # refusal must come from the headers alone, and the connection be closed.
    async with served(answerer) as (telegram, url):
        connection = await connect(url)
        reader, writer = connection
        writer.write(head(url, webhook.MAX_BODY_BYTES, secret, path))
        await writer.drain()
        answer = await read_until_closed(reader, 2.0)
        await hang_up(connection)
        await answers_a_real_update(telegram, url, 21)
    assert answer is not None, "the server waited for the body"
    assert answer.startswith(b"HTTP/1.1 " + status)


@pytest.mark.asyncio
async def test_a_body_announced_too_big_is_refused_before_it_is_sent(answerer: Answerer) -> None:
    async with served(answerer) as (telegram, url):
        connection = await connect(url)
        reader, writer = connection
        writer.write(head(url, webhook.MAX_BODY_BYTES + 1, SECRET))
        await writer.drain()
        answer = await read_until_closed(reader, 2.0)
        await hang_up(connection)
        await answers_a_real_update(telegram, url, 22)
    assert answer is not None, "the server waited for the body"
    assert answer.startswith((b"HTTP/1.1 413", b"HTTP/1.1 400"))


@pytest.mark.asyncio
async def test_headers_past_the_limit_are_refused(answerer: Answerer) -> None:
    async with served(answerer) as (telegram, url):
        connection = await connect(url)
        reader, writer = connection
        padding = f"X-Padding: {'x' * webhook.LIMITS.header_bytes}\r\n".encode()
        writer.write(head(url, 2, SECRET).replace(b"\r\n\r\n", b"\r\n" + padding + b"\r\n"))
        await writer.drain()
        answer = await read_until_closed(reader, 2.0)
        await hang_up(connection)
        await answers_a_real_update(telegram, url, 27)
    assert answer is not None, "the server waited for more"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")


@pytest.mark.asyncio
async def test_idle_and_slow_clients_are_cut_off(answerer: Answerer) -> None:
    async with served(answerer, QUICK) as (telegram, url):
        idle = await connect(url)
        slow_headers = await connect(url)
        slow_headers[1].write(b"POST /hook HTTP/1.1\r\nHost: x\r\n")
        slow_body = await connect(url)
        slow_body[1].write(head(url, 1000, SECRET) + b'{"update_id": 1')
        for _, writer in (slow_headers, slow_body):
            await writer.drain()
        ends = await asyncio.gather(
            *(read_until_closed(reader, 3.0) for reader, _ in (idle, slow_headers, slow_body))
        )
        for connection in (idle, slow_headers, slow_body):
            await hang_up(connection)
        await answers_a_real_update(telegram, url, 23)
    assert None not in ends, f"still open after 3 s: {ends}"


def open_files() -> int:
    """How many file descriptors this process has open."""
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


@pytest.mark.asyncio
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
async def test_past_the_cap_new_connections_close_the_oldest_and_real_updates_get_in(
    answerer: Answerer,
) -> None:
    cap, tried = 4, 24
    # Timeouts far longer than the test: only the cap may close a connection here.
    limits = webhook.Limits(header_seconds=60.0, body_seconds=60.0, connections=cap)
    async with served(answerer, limits) as (telegram, url):
        before = open_files()
        connections = [await connect(url) for _ in range(tried)]
        ends = await asyncio.gather(*(read_until_closed(reader, 1.0) for reader, _ in connections))
        held = open_files() - before  # our `tried` ends, and the server's
        # While the newest `cap` idle connections are held, a real update gets in.
        await answers_a_real_update(telegram, url, 24)
        for connection in connections:
            await hang_up(connection)
    assert [end is not None for end in ends] == [True] * (tried - cap) + [False] * cap
    assert held <= tried + cap + 2, f"{held} files open for {tried} connections"


@pytest.mark.asyncio
@pytest.mark.parametrize("depth", [webhook.MAX_DEPTH + 1, 990, 100_000])
async def test_json_nested_too_deeply_is_refused(answerer: Answerer, depth: int) -> None:
    update = private_message(ASSAD_QUESTION, chat_id=25)
    nested = json.dumps(update)[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
    headers = {"Content-Type": "application/json", webhook.SECRET_HEADER: SECRET}
    async with served(answerer) as (telegram, url):
        async with httpx.AsyncClient(timeout=WAIT) as client:
            response = await client.post(url, content=nested.encode(), headers=headers)
        await answers_a_real_update(telegram, url, 26)
    assert response.status_code == 400
