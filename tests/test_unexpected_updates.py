"""Updates the bot does not expect: ignored, or answered politely; never an error.

Every update goes through the real Application offline (`build_application`, the real Answerer
on the project's fact base, `Application.process_update` with `Update.de_json`), its Bot API
answered in memory by tests.emulator (`running` of tests/harness.py). For each one:

* the error handler is never called (a spy wraps `on_error`) and nothing is
  logged at ERROR;
* every Bot API call the bot makes succeeds (the emulator refuses what Telegram would refuse);
* every message sent is valid Telegram HTML (or plain text) of at most 4,096 characters,
  carries no traceback and no apology for an error.

Covered: edited messages, channel posts and their edits, messages without `from`, service
messages, callback queries without a message (inline) or with an inaccessible one, forged
callback data, my_chat_member / chat_member / chat_join_request, polls and poll answers,
reactions, payments, boosts, business updates, an update of a type no library knows, messages of
4,096 hostile characters, and stickers, photos, voice, locations, contacts and the like; and 300
generated ones: plausible updates with optional fields dropped, unknown fields added and hostile
text anywhere text goes, passed through the inbox first. Last, over the loopback emulator while
polling: an update the library itself cannot read must not stop the updates after it.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.config import PROJECT_KNOWLEDGE, Settings
from bot.factbase import load
from bot.replies import MESSAGE_LIMIT, Answerer
from bot.storage import QuestionLog
from bot.telegram import callbacks
from bot.telegram.app import build_application, on_error
from bot.telegram.asking import NOT_TEXT, STALE_BUTTON, THANKS_FOR_FEEDBACK
from bot.telegram.inbox import InboxApplication
from bot.telegram.services import SERVICES, Context
from tests.emulator import (
    BOT_USER,
    BOT_USERNAME,
    GROUP_CHAT_ID,
    PRIVATE_CHAT_ID,
    TOKEN,
    Emulator,
    JSONDict,
    callback_query,
    edited_private_message,
    group_chat,
    group_message,
    inline_query,
    private_chat,
    private_message,
    update,
    user,
)
from tests.emulator import text_content as text
from tests.harness import ASSAD_FACT, ASSAD_QUESTION, Bot, assert_safe_html, long_polling, running

SUMMIT_QUESTION = "Who met at the Sochi summit?"
CHANNEL_ID = -1009876543210
OTHER_USER = 3003
TRACES = ("Traceback", 'File "', "Sorry, something went wrong", "Exception", "Error:")
HOSTILE = (
    "<b>",
    "</blockquote>",
    "<script>alert(1)</script>",
    "&",
    "&bogus;",
    "*_[",
    "`",
    "\x00",
    "\u200b",
    "\u202e",
    "🇸🇾",
    "متى زار الأسد سوتشي؟",
    "روحانی کی به سوچی رفت؟",
    ASSAD_QUESTION,
)


def fill(piece: str, size: int = MESSAGE_LIMIT) -> str:
    """`piece` repeated to exactly `size` characters."""
    return (piece * (size // len(piece) + 1))[:size]


HOSTILE_MESSAGES = {
    "mixture": fill(" ".join(HOSTILE) + " "),
    "html": fill("<b></blockquote>&amp;&"),
    "one long word": fill("Assad"),
    "nul bytes": "\x00" * MESSAGE_LIMIT,
    "zero-width": "\u200b" * MESSAGE_LIMIT,
    "emoji": fill("👨‍👩‍👧‍👦"),
    "right to left": fill("روحانی کی به سوچی رفت؟ "),
}


# --- the bot under watch --------------------------------------------------------------------


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    """The core on the project's real fact base."""
    return Answerer(load(PROJECT_KNOWLEDGE))


@dataclass
class Watched:
    """The bot, what reached its error handler, and its question log."""

    bot: Bot
    question_log: QuestionLog
    errors: list[tuple[object, BaseException | None]] = field(default_factory=list)

    async def deliver(self, data: JSONDict) -> list[JSONDict]:
        """Process one update; check that nothing went wrong; return the calls it made."""
        api = self.bot.api
        before = len(api.calls)
        update_object = Update.de_json(data, self.bot.application.bot)
        await self.bot.application.process_update(update_object)
        assert self.errors == [], self.errors
        made = [call for call in api.calls[before:] if call.method != "getMe"]
        refused = [(call.method, call.status) for call in made if call.status != 200]
        assert refused == [], refused
        calls = [{"method": call.method, **call.params} for call in made]
        for call in calls:
            assert_polite(call)
        return calls


