"""Render scripted conversations as a phone shows them, with headless Chromium, into PNGs.

Run: .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--heights]
Needs Debian's `chromium` package. Not part of the tests: a tool to judge a reply's look.

Each conversation is drawn on a 390 px wide screen with 16 px text in Telegram-like bubbles:
the bot's HTML as Telegram renders it (bold, italics, links, quotes; an expandable quote
collapsed to three lines), its buttons under it (a label too long for its button is cut, as
Telegram cuts it). `--heights` also renders every fact's answer, and prints how tall each one
is with its buttons, and how many characters show outside its collapsed quote.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from telegram import InlineKeyboardMarkup

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.replies import Answerer, Reply
from bot.telegram.keyboards import examples_keyboard, reply_keyboard

WIDTH = 390  # px: an iPhone 14's screen
SCREEN = 844  # px: its height; about 640 of it show the chat
ROOT = Path(__file__).resolve().parent.parent
STYLE = """
body { margin: 0; width: 390px; background: #7ca36d; font: 16px/1.35 'DejaVu Sans', sans-serif; }
.chat { padding: 8px 8px 16px; display: flex; flex-direction: column; gap: 6px; }
.bubble { max-width: 320px; padding: 6px 10px 8px; border-radius: 14px; white-space: pre-wrap;
  overflow-wrap: anywhere; box-shadow: 0 1px 1px rgba(0,0,0,.15); }
.bot { align-self: flex-start; background: #fff; border-bottom-left-radius: 4px; }
.user { align-self: flex-end; background: #e1fec6; border-bottom-right-radius: 4px; }
.bubble a { color: #168acd; text-decoration: none; }
blockquote { margin: 4px 0; padding: 2px 8px; border-left: 3px solid #168acd; border-radius: 4px;
  background: rgba(22,138,205,.08); white-space: pre-wrap; }
blockquote.collapsed { max-height: 4.05em; overflow: hidden; position: relative; }
blockquote.collapsed::after { content: '⌄'; position: absolute; right: 4px; bottom: 0;
  color: #168acd; background: #eef6fb; padding-left: 4px; }
.keys { align-self: flex-start; width: 336px; display: flex; flex-direction: column; gap: 4px; }
.row { display: flex; gap: 4px; }
.key { flex: 1; min-width: 0; background: rgba(0,0,0,.28); color: #fff; border-radius: 8px;
  font-size: 14px; line-height: 40px; height: 40px; text-align: center; padding: 0 8px;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
"""
MEASURE = """
<script>
document.addEventListener('DOMContentLoaded', () => {
  const heights = [...document.querySelectorAll('.chat')].map(chat => chat.scrollHeight);
  const out = document.createElement('pre'); out.id = 'heights';
  out.textContent = JSON.stringify(heights); document.body.appendChild(out);
});
</script>
"""


def telegram_html(text: str) -> str:
    """Telegram's HTML as a browser shows it: an expandable quote collapsed."""
    text = text.replace("<blockquote expandable>", '<blockquote class="collapsed">')
    # A line break right after a block is not drawn by Telegram.
    return re.sub(r"</blockquote>\n", "</blockquote>", text)


def keyboard_html(markup: InlineKeyboardMarkup | None) -> str:
    if markup is None:
        return ""
    rows = [
        '<div class="row">'
        + "".join(f'<div class="key">{html.escape(button.text)}</div>' for button in row)
        + "</div>"
        for row in markup.inline_keyboard
    ]
    return f'<div class="keys">{"".join(rows)}</div>'


def bot_says(text: str, markup: InlineKeyboardMarkup | None = None) -> str:
    return f'<div class="bubble bot">{telegram_html(text)}</div>{keyboard_html(markup)}'


def user_says(text: str) -> str:
    return f'<div class="bubble user">{html.escape(text)}</div>'


def answer(reply: Reply) -> str:
    return bot_says(reply.html(), reply_keyboard(reply, 1))


def conversations(answerer: Answerer) -> dict[str, list[str]]:
    """The scripted conversations, each a list of bubbles (and keyboards) in order."""
    from bot.telegram.asking import PICKED
    from bot.telegram.commands import timeline_html

    start = [user_says("/start"), bot_says(answerer.greeting_text(), examples_keyboard(answerer))]
    question = "What does the joint statement say about humanitarian aid?"
    tweet = "What did Zarif tweet about the summit?"
    clarify = next(
        (
            q
            for q in ("who met in sochi", "what did putin say", "sochi")
            if answerer.ask(q).suggestions
        ),
        "sochi",
    )
    picked = answerer.ask(clarify)
    chat = {
        "start": start,
        "answer": [user_says(question), answer(answerer.ask(question))],
        "tweet": [user_says(tweet), answer(answerer.ask(tweet))],
        "timeline": [user_says("/timeline"), bot_says(timeline_html(answerer, "syria_facts_bot"))],
        "closest": [
            user_says("How many soldiers did Russia send to Syria?"),
            answer(answerer.ask("How many soldiers did Russia send to Syria?")),
        ],
    }
    if picked.suggestions:
        first = picked.suggestions[0]
        shown = html.escape(picked.intro) + f"\n\n{PICKED}<b>{html.escape(first.button)}</b>"
        chosen = answerer.answer_with(first.id)
        chat["clarify"] = [user_says(clarify), bot_says(shown)] + (
            [answer(chosen)] if chosen else []
        )
    return chat


def page(chats: Sequence[str], measure: bool = False) -> str:
    body = "".join(f'<div class="chat">{chat}</div>' for chat in chats)
    script = MEASURE if measure else ""
    return f"<!doctype html><meta charset=utf-8><style>{STYLE}</style>{script}<body>{body}</body>"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        sys.exit("No chromium on PATH: install Debian's `chromium` package.")
    return found


def run_chromium(*args: str) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    done = subprocess.run(  # noqa: S603 - our own arguments
        [chromium(), *flags, "--force-device-scale-factor=1", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout


def heights(bubbles: Sequence[str]) -> list[int]:
    """How tall each chat is, drawn 390 px wide."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "measure.html"
        path.write_text(page(bubbles, measure=True), encoding="utf-8")
        dom = run_chromium(f"--window-size={WIDTH},{SCREEN}", "--dump-dom", path.as_uri())
    found = re.search(r'<pre id="heights">(.*?)</pre>', dom)
    return json.loads(html.unescape(found.group(1))) if found else []


def shoot(name: str, bubbles: Sequence[str], out: Path) -> Path:
    target = out / f"{name}.png"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.html"
        path.write_text(page(["".join(bubbles)]), encoding="utf-8")
        run_chromium(f"--window-size={WIDTH},{SCREEN}", f"--screenshot={target}", path.as_uri())
    return target


def visible_outside_quote(text: str) -> int:
    """Characters shown outside a collapsed quote (tags not counted)."""
    text = re.sub(r"<blockquote expandable>.*?</blockquote>", "", text, flags=re.DOTALL)
    return len(html.unescape(re.sub(r"<[^>]+>", "", text)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--heights", action="store_true", help="measure every fact's answer")
    parser.add_argument("--no-shots", action="store_true", help="measure only")
    args = parser.parse_args(argv)
    answerer = Answerer(load(PROJECT_KNOWLEDGE))
    if not args.no_shots:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, bubbles in conversations(answerer).items():
            print(shoot(name, bubbles, args.out))
    if args.heights:
        replies = [answerer.answer_with(ident) for ident in answerer.base.facts]
        shown = [reply for reply in replies if reply is not None]
        measured = heights([answer(reply) for reply in shown])
        pairs = sorted(zip(measured, shown, strict=True), key=lambda pair: -pair[0])
        for height, reply in pairs[:5]:
            print(f"{height:5d} px  {visible_outside_quote(reply.html()):4d} chars  {reply.fact}")
        print(
            f"answers: {len(measured)}; tallest {max(measured)} px, median "
            f"{sorted(measured)[len(measured) // 2]} px; over 640 px: "
            f"{sum(h > 640 for h in measured)}; over 800 px: {sum(h > 800 for h in measured)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
