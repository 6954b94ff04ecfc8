"""The Telegram adapter, offline: real Application and handlers, Bot API answered in memory.

Every update goes through `Application.process_update`, so handler order, filters and the error
handler are the ones `build_application` wires. The Bot API is tests.emulator.BotApi behind an
InMemoryRequest (`running`, in tests/harness.py): no socket is opened, and a method it does not
know fails the test.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.config import PROJECT_KNOWLEDGE, Settings
from bot.factbase import MAX_LABEL, load
from bot.matching import Match, Outcome
from bot.replies import Answerer, Reply, split_html
from bot.telegram import callbacks
from bot.telegram.app import APOLOGY_TRIES, build_application, post_init, post_shutdown
from bot.telegram.asking import NONE_OF_THESE, NOT_TEXT, STALE_BUTTON, addressed_question
from bot.telegram.commands import ABOUT, COMMANDS
from bot.telegram.inline import INLINE_RESULTS
from bot.telegram.keyboards import reply_keyboard
from bot.telegram.running import RedactToken, configure_logging
from bot.telegram.services import SERVICES, Services
from tests.emulator import (
    BOT_ID,
    BOT_USERNAME,
    GROUP_CHAT_ID,
    PRIVATE_CHAT_ID,
    TOKEN,
    ApiError,
    JSONDict,
    callback_query,
    check_html,
    edited_private_message,
    group_message,
    inline_query,
    private_message,
    sticker_message,
)
from tests.harness import (
    ALLOWED_TAGS,
    APOLOGY,
    ASSAD_FACT,
    ASSAD_QUESTION,
    PHONE_LINE,
    Bot,
    Markup,
    answer_buttons,
    assert_safe_html,
    buttons,
    check_inline_results,
    clarifying_question,
    closest_buttons,
    closest_question,
    pick_of,
    picked,
    running,
    suggestion_buttons,
)

OUT_OF_SCOPE = "What is the weather in Paris?"
NASTY = (
    "<b>hi</b> & who is <script>alert(1)</script>",
    "When did <i>Assad</i> visit Sochi? &amp; &lt;",
    '<a href="javascript:alert(1)">Putin</a>',
    "</blockquote></a><pre>",
    "&#0; &bogus; < > &",
)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    """The core on the project's real fact base."""
    return Answerer(load(PROJECT_KNOWLEDGE))


