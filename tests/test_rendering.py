"""How replies read on a phone: short answer, quote, source line; lengths over every shipped fact;
Twitter handles and hashtags linked to X; buttons."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pytest

from bot import audit
from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import MAX_LABEL, MAX_SHORT, FactBase, KnowledgeError, load
from bot.rendering import EXPANDABLE, linked
from bot.replies import Answerer, Reply
from bot.telegram.commands import timeline_html
from bot.telegram.keyboards import examples_keyboard, reply_keyboard
from tests.emulator import BOT_USERNAME
from tests.harness import PHONE_LINE, Markup

# A phone's chat: about 640 px of a 390 px wide screen, 16 px text on 22 px lines; a quote
# is indented (fewer characters a line), a collapsed one shows three lines; a row of buttons
# is about 44 px.
SCREEN = 640
LINE_PX = 22
QUOTE_LINE = PHONE_LINE - 4
COLLAPSED_LINES = 3
BUBBLE_PX = 16
ROW_PX = 44
OUTSIDE_QUOTE = 450  # characters a reader sees outside a collapsed quote
_COLLAPSED = re.compile(r"<blockquote expandable>.*?</blockquote>", re.DOTALL)
_QUOTE = re.compile(r"<blockquote( expandable)?>(.*?)</blockquote>", re.DOTALL)
# What Telegram would link by itself: a handle or hashtag outside every link.
_BARE_TAG = re.compile(r"(?<![\w/])[@#][A-Za-z_]\w*")


@pytest.fixture(scope="module")
def shipped() -> Answerer:
    return Answerer(load(PROJECT_KNOWLEDGE))


def answers(answerer: Answerer) -> list[Reply]:
    found = [answerer.answer_with(ident) for ident in answerer.base.facts]
    return [reply for reply in found if reply is not None]


def seen(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def phone_height(markup: str, rows: int) -> int:
    """The height of a message and its buttons on a phone, estimated line by line."""
    lines = 0
    for expandable, quote in _QUOTE.findall(markup):
        needed = sum(max(1, math.ceil(len(part) / QUOTE_LINE)) for part in seen(quote).split("\n"))
        lines += min(needed, COLLAPSED_LINES) if expandable else needed
    outside = seen(_QUOTE.sub("", markup))
    lines += sum(max(1, math.ceil(len(line) / PHONE_LINE)) for line in outside.split("\n"))
    return BUBBLE_PX + lines * LINE_PX + rows * ROW_PX


def bare_tags(markup: str) -> list[str]:
    """Handles and hashtags Telegram would link itself: those outside an <a>."""
    outside = re.sub(r"<a [^>]*>.*?</a>", "", markup, flags=re.DOTALL)
    return _BARE_TAG.findall(seen(outside))


# --- every shipped fact ---------------------------------------------------------------------


def test_every_shipped_fact_has_a_short_answer_and_a_label(shipped: Answerer) -> None:
    for fact in shipped.base.facts.values():
        assert fact.short and len(fact.short) <= MAX_SHORT, fact.id
        assert fact.label and len(fact.label) <= MAX_LABEL, fact.id
    assert audit.unlabelled(shipped.base) == []
    labels = [fact.label for fact in shipped.base.facts.values()]
    assert len(set(labels)) == len(labels)  # the options of "Did you mean" differ


def test_every_answer_is_short_answer_then_quote_then_source_line(shipped: Answerer) -> None:
    for reply in answers(shipped):
        assert reply.quote is not None
        markup = reply.html()
        head, rest = markup.split("\n", 1)
        assert head == f"<b>{linked(reply.intro)}</b>", reply.fact
        long = len(reply.quote) > EXPANDABLE
        assert rest.startswith("<blockquote expandable>" if long else "<blockquote>")
        assert rest.count("<blockquote") == 1
        assert markup.endswith("</i>") and markup.rindex("<i>") > markup.index("</blockquote>")
        # The short source line: the document linked once, no full citation.
        line = seen(markup[markup.rindex("<i>") :])
        assert len(line) <= 80, line
        assert "United States Institute of Peace" not in line


def test_every_answer_fits_one_phone_screen(shipped: Answerer) -> None:
    for reply in answers(shipped):
        markup = reply.html()
        assert len(seen(_COLLAPSED.sub("", markup))) <= OUTSIDE_QUOTE, reply.fact
        keyboard = reply_keyboard(reply, 1)
        rows = len(keyboard.inline_keyboard) if keyboard else 0
        assert phone_height(markup, rows) <= SCREEN, reply.fact


def test_a_long_quote_would_not_fit_uncollapsed(shipped: Answerer) -> None:
    # The estimate can fail: the longest quote, not collapsed, outgrows the short one's height.
    reply = max(answers(shipped), key=lambda r: len(r.quote or ""))
    open_quote = reply.html().replace("<blockquote expandable>", "<blockquote>")
    assert phone_height(open_quote, 0) > phone_height(reply.html(), 0) + 3 * LINE_PX


def test_every_answers_buttons_are_labels_related_then_votes(shipped: Answerer) -> None:
    for reply in answers(shipped):
        keyboard = reply_keyboard(reply, 7)
        assert keyboard is not None
        *related, votes = keyboard.inline_keyboard
        assert [button.text for button in votes] == ["👍", "👎"]
        assert sum(len(row) for row in related) <= 3
        assert all(1 <= len(row) <= 2 for row in related)
        shown = [button.text for row in related for button in row]
        assert shown == [s.button for s in reply.related[:3]]
        assert all(len(text) <= MAX_LABEL and not text.endswith("…") for text in shown)
    for row in examples_keyboard(shipped).inline_keyboard:
        assert all(len(button.text) <= MAX_LABEL for button in row)


def test_plain_text_has_the_same_order_with_the_link_written_out(shipped: Answerer) -> None:
    for reply in answers(shipped):
        short, quote, source = reply.text().split("\n\n")
        assert short == reply.intro
        assert reply.quote is not None and reply.quote in quote
        document = reply.citations[-1].source
        assert document.url is not None and source.endswith(f" — {document.url}")


def test_no_handle_or_hashtag_is_left_for_telegram(shipped: Answerer) -> None:
    texts = [reply.html() for reply in answers(shipped)]
    texts += [shipped.sources_html(), timeline_html(shipped, BOT_USERNAME)]
    entities = (shipped.answer_with(ident) for ident in shipped.base.entities)
    texts += [reply.html() for reply in entities if reply is not None]
    tweets = [text for text in texts if "x.com/" in text]
    assert len(tweets) >= 3  # the tweets the article quotes
    for text in texts:
        assert bare_tags(text) == [], text


def test_sources_name_each_link_once(shipped: Answerer) -> None:
    markup = Markup(shipped.sources_html())
    articles = [link for link in markup.links if "x.com/" not in link]
    assert articles and len(articles) == len(set(articles))
    for source in shipped.base.sources.values():
        assert source.title in markup.text


def test_timeline_and_start_fit_one_screen(shipped: Answerer) -> None:
    assert phone_height(timeline_html(shipped, BOT_USERNAME), 0) <= SCREEN
    rows = len(examples_keyboard(shipped).inline_keyboard)
    assert phone_height(html.escape(shipped.greeting_text()), rows) <= SCREEN


# --- handles and hashtags -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("via @JZarif today", ["https://x.com/JZarif"]),
        ("#SochiSummit pic", ["https://x.com/hashtag/SochiSummit"]),
        ("(photo via @AP) #Syria #Riyadh", ["https://x.com/AP", *2 * ["https://x.com/hashtag/"]]),
        ("mail me at a@b.org", []),
        ("https://t.co/x#frag and issue #2", []),
        ("a < b & @c", ["https://x.com/c"]),
    ],
)
def test_handles_and_hashtags_link_to_x_with_their_text_unchanged(
    text: str, links: list[str]
) -> None:
    markup = Markup(linked(text))
    assert markup.text == text  # the quote stays verbatim
    assert len(markup.links) == len(links)
    assert all(link.startswith(prefix) for link, prefix in zip(markup.links, links, strict=True))
    assert bare_tags(linked(text)) == []


# --- the fact base's new fields -------------------------------------------------------------


def _edit_visit(directory: Path, old: str, new: str) -> None:
    visit = directory / "facts" / "visit.yaml"
    text = visit.read_text(encoding="utf-8")
    assert old in text
    visit.write_text(text.replace(old, new), encoding="utf-8")


def test_a_short_answer_or_label_too_long_is_refused(mini_base_dir: Path) -> None:
    _edit_visit(mini_base_dir, "label: Assad visits Sochi", "label: " + "x" * 31)
    with pytest.raises(KnowledgeError) as refused:
        load(mini_base_dir)
    assert "'label' has 31 characters; at most 30" in str(refused.value)
    _edit_visit(mini_base_dir, "label: " + "x" * 31, "label: " + "x" * 30)
    load(mini_base_dir)  # thirty is fine


def test_a_short_answer_claims_nothing_its_quote_does_not_say(mini_base_dir: Path) -> None:
    _edit_visit(
        mini_base_dir,
        "short: Assad visited Sochi on 20 November 2017.",
        "short: Assad visited Sochi on 25 November 2017.",
    )
    with pytest.raises(KnowledgeError) as refused:
        load(mini_base_dir)
    assert 'fact "assad-visits-sochi": the short answer says what its quote' in str(refused.value)


def test_strict_validation_flags_a_fact_without_short_or_label(
    mini_base_dir: Path, mini_base: FactBase
) -> None:
    assert audit.unlabelled(mini_base) == []
    _edit_visit(mini_base_dir, "    label: Meeting again\n", "")
    [problem] = audit.unlabelled(load(mini_base_dir))
    assert "js-meet-again" in problem.message and "'label'" in problem.message
