"""What reaches a terminal: control and format characters shown as visible escapes."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest

from bot.terminal import VisibleText, visible

# What a question may carry to a moderator's terminal: OSC 52 (a clipboard write), a window
# title, a screen clear, a carriage return over the line, C1 controls (CSI, OSC), bidi
# overrides and isolates, zero-width and tag characters (hidden text), DEL and NUL.
HOSTILE = [
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b]0;you are root\x07",
    "\x1b[2J\x1b[H",
    "fine\rforged",
    "\x9b31m\x9d0;title\x9c",
    "admin\u202etxt.exe\u202c",
    "\u2066isolated\u2069 \u200e\u200f\u061c",
    "zero\u200bwidth\u2060joiner\ufeff",
    "tag\U000e0041\U000e0042\U000e007f",
    "\x7f\x00\x08\x0c\x0b",
]


def unsafe(text: str) -> list[str]:
    """The control and format characters in `text`, newlines apart."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]


@pytest.mark.parametrize("text", HOSTILE)
def test_control_and_format_characters_become_escapes(text: str) -> None:
    shown = visible(text)
    assert unsafe(shown) == []
    # One escape for each, two (a surrogate pair) for those past U+FFFF.
    assert sum(1 + (ord(c) > 0xFFFF) for c in unsafe(text)) == shown.count("\\u")
    # The escapes are JSON's: JSON printed through it still reads back as the text itself.
    assert json.loads(visible(json.dumps(text, ensure_ascii=False))) == text
    assert json.loads(f'"{shown}"') == text


def test_ordinary_text_is_left_alone() -> None:
    text = "Who met in Sochi? — «Путин», بشار الأسد, 👍🏽 ok\n\tnext line"
    assert visible(text) == text


def test_escapes_name_the_character() -> None:
    assert visible("\x1b[2J") == "\\u001b[2J"
    assert visible("a\u202eb") == "a\\u202eb"
    assert visible("\U000e0041") == "\\udb40\\udc41"


def test_a_stream_shows_everything_written_to_it_visibly() -> None:
    target = io.StringIO()
    stream = VisibleText(target)
    print("\x1b]0;title\x07", "\u202e", file=stream)
    stream.flush()
    assert target.getvalue() == "\\u001b]0;title\\u0007 \\u202e\n"