@pytest_asyncio.fixture
async def bot(answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    """The bot on the real fact base, with the default settings (rate limiter on)."""
    async with running(answerer, monkeypatch) as app:
        yield app


# --- commands -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_start_greets_and_offers_example_buttons(bot: Bot, answerer: Answerer) -> None:
    message = await bot.one_message(private_message("/start"))
    assert message["chat_id"] == PRIVATE_CHAT_ID
    assert message["parse_mode"] == "HTML"
    assert Markup(message["text"]).text == answerer.greeting_text()
    assert len(answerer.greeting_text().splitlines()) <= 2
    # The examples chosen in the fact base (examples:), four, labelled uncut.
    examples = answerer.examples()
    assert [s.id for s in examples] == list(answerer.base.examples)[:4]
    assert len(examples) == 4
    assert [(text, picked(data)) for text, data in buttons(message)] == [
        (example.button, example.id) for example in examples
    ]
    for text, data in buttons(message):
        assert len(text) <= MAX_LABEL
        assert answerer.answer_with(picked(data)) is not None


@pytest.mark.asyncio
async def test_start_with_a_fact_answers_it(bot: Bot, answerer: Answerer) -> None:
    message = await bot.one_message(private_message(f"/start {ASSAD_FACT}"))
    expected = answerer.answer_with(ASSAD_FACT)
    assert expected is not None and message["text"] == expected.html()
    answer_buttons(message)  # an answer, with its votes
    unknown = await bot.one_message(private_message("/start no-such-fact"))
    assert Markup(unknown["text"]).text == answerer.greeting_text()


@pytest.mark.asyncio
async def test_help_and_about(bot: Bot, answerer: Answerer) -> None:
    help_message = await bot.one_message(private_message("/help"))
    assert Markup(help_message["text"]).text == answerer.help_text()
    assert [picked(data) for _, data in buttons(help_message)] == [
        s.id for s in answerer.examples()
    ]
    about = await bot.one_message(private_message("/about"))
    assert about["text"] == html.escape(ABOUT)
    assert "source" in about["text"]


@pytest.mark.asyncio
async def test_timeline_is_one_tappable_line_an_event_in_date_order(
    bot: Bot, answerer: Answerer
) -> None:
    message = await bot.one_message(private_message("/timeline"))
    markup = assert_safe_html(message["text"])
    events = answerer.timeline()
    assert events
    _, *lines = markup.text.splitlines()
    assert lines == [f"{date} · {fact.caption}" for date, fact in events]
    # Each line a link that starts the bot with its fact; no buttons repeat the lines.
    starts = [f"https://t.me/{BOT_USERNAME}?start={fact.id}" for _, fact in events]
    assert markup.links == starts
    assert "reply_markup" not in message
    # One phone screen: a header and a line an event, each short enough for one line.
    assert all(len(line) <= PHONE_LINE for line in lines), lines


@pytest.mark.asyncio
async def test_sources_links_every_document(bot: Bot, answerer: Answerer) -> None:
    message = await bot.one_message(private_message("/sources"))
    markup = assert_safe_html(message["text"])
    urls = {source.url for source in answerer.base.sources.values() if source.url}
    assert urls
    assert urls <= set(markup.links)
    for source in answerer.base.sources.values():
        assert source.title in markup.text


@pytest.mark.asyncio
async def test_commands_work_addressed_to_the_bot_by_name(bot: Bot) -> None:
    message = await bot.one_message(private_message(f"/about@{BOT_USERNAME}"))
    assert message["text"] == html.escape(ABOUT)


@pytest.mark.asyncio
async def test_ask_without_a_question_says_how(bot: Bot) -> None:
    message = await bot.one_message(private_message("/ask"))
    assert "/ask" in message["text"]


# --- questions in private chats ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_question_answered_with_quote_source_and_related_buttons(
    bot: Bot, answerer: Answerer
) -> None:
    fact = answerer.base.facts[ASSAD_FACT]
    assert fact.questions[0] == ASSAD_QUESTION
    message = await bot.one_message(private_message(ASSAD_QUESTION))
    assert message["chat_id"] == PRIVATE_CHAT_ID
    assert message["parse_mode"] == "HTML"
    assert message["link_preview_options"] == {"is_disabled": True}
    text = message["text"]
    markup = assert_safe_html(text)
    assert fact.short is not None and text.startswith(f"<b>{html.escape(fact.short)}</b>")
    assert f"<blockquote>{html.escape(fact.quote)}</blockquote>" in text
    source = answerer.base.sources[fact.source]
    document = answerer.base.document_of(source)
    assert document.url
    assert document.url in markup.links
    reply = answerer.ask(ASSAD_QUESTION)
    assert reply.fact == ASSAD_FACT
    assert text == reply.html()
    _, below = answer_buttons(message)
    related = [picked(data) for _, data in below]
    assert related
    assert related == [s.id for s in reply.related[:3]]
    assert set(related) <= set(fact.related) | set(answerer.base.entities)
    for ident in related:
        assert answerer.answer_with(ident) is not None


@pytest.mark.asyncio
async def test_clarify_offers_the_candidates_and_none_of_these(
    bot: Bot, answerer: Answerer
) -> None:
    question, reply = clarifying_question(answerer)
    message = await bot.one_message(private_message(question))
    assert_safe_html(message["text"])
    assert "<blockquote>" not in message["text"]
    asked, pressed = suggestion_buttons(message)
    *candidates, (last_text, last_data) = pressed
    assert (last_text, last_data) == ("None of these", callbacks.none_of_these(asked))
    assert callbacks.parse(last_data) == callbacks.NoneOfThese(asked)
    assert [picked(data) for _, data in candidates] == [s.id for s in reply.suggestions[:3]]
    assert len(candidates) >= 2


@pytest.mark.asyncio
async def test_out_of_scope_question_gets_the_honest_fallback(bot: Bot, answerer: Answerer) -> None:
    reply = answerer.ask(OUT_OF_SCOPE)
    assert reply.outcome is Outcome.FALLBACK
    message = await bot.one_message(private_message(OUT_OF_SCOPE))
    markup = assert_safe_html(message["text"])
    assert markup.text.startswith(answerer.base.reply("fallback"))
    assert "<blockquote>" not in message["text"]
    _, pressed = suggestion_buttons(message)
    assert "None of these" not in [text for text, _ in pressed]
    for _, data in pressed:
        assert answerer.answer_with(picked(data)) is not None


@pytest.mark.asyncio
async def test_a_closest_answer_asks_whether_it_answers_and_keeps_its_options(
    bot: Bot, answerer: Answerer
) -> None:
    question, reply = closest_question(answerer)
    assert reply.closest is not None
    message = await bot.one_message(private_message(question))
    assert message["text"] == reply.html()
    yes, _, below = closest_buttons(message)
    assert yes.ident == reply.closest.id
    assert [picked(data) for _, data in below] == [s.id for s in reply.suggestions[:3]]


