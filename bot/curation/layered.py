"""The shipped base with the overlay over it, checked as one base. An overlay entry the shipped
base no longer supports (its fact renamed or removed, its quote gone from the source) is left
out, reported at its file:line and kept in the file; the rest loads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.curation.overlay import entry_lines
from bot.factbase import FactBase, KnowledgeError, Problem, load, shown_path
from bot.factbase.layering import Overlay

KEPT = "not applied, kept in the overlay"


@dataclass(frozen=True)
class Layered:
    """The base in use, and the overlay entries left out of it (each a problem at its line)."""

    base: FactBase
    left_out: tuple[Problem, ...] = ()
    left_out_keys: frozenset[str] = frozenset()  # their fact ids, or taught questions


def load_layered(directory: Path, overlay: Path | None, text: str | None = None) -> Layered:
    """Load the base with `overlay` (or `text` in its place) over it; raise KnowledgeError only
    when the shipped base itself does not load."""
    if overlay is None:
        return Layered(load(directory))
    try:
        return Layered(load(directory, overlay=Overlay(overlay, text)))
    except KnowledgeError as error:
        first = error.problems
    load(directory)  # the shipped base alone: its own problems are not the overlay's to bear
    shown = shown_path(overlay)
    entries = entry_lines(overlay, text)
    if not entries:
        # Unreadable as a whole: the base alone, and why.
        notes = [Problem(p.path, p.line, f"{p.message} (the overlay is {KEPT})") for p in first]
        return Layered(load(directory), tuple(notes), frozenset(e[2] for e in entries))
    bad = {
        start: [p.message for p in first if p.path == shown and start <= p.line < end]
        for (start, _, _), end in zip(entries, [e[0] for e in entries[1:]] + [10**9], strict=True)
    }
    bad = {start: messages for start, messages in bad.items() if messages}
    try:
        base = load(directory, overlay=Overlay(overlay, text, frozenset(bad)))
    except KnowledgeError:
        # A problem reported elsewhere (say, a shipped fact relating to one withdrawn here):
        # add the entries one at a time, keeping those that load.
        base, bad = _one_at_a_time(directory, overlay, text, [e[0] for e in entries], first)
    keys = {line: (section, key) for line, section, key in entries}
    notes = [
        Problem(shown, line, f"{_what(*keys[line])} is {KEPT}: {'; '.join(messages)}")
        for line, messages in sorted(bad.items())
    ]
    return Layered(base, tuple(notes), frozenset(keys[line][1] for line in bad))


def _what(section: str, key: str) -> str:
    return f"fact '{key}'" if section == "facts" else f"taught phrasing '{key}'"


def _one_at_a_time(
    directory: Path, overlay: Path, text: str | None, starts: list[int], first: list[Problem]
) -> tuple[FactBase, dict[int, list[str]]]:
    skip = set(starts)
    base = load(directory, overlay=Overlay(overlay, text, frozenset(skip)))
    bad: dict[int, list[str]] = {}
    for start in starts:
        trial = frozenset(skip - {start})
        try:
            base = load(directory, overlay=Overlay(overlay, text, trial))
            skip = set(trial)
        except KnowledgeError as error:
            bad[start] = [str(problem) for problem in error.problems if problem not in first][
                :3
            ] or [str(error.problems[0])]
    return base, bad
