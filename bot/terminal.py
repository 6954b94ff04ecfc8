"""What the command line prints: control and format characters shown as visible escapes.

Questions come from anyone on Telegram, and the moderators' reports print them in a terminal.
A question may carry escape sequences (ESC, or the C1 controls) that set the window title,
write to the clipboard or clear the screen, and bidi, zero-width or tag characters that make
the text look like something else. Every such character (Unicode categories Cc and Cf, except
the newline and the tab) is shown as its JSON escape, `\\u001b` or `\\u202e`; astral ones as a
JSON surrogate pair. As the escapes are JSON's, JSON printed through here still reads back as
the same data.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

_KEPT = frozenset("\n\t")
_HIDDEN = frozenset(("Cc", "Cf"))


class Output(Protocol):
    """Where text is printed: a terminal, a file, a pipe."""

    def write(self, text: str, /) -> int:
        """Write text; return how much was taken."""
        ...

    def flush(self) -> None:
        """Push what was written on."""
        ...


def visible(text: str) -> str:
    """`text` with its control and format characters (but newlines and tabs) as escapes."""
    if text.isprintable():  # no Cc or Cf character is printable: the common case, fast
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if char in _KEPT or unicodedata.category(char) not in _HIDDEN:
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


class VisibleText:
    """A stream that shows everything written to it visibly (see `visible`)."""

    def __init__(self, target: Output) -> None:
        self.target = target

    def write(self, text: str, /) -> int:
        """Write `text` to the target, its control and format characters escaped."""
        self.target.write(visible(text))
        return len(text)

    def flush(self) -> None:
        """Flush the target."""
        self.target.flush()
