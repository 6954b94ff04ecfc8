"""How a reply reads: its plain text and its Telegram HTML, laid out for a phone.

An answer is its short answer (bold in HTML), then its evidence: the quote (collapsed when long)
and one short source line with the link. The full citation is in /sources and in the JSON.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.factbase import FactBase, Source

if TYPE_CHECKING:
    from bot.replies import Citation, Reply

EXPANDABLE = 200  # characters: a longer quote is sent collapsed (`<blockquote expandable>`)
TWITTER = "https://x.com/"
OTHERS = "You may also mean:"
READING_AS = "Reading this as:"
# A Twitter handle (@JZarif) or hashtag (#SochiSummit), not inside a word, an address or a link.
_TAGGED = re.compile(r"(?<![\w@#/.&])([@#])(\w{1,50})")


def linked(text: str) -> str:
    """`text` escaped for Telegram HTML, each Twitter handle and hashtag a link to it on X, its
    words unchanged (Telegram would otherwise link them to its own users and searches)."""
    pieces = []
    position = 0
    for found in _TAGGED.finditer(text):
        sign, name = found.groups()
        if sign == "#" and name.isdigit():
            continue  # "#2": a number, not a hashtag
        address = TWITTER + (name if sign == "@" else f"hashtag/{name}")
        pieces.append(html.escape(text[position : found.start()]))
        pieces.append(f'<a href="{html.escape(address)}">{html.escape(found[0])}</a>')
        position = found.end()
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)


def quoted(text: str) -> str:
    """`text` in quotation marks, unless it already opens with one."""
    return text if text[:1] in "“\"‘'" else f"“{text}”"


def reply_text(reply: Reply) -> str:
    """The reply in plain text: the answer, the quote, the source line with its link written
    out; then the numbered suggestions."""
    head = [reply.reading_line(), reply.lead, reply.intro]
    parts = ["\n".join(line for line in head if line)]
    if reply.quote:
        parts.append(quoted(reply.quote))
        parts.append(source_line(reply.citations))
    if reply.suggestions:
        lines = [f"{n}. {s.question}" for n, s in enumerate(reply.suggestions, 1)]
        if reply.closest is not None:
            lines.insert(0, OTHERS)
        parts.append("\n".join(lines))
    return "\n\n".join(part for part in parts if part)


def reply_html(reply: Reply) -> str:
    """The reply in Telegram HTML: the short answer in bold, the quote (collapsed when long),
    one italic source line; every piece from users or YAML escaped."""
    head = [linked(line) for line in (reply.reading_line(), reply.lead) if line]
    if reply.quote:
        head.append(f"<b>{linked(reply.intro)}</b>")
        evidence = quote_html(reply.quote) + "\n" + source_html(reply.citations)
        return "\n".join(head) + "\n" + evidence
    head.append(linked(reply.intro))
    return "\n".join(line for line in head if line)


def quote_html(quote: str) -> str:
    """A quote as a block; a long one collapsed, to be opened with a tap."""
    tag = "blockquote expandable" if len(quote) > EXPANDABLE else "blockquote"
    return f"<{tag}>{linked(quote)}</blockquote>"


def source_line(citations: tuple[Citation, ...]) -> str:
    """The one line under a quote, with the link written out: "Joint statement, 22 Nov 2017 ·
    via The Iran Primer — https://…"."""
    if not citations:
        return ""
    primary = citations[0]
    line = _line(primary.source, primary.quoted_in, lambda source: source.name)
    address = _address(primary.source, primary.quoted_in)
    return f"{line} — {address}" if address else line


def source_html(citations: tuple[Citation, ...]) -> str:
    """The source line in italics, its link on the document's name."""
    if not citations:
        return ""
    primary = citations[0]
    return f"<i>{_line(primary.source, primary.quoted_in, _named_html)}</i>"


def _line(source: Source, quoted_in: Source | None, name: Callable[[Source], str]) -> str:
    line = name(source)
    if source.date is not None:
        line += f", {source.date}"
    return f"{line} · via {name(quoted_in)}" if quoted_in is not None else line


def _address(source: Source, quoted_in: Source | None) -> str | None:
    return source.url or (quoted_in.url if quoted_in is not None else None)


def _named_html(source: Source) -> str:
    name = linked(source.name)
    if not source.url:
        return name
    return f'<a href="{html.escape(source.url)}">{html.escape(source.name)}</a>'


def sources_text(base: FactBase) -> str:
    """The documents the base quotes, each with its link once, and under it the primary
    sources quoted in it."""
    lines = []
    for document, quoted_there in _documents(base):
        lines.append(f"- {_citation(document, html_escape=False)}")
        lines.extend(f"  - {_citation(source, html_escape=False)}" for source in quoted_there)
    return "\n".join(lines)


def sources_html(base: FactBase) -> str:
    """/sources: each document with its link once, and the primary sources quoted in it."""
    lines = []
    for document, quoted_there in _documents(base):
        lines.append(f"• {_citation(document, html_escape=True)}")
        if quoted_there:
            lines.append("<i>quoted in it:</i>")
            lines.extend(f"  – {_citation(source, html_escape=True)}" for source in quoted_there)
    return "\n".join(lines)


def _documents(base: FactBase) -> Iterable[tuple[Source, list[Source]]]:
    for document in base.sources.values():
        if document.quoted_in is None:
            inside = [s for s in base.sources.values() if s.quoted_in == document.id]
            yield document, inside


def _citation(source: Source, html_escape: bool) -> str:
    """The full citation: title, publisher, date; the link written out or on the title."""
    title = linked(source.title) if html_escape else source.title
    publisher = linked(source.publisher) if html_escape else source.publisher
    if source.url and html_escape:
        title = f'<a href="{html.escape(source.url)}">{html.escape(source.title)}</a>'
    parts = [title, publisher] + ([str(source.date)] if source.date is not None else [])
    line = ", ".join(parts)
    return f"{line} — {source.url}" if source.url and not html_escape else line
