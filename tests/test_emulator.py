"""The Bot API emulator the end-to-end tests rely on: bodies, long polling, faults, refusals."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.emulator import (
    BOT_ID,
    BOT_USERNAME,
    NO_ANSWER,
    TOKEN,
    ApiError,
    Emulator,
    check_html,
    private_message,
)

MARKUP = {"inline_keyboard": [[{"text": "Why?", "callback_data": "f:assad-visit-purpose"}]]}


@pytest_asyncio.fixture
async def client() -> AsyncIterator[tuple[Emulator, httpx.AsyncClient]]:
    """A running emulator and an HTTP client for it."""
    async with Emulator() as telegram, httpx.AsyncClient(timeout=5.0) as http:
        yield telegram, http


def url(telegram: Emulator, method: str, token: str = TOKEN) -> str:
    return f"http://127.0.0.1:{telegram.port}/bot{token}/{method}"


@pytest.mark.asyncio
async def test_get_me_by_get(client: tuple[Emulator, httpx.AsyncClient]) -> None:
    telegram, http = client
    body = (await http.get(url(telegram, "getMe"))).json()
    assert body["ok"] is True
    assert (body["result"]["id"], body["result"]["username"]) == (BOT_ID, BOT_USERNAME)


@pytest.mark.asyncio
async def test_form_multipart_and_json_bodies_read_alike(
    client: tuple[Emulator, httpx.AsyncClient],
) -> None:
    telegram, http = client
    fields = {"chat_id": "5", "text": "123", "parse_mode": "HTML"}
    encoded = {**fields, "reply_markup": json.dumps(MARKUP)}
    form = await http.post(url(telegram, "sendMessage"), data=encoded)
    multipart = await http.post(
        url(telegram, "sendMessage"), data=encoded, files={"x": ("x.txt", b"x")}
    )
    as_json = await http.post(
        url(telegram, "sendmessage"), json={**fields, "chat_id": 5, "reply_markup": MARKUP}
    )
    assert [r.status_code for r in (form, multipart, as_json)] == [200, 200, 200]
    first, second, third = telegram.api.sent
    assert first == third == {**fields, "chat_id": 5, "reply_markup": MARKUP}
    assert second == {**first, "x": ["x.txt"]}
    ids = [r.json()["result"]["message_id"] for r in (form, multipart, as_json)]
    assert ids == sorted(set(ids))
    assert form.json()["result"]["chat"]["type"] == "private"


@pytest.mark.asyncio
async def test_unknown_method_and_wrong_token(client: tuple[Emulator, httpx.AsyncClient]) -> None:
    telegram, http = client
    unknown = await http.post(url(telegram, "sendPigeon"))
    assert unknown.status_code == 404
    assert unknown.json()["ok"] is False
    assert unknown.json()["error_code"] == 404
    assert telegram.api.unknown == ["sendPigeon"]
    telegram.api.unknown.clear()
    wrong = await http.post(url(telegram, "getMe", token="1:" + "B" * 30))
    assert (wrong.status_code, wrong.json()["error_code"]) == (401, 401)


@pytest.mark.asyncio
async def test_get_updates_offset_and_long_poll(
    client: tuple[Emulator, httpx.AsyncClient],
) -> None:
    telegram, http = client
    first = telegram.api.push_update(private_message("one"))
    second = telegram.api.push_update(private_message("two"))
    body = (await http.post(url(telegram, "getUpdates"), data={"timeout": "0"})).json()
    assert [u["update_id"] for u in body["result"]] == [first, second]
    confirm = {"offset": str(second + 1), "timeout": "0"}
    assert (await http.post(url(telegram, "getUpdates"), data=confirm)).json()["result"] == []
    # Nothing queued: the poll waits its timeout out...
    start = time.perf_counter()
    await http.post(url(telegram, "getUpdates"), data={**confirm, "timeout": "0.3"})
    assert time.perf_counter() - start >= 0.25
    # ...and answers as soon as an update comes.
    poll = asyncio.create_task(
        http.post(url(telegram, "getUpdates"), data={**confirm, "timeout": "3"})
    )
    await asyncio.sleep(0.1)
    third = telegram.api.push_update(private_message("three"))
    response = await asyncio.wait_for(poll, 2)
    assert [u["update_id"] for u in response.json()["result"]] == [third]
    assert response.json()["result"][0]["message"]["text"] == "three"


@pytest.mark.asyncio
async def test_fault_injection(client: tuple[Emulator, httpx.AsyncClient]) -> None:
    telegram, http = client
    telegram.api.fail_next("sendMessage", times=2, retry_after=3)
    telegram.api.fail_next("sendMessage", status=500)
    message = {"chat_id": "5", "text": "hi"}
    answers = [await http.post(url(telegram, "sendMessage"), data=message) for _ in range(4)]
    assert [a.status_code for a in answers] == [429, 429, 500, 200]
    assert answers[0].json()["parameters"] == {"retry_after": 3}
    assert "parameters" not in answers[2].json()
    assert len(telegram.api.failed("sendMessage")) == 3
    assert len(telegram.api.sent) == 1


@pytest.mark.asyncio
async def test_refuses_what_telegram_refuses(client: tuple[Emulator, httpx.AsyncClient]) -> None:
    telegram, http = client
    send = url(telegram, "sendMessage")
    too_long = await http.post(send, data={"chat_id": "5", "text": "x" * 4097})
    bad_html = await http.post(
        send, data={"chat_id": "5", "text": "<script>x</script>", "parse_mode": "HTML"}
    )
    long_data = {"inline_keyboard": [[{"text": "t", "callback_data": "f:" + "a" * 63}]]}
    bad_button = await http.post(
        send, data={"chat_id": "5", "text": "t", "reply_markup": json.dumps(long_data)}
    )
    empty = await http.post(send, data={"chat_id": "5", "text": " "})
    assert [r.status_code for r in (too_long, bad_html, bad_button, empty)] == [400] * 4
    assert telegram.api.sent == []


def test_check_html_counts_what_telegram_shows() -> None:
    assert check_html('<b>a</b> &amp; <a href="https://x.org">b</a>') == len("a & b")
    assert check_html("<blockquote>q</blockquote>&#x27;") == 2
    for bad in ("<b>a", "a</b>", "<b><i>a</b></i>", "<script>", "a & b", "&nbsp;", "<3"):
        with pytest.raises(ApiError, match="can't parse entities"):
            check_html(bad)


@pytest.mark.asyncio
async def test_hang_drop_and_chat_targeted_faults(
    client: tuple[Emulator, httpx.AsyncClient],
) -> None:
    telegram, http = client
    telegram.api.hang_next("sendMessage", hold=30.0)
    telegram.api.drop_next("sendMessage")
    telegram.api.fail_next("sendMessage", status=500, chat_id=7)
    send = url(telegram, "sendMessage")
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        await http.post(send, data={"chat_id": "5", "text": "held"}, timeout=0.3)
    assert time.perf_counter() - started < 5  # the client's timeout, not the 30 s hold
    with pytest.raises(httpx.RemoteProtocolError):
        await http.post(send, data={"chat_id": "5", "text": "dropped"})
    other = await http.post(send, data={"chat_id": "6", "text": "not chat 7"})
    targeted = await http.post(send, data={"chat_id": "7", "text": "chat 7"})
    assert (other.status_code, targeted.status_code) == (200, 500)
    assert [(c.params["text"], c.status) for c in telegram.api.failed("sendMessage")] == [
        ("held", NO_ANSWER),
        ("dropped", NO_ANSWER),
        ("chat 7", 500),
    ]
    assert [m["text"] for m in telegram.api.sent] == ["not chat 7"]


@pytest.mark.asyncio
async def test_pending_lists_the_updates_not_yet_confirmed(
    client: tuple[Emulator, httpx.AsyncClient],
) -> None:
    telegram, http = client
    telegram.api.push_update(private_message("one"))
    second = telegram.api.push_update(private_message("two"))
    await http.post(url(telegram, "getUpdates"), data={"offset": str(second)})
    # Asking for `second` confirmed the one before it: only `second` would be delivered again.
    assert [u["update_id"] for u in telegram.api.pending()] == [second]
