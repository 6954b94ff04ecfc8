"""The overlay file: the moderators' facts (new ones, and shipped ones as changed) and taught
phrasings, as YAML in the fact base's own format, with a revision counted up on every change."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.curation.rules import CurationError
from bot.factbase import read_yaml, shown_path

Record = dict[str, Any]

HEADER = """\
# The moderators' changes to the fact base (python -m bot fact ..., /newfact, /fact). Facts here
# replace shipped facts of the same id or add new ones; `withdrawn: true` keeps a fact out of the
# answers. Written by the bot: every change is in the history file beside this one.
"""


class OverlayError(CurationError):
    """The overlay file cannot be read; the message says where and why."""


@dataclass
class OverlayState:
    """What the overlay holds: its revision, its facts by id (in order), taught phrasings."""

    revision: int = 0
    facts: dict[str, Record] = field(default_factory=dict)
    learned: list[Record] = field(default_factory=list)

    def record(self, ident: str) -> Record | None:
        """A copy of the overlay's record of a fact, or None."""
        found = self.facts.get(ident)
        return None if found is None else copy.deepcopy(found)

    def text(self) -> str:
        """The overlay as YAML."""
        document: dict[str, Any] = {"revision": self.revision, "facts": list(self.facts.values())}
        if self.learned:
            document["learned"] = self.learned
        return HEADER + dump(document)


def dump(document: Any) -> str:
    """YAML as the fact base writes it: keys in order, Unicode as is, long lines kept."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def fingerprint(record: Record | None) -> str:
    """A short digest of a fact's overlay record: what a change states it was made against."""
    if record is None:
        return "shipped"
    text = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def history_path(overlay: Path) -> Path:
    """The history file kept beside the overlay."""
    return overlay.with_name(overlay.stem + ".history.jsonl")


def read_state(path: Path) -> OverlayState:
    """The overlay at `path` (empty when there is none yet); OverlayError if it is unreadable."""
    if not path.exists():
        return OverlayState()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise OverlayError(
            f"{shown_path(path)}{where} cannot be read; fix or move it: nothing changes until then."
        ) from None
    if document is None:
        return OverlayState()
    if not isinstance(document, dict):
        raise OverlayError(f"{shown_path(path)}: is not a mapping of sections; fix or move it")
    revision = document.get("revision", 0)
    facts = document.get("facts") or []
    learned = document.get("learned") or []
    if not isinstance(revision, int) or not isinstance(facts, list):
        raise OverlayError(f"{shown_path(path)}: 'revision' or 'facts' is malformed; fix it")
    state = OverlayState(revision, {}, [e for e in learned if isinstance(e, dict)])
    for item in facts:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            state.facts[item["id"]] = item
    return state


def entry_lines(path: Path, text: str | None = None) -> list[tuple[int, str, str]]:
    """(line, section, key) of every entry: a fact's id, a taught phrasing's question."""
    if text is None and not path.exists():
        return []
    document, problems = read_yaml(path, shown_path(path), text)
    if problems or not isinstance(document, dict):
        return []
    found = []
    for section, key in (("facts", "id"), ("learned", "question")):
        items = document.get(section)
        if isinstance(items, list):
            for item, line in zip(items, getattr(items, "item_lines", []), strict=False):
                found.append(
                    (line, section, str(item.get(key, "?")) if isinstance(item, dict) else "?")
                )
    return sorted(found)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One writer at a time, across threads and processes: a lock file beside the overlay."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path`: a full temporary file, synced, then a rename, synced."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
