"""Which files make up the fact base, and how a path is shown to people."""

from __future__ import annotations

from pathlib import Path

EVAL_DIR = "eval"  # the question set under knowledge/: not part of the base


OUTSIDE = "a link to a file outside the knowledge folder; not read (copy the file in instead)"


def shown_path(path: Path) -> str:
    """A path as people see it: relative to the working directory where it can be (a link is
    shown where it is, not where it points)."""
    try:
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def knowledge_files(directory: Path) -> list[Path]:
    """The YAML files that make up the base, in a stable order (the question set excluded)."""
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in directory.rglob(pattern)
        if EVAL_DIR not in path.relative_to(directory).parts[:-1] and path.is_file()
    )
