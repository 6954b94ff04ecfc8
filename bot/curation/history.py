"""The history of the moderators' changes: one JSON object a line, appended and synced, never
rewritten. Each says who, when, what, the record before and after, and what it was made against."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.curation.overlay import Record


@dataclass(frozen=True)
class Entry:
    """One change: number `n`, who, when, the action on a fact, its records before and after."""

    n: int
    at: str
    by: str
    action: str
    fact: str
    before: Record | None
    after: Record | None
    undoes: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as one line of the file."""
        found = {
            "n": self.n,
            "at": self.at,
            "by": self.by,
            "action": self.action,
            "fact": self.fact,
            "before": self.before,
            "after": self.after,
        }
        if self.undoes is not None:
            found["undoes"] = self.undoes
        return found

    def line(self) -> str:
        """The entry as moderators read it."""
        undone = f" (undoes #{self.undoes})" if self.undoes is not None else ""
        return f"#{self.n} {self.at} {self.by}: {self.action} {self.fact}{undone}"


def read_history(path: Path) -> list[Entry]:
    """Every entry, oldest first; a line that cannot be read (a torn last write) is skipped."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
            found.append(
                Entry(
                    int(item["n"]),
                    str(item["at"]),
                    str(item["by"]),
                    str(item["action"]),
                    str(item["fact"]),
                    item.get("before"),
                    item.get("after"),
                    item.get("undoes"),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return found


def append(path: Path, entry: Entry) -> None:
    """Add one entry at the end of the file, synced before returning."""
    line = json.dumps(entry.to_json(), ensure_ascii=False, default=str) + "\n"
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, line.encode("utf-8"))
        os.fsync(handle)
    finally:
        os.close(handle)


def last_undoable(entries: list[Entry], by: str) -> Entry | None:
    """`by`'s latest change not yet taken back (an undo is not itself undone)."""
    undone = {entry.undoes for entry in entries if entry.undoes is not None}
    for entry in reversed(entries):
        if entry.by == by and entry.undoes is None and entry.n not in undone:
            return entry
    return None