@pytest.mark.parametrize("kind", ["answer", "clarify", "fallback", "smalltalk"])
@pytest.mark.asyncio
async def test_only_a_closest_answer_carries_the_two_buttons(
    bot: Bot, answerer: Answerer, kind: str
) -> None:
    question = {
        "answer": ASSAD_QUESTION,
        "clarify": clarifying_question(answerer)[0],
        "fallback": OUT_OF_SCOPE,
        "smalltalk": "hi",
    }[kind]
    assert answerer.ask(question).closest is None
    message = await bot.one_message(private_message(question))
    pressed = buttons(message)
    assert not {"That answers it", "Not what I asked"} & {text for text, _ in pressed}
    assert not [d for _, d in pressed if isinstance(callbacks.parse(d), callbacks.ClosestFeedback)]


def test_a_closest_answer_not_logged_gets_no_feedback_buttons(answerer: Answerer) -> None:
    _, reply = closest_question(answerer)
    markup = reply_keyboard(reply)
    labels = [b.text for row in markup.inline_keyboard for b in row] if markup else []
    assert labels == [s.button for s in reply.suggestions[:3]]
    assert all(len(label) <= MAX_LABEL for label in labels)


@pytest.mark.asyncio
async def test_smalltalk_is_answered_without_a_source(bot: Bot, answerer: Answerer) -> None:
    message = await bot.one_message(private_message("hi"))
    assert Markup(message["text"]).text == answerer.base.reply("greeting")
    # With the examples, which ask new questions (small talk is not logged).
    picks = [pick_of(data) for _, data in buttons(message)]
    assert [(p.ident, p.question_id) for p in picks] == [(s.id, None) for s in answerer.examples()]


@pytest.mark.parametrize("typed", ["help", "start", "menu", "Help!", "hi", "/start"[1:]])
@pytest.mark.asyncio
async def test_typed_help_or_start_is_small_talk_never_a_fact(
    bot: Bot, answerer: Answerer, typed: str
) -> None:
    message = await bot.one_message(private_message(typed))
    assert Markup(message["text"]).text == answerer.base.reply("greeting")
    assert "<blockquote" not in message["text"]
    assert [picked(data) for _, data in buttons(message)] == [s.id for s in answerer.examples()]
    assert answerer.ask(typed).fact is None