def assert_polite(call: JSONDict) -> None:
    """A call the bot made tells the user nothing of its insides, and Telegram would take it."""
    texts: list[str] = []
    if call["method"] in ("sendMessage", "editMessageText"):
        text = call["text"]
        assert isinstance(text, str)
        assert 0 < len(text) <= MESSAGE_LIMIT, len(text)
        if call.get("parse_mode") == "HTML":
            assert_safe_html(text)
        texts.append(text)
    elif call["method"] == "answerCallbackQuery":
        texts.append(str(call.get("text") or ""))
    elif call["method"] == "answerInlineQuery":
        for result in call["results"]:
            content = result["input_message_content"]
            assert 0 < len(content["message_text"]) <= MESSAGE_LIMIT
            assert_safe_html(content["message_text"])
            texts.append(content["message_text"])
    else:
        raise AssertionError(f"an unexpected call: {call['method']}")
    for text in texts:
        for trace in TRACES:
            assert trace not in text, text


@pytest_asyncio.fixture
async def watched(
    answerer: Answerer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> AsyncIterator[Watched]:
    """The bot on the real base with a question log; its error handler spied on."""
    errors: list[tuple[object, BaseException | None]] = []
    original = on_error

    async def spy(update_object: object, context: Context) -> None:
        errors.append((update_object, context.error))
        await original(update_object, context)

    monkeypatch.setattr("bot.telegram.app.on_error", spy)
    question_log = QuestionLog.open(tmp_path / "questions.db")
    try:
        with caplog.at_level(logging.WARNING):
            async with running(answerer, monkeypatch) as bot:
                assert spy in bot.application.error_handlers  # the watch is on the real wiring
                services = bot.application.bot_data[SERVICES]
                services.question_log = question_log
                yield Watched(bot, question_log, errors)
        errors_logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors_logged == [], [r.getMessage() for r in errors_logged]
    finally:
        question_log.close()


def methods(calls: list[JSONDict]) -> list[str]:
    return [call["method"] for call in calls]


def logged_texts(question_log: QuestionLog) -> list[str]:
    """The text of every question in the log, once its queued writes are done."""
    assert question_log.flush()
    with contextlib.closing(sqlite3.connect(question_log.path)) as connection:
        return [row[0] for row in connection.execute("SELECT text FROM questions")]


@pytest.mark.asyncio
async def test_the_watch_sees_an_error_that_reaches_the_handler(
    watched: Watched, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: Answerer, question: str, match: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(Answerer, "reply_for", broken)
    with pytest.raises(AssertionError, match="boom"):
        await watched.deliver(private_message(ASSAD_QUESTION))
    assert [type(error) for _, error in watched.errors] == [RuntimeError]
    watched.errors.clear()
    caplog.clear()  # the error handler logged it, as it should


# --- update builders ----------------------------------------------------------------------------

_now = int(time.time())


def channel() -> JSONDict:
    return {"id": CHANNEL_ID, "type": "channel", "title": "Syria news <b>&"}


def message(chat: JSONDict, sender: JSONDict | None = None, **content: Any) -> JSONDict:
    """A message in `chat`, from `sender` (none: no `from` at all)."""
    data: JSONDict = {"message_id": 77, "date": _now, "chat": chat, **content}
    if sender is not None:
        data["from"] = sender
    return data


def file(**extra: Any) -> JSONDict:
    return {"file_id": "AgACAgIAAxkBAAIB", "file_unique_id": "AQADAgAD", **extra}


POLL: JSONDict = {
    "id": "5017",
    "question": "<b>Who</b> met in Sochi?",
    "options": [
        {"text": "Assad & Putin", "voter_count": 1, "persistent_id": "0"},
        {"text": "*_[", "voter_count": 0, "persistent_id": "1"},
    ],
    "total_voter_count": 1,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
}
LOCATION: JSONDict = {"latitude": 43.6028, "longitude": 39.7342}
CAPTION = fill("<b>caption</b> & ", 1024)

NON_TEXT: dict[str, JSONDict] = {
    "sticker": {
        "sticker": file(type="regular", width=512, height=512, is_animated=False, is_video=False)
    },
    "photo with a hostile caption": {
        "photo": [file(width=90, height=90), file(width=1280, height=1280)],
        "caption": CAPTION,
        "caption_entities": [{"type": "bold", "offset": 0, "length": 7}],
    },
    "voice": {"voice": file(duration=3, mime_type="audio/ogg")},
    "video note": {"video_note": file(length=240, duration=3)},
    "video": {"video": file(width=640, height=480, duration=5), "caption": "/start"},
    "animation": {
        "animation": file(width=320, height=240, duration=2),
        "document": file(file_name="x.gif.mp4"),
    },
    "document": {"document": file(file_name="<script>alert(1)</script>.pdf")},
    "audio": {"audio": file(duration=180, title="</blockquote>")},
    "location": {"location": LOCATION},
    "live location": {"location": {**LOCATION, "live_period": 900, "heading": 90}},
    "venue": {
        "location": LOCATION,
        "venue": {"location": LOCATION, "title": "Sochi <b>", "address": "& Bocharov Ruchey"},
    },
    "contact": {"contact": {"phone_number": "+10000000000", "first_name": "<b>Mallory</b>"}},
    "dice": {"dice": {"emoji": "🎲", "value": 6}},
    "poll": {"poll": POLL},
    "story": {"story": {"chat": private_chat(), "id": 12}},
}

SERVICE: dict[str, JSONDict] = {
    "bot added": {"new_chat_members": [dict(BOT_USER)]},
    "member left": {"left_chat_member": user(OTHER_USER)},
    "new title": {"new_chat_title": "</blockquote> & *_["},
    "pinned": {
        "pinned_message": message(group_chat(), user(OTHER_USER), text=ASSAD_QUESTION),
    },
    "group created": {"group_chat_created": True},
    "migrated": {"migrate_to_chat_id": -1001111111111},
    "photo deleted": {"delete_chat_photo": True},
}


# --- updates with nothing for the bot -----------------------------------------------------------


def _member(status: str, member: JSONDict, **extra: Any) -> JSONDict:
    return {"status": status, "user": member, **extra}


def _member_update(chat: JSONDict, member: JSONDict, old: str, new: str) -> JSONDict:
    extra = {"until_date": 0} if new == "kicked" else {}
    return {
        "chat": chat,
        "from": user(OTHER_USER),
        "date": _now,
        "old_chat_member": _member(old, member),
        "new_chat_member": _member(new, member, **extra),
    }


IGNORED: dict[str, Callable[[], JSONDict]] = {
    "edited message": lambda: edited_private_message(ASSAD_QUESTION),
    "edited command": lambda: edited_private_message("/start"),
    "edited hostile message": lambda: edited_private_message(HOSTILE_MESSAGES["mixture"]),
    "edited group mention": lambda: update(
        edited_message=message(
            group_chat(),
            user(OTHER_USER),
            edit_date=_now,
            **text(f"@{BOT_USERNAME} {ASSAD_QUESTION}"),
        )
    ),
    "channel post": lambda: update(
        channel_post=message(channel(), sender_chat=channel(), **text(ASSAD_QUESTION))
    ),
    "channel post mentioning the bot": lambda: update(
        channel_post=message(
            channel(), sender_chat=channel(), **text(f"@{BOT_USERNAME} {ASSAD_QUESTION}")
        )
    ),
    "channel post command": lambda: update(
        channel_post=message(channel(), sender_chat=channel(), **text("/start"))
    ),
    "channel post sticker": lambda: update(
        channel_post=message(channel(), sender_chat=channel(), **NON_TEXT["sticker"])
    ),
    "edited channel post": lambda: update(
        edited_channel_post=message(
            channel(), sender_chat=channel(), edit_date=_now, **text(ASSAD_QUESTION)
        )
    ),
    "bot added to a group": lambda: update(
        my_chat_member=_member_update(group_chat(), dict(BOT_USER), "left", "member")
    ),
    "bot blocked in private": lambda: update(
        my_chat_member=_member_update(private_chat(), dict(BOT_USER), "member", "kicked")
    ),
    "user joined a group": lambda: update(
        chat_member=_member_update(group_chat(), user(OTHER_USER), "left", "member")
    ),
    "join request": lambda: update(
        chat_join_request={
            "chat": group_chat(),
            "from": user(OTHER_USER),
            "user_chat_id": OTHER_USER,
            "date": _now,
            "bio": "<b>hi</b>",
        }
    ),
    "poll": lambda: update(poll=POLL),
    "poll answer": lambda: update(
        poll_answer={
            "poll_id": POLL["id"],
            "user": user(OTHER_USER),
            "option_ids": [0],
            "option_persistent_ids": ["0"],
        }
    ),
    "anonymous poll answer": lambda: update(
        poll_answer={
            "poll_id": POLL["id"],
            "voter_chat": group_chat(),
            "option_ids": [],
            "option_persistent_ids": [],
        }
    ),
    "reaction": lambda: update(
        message_reaction={
            "chat": group_chat(),
            "message_id": 5,
            "user": user(OTHER_USER),
            "date": _now,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }
    ),
    "reaction count": lambda: update(
        message_reaction_count={
            "chat": group_chat(),
            "message_id": 5,
            "date": _now,
            "reactions": [{"type": {"type": "emoji", "emoji": "👎"}, "total_count": 3}],
        }
    ),
    "chosen inline result": lambda: update(
        chosen_inline_result={"result_id": ASSAD_FACT, "from": user(OTHER_USER), "query": "<b>"}
    ),
    "shipping query": lambda: update(
        shipping_query={
            "id": "ship-1",
            "from": user(OTHER_USER),
            "invoice_payload": "x",
            "shipping_address": {
                "country_code": "SY",
                "state": "",
                "city": "Damascus",
                "street_line1": "<b>",
                "street_line2": "",
                "post_code": "0",
            },
        }
    ),
    "pre-checkout query": lambda: update(
        pre_checkout_query={
            "id": "pay-1",
            "from": user(OTHER_USER),
            "currency": "XTR",
            "total_amount": 1,
            "invoice_payload": "x",
        }
    ),
    "chat boost": lambda: update(
        chat_boost={
            "chat": group_chat(),
            "boost": {
                "boost_id": "boost-1",
                "add_date": _now,
                "expiration_date": _now + 86400,
                "source": {"source": "premium", "user": user(OTHER_USER)},
            },
        }
    ),
    "removed chat boost": lambda: update(
        removed_chat_boost={
            "chat": group_chat(),
            "boost_id": "boost-1",
            "remove_date": _now,
            "source": {"source": "premium", "user": user(OTHER_USER)},
        }
    ),
    "business connection": lambda: update(
        business_connection={
            "id": "biz-1",
            "user": user(OTHER_USER),
            "user_chat_id": OTHER_USER,
            "date": _now,
            "is_enabled": True,
        }
    ),
    "business message": lambda: update(
        business_message=message(
            private_chat(OTHER_USER),
            user(OTHER_USER),
            business_connection_id="biz-1",
            **text(ASSAD_QUESTION),
        )
    ),
    "deleted business messages": lambda: update(
        deleted_business_messages={
            "business_connection_id": "biz-1",
            "chat": private_chat(OTHER_USER),
            "message_ids": [1, 2, 3],
        }
    ),
    "purchased paid media": lambda: update(
        purchased_paid_media={"from": user(OTHER_USER), "paid_media_payload": "<b>"}
    ),
    "a type no library knows": lambda: update(
        future_kind_of_update={"chat": group_chat(), "payload": ["<b>", {"deep": [None, 1.5]}]}
    ),
    "nothing but an id": lambda: update(),
}


@pytest.mark.parametrize("kind", IGNORED)
@pytest.mark.asyncio
async def test_updates_with_nothing_for_the_bot_are_ignored(watched: Watched, kind: str) -> None:
    assert await watched.deliver(IGNORED[kind]()) == []


@pytest.mark.parametrize("kind", SERVICE)
@pytest.mark.asyncio
async def test_service_messages_in_groups_are_ignored(watched: Watched, kind: str) -> None:
    data = update(message=message(group_chat(), user(OTHER_USER), **SERVICE[kind]))
    assert await watched.deliver(data) == []


@pytest.mark.parametrize("kind", ["bot added", "new title"])
@pytest.mark.asyncio
async def test_service_messages_without_a_sender_are_ignored(watched: Watched, kind: str) -> None:
    data = update(message=message(group_chat(), None, sender_chat=group_chat(), **SERVICE[kind]))
    assert await watched.deliver(data) == []


PRIVATE_SERVICE: dict[str, JSONDict] = {
    "pinned": {
        "pinned_message": message(private_chat(), user(PRIVATE_CHAT_ID), text=ASSAD_QUESTION),
    },
    "auto-delete timer": {"message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}},
    "write access allowed": {"write_access_allowed": {"from_request": True}},
}


@pytest.mark.parametrize("kind", PRIVATE_SERVICE)
@pytest.mark.asyncio
async def test_service_messages_in_private_chats_are_ignored(
    watched: Watched, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nobody asked anything: "I answer text questions" would be a non sequitur.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as `run` sets it: durations as timedelta
    sender = user(PRIVATE_CHAT_ID)
    data = update(message=message(private_chat(), sender, **PRIVATE_SERVICE[kind]))
    assert await watched.deliver(data) == []


# --- messages that are not text -----------------------------------------------------------------


@pytest.mark.parametrize("kind", NON_TEXT)
@pytest.mark.asyncio
async def test_non_text_in_private_gets_one_polite_word(watched: Watched, kind: str) -> None:
    data = update(message=message(private_chat(), user(PRIVATE_CHAT_ID), **NON_TEXT[kind]))
    calls = await watched.deliver(data)
    assert [(call["method"], call["text"]) for call in calls] == [("sendMessage", NOT_TEXT)]
    assert calls[0]["chat_id"] == PRIVATE_CHAT_ID


@pytest.mark.parametrize("kind", NON_TEXT)
@pytest.mark.asyncio
async def test_non_text_in_groups_is_ignored(watched: Watched, kind: str) -> None:
    data = update(message=message(group_chat(), user(OTHER_USER), **NON_TEXT[kind]))
    assert await watched.deliver(data) == []


# --- messages without `from`, and other odd senders ---------------------------------------------


@pytest.mark.asyncio
async def test_anonymous_group_admin_mentioning_the_bot_is_answered_or_ignored(
    watched: Watched,
) -> None:
    data = update(
        message=message(
            group_chat(),
            None,
            sender_chat=group_chat(),
            **text(f"@{BOT_USERNAME} {ASSAD_QUESTION}"),
        )
    )
    calls = await watched.deliver(data)
    assert set(methods(calls)) <= {"sendMessage"}
    for call in calls:
        assert call["chat_id"] == GROUP_CHAT_ID


@pytest.mark.parametrize(
    "content",
    [text(ASSAD_QUESTION), text("/start"), text("/ask " + ASSAD_QUESTION), NON_TEXT["sticker"]],
    ids=["question", "start", "ask", "sticker"],
)
@pytest.mark.asyncio
async def test_private_message_without_from_is_answered_or_ignored(
    watched: Watched, content: JSONDict
) -> None:
    calls = await watched.deliver(update(message=message(private_chat(), None, **content)))
    assert set(methods(calls)) <= {"sendMessage"}
    assert len(calls) <= 1


@pytest.mark.asyncio
async def test_channel_message_forwarded_into_a_group_without_mention_is_ignored(
    watched: Watched,
) -> None:
    data = update(
        message=message(
            group_chat(),
            None,
            sender_chat=channel(),
            is_automatic_forward=True,
            **text(ASSAD_QUESTION),
        )
    )
    assert await watched.deliver(data) == []


@pytest.mark.asyncio
async def test_another_bot_replying_to_ours_in_a_group_gets_at_most_one_answer(
    watched: Watched,
) -> None:
    replied = message(group_chat(), dict(BOT_USER), text="On 20 November 2017 ...")
    sender = {"id": 999, "is_bot": True, "first_name": "<b>Other bot</b>"}
    data = update(
        message=message(group_chat(), sender, reply_to_message=replied, **text(ASSAD_QUESTION))
    )
    calls = await watched.deliver(data)
    assert methods(calls) in ([], ["sendMessage"])


@pytest.mark.parametrize(
    "marks",
    [
        [{"type": "mention", "offset": 5000, "length": 16}],
        [{"type": "mention", "offset": 0, "length": 100000}],
        [{"type": "bot_command", "offset": 3, "length": 5}],
        [{"type": "a_future_entity", "offset": 0, "length": 4}],
        [{"type": "text_link", "offset": 0, "length": 4, "url": "javascript:alert(1)"}],
    ],
    ids=["mention past the end", "mention too long", "command mid-text", "unknown", "text link"],
)
@pytest.mark.asyncio
async def test_forged_entities_in_a_group_change_nothing(
    watched: Watched, marks: list[JSONDict]
) -> None:
    data = update(
        message=message(group_chat(), user(OTHER_USER), text=ASSAD_QUESTION, entities=marks)
    )
    assert await watched.deliver(data) == []


@pytest.mark.asyncio
async def test_a_forum_topic_question_is_answered_in_its_topic(watched: Watched) -> None:
    data = update(
        message=message(
            group_chat(),
            user(OTHER_USER),
            message_thread_id=42,
            is_topic_message=True,
            **text(f"@{BOT_USERNAME} {ASSAD_QUESTION}"),
        )
    )
    calls = await watched.deliver(data)
    assert methods(calls) == ["sendMessage"]
    assert calls[0]["chat_id"] == GROUP_CHAT_ID
    assert calls[0].get("message_thread_id") == 42


@pytest.mark.asyncio
async def test_unknown_fields_in_a_message_do_not_stop_its_answer(watched: Watched) -> None:
    content = {**text(ASSAD_QUESTION), "a_future_field": {"x": [1, "<b>"]}, "another": None}
    data = update(message=message(private_chat(), user(PRIVATE_CHAT_ID), **content))
    data["a_future_update_field"] = True
    calls = await watched.deliver(data)
    assert methods(calls) == ["sendMessage"]
    assert "<blockquote>" in calls[0]["text"]


# --- callback queries -------------------------------------------------------------------------

FORGED = [
    None,
    "",
    "\x00",
    "<b>",
    "f:",
    "f:no-such-fact",
    "f:../../etc/passwd",
    "f:" + ASSAD_FACT + ":99999999999999999999",
    "f:" + ASSAD_FACT + ":-1",
    "v:+:1",
    "v:-:" + "9" * 16,
    "v:0:1",
    "x:abc",
    "m:a:1:" + ASSAD_FACT,
    "m:d:1",
    "x" * 64,
    "é" * 32,
]


def _inline_press(data: str | None) -> JSONDict:
    return callback_query(data, inline=True)


def _inaccessible_press(data: str | None) -> JSONDict:
    press = callback_query(data)
    # A message older than 48 hours: Telegram sends only its chat, id and date 0.
    press["callback_query"]["message"] = {"chat": private_chat(), "message_id": 3, "date": 0}
    return press


def _group_press(data: str | None) -> JSONDict:
    return callback_query(data, chat_id=GROUP_CHAT_ID)


def _game_press(data: str | None) -> JSONDict:
    press = callback_query(None, inline=True)
    press["callback_query"]["game_short_name"] = "<b>game"
    return press


PRESSES: dict[str, Callable[[str | None], JSONDict]] = {
    "under a bot message": callback_query,
    "under an inline message": _inline_press,
    "under an inaccessible message": _inaccessible_press,
    "in a group": _group_press,
    "a game button": _game_press,
}


@pytest.mark.parametrize("where", PRESSES)
@pytest.mark.asyncio
async def test_forged_button_data_anywhere_is_answered_politely(
    watched: Watched, where: str
) -> None:
    for data in FORGED:
        calls = await watched.deliver(PRESSES[where](data))
        assert methods(calls) == ["answerCallbackQuery"], (data, calls)
        assert calls[0].get("text") in (
            None,
            STALE_BUTTON,
            THANKS_FOR_FEEDBACK,
        )


@pytest.mark.parametrize("where", PRESSES)
@pytest.mark.asyncio
async def test_a_real_button_anywhere_is_answered(watched: Watched, where: str) -> None:
    for data in (callbacks.pick(ASSAD_FACT), callbacks.pick("putin", 12345), "x", "x:12345"):
        calls = await watched.deliver(PRESSES[where](data))
        assert methods(calls)[:1] == ["answerCallbackQuery"], (data, calls)
        # A pick or "None of these" made under a message edits it to show what was picked.
        assert set(methods(calls)[1:]) <= {"sendMessage", "editMessageText"}, (data, calls)


# --- hostile text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_MESSAGES)
@pytest.mark.asyncio
async def test_a_full_message_of_hostile_text_is_answered_safely(
    watched: Watched, name: str
) -> None:
    hostile = HOSTILE_MESSAGES[name]
    assert len(hostile) == MESSAGE_LIMIT
    for data in (
        private_message(hostile),
        private_message("/ask " + hostile[: MESSAGE_LIMIT - 5]),
        group_message(hostile, reply_to_bot=True),
        group_message(hostile[: MESSAGE_LIMIT - len(BOT_USERNAME) - 2], mention=True),
    ):
        calls = await watched.deliver(data)
        assert methods(calls) in ([], ["sendMessage"]), calls
    calls = await watched.deliver(inline_query(hostile[:256]))
    assert methods(calls) == ["answerInlineQuery"]
    # Nothing the user typed is echoed: the replies are built from the fact base alone.
    for call in watched.bot.api.sent:
        assert "<script" not in call["text"]


@pytest.mark.asyncio
async def test_hostile_questions_reach_the_question_log_intact(watched: Watched) -> None:
    sent = [HOSTILE_MESSAGES["mixture"], "\x00 assad \x00", "<b>&amp;</b> *_[`"]
    for question in sent:
        await watched.deliver(private_message(question))
    assert sorted(logged_texts(watched.question_log)) == sorted(sent)


@pytest.mark.asyncio
async def test_a_question_with_a_lone_surrogate_is_answered_and_logged_with_its_neighbours(
    watched: Watched,
) -> None:
    # An unpaired "\ud83d" escape in an update's JSON becomes a lone surrogate, which SQLite
    # cannot store as UTF-8; it once made the log drop its whole batch of writes.
    sent = ["before it", "When did Assad visit Sochi? \ud83d", "after it"]
    for question in sent:
        calls = await watched.deliver(private_message(question))
        assert methods(calls) == ["sendMessage"]
    logged = logged_texts(watched.question_log)
    assert len(logged) == len(sent), logged
    assert {"before it", "after it"} <= set(logged)


@pytest.mark.asyncio
async def test_whitespace_and_empty_questions_get_a_reply_not_an_error(watched: Watched) -> None:
    for question in (" ", "\u200b", "\x00", "\n\n"):
        calls = await watched.deliver(private_message(question))
        assert methods(calls) == ["sendMessage"], (question, calls)
    group = await watched.deliver(group_message("", mention=True))
    assert group == []


# --- generated: plausible updates, mutated -------------------------------------------------------

# What a newer or odd Bot API server may send: optional fields missing, fields no library knows
# yet, and any text where text goes. Ids and types are left alone: Telegram's own data is sound.
TEMPLATES: dict[str, Callable[[], JSONDict]] = {
    "private question": lambda: private_message(ASSAD_QUESTION),
    "private command": lambda: private_message("/start"),
    "group mention": lambda: group_message(ASSAD_QUESTION, mention=True),
    "group reply": lambda: group_message(ASSAD_QUESTION, reply_to_bot=True),
    "vote": lambda: callback_query(callbacks.vote(1, 1)),
    "pick": lambda: callback_query(callbacks.pick(ASSAD_FACT)),
    "inline button": lambda: callback_query(callbacks.pick(ASSAD_FACT), inline=True),
    "inline query": lambda: inline_query("assad"),
    "edited": lambda: edited_private_message(ASSAD_QUESTION),
}
TEXT_FIELDS = ("text", "data", "query", "first_name", "last_name", "username", "title")
REQUIRED = {"update_id", "message_id", "date", "chat", "id", "type", "is_bot", "chat_instance"}
junk = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
hostile_field = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200))


def _paths(data: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in nested dicts."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((*prefix, key))
            found.extend(_paths(value, (*prefix, key)))
    return found


@st.composite
def mutated_updates(draw: st.DrawFn) -> JSONDict:
    data = TEMPLATES[draw(st.sampled_from(sorted(TEMPLATES)))]()
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_paths(data)))
        *parents, key = path
        holder = data
        for parent in parents:
            holder = holder[parent]
        action = draw(st.sampled_from(["drop", "unknown field", "text"]))
        if action == "drop" and key not in REQUIRED:
            del holder[key]
        elif action == "unknown field" and isinstance(holder.get(key), dict):
            holder[key][draw(st.sampled_from(["x_new", "future_field", "extra"]))] = draw(junk)
        elif action == "text" and key in TEXT_FIELDS:
            holder[key] = draw(hostile_field)
    return data


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated_updates())
@pytest.mark.asyncio
async def test_mutated_updates_pass_the_inbox_and_never_reach_the_error_handler(
    watched: Watched, data: JSONDict
) -> None:
    application = watched.bot.application
    assert isinstance(application, InboxApplication)
    [screened] = await application.inbox.screen(application.bot, [data])
    assert screened["update_id"] == data["update_id"]
    readable = len(screened) > 1
    event("readable" if readable else "skipped: the library cannot read it")
    if readable:  # handled, politely and without an error
        calls = await watched.deliver(screened)
        event(f"answered with {sorted({call['method'] for call in calls})}")


