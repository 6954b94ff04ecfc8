"""The YAML reader that tracks lines: `yaml.safe_load` semantics, each mapping and sequence
remembering the line of its keys and items, aliases and duplicate keys refused, files bounded
in size; and `Reader`, which reads typed fields and reports each problem at its line."""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bot.factbase.model import MAX_ID, EventDate, Problem
from bot.normalization import squeeze_space

MAX_FILE_BYTES = 2 * 1024 * 1024
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class Node(dict[str, Any]):
    """A mapping read from YAML that remembers the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


class Seq(list[Any]):
    """A sequence read from YAML that remembers the line of each item."""

    line: int
    item_lines: list[int]


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built


class LineLoader(_BaseLoader):  # type: ignore[misc]
    """``yaml.safe_load`` semantics, keeping line numbers, refusing aliases and duplicate keys."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A node met a second time is an alias: refused, which also defuses "billion laughs".
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases are not allowed here", node.start_mark
            )
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as error:
            # PyYAML lets these escape for values such as 2017-02-30 or "!!int eleven".
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({error})", node.start_mark
            ) from error

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        result = Node()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> Any:
        result = Seq(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)


def read_limited(path: Path) -> bytes | None:
    """A regular file's bytes, at most MAX_FILE_BYTES + 1 of them (more means it is too large);
    None for anything else: a FIFO or a device would hang or flood. Raises OSError."""
    if not stat.S_ISREG(path.stat().st_mode):
        return None
    with path.open("rb") as file:
        return file.read(MAX_FILE_BYTES + 1)


def size_limit() -> str:
    """MAX_FILE_BYTES, as said to people."""
    return f"{MAX_FILE_BYTES / (1024 * 1024):g} MiB"


def read_yaml(path: Path, shown: str, text: str | None = None) -> tuple[Any, list[Problem]]:
    """Parse one YAML file (or `text` given in its place); on failure return the problems."""
    try:
        raw = read_limited(path) if text is None else text.encode("utf-8")
    except OSError as error:
        return None, [Problem(shown, 1, f"cannot read the file: {error.strerror}")]
    except UnicodeEncodeError as error:
        line = (text or "")[: error.start].count("\n") + 1
        return None, [Problem(shown, line, "holds characters that are not valid Unicode text")]
    if raw is None:
        return None, [Problem(shown, 1, "not a regular file")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(shown, 1, f"file is larger than {size_limit()}; split it")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(shown, line, "not valid UTF-8 text; save the file as UTF-8")]
    try:
        return yaml.load(text, Loader=LineLoader), []  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = error.problem or error.context or "invalid YAML"
        return None, [Problem(shown, line, f"YAML error: {reason}")]
    except yaml.reader.ReaderError as error:
        # A character YAML does not allow, such as NUL or another control character.
        # libyaml counts bytes of UTF-8; PyYAML's own reader counts characters.
        if _BaseLoader is yaml.SafeLoader:
            line = text[: error.position].count("\n") + 1
        else:
            line = raw[: error.position].count(b"\n") + 1
        code = f"U+{error.character:04X}" if isinstance(error.character, int) else "a character"
        message = f"YAML error: {code} is not allowed in a YAML file; remove it"
        return None, [Problem(shown, line, message)]
    except yaml.YAMLError as error:
        return None, [Problem(shown, 1, f"YAML error: {error}")]
    except RecursionError:
        return None, [Problem(shown, _deepest_line(text), "YAML is nested too deeply")]


def _deepest_line(text: str, limit: int = 100) -> int:
    """Where nesting first gets `limit` deep: flow brackets counted, else the deepest indent."""
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        for character in line:
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(character, 0)
            if depth >= limit:
                return number
    indents = [len(line) - len(line.lstrip(" ")) for line in text.splitlines()]
    return indents.index(max(indents)) + 1 if indents else 1


# --- reading fields -------------------------------------------------------------------------


