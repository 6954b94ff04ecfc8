"""The moderators' overlay read over the shipped base: its facts replace shipped facts of the
same id or add new ones, a withdrawn fact is no longer answered, and its taught phrasings join
the base's. The overlay's own format is described in docs/moderators.md."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.factbase import yaml_lines
from bot.factbase.yaml_lines import Node, Reader

if TYPE_CHECKING:
    from bot.factbase.loading import _Builder

META_KEYS = ("withdrawn", "by", "at")  # the overlay's own keys on a fact, not the base's
SECTIONS = ("revision", "facts", "learned")


@dataclass(frozen=True)
class Overlay:
    """The overlay file to read over the base; `text` in place of what is on disk; entries
    starting at a line in `skip` left out (they do not load with this base)."""

    path: Path
    text: str | None = None
    skip: frozenset[int] = field(default_factory=frozenset)


def add_overlay(builder: _Builder, overlay: Overlay, shown: str) -> bool:
    """Read the overlay into `builder`, after every file of the base; False if unreadable."""
    if overlay.text is None and not overlay.path.exists():
        return True  # no change made yet
    document, found = yaml_lines.read_yaml(overlay.path, shown, overlay.text)
    builder.problems.extend(found)
    if found or document is None:
        return not found
    reader = Reader(shown, builder.problems)
    node = reader.mapping(document, 1, "the overlay")
    if node is None:
        return False
    for key, value in node.items():
        line = reader.line_of(node, key)
        if key not in SECTIONS:
            reader.problem(line, f"unknown section {key!r} (known: {', '.join(SECTIONS)})")
        elif key == "facts" and value is not None:
            for item, item_line in reader.items(value, key, line):
                if item_line not in overlay.skip:
                    _add_fact(builder, reader, item, item_line)
        elif key == "learned" and value is not None:
            for item, item_line in reader.items(value, key, line):
                if item_line not in overlay.skip:
                    builder.add_learned(reader, item, item_line)
    return True


def _add_fact(builder: _Builder, reader: Reader, item: Any, line: int) -> None:
    node = reader.mapping(item, line, "a fact")
    if node is None:
        return
    ident = node.get("id")
    if isinstance(ident, str) and ident in builder.facts:
        # The moderators' version replaces the shipped one.
        del builder.facts[ident]
        del builder.first_seen[ident]
    if node.get("withdrawn") is True:
        if isinstance(ident, str):
            builder.withdrawn.add(ident)
        return
    bare = Node({key: value for key, value in node.items() if key not in META_KEYS})
    bare.line = node.line
    bare.key_lines = node.key_lines
    builder.add_fact(reader, bare, line)


def without_withdrawn(builder: _Builder) -> None:
    """Drop what points at a withdrawn fact only to list it: related facts, learned phrasings."""
    gone = builder.withdrawn - set(builder.facts)
    if not gone:
        return
    for ident, fact in list(builder.facts.items()):
        if set(fact.related) & gone:
            related = tuple(other for other in fact.related if other not in gone)
            builder.facts[ident] = dataclasses.replace(fact, related=related)
    builder.learned = [entry for entry in builder.learned if entry.fact not in gone]
    kept = list(zip(builder.examples, builder.example_lines, strict=True))
    kept = [(ident, where) for ident, where in kept if ident not in gone]
    builder.examples = [ident for ident, _ in kept]
    builder.example_lines = [where for _, where in kept]