# --- an update the library cannot read, while polling -------------------------------------------

# A poll as Bot API versions before 9.6 send it (an older local telegram-bot-api server, which
# TELEGRAM_API_URL may point at): python-telegram-bot 22.8 refuses it with a TypeError.
OLD_POLL: JSONDict = {
    **{key: value for key, value in POLL.items() if key not in ("allows_revoting", "members_only")},
    "options": [{"text": "yes", "voter_count": 0}, {"text": "no", "voter_count": 0}],
}
POLL_WAIT = 2.0  # seconds for the question after it to be answered; it takes milliseconds


def test_the_old_poll_is_one_the_library_cannot_read() -> None:
    with pytest.raises(TypeError, match="required argument"):
        Update.de_json(
            update(message=message(private_chat(), user(OTHER_USER), poll=OLD_POLL)), None
        )


@pytest.mark.asyncio
@pytest.mark.parametrize("last", [False, True], ids=["first-of-its-batch", "last-of-its-batch"])
async def test_an_update_the_library_cannot_read_is_skipped_and_polling_goes_on(
    answerer: Answerer, caplog: pytest.LogCaptureFixture, last: bool
) -> None:
    # PTB's own Updater would refetch the batch forever (it logs CRITICAL and never moves the
    # offset past it); our polling fetches raw JSON, and the inbox skips the one unreadable.
    unreadable = update(message=message(private_chat(OTHER_USER), user(OTHER_USER), poll=OLD_POLL))
    question = private_message(ASSAD_QUESTION)
    async with Emulator() as telegram:
        settings = Settings(knowledge=PROJECT_KNOWLEDGE, token=TOKEN, api_url=telegram.api_url)
        application = build_application(settings, answerer)
        with caplog.at_level(logging.WARNING):
            for data in [question, unreadable] if last else [unreadable, question]:
                telegram.api.push_update(data)
            async with long_polling(application, POLL_WAIT, long_poll=1):
                [sent] = await telegram.api.wait_for("sendMessage", 1, POLL_WAIT)
                # Past it: the next question is fetched and answered too.
                telegram.api.push_update(private_message(SUMMIT_QUESTION))
                await telegram.api.wait_for("sendMessage", 2, POLL_WAIT)
    assert sent["chat_id"] == PRIVATE_CHAT_ID
    assert "<blockquote>" in sent["text"]
    assert len(telegram.api.sent) == 2
    skipped = [r for r in caplog.records if "python-telegram-bot cannot read it" in r.message]
    assert [r.levelno for r in skipped] == [logging.WARNING]
    # Named by id, kind and the error's type only: no traceback, whose text may quote the update.
    assert skipped[0].exc_info is None
    assert "(kind: message; TypeError)" in skipped[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
