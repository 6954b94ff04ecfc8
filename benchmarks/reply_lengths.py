"""Benchmark: how long the bot's replies are on a phone, over every fact of the shipped base.

Run: .venv/bin/python benchmarks/reply_lengths.py
Prints figures; asserts nothing. For each fact's answer: the characters of its HTML, those a
reader sees (tags not counted), and those outside a collapsed (expandable) quote; the button
labels over 30 characters (Telegram cuts them); /start's and /timeline's visible characters.
It reads only `Answerer`, `Reply.html()` and the keyboards, so it runs on older code as well
(with PYTHONPATH pointing at an older checkout) for before/after figures.
"""

from __future__ import annotations

import html
import re
import statistics
from collections.abc import Sequence

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.replies import Answerer
from bot.telegram import keyboards

LABEL = 30  # characters a button shows uncut on a phone
_COLLAPSED = re.compile(r"<blockquote expandable>.*?</blockquote>", re.DOTALL)


def seen(markup: str) -> int:
    """Characters a reader sees in Telegram HTML."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def summary(name: str, values: Sequence[int]) -> str:
    ordered = sorted(values)
    return (
        f"{name}: median {statistics.median(ordered):.0f}, max {ordered[-1]}, "
        f"over 450: {sum(v > 450 for v in ordered)}, over 800: {sum(v > 800 for v in ordered)}"
    )


def main() -> None:
    answerer = Answerer(load(PROJECT_KNOWLEDGE))
    replies = [answerer.answer_with(ident) for ident in answerer.base.facts]
    answers = [reply for reply in replies if reply is not None]
    markups = [reply.html() for reply in answers]
    print(f"answers: {len(answers)}")
    print(summary("HTML characters", [len(m) for m in markups]))
    print(summary("visible characters", [seen(m) for m in markups]))
    print(summary("outside a collapsed quote", [seen(_COLLAPSED.sub("", m)) for m in markups]))
    labels = []
    rows = []
    for reply in answers:
        markup = keyboards.reply_keyboard(reply, 1)
        if markup is not None:
            rows.append(len(markup.inline_keyboard))
            labels += [button.text for row in markup.inline_keyboard for button in row]
    labels += [b.text for row in keyboards.examples_keyboard(answerer).inline_keyboard for b in row]
    distinct = set(labels)
    long = {label for label in distinct if len(label) > LABEL or label.endswith("…")}
    print(f"button labels: {len(distinct)} distinct, {len(long)} over {LABEL} characters or cut")
    print(f"button rows under an answer: median {statistics.median(rows):.0f}, max {max(rows)}")
    print(f"/start: {len(answerer.greeting_text())} characters")
    print(f"/timeline: {seen(timeline(answerer))} characters")


def timeline(answerer: Answerer) -> str:
    """/timeline's HTML (as main built it, where this code has no timeline_html)."""
    try:
        from bot.telegram.commands import timeline_html
    except ImportError:
        events = answerer.timeline()
        return "\n\n".join(f"<b>{date}</b>: {html.escape(fact.answer)}" for date, fact in events)
    return timeline_html(answerer, "syria_facts_bot")


if __name__ == "__main__":
    main()
