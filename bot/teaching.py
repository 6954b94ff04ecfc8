"""Teaching: a question people ask becomes one more phrasing of a fact, in knowledge/learned.yaml.

The new file is checked with the whole base before it replaces the old one, and it is written
atomically (a temporary file, fsync, rename), so a crash or a bad entry never leaves a broken base.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import tempfile
from pathlib import Path

import yaml

from bot.factbase import MAX_LEARNED, FactBase, KnowledgeError, Problem, load, shown_path
from bot.normalization import normalize, squeeze_space

LEARNED_FILE = "learned.yaml"
HEADER = """\
# Phrasings moderators taught (python -m bot teach, or /teach in Telegram): each entry is one
# more way to ask for a fact or entity. The bot appends here; keep `learned:` the last section,
# and run `python -m bot validate` after an edit by hand.
"""


def teach(
    directory: Path, question: str, fact: str, by: str, now: dt.datetime | None = None
) -> FactBase:
    """Add `question` as a phrasing of `fact` to learned.yaml; return the base as now loaded."""
    text = squeeze_space(question)
    fact = fact.strip()
    by = squeeze_space(by)
    if not text:
        raise ValueError("The question is empty: give the words people ask it with.")
    if len(text) > MAX_LEARNED:
        raise ValueError(
            f"The question is {len(text)} characters long; a phrasing may have at most "
            f"{MAX_LEARNED}."
        )
    if not fact:
        raise ValueError("Give the id of the fact (or entity) that answers the question.")
    if not by:
        raise ValueError("Say who teaches it: the name given with --by is empty.")
    if not directory.is_dir():
        raise KnowledgeError([Problem(shown_path(directory), 1, "no such knowledge folder")])
    at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    path = directory / LEARNED_FILE
    folder = os.open(directory, os.O_RDONLY)
    try:
        # One teacher at a time, across threads and processes: the lock is on the folder, since
        # learned.yaml itself is replaced by a new file on every write.
        fcntl.flock(folder, fcntl.LOCK_EX)
        _refuse_known(load(directory), text, fact)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        new = _append(old, {"question": text, "fact": fact, "by": by, "at": at})
        base = load(directory, {path: new})  # raises, and nothing is written, if it fails
        _replace(path, new, folder)
        return base
    finally:
        os.close(folder)  # releases the lock


def phrasings(base: FactBase, ident: str) -> list[str]:
    """The written and learned phrasings of a fact or entity (or of the fact telling it)."""
    target = _target(base, ident)
    if target is None:
        return []
    own = list(base.facts[target].questions) if target in base.facts else []
    return own + [entry.question for entry in base.learned if _target(base, entry.fact) == target]


def _target(base: FactBase, ident: str) -> str | None:
    """The id a question about `ident` is answered with, if any."""
    entity = base.entities.get(ident)
    if entity is not None:
        return entity.fact or entity.id
    return ident if ident in base.facts else None


def _refuse_known(base: FactBase, question: str, fact: str) -> None:
    wanted = normalize(question)
    if any(normalize(known) == wanted for known in phrasings(base, fact)):
        raise ValueError(f"{question!r} is already a phrasing of {fact!r}: nothing to teach.")


def _append(text: str, entry: dict[str, str]) -> str:
    """`text` with `entry` added at the end of its `learned:` list."""
    if not text.strip():
        text = HEADER
    if not text.endswith("\n"):
        text += "\n"
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or "learned" not in document:
        text += "learned:\n"
    dumped = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=10_000)
    return text + "".join("  " + line for line in dumped.splitlines(keepends=True))


def _replace(path: Path, text: str, folder: int) -> None:
    """Write `text` to `path` atomically: a full temporary file, then a rename, both synced."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    # The temporary name does not end in .yaml: a load meanwhile never reads it.
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
    os.fsync(folder)  # the rename itself survives a crash
