"""Replies: what a user reads, as plain text, Telegram HTML and JSON; long messages split."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.factbase import FactBase, load
from bot.matching import Outcome
from bot.replies import MESSAGE_LIMIT, Answerer, quoted, split_html

ARTICLE_URL = (
    "https://iranprimer.usip.org/blog/2017/nov/22/russia-iran-and-turkey-hold-syria-summit"
)


@pytest.fixture
def answerer(mini_base: FactBase) -> Answerer:
    return Answerer(mini_base)


def test_an_answer_reads_short_answer_then_quote_then_source(answerer: Answerer) -> None:
    reply = answerer.ask("when did assad visit sochi")
    assert reply.outcome is Outcome.ANSWER
    answer, quote, source = reply.text().split("\n\n")
    assert answer == "Assad visited Sochi on 20 November 2017."
    assert quote.startswith("“On November 20, Syrian President Bashar al Assad")
    assert quote.endswith("”")
    assert source == f"The Iran Primer, 22 Nov 2017 — {ARTICLE_URL}"


def test_a_primary_source_is_named_as_quoted_in_the_article(answerer: Answerer) -> None:
    reply = answerer.ask("will the presidents meet again")
    assert reply.fact == "js-meet-again"
    line = reply.source_line()
    assert line == f"Joint statement, 22 Nov 2017 · via The Iran Primer — {ARTICLE_URL}"
    ids = [citation["id"] for citation in reply.to_json()["sources"]]
    assert ids == ["joint-statement", "iran-primer"]
    # The full citation stays in the JSON.
    assert reply.to_json()["sources"][0]["title"].startswith("Joint Statement by the Presidents")


def test_a_fact_without_short_or_label_falls_back_to_answer_and_question(
    mini_base_dir: Path,
) -> None:
    visit = mini_base_dir / "facts" / "visit.yaml"
    text = visit.read_text(encoding="utf-8")
    text = text.replace("    label: Meeting again\n", "").replace(
        "    short: They decided to meet again if necessary.\n", ""
    )
    visit.write_text(text, encoding="utf-8")
    reply = Answerer(load(mini_base_dir)).answer_with("js-meet-again")
    assert reply is not None
    assert reply.intro == "The presidents decided to meet again if necessary."
    assert reply.label == "Will the presidents meet again?"
    assert reply.html().startswith("<b>The presidents decided to meet again if necessary.</b>")


def test_json_follows_the_contract(answerer: Answerer) -> None:
    data = answerer.ask("when did assad visit sochi").to_json()
    assert set(data) >= {
        "question",
        "outcome",
        "fact",
        "text",
        "sources",
        "suggestions",
        "score",
    }
    assert data["outcome"] == "answer"
    assert data["fact"] == "assad-visits-sochi"
    assert 0 <= data["score"] <= 100
    source = data["sources"][0]
    assert set(source) == {"id", "title", "publisher", "date", "url", "quote"}
    assert source["date"] == "2017-11-22"
    assert source["quote"] in data["text"]


def test_a_fallback_is_honest_and_offers_what_it_knows(answerer: Answerer) -> None:
    reply = answerer.ask("what are the hotel prices and the weather in Sochi this winter")
    assert reply.outcome is Outcome.FALLBACK
    assert reply.fact is None and reply.quote is None and reply.closest is None
    assert reply.text().startswith("I don't have a sourced answer to that.")
    assert "Sochi" in reply.intro
    assert reply.suggestions
    for number, suggestion in enumerate(reply.suggestions, 1):
        assert f"{number}. {suggestion.question}" in reply.text()


def test_small_talk_is_answered_kindly_without_a_fact(answerer: Answerer) -> None:
    reply = answerer.ask("hello")
    assert reply.outcome is Outcome.FALLBACK
    assert reply.smalltalk == "greeting"
    assert reply.fact is None
    assert reply.to_json()["smalltalk"] == "greeting"


def test_picking_a_suggestion_answers_that_fact(answerer: Answerer) -> None:
    reply = answerer.answer_with("js-meet-again")
    assert reply is not None and reply.fact == "js-meet-again"
    assert answerer.answer_with("no-such-fact") is None


def test_html_keeps_only_its_own_tags_and_links_the_source(answerer: Answerer) -> None:
    markup = answerer.ask("when did assad visit sochi").html()
    assert set(re.findall(r"</?([a-z]+)", markup)) == {"b", "blockquote", "i", "a"}
    assert f'<a href="{ARTICLE_URL}">' in markup
    assert balanced(markup)


@pytest.mark.parametrize(
    "question",
    ["<b>hi</b> & who is <script>alert(1)</script>", "</blockquote><a href='x'>", "*_[`&amp;"],
)
def test_a_hostile_question_cannot_inject_markup(answerer: Answerer, question: str) -> None:
    markup = answerer.ask(question).html()
    assert set(re.findall(r"</?([a-z]+)", markup)) <= {"b", "blockquote", "i", "a"}
    assert "<script" not in markup and "href='x'" not in markup
    assert balanced(markup)


def test_timeline_text_is_one_line_an_event_in_date_order(answerer: Answerer) -> None:
    lines = answerer.timeline_text().splitlines()
    assert lines[0].startswith("20 Nov 2017: ")
    assert lines[1].startswith("Nov 2017: ")  # known to the month only: after its days


def test_the_timeline_says_a_planned_date_is_planned(mini_base_dir: Path) -> None:
    visit = mini_base_dir / "facts" / "visit.yaml"
    text = visit.read_text(encoding="utf-8")
    visit.write_text(
        text.replace("    date: 2017-11\n", "    planned: 2017-11\n"), encoding="utf-8"
    )
    events = Answerer(load(mini_base_dir)).timeline()
    assert [(date, fact.id) for date, fact in events] == [
        ("20 Nov 2017", "assad-visits-sochi"),
        ("Nov 2017 (planned)", "js-meet-again"),
    ]


# --- splitting long messages ----------------------------------------------------------------


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.ok = False


def balanced(markup: str) -> bool:
    """Every tag closed in order, nothing left open."""
    parser = _Balance()
    parser.feed(markup)
    parser.close()
    return parser.ok and not parser.open


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def letters(text: str) -> str:
    """The text without its white space: splitting may drop or add spaces, nothing else."""
    return re.sub(r"\s+", "", text)


def test_a_short_message_is_not_split() -> None:
    assert split_html("<b>short</b>") == ["<b>short</b>"]


def test_a_long_reply_is_split_into_balanced_parts() -> None:
    quote = html.escape("a word & <another> " * 800)
    markup = f"Intro.\n\n<blockquote>{quote}</blockquote>\n\nSource: <a href='https://x'>t</a>"
    parts = split_html(markup)
    assert len(parts) > 1
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert all(balanced(part) for part in parts)
    assert letters("".join(visible(part) for part in parts)) == letters(visible(markup))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "b", "i", "blockquote"]), st.text(min_size=0, max_size=900)),
        max_size=12,
    ),
    st.integers(min_value=200, max_value=MESSAGE_LIMIT),
)
def test_split_parts_are_balanced_and_within_the_limit(
    paragraphs: list[tuple[str, str]], limit: int
) -> None:
    markup = "\n\n".join(
        f"<{tag}>{html.escape(text)}</{tag}>" if tag else html.escape(text)
        for tag, text in paragraphs
    )
    parts = split_html(markup, limit)
    assert all(len(part) <= limit for part in parts)
    assert all(balanced(part) for part in parts)
    assert letters("".join(visible(part) for part in parts)) == letters(visible(markup))


def test_a_quote_that_opens_with_quotation_marks_gets_no_second_pair() -> None:
    assert quoted("We met.") == "“We met.”"
    assert quoted("“We met,” he said.") == "“We met,” he said."


# --- the closest answer --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("how many times did assad visit sochi", "My sources don't say how many. What they say:"),
        (
            "what did putin say to assad in sochi",
            "My sources don't say what Vladimir Putin said. What they say:",
        ),
        ("is assad fond of sochi", "My sources don't mention “fond”. What they say:"),
        ("did assad enjoy sochi", "I'm not sure I understood. The closest I have:"),
    ],
)
def test_a_closest_answer_says_what_is_missing_then_what_the_sources_say(
    answerer: Answerer, question: str, lead: str
) -> None:
    reply = answerer.ask(question)
    assert reply.outcome is Outcome.FALLBACK
    assert reply.fact is None  # it is no answer
    assert reply.closest is not None and reply.closest.id == "assad-visits-sochi"
    intro, quote, source, *_ = reply.text().split("\n\n")
    assert intro == f"{lead}\nAssad visited Sochi on 20 November 2017."
    assert quote.startswith("“On November 20, Syrian President Bashar al Assad")
    assert source.startswith("The Iran Primer, 22 Nov 2017 — https://")
    # In HTML too: the lead, then the short answer in bold, the quote, the source line.
    assert reply.html().startswith(f"{html.escape(lead)}\n<b>Assad visited Sochi")


def test_a_closest_answer_in_html_is_escaped_quoted_and_sourced(answerer: Answerer) -> None:
    markup = answerer.ask("is assad fond of sochi").html()
    assert markup.startswith("My sources don&#x27;t mention “fond”")
    assert set(re.findall(r"</?([a-z]+)", markup)) == {"b", "blockquote", "i", "a"}
    assert balanced(markup)


def test_a_closest_answer_in_json_names_the_fact_shown(answerer: Answerer) -> None:
    data = answerer.ask("how many times did assad visit sochi").to_json()
    assert data["outcome"] == "fallback"
    assert data["fact"] is None
    assert data["closest"] == {
        "fact": "assad-visits-sochi",
        "question": "When did Assad visit Sochi?",
        "label": "Assad visits Sochi",
    }
    assert [source["id"] for source in data["sources"]] == ["iran-primer"]
    assert data["why"]["fact"] == "assad-visits-sochi"
    assert data["why"]["missing"] == ["number"]
    # The other questions offered never repeat the one shown.
    assert "assad-visits-sochi" not in {s["fact"] for s in data["suggestions"]}


def test_an_answer_and_a_plain_fallback_have_no_closest(answerer: Answerer) -> None:
    assert answerer.ask("when did assad visit sochi").to_json()["closest"] is None
    fallback = answerer.ask("bitcoin price").to_json()
    assert fallback["closest"] is None and fallback["outcome"] == "fallback"


def test_a_reading_is_said_first_in_text_html_and_json(answerer: Answerer) -> None:
    reply = answerer.ask("when did assad visit sochi")
    assert reply.to_json()["understood_as"] is None
    assert not reply.text().startswith("Reading this as")
    read = replace(reply, understood_as="When did <Assad> visit Sochi?")
    assert read.text().startswith(
        "Reading this as: When did <Assad> visit Sochi?\nAssad visited Sochi on 20 November 2017"
    )
    assert read.html().startswith("Reading this as: When did &lt;Assad&gt; visit Sochi?\n")
    data = read.to_json()
    assert data["understood_as"] == "When did <Assad> visit Sochi?"
    assert data["text"] == read.text()
