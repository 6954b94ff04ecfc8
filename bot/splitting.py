"""Telegram HTML cut into messages Telegram accepts: at most 4,096 characters each, every tag
closed where a message ends and opened again in the next."""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096

# Tags, and words (character references included) with the space after them.
_UNITS = re.compile(r"<[^>]*>|[^<\s]+\s*|\s+|<")
_CHARACTERS = re.compile(r"&#?\w+;|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]+)")


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` characters, tags kept balanced.

    Paragraphs are kept whole where they fit; a longer one is cut between words, closing the
    tags open at the cut and opening them again in the next message.
    """
    if len(text) <= limit:
        return [text]
    messages: list[str] = []
    current = ""
    for paragraph in _paragraphs(text):
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if len(joined) <= limit:
            current = joined
            continue
        if current:
            messages.append(current)
        if len(paragraph) <= limit:
            current = paragraph
            continue
        pieces = _split_paragraph(paragraph, limit)
        messages.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        messages.append(current)
    return messages


def _paragraphs(text: str) -> list[str]:
    """The text cut at blank lines that lie outside every tag."""
    paragraphs: list[str] = []
    depth = 0
    start = 0
    position = 0
    for unit in _UNITS.findall(text):
        tag = _TAG.match(unit) if unit.startswith("<") else None
        if tag is not None and not unit.endswith("/>"):
            depth = max(0, depth - 1) if tag.group(1) else depth + 1
        if depth == 0 and "\n\n" in unit:
            cut = position + unit.index("\n\n")
            paragraphs.append(text[start:cut])
            start = cut + 2
        position += len(unit)
    paragraphs.append(text[start:])
    return [paragraph for paragraph in paragraphs if paragraph.strip()]


def _split_paragraph(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    opened: list[tuple[str, str]] = []  # (name, the opening tag as written)
    current = ""

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(opened))

    for unit in _units(text, limit // 4):
        if len(current) + len(unit) + len(closing()) + 16 > limit and current.strip():
            pieces.append(current + closing())
            current = "".join(tag for _, tag in opened)
        current += unit
        tag = _TAG.match(unit)
        if tag and unit.startswith("<"):
            closing_tag, name = tag.groups()
            if closing_tag:
                if opened and opened[-1][0] == name:
                    opened.pop()
            elif not unit.endswith("/>"):
                opened.append((name, unit))
    pieces.append(current + closing())
    return pieces


def _units(text: str, longest: int) -> list[str]:
    units: list[str] = []
    for unit in _UNITS.findall(text):
        if len(unit) <= longest or unit.startswith("<"):
            units.append(unit)
            continue
        # A very long word is cut, but never inside a character reference such as &amp;.
        piece = ""
        for character in _CHARACTERS.findall(unit):
            if len(piece) + len(character) > longest:
                units.append(piece)
                piece = ""
            piece += character
        units.append(piece)
    return units