@pytest.mark.parametrize("question", NASTY)
@pytest.mark.asyncio
async def test_user_text_never_reaches_the_html_unescaped(bot: Bot, question: str) -> None:
    for data in (private_message(question), private_message(f"/ask {question}")):
        message = await bot.one_message(data)
        assert_safe_html(message["text"])
    calls = await bot.receive(inline_query(question))
    for result in calls[0]["results"]:
        assert_safe_html(result["input_message_content"]["message_text"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_question_gets_html_telegram_accepts(answerer: Answerer, question: str) -> None:
    reply = answerer.ask(question)
    for part in split_html(reply.html()):
        assert 0 < check_html(part) <= 4096
        assert set(Markup(part).tags) <= ALLOWED_TAGS
    for asked in (None, 1, 2**48 - 1):
        markup = reply_keyboard(reply, asked)
        for row in markup.inline_keyboard if markup else ():
            for button in row:
                assert isinstance(button.callback_data, str)
                assert len(button.callback_data.encode()) <= callbacks.MAX_BYTES
                assert callbacks.parse(button.callback_data) is not None


@pytest.mark.asyncio
async def test_edited_message_is_not_answered_again(bot: Bot) -> None:
    assert await bot.receive(edited_private_message(ASSAD_QUESTION)) == []


@pytest.mark.asyncio
async def test_edited_command_is_not_answered_again(bot: Bot) -> None:
    assert await bot.receive(edited_private_message(f"/ask {ASSAD_QUESTION}")) == []


# --- buttons --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pressing_a_suggestion_answers_it(bot: Bot, answerer: Answerer) -> None:
    calls = await bot.receive(callback_query(callbacks.pick(ASSAD_FACT)))
    assert [call["method"] for call in calls] == ["answerCallbackQuery", "sendMessage"]
    assert "text" not in calls[0]
    assert calls[1]["chat_id"] == PRIVATE_CHAT_ID
    expected = answerer.answer_with(ASSAD_FACT)
    assert expected is not None
    assert calls[1]["text"] == expected.html()
    # An answer reached by a button is logged as a question too, and can be voted on.
    _, related = answer_buttons(calls[1])
    assert [picked(data) for _, data in related] == [s.id for s in expected.related[:3]]


@pytest.mark.asyncio
async def test_a_press_too_old_to_acknowledge_is_still_answered(
    bot: Bot, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    # Handled late (after a restart, from the inbox): Telegram refuses to stop the spinner.
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    bot.api.fail_next("answerCallbackQuery", status=400, description=too_old)
    with caplog.at_level(logging.INFO):
        calls = await bot.receive(callback_query(callbacks.pick(ASSAD_FACT)))
    assert [call["method"] for call in calls] == ["sendMessage"]
    expected = answerer.answer_with(ASSAD_FACT)
    assert expected is not None
    assert calls[0]["text"] == expected.html()
    assert "answered too late to acknowledge" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.asyncio
async def test_pressing_an_entity_suggestion_answers_it(bot: Bot) -> None:
    calls = await bot.receive(callback_query(callbacks.pick("putin")))
    assert [call["method"] for call in calls] == ["answerCallbackQuery", "sendMessage"]
    assert "Vladimir Putin" in calls[1]["text"]


@pytest.mark.asyncio
async def test_none_of_these_says_sorry_and_points_at_the_timeline(bot: Bot) -> None:
    calls = await bot.receive(callback_query(callbacks.NONE_OF_THESE))
    methods = [call["method"] for call in calls]
    assert methods == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    # The question shows what was picked, its buttons gone; the answer offers the examples.
    assert calls[1]["text"].endswith("<b>None of these</b>")
    assert "reply_markup" not in calls[1]
    assert calls[2]["text"] == html.escape(NONE_OF_THESE)
    assert "/timeline" in calls[2]["text"]
    assert buttons(calls[2])


@pytest.mark.parametrize(
    "data",
    [
        "f:../../etc",
        "x" * 100,
        "f:no-such-fact",
        "",
        None,
        "f:",
        "F:assad-visits-sochi",
        "f:" + "a" * 80,
        "f:assad visits sochi",
        "\x00",
        "é" * 40,
    ],
)
@pytest.mark.asyncio
async def test_forged_button_data_gets_a_polite_word_and_nothing_else(
    bot: Bot, data: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    calls = await bot.receive(callback_query(data))
    assert calls == [
        {
            "method": "answerCallbackQuery",
            "callback_query_id": calls[0]["callback_query_id"],
            "text": STALE_BUTTON,
        }
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.asyncio
async def test_button_under_an_inline_message_answers_in_private(bot: Bot) -> None:
    calls = await bot.receive(callback_query(callbacks.pick(ASSAD_FACT), inline=True))
    assert [call["method"] for call in calls] == ["answerCallbackQuery", "sendMessage"]
    assert calls[1]["chat_id"] == PRIVATE_CHAT_ID
    assert calls[1]["parse_mode"] == "HTML"
    assert "<blockquote>" in calls[1]["text"]


def test_callback_data_round_trips_and_refuses_long_ids() -> None:
    assert callbacks.parse(callbacks.pick(ASSAD_FACT)) == callbacks.Pick(ASSAD_FACT)
    with pytest.raises(ValueError, match="longer than 64 bytes"):
        callbacks.pick("a" * 63)


@pytest.mark.parametrize(
    ("data", "action"),
    [
        (callbacks.pick(ASSAD_FACT, 2**47), callbacks.Pick(ASSAD_FACT, 2**47)),
        (callbacks.none_of_these(7), callbacks.NoneOfThese(7)),
        (callbacks.vote(12, 1), callbacks.Vote(12, 1)),
        (callbacks.vote(12, -1), callbacks.Vote(12, -1)),
        (callbacks.attach(2**47, "a" * 40), callbacks.Attach(2**47, "a" * 40)),
        (callbacks.dismiss(5), callbacks.Dismiss(5)),
    ],
)
def test_every_kind_of_button_round_trips_within_64_bytes(
    data: str, action: callbacks.Action
) -> None:
    assert len(data.encode()) <= callbacks.MAX_BYTES
    assert callbacks.parse(data) == action


@pytest.mark.parametrize("data", ["v:*:12", "v:+:", "m:a:12", "m:a:x:assad", "m:d:", "f:Assad"])
def test_malformed_buttons_are_refused(data: str) -> None:
    assert callbacks.parse(data) is None


@given(st.one_of(st.none(), st.text(max_size=200), st.binary(max_size=80).map(repr)))
def test_callback_parse_never_raises(data: str | None) -> None:
    action = callbacks.parse(data)
    if isinstance(action, callbacks.Pick):
        assert data is not None
        assert data.startswith("f:")
        assert action.ident in data


def test_callback_parse_refuses_a_trailing_newline() -> None:
    assert callbacks.parse(callbacks.pick(ASSAD_FACT) + "\n") is None


# --- inline mode ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_inline_query_offers_up_to_ten_articles(bot: Bot, answerer: Answerer) -> None:
    calls = await bot.receive(inline_query("assad"))
    assert [call["method"] for call in calls] == ["answerInlineQuery"]
    results = calls[0]["results"]
    check_inline_results(results)
    assert [result["id"] for result in results] == [
        reply.fact for reply in answerer.search("assad", INLINE_RESULTS)
    ]
    assert calls[0]["cache_time"] == 60


@pytest.mark.asyncio
async def test_inline_results_are_titled_by_label_and_described_by_short_answer(
    bot: Bot, answerer: Answerer
) -> None:
    calls = await bot.receive(inline_query("rouhani"))
    results = calls[0]["results"]
    check_inline_results(results)
    replies = answerer.search("rouhani", INLINE_RESULTS)
    assert [r["title"] for r in results] == [reply.label for reply in replies]
    assert [r["description"] for r in results] == [reply.intro for reply in replies]
    for result in results:
        fact = answerer.base.facts.get(result["id"])
        if fact is not None:
            assert (result["title"], result["description"]) == (fact.label, fact.short)
    # Distinct at a glance: no two results open with the same words.
    assert len({r["description"][:40] for r in results}) == len(results)


@pytest.mark.asyncio
async def test_inline_query_for_a_question_puts_its_fact_first(bot: Bot) -> None:
    calls = await bot.receive(inline_query(ASSAD_QUESTION))
    results = calls[0]["results"]
    check_inline_results(results)
    assert results[0]["id"] == ASSAD_FACT
    assert "<blockquote>" in results[0]["input_message_content"]["message_text"]


@pytest.mark.asyncio
async def test_empty_inline_query_lists_the_timeline(bot: Bot, answerer: Answerer) -> None:
    calls = await bot.receive(inline_query(""))
    results = calls[0]["results"]
    check_inline_results(results)
    expected = [fact.id for _, fact in answerer.timeline()][:INLINE_RESULTS]
    assert [result["id"] for result in results] == expected


@pytest.mark.asyncio
async def test_inline_query_with_no_match_answers_with_no_results(bot: Bot) -> None:
    calls = await bot.receive(inline_query("zzzzqqqq xxxyyy"))
    assert [call["method"] for call in calls] == ["answerInlineQuery"]
    assert calls[0]["results"] == []


# --- groups ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_group_ignores_messages_not_meant_for_the_bot(bot: Bot) -> None:
    assert await bot.receive(group_message(ASSAD_QUESTION)) == []
    assert await bot.receive(group_message(f"@someone_else {ASSAD_QUESTION}")) == []
    assert await bot.receive(group_message(f"{ASSAD_QUESTION} @{BOT_USERNAME}x")) == []


@pytest.mark.parametrize(
    "data",
    [
        group_message(ASSAD_QUESTION, mention=True),
        group_message(f"{ASSAD_QUESTION} @{BOT_USERNAME.upper()}"),
        group_message(ASSAD_QUESTION, reply_to_bot=True),
        group_message(f"/ask {ASSAD_QUESTION}"),
        group_message(f"/ask@{BOT_USERNAME} {ASSAD_QUESTION}"),
    ],
    ids=["mention", "mention-at-end", "reply-to-bot", "ask", "ask-at-bot"],
)
@pytest.mark.asyncio
async def test_group_answers_when_addressed(bot: Bot, data: JSONDict, answerer: Answerer) -> None:
    message = await bot.one_message(data)
    assert message["chat_id"] == GROUP_CHAT_ID
    assert message["text"] == answerer.ask(ASSAD_QUESTION).html()
    # Threaded: a reply to the message that asked.
    assert message["reply_parameters"]["message_id"] == data["message"]["message_id"]


@pytest.mark.parametrize(
    "data",
    [
        group_message("hi", mention=True),
        group_message("What is the weather in Paris?", mention=True),
        group_message("/timeline"),
        group_message("/start"),
        group_message("/sources"),
    ],
    ids=["smalltalk", "fallback", "timeline", "start", "sources"],
)
@pytest.mark.asyncio
async def test_every_group_reply_is_a_reply_to_the_message_that_asked(
    bot: Bot, data: JSONDict
) -> None:
    calls = await bot.receive(data)
    sent = [call for call in calls if call["method"] == "sendMessage"]
    assert sent
    for call in sent:
        assert call["reply_parameters"]["message_id"] == data["message"]["message_id"]


@pytest.mark.asyncio
async def test_a_press_in_a_group_is_answered_under_its_message(bot: Bot) -> None:
    press = callback_query(callbacks.pick(ASSAD_FACT), chat_id=GROUP_CHAT_ID)
    calls = await bot.receive(press)
    [sent] = [call for call in calls if call["method"] == "sendMessage"]
    assert (
        sent["reply_parameters"]["message_id"] == press["callback_query"]["message"]["message_id"]
    )


@pytest.mark.asyncio
async def test_a_private_reply_quotes_nothing(bot: Bot) -> None:
    message = await bot.one_message(private_message(ASSAD_QUESTION))
    assert "reply_parameters" not in message


@pytest.mark.asyncio
async def test_group_mention_alone_is_ignored(bot: Bot) -> None:
    assert await bot.receive(group_message("", mention=True)) == []


def test_addressed_question_strips_the_mention() -> None:
    data = group_message(f"hey @{BOT_USERNAME}, {ASSAD_QUESTION}")["message"]
    message = Update.de_json({"update_id": 1, "message": data}, None).message
    assert message is not None
    question = addressed_question(message, BOT_USERNAME, BOT_ID)
    assert question is not None
    assert " ".join(question.split()) == f"hey , {ASSAD_QUESTION}"
    assert addressed_question(message, None, BOT_ID) is None


# --- not text -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_sticker_in_private_gets_a_hint(bot: Bot) -> None:
    message = await bot.one_message(sticker_message(PRIVATE_CHAT_ID))
    assert message["text"] == NOT_TEXT


@pytest.mark.asyncio
async def test_sticker_in_a_group_is_ignored(bot: Bot) -> None:
    assert await bot.receive(sticker_message(GROUP_CHAT_ID)) == []


# --- long replies ---------------------------------------------------------------------------


def _tags_balanced(part: str) -> bool:
    try:
        check_html(part)
    except ApiError:
        return False
    return True


def _visible(text: str) -> str:
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]*>", "", text)))


def long_html() -> str:
    """About 10,000 characters of reply-like HTML: paragraphs, a quote, a link, one paragraph
    longer than a message with bold words spread over it."""
    sentence = "Assad &amp; Putin met in <b>Sochi</b> on <i>20 November</i> 2017. "
    quote = f"<blockquote>{html.escape('“We appreciate Russia’s efforts” — ' * 20)}</blockquote>"
    link = '<a href="https://example.org/a?b=1&amp;c=2">A source</a>, a publisher, 22 Nov 2017'
    giant = "<b>" + "bold words keep going " * 260 + "</b> and a tail"
    text = "\n\n".join([sentence * 20, quote, link, giant, sentence * 40, link])
    assert len(text) > 10_000
    return text


def test_split_html_keeps_parts_short_balanced_and_complete() -> None:
    text = long_html()
    parts = split_html(text)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= 4096
        assert part.strip()
        assert _tags_balanced(part), part[:80]
    assert _visible("".join(parts)) == _visible(text)
    # What is not a cut is kept: paragraphs that fit stay whole.
    assert parts[0].startswith("Assad &amp; Putin")
    assert any(part.startswith("<b>bold words") for part in parts)


def test_split_html_leaves_a_short_message_alone() -> None:
    assert split_html("<b>short</b>") == ["<b>short</b>"]


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz&<>\"'é", min_size=1, max_size=30).map(
    html.escape
)
_PLAIN = st.lists(_WORD, min_size=1, max_size=12).map(" ".join)
_SEGMENT = st.one_of(
    _PLAIN,
    _PLAIN.map(lambda s: f"<b>{s}</b>"),
    _PLAIN.map(lambda s: f"<i>{s}</i>"),
    _PLAIN.map(lambda s: f'<a href="https://example.org/x">{s}</a>'),
    _PLAIN.map(lambda s: f"<blockquote>{s} <b>{s}</b></blockquote>"),
)
_PARAGRAPH = st.lists(_SEGMENT, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PARAGRAPH, min_size=1, max_size=12).map("\n\n".join))
def test_split_html_property(text: str) -> None:
    limit = 300
    parts = split_html(text, limit)
    for part in parts:
        assert len(part) <= limit
        assert _tags_balanced(part), part
    assert _visible("".join(parts)) == _visible(text)


def test_split_html_keeps_a_multi_paragraph_quote_balanced() -> None:
    quote = "\n\n".join(html.escape("A paragraph of the joint statement. " * 30) for _ in range(8))
    parts = split_html(f"<blockquote>{quote}</blockquote>")
    assert len(parts) > 1
    for part in parts:
        assert _tags_balanced(part)


class LongAnswerer(Answerer):
    """The real answer to every question, its text made longer than two messages."""

    def reply_for(self, question: str, match: Match) -> Reply:
        reply = super().reply_for(ASSAD_QUESTION, self.matcher.match(ASSAD_QUESTION))
        return dataclasses.replace(reply, intro=" ".join([reply.intro] * 120))


@pytest.mark.asyncio
async def test_long_reply_is_sent_in_parts_with_buttons_on_the_last(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(LongAnswerer(answerer.base, answerer.matcher), monkeypatch) as bot:
        calls = await bot.receive(private_message(ASSAD_QUESTION))
    assert [call["method"] for call in calls] == ["sendMessage"] * len(calls)
    assert len(calls) >= 2
    for call in calls:
        assert len(call["text"]) <= 4096
        assert_safe_html(call["text"])
    assert all("reply_markup" not in call for call in calls[:-1])
    _, related = answer_buttons(calls[-1])
    assert related
    assert "<blockquote" in calls[-1]["text"]


@pytest.mark.asyncio
async def test_sources_list_longer_than_a_message_is_split(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = '• <a href="https://example.org/{n}">Source number {n}</a>, A publisher, 22 Nov 2017'
    many = "\n".join(line.format(n=n) for n in range(150))
    monkeypatch.setattr(Answerer, "sources_html", lambda self: many)
    async with running(answerer, monkeypatch) as bot:
        calls = await bot.receive(private_message("/sources"))
    assert calls
    assert [call["method"] for call in calls] == ["sendMessage"] * len(calls)
    assert "https://example.org/149" in calls[-1]["text"]


# --- errors ---------------------------------------------------------------------------------


class BrokenAnswerer(Answerer):
    """A core that fails on every question."""

    def reply_for(self, question: str, match: Match) -> Reply:
        raise RuntimeError("boom: the matcher broke at /srv/bot/internal.py")


@pytest.mark.asyncio
async def test_handler_error_gets_a_polite_word_and_is_logged(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = BrokenAnswerer(answerer.base, answerer.matcher)
    async with running(broken, monkeypatch) as bot:
        with caplog.at_level(logging.ERROR, logger="bot.telegram.app"):
            message = await bot.one_message(private_message(ASSAD_QUESTION))
            group = await bot.receive(group_message(ASSAD_QUESTION, mention=True))
    assert message["text"] == APOLOGY
    assert group == []  # silence in groups
    errors = [r for r in caplog.records if r.name == "bot.telegram.app"]
    assert [r.getMessage() for r in errors] == ["error while handling an update"] * 2
    for record in errors:
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.asyncio
async def test_error_when_telegram_fails_is_logged_and_the_user_told(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.fail_next("sendMessage", status=500)
    with caplog.at_level(logging.ERROR, logger="bot.telegram.app"):
        calls = await bot.receive(private_message(ASSAD_QUESTION))
    assert [(c["method"], c["text"]) for c in calls if c["method"] == "sendMessage"] == [
        ("sendMessage", APOLOGY)
    ]
    assert len(bot.api.failed("sendMessage")) == 1
    assert any(r.getMessage() == "error while handling an update" for r in caplog.records)


@pytest.mark.asyncio
async def test_error_while_apologising_is_logged_not_raised(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = BrokenAnswerer(answerer.base, answerer.matcher)
    monkeypatch.setattr("bot.telegram.app.APOLOGY_PAUSE", 0.01)
    async with running(broken, monkeypatch, rate_limit=0) as bot:
        # Every try of the apology fails: the last failure is logged, nothing raised.
        bot.api.fail_next("sendMessage", status=500, times=APOLOGY_TRIES)
        with caplog.at_level(logging.WARNING, logger="bot.telegram.app"):
            calls = await bot.receive(private_message(ASSAD_QUESTION))
    assert calls == []
    assert any("could not tell the user about the error" in m for m in caplog.messages)


@pytest.mark.asyncio
async def test_an_apology_that_fails_once_is_tried_again(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = BrokenAnswerer(answerer.base, answerer.matcher)
    monkeypatch.setattr("bot.telegram.app.APOLOGY_PAUSE", 0.01)
    async with running(broken, monkeypatch, rate_limit=0) as bot:
        bot.api.fail_next("sendMessage", status=500)
        calls = await bot.receive(private_message(ASSAD_QUESTION))
    assert [call["text"] for call in calls] == [APOLOGY]


# --- logging --------------------------------------------------------------------------------


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, msg, args, None)


def test_redact_token_hides_the_token_in_messages_and_arguments() -> None:
    redact = RedactToken([TOKEN, "", "s3cret"])
    record = _record('HTTP Request: POST https://api.telegram.org/bot%s/getMe "%s"', TOKEN, "200")
    assert redact.filter(record)
    assert TOKEN not in record.getMessage()
    assert "/bot[redacted]/getMe" in record.getMessage()
    webhook = _record(f"secret s3cret and {TOKEN}")
    redact.filter(webhook)
    assert webhook.getMessage() == "secret [redacted] and [redacted]"
    plain = _record("nothing %s here", "secret")
    redact.filter(plain)
    assert plain.getMessage() == "nothing secret here"
    assert plain.args == ("secret",)


def _configured(settings: Settings, capsys: pytest.CaptureFixture[str]) -> Callable[[str], str]:
    configure_logging(settings)

    def log_line(message: str) -> str:
        capsys.readouterr()
        logging.getLogger("bot.test").warning(message)
        return capsys.readouterr().err

    return log_line


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_redacts_and_quiets_httpx(capsys: pytest.CaptureFixture[str]) -> None:
    log_line = _configured(Settings(knowledge=PROJECT_KNOWLEDGE, token=TOKEN), capsys)
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger().level == logging.INFO
    line = log_line(f"calling https://api.telegram.org/bot{TOKEN}/getMe")
    assert TOKEN not in line
    assert "bot[redacted]/getMe" in line
    assert "WARNING bot.test" in line
    capsys.readouterr()
    logging.getLogger("httpx").info("HTTP Request: POST .../getUpdates")
    assert capsys.readouterr().err == ""


# --- wiring ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_build_application_points_the_bot_at_the_configured_api(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_url = "http://127.0.0.1:8081/bot"
    async with running(answerer, monkeypatch, api_url=api_url) as bot:
        assert bot.application.bot.base_url == f"{api_url}{TOKEN}"
        assert bot.application.bot.base_file_url == f"http://127.0.0.1:8081/file/bot{TOKEN}"
        assert bot.application.bot.username == BOT_USERNAME
        services = bot.application.bot_data[SERVICES]
        assert isinstance(services, Services)
        assert services.holder.answerer is answerer
        assert services.holder.directory == PROJECT_KNOWLEDGE
        assert services.question_log is None
        assert services.moderators == frozenset()
        assert services.watcher is None


@pytest.mark.asyncio
async def test_file_url_of_a_local_api_server_named_bot(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(answerer, monkeypatch, api_url="http://botapi:8081/bot") as bot:
        assert bot.application.bot.base_file_url == f"http://botapi:8081/file/bot{TOKEN}"


@pytest.mark.asyncio
async def test_rate_limit_zero_builds_without_a_limiter(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(answerer, monkeypatch, rate_limit=0) as bot:
        assert bot.application.bot.rate_limiter is None
        message = await bot.one_message(private_message(ASSAD_QUESTION))
        assert "<blockquote>" in message["text"]
    async with running(answerer, monkeypatch) as bot:
        assert bot.application.bot.rate_limiter is not None


def test_build_application_needs_a_token(answerer: Answerer) -> None:
    with pytest.raises(ValueError, match="token"):
        build_application(Settings(knowledge=PROJECT_KNOWLEDGE), answerer)


@pytest.mark.asyncio
async def test_post_init_registers_the_commands(bot: Bot) -> None:
    await post_init(bot.application)
    services = bot.application.bot_data[SERVICES]
    watcher = services.watcher
    try:
        [registered] = bot.api.requests("setMyCommands")
        names = [command["command"] for command in registered["commands"]]
        assert names == [name for name, _ in COMMANDS]
        assert {"start", "help", "timeline", "sources", "about", "ask"} <= set(names)
        # Moderator commands are not advertised to everyone.
        assert not {"unanswered", "teach", "reload", "stats"} & set(names)
        assert watcher is not None  # the default reload interval watches the fact base
    finally:
        await post_shutdown(bot.application)
    assert watcher.done()


# --- the buttons under a closest answer ------------------------------------------------


@pytest.mark.parametrize("answers", [True, False])
def test_feedback_on_a_closest_answer_round_trips_within_64_bytes(answers: bool) -> None:
    data = callbacks.closest_feedback(2**47, "a" * 40, answers)
    assert len(data.encode()) <= callbacks.MAX_BYTES
    assert callbacks.parse(data) == callbacks.ClosestFeedback(2**47, "a" * 40, answers)


def test_the_two_buttons_differ() -> None:
    assert callbacks.closest_feedback(7, "putin-calls-leaders", True) != (
        callbacks.closest_feedback(7, "putin-calls-leaders", False)
    )


def test_feedback_with_too_long_an_id_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="longer than 64 bytes"):
        callbacks.closest_feedback(2**47, "a" * 60, True)


@pytest.mark.parametrize(
    "data",
    [
        "c:*:12:assad",  # neither + nor -
        "c:+:12",  # no fact
        "c:+::assad",  # no question
        "c:+:x:assad",  # a question id that is no number
        "c:+:12:Assad",  # not an id
        "c:+:12:assad:more",  # something after the id
        "c:+:12345678901234567:assad",  # a question id longer than any logged one
        "c:+:12:assad\n",  # a trailing newline
        "c:+:12:" + "a" * 70,  # longer than Telegram allows
    ],
)
def test_forged_feedback_is_refused(data: str) -> None:
    assert callbacks.parse(data) is None


@given(st.text(max_size=80))
def test_parsed_feedback_is_what_its_data_says(tail: str) -> None:
    action = callbacks.parse("c:" + tail)
    assert action is None or isinstance(action, callbacks.ClosestFeedback)
    if isinstance(action, callbacks.ClosestFeedback):
        data = callbacks.closest_feedback(action.question_id, action.ident, action.answers)
        assert data == "c:" + tail