class Reader:
    """Reads typed fields out of a YAML mapping, collecting problems with their lines."""

    def __init__(self, shown: str, problems: list[Problem]) -> None:
        self.shown = shown
        self.problems = problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.shown, line, message))

    def line_of(self, node: Any, key: str | None = None) -> int:
        if isinstance(node, Node):
            if key is not None and key in node.key_lines:
                return node.key_lines[key]
            return node.line
        return getattr(node, "line", 1)

    def items(self, node: Any, key: str, line: int) -> Iterator[tuple[Any, int]]:
        """The entries of a top-level list, each with its line."""
        if not isinstance(node, Seq):
            self.problem(line, f"{key!r} must be a list")
            return
        yield from zip(node, node.item_lines, strict=True)

    def mapping(self, node: Any, line: int, what: str) -> Node | None:
        if not isinstance(node, Node):
            self.problem(line, f"{what} must be a mapping of keys to values")
            return None
        return node

    def check_keys(
        self, node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> None:
        for key in node:
            if key not in required and key not in optional:
                known = ", ".join(required + optional)
                self.problem(
                    self.line_of(node, key), f"{what}: unknown key {key!r} (known: {known})"
                )
        for key in required:
            if key not in node:
                self.problem(node.line, f"{what}: missing {key!r}")

    def text(
        self, node: Node, key: str, what: str, required: bool = True, longest: int = 0
    ) -> str | None:
        """The text under `key` (None when absent), at most `longest` characters if given."""
        if key not in node:
            return None
        value = node[key]
        line = self.line_of(node, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(line, f"{what}: {key!r} is empty")
            return None
        if isinstance(value, bool | list | dict):
            self.problem(line, f"{what}: {key!r} must be text")
            return None
        text = squeeze_space(str(value))
        if longest and len(text) > longest:
            self.problem(line, f"{what}: {key!r} has {len(text)} characters; at most {longest}")
            return None
        return text

    def texts(self, node: Node, key: str, what: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        if key not in node or node[key] is None:
            return (), ()
        value = node[key]
        line = self.line_of(node, key)
        if not isinstance(value, Seq):
            self.problem(line, f"{what}: {key!r} must be a list")
            return (), ()
        result: list[str] = []
        lines: list[int] = []
        for item, item_line in zip(value, value.item_lines, strict=True):
            if isinstance(item, bool | list | dict) or item is None or not str(item).strip():
                self.problem(item_line, f"{what}: each of {key!r} must be non-empty text")
                continue
            result.append(squeeze_space(str(item)))
            lines.append(item_line)
        return tuple(result), tuple(lines)

    def choices(
        self, node: Node, key: str, what: str, allowed: tuple[str, ...]
    ) -> tuple[str, ...] | None:
        """A list of names, each one of `allowed` (any case): those that are, each other one
        a problem; None when the key is absent."""
        if key not in node or node[key] is None:
            return None
        names, lines = self.texts(node, key, what)
        chosen = []
        for name, line in zip(names, lines, strict=True):
            if name.lower() in allowed:
                chosen.append(name.lower())
            else:
                self.problem(line, f"{what}: {key} {name!r} is not one of {', '.join(allowed)}")
        return tuple(chosen)

    def ident(self, node: Node, what: str) -> str | None:
        value = self.text(node, "id", what)
        if value is not None and len(value) > MAX_ID:
            self.problem(self.line_of(node, "id"), f"{what}: id is longer than {MAX_ID} characters")
            return None
        if value is not None and not _ID.match(value):
            self.problem(
                self.line_of(node, "id"),
                f"{what}: id {value!r} must be lowercase letters, digits and single hyphens",
            )
            return None
        return value

    def date(self, node: Node, key: str, what: str) -> EventDate | None:
        if key not in node or node[key] is None:
            return None
        value = node[key]
        line = self.line_of(node, key)
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return EventDate(value.year, value.month, value.day)
        text = str(value).strip()
        for pattern in (_DAY, _MONTH):
            found = pattern.match(text)
            if found:
                parts = [int(part) for part in found.groups()]
                try:
                    dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
                except ValueError:
                    break
                return EventDate(*parts)
        self.problem(line, f"{what}: {key!r} must be a date, YYYY-MM-DD or YYYY-MM")
        return None

    def timestamp(self, node: Node, key: str, what: str) -> dt.datetime | None:
        if key not in node:
            return None
        value = node[key]
        if isinstance(value, dt.datetime):
            return value
        if value is None or not str(value).strip():
            self.problem(self.line_of(node, key), f"{what}: {key!r} is empty")
            return None
        try:
            return dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.problem(
                self.line_of(node, key),
                f"{what}: {key!r} must be a time such as 2017-11-22T09:30:00+00:00",
            )
            return None


# --- the loader -----------------------------------------------------------------------------
