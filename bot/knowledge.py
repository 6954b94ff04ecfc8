"""The fact base: YAML under knowledge/ loaded whole, checked, into frozen dataclasses.

Every problem is reported as ``file:line: message``. A base with any problem is not returned at
all, so a broken edit never yields a half-loaded base.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.normalization import squeeze_space

EVAL_DIR = "eval"
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ID = 40  # an id travels in Telegram's 64-byte callback data, with a question id
MAX_LEARNED = 500  # a taught phrasing is a question, not a paragraph
ENTITY_KINDS = ("person", "country", "organisation", "place", "event", "document")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the fact base, at a place in a file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The fact base could not be loaded; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Where:
    """The file and line an item was read from."""

    path: str
    line: int


@dataclass(frozen=True)
class EventDate:
    """A date known to the day, or only to the month (``day`` is None)."""

    year: int
    month: int
    day: int | None = None

    def sort_key(self) -> tuple[int, int, int]:
        """Order month-only dates after the days of that month they may cover."""
        return (self.year, self.month, self.day if self.day is not None else 32)

    def __str__(self) -> str:
        month = dt.date(self.year, self.month, 1).strftime("%b")
        if self.day is None:
            return f"{month} {self.year}"
        return f"{self.day} {month} {self.year}"


@dataclass(frozen=True)
class SkippedSentence:
    """A sentence of a source that no fact needs to quote, and why."""

    sentence: str
    reason: str
    where: Where


@dataclass(frozen=True)
class Span:
    """Where a primary source's words sit in the document quoting them: from `start` to `end`
    (both inclusive text; no `end` means the span is `start` itself)."""

    start: str
    end: str | None
    where: Where


@dataclass(frozen=True)
class Source:
    """A document: one with its own text, or a primary source quoted inside one."""

    id: str
    title: str
    publisher: str
    date: EventDate | None
    url: str | None
    where: Where
    text: str | None = None
    text_file: str | None = None
    quoted_in: str | None = None
    skip: tuple[SkippedSentence, ...] = ()
    # Sourcing (see bot/sourcing.py): whose words a primary source is, and where they sit.
    authors: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Entity:
    """A person, country, organisation, place, event or document, with its other names."""

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    where: Where
    description: str | None = None
    source: str | None = None
    quote: str | None = None
    fact: str | None = None
    quote_line: int = 0
    country: str | None = None
    supported_by: tuple[str, ...] = ()  # see bot/sourcing.py


@dataclass(frozen=True)
class Fact:
    """One sourced answer and the ways people ask for it."""

    id: str
    answer: str
    questions: tuple[str, ...]
    source: str
    quote: str
    where: Where
    date: EventDate | None = None
    entities: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    question_lines: tuple[int, ...] = ()
    quote_line: int = 0
    speakers: tuple[str, ...] = ()
    # Sourcing (see bot/sourcing.py): a date still to come, and other quotes the answer draws on.
    planned: EventDate | None = None
    supported_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Learned:
    """A phrasing taught later (in learned.yaml): one more way to ask for a fact or entity."""

    question: str
    fact: str
    by: str
    at: dt.datetime
    where: Where
    fact_line: int = 0


@dataclass(frozen=True)
class FactBase:
    """The whole fact base, checked."""

    directory: Path
    sources: Mapping[str, Source]
    entities: Mapping[str, Entity]
    facts: Mapping[str, Fact]
    smalltalk: Mapping[str, tuple[str, ...]]
    replies: Mapping[str, str]
    synonyms: Mapping[str, tuple[str, ...]]
    files: tuple[str, ...] = field(default=())
    examples: tuple[str, ...] = ()
    learned: tuple[Learned, ...] = ()

    def document_of(self, source: Source) -> Source:
        """The source whose text holds `source`'s quotes (itself, or the one it is quoted in)."""
        if source.quoted_in is None:
            return source
        return self.sources[source.quoted_in]

    def reply(self, key: str, default: str = "") -> str:
        """A reply text from replies.yaml, or `default` when moderators have not set one."""
        return self.replies.get(key, default)


# --- YAML with line marks -------------------------------------------------------------------


class _Node(dict[str, Any]):
    """A mapping read from YAML that remembers the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


class _Seq(list[Any]):
    """A sequence read from YAML that remembers the line of each item."""

    line: int
    item_lines: list[int]


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built


class _LineLoader(_BaseLoader):  # type: ignore[misc]
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
        result = _Node()
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
        result = _Seq(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def _read_limited(path: Path) -> bytes | None:
    """A regular file's bytes, at most MAX_FILE_BYTES + 1 of them (more means it is too large);
    None for anything else: a FIFO or a device would hang or flood. Raises OSError."""
    if not stat.S_ISREG(path.stat().st_mode):
        return None
    with path.open("rb") as file:
        return file.read(MAX_FILE_BYTES + 1)


def _size_limit() -> str:
    """MAX_FILE_BYTES, as said to people."""
    return f"{MAX_FILE_BYTES / (1024 * 1024):g} MiB"


def read_yaml(path: Path, shown: str, text: str | None = None) -> tuple[Any, list[Problem]]:
    """Parse one YAML file (or `text` given in its place); on failure return the problems."""
    try:
        raw = _read_limited(path) if text is None else text.encode("utf-8")
    except OSError as error:
        return None, [Problem(shown, 1, f"cannot read the file: {error.strerror}")]
    except UnicodeEncodeError as error:
        line = (text or "")[: error.start].count("\n") + 1
        return None, [Problem(shown, line, "holds characters that are not valid Unicode text")]
    if raw is None:
        return None, [Problem(shown, 1, "not a regular file")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(shown, 1, f"file is larger than {_size_limit()}; split it")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(shown, line, "not valid UTF-8 text; save the file as UTF-8")]
    try:
        return yaml.load(text, Loader=_LineLoader), []  # noqa: S506 - a SafeLoader subclass
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


class _Reader:
    """Reads typed fields out of a YAML mapping, collecting problems with their lines."""

    def __init__(self, shown: str, problems: list[Problem]) -> None:
        self.shown = shown
        self.problems = problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.shown, line, message))

    def line_of(self, node: Any, key: str | None = None) -> int:
        if isinstance(node, _Node):
            if key is not None and key in node.key_lines:
                return node.key_lines[key]
            return node.line
        return getattr(node, "line", 1)

    def items(self, node: Any, key: str, line: int) -> Iterator[tuple[Any, int]]:
        """The entries of a top-level list, each with its line."""
        if not isinstance(node, _Seq):
            self.problem(line, f"{key!r} must be a list")
            return
        yield from zip(node, node.item_lines, strict=True)

    def mapping(self, node: Any, line: int, what: str) -> _Node | None:
        if not isinstance(node, _Node):
            self.problem(line, f"{what} must be a mapping of keys to values")
            return None
        return node

    def check_keys(
        self, node: _Node, what: str, required: tuple[str, ...], optional: tuple[str, ...]
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

    def text(self, node: _Node, key: str, what: str, required: bool = True) -> str | None:
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
        return squeeze_space(str(value))

    def texts(self, node: _Node, key: str, what: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        if key not in node or node[key] is None:
            return (), ()
        value = node[key]
        line = self.line_of(node, key)
        if not isinstance(value, _Seq):
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

    def ident(self, node: _Node, what: str) -> str | None:
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

    def date(self, node: _Node, key: str, what: str) -> EventDate | None:
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

    def timestamp(self, node: _Node, key: str, what: str) -> dt.datetime | None:
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

_SECTIONS = (
    "sources",
    "entities",
    "facts",
    "smalltalk",
    "replies",
    "synonyms",
    "examples",
    "learned",
)


def shown_path(path: Path) -> str:
    """A path as people see it: relative to the working directory where it can be."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
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


def load(directory: Path, overrides: Mapping[Path, str] | None = None) -> FactBase:
    """Load and check the fact base in `directory`; raise KnowledgeError listing every problem.

    `overrides` maps files of the folder to text read in place of what is on disk (the file need
    not exist yet), so a change can be checked before it is written.
    """
    problems: list[Problem] = []
    if not directory.is_dir():
        raise KnowledgeError([Problem(shown_path(directory), 1, "no such knowledge folder")])
    given = {path.resolve(): text for path, text in (overrides or {}).items()}
    files = knowledge_files(directory)
    on_disk = {path.resolve() for path in files}
    files = sorted([*files, *(path for path in overrides or {} if path.resolve() not in on_disk)])
    if not files:
        raise KnowledgeError([Problem(shown_path(directory), 1, "no .yaml files in this folder")])
    builder = _Builder(directory, problems)
    unreadable = False
    for path in files:
        shown = shown_path(path)
        document, found = read_yaml(path, shown, given.get(path.resolve()))
        problems.extend(found)
        unreadable = unreadable or bool(found)
        if not found:
            builder.add_file(document, shown)
    if not unreadable:
        # With a file unread, what refers to it would only report noise.
        builder.check_references()
    if problems:
        raise KnowledgeError(problems)
    base = FactBase(
        directory=directory,
        sources=builder.sources,
        entities=builder.entities,
        facts=builder.facts,
        smalltalk={kind: tuple(texts) for kind, texts in builder.smalltalk.items()},
        replies=dict(builder.replies),
        synonyms={word: tuple(words) for word, words in builder.synonyms.items()},
        files=tuple(shown_path(path) for path in files),
        examples=tuple(builder.examples),
        learned=tuple(builder.learned),
    )
    from bot.sourcing import sourcing_problems  # here: bot.sourcing imports this module

    problems = sourcing_problems(base, builder.raw_texts)
    if problems:
        raise KnowledgeError(problems)
    return base


class _Builder:
    """Collects the sections of every file, then checks what refers to what."""

    def __init__(self, directory: Path, problems: list[Problem]) -> None:
        self.directory = directory
        self.problems = problems
        self.sources: dict[str, Source] = {}
        self.entities: dict[str, Entity] = {}
        self.facts: dict[str, Fact] = {}
        self.smalltalk: dict[str, list[str]] = {}
        self.replies: dict[str, str] = {}
        self.synonyms: dict[str, list[str]] = {}
        self.examples: list[str] = []
        self.example_lines: list[Where] = []
        self.learned: list[Learned] = []
        self.first_seen: dict[str, Where] = {}
        self.raw_texts: dict[str, str] = {}  # text file name -> its text as written

    def add_file(self, document: Any, shown: str) -> None:
        reader = _Reader(shown, self.problems)
        if document is None:
            return
        node = reader.mapping(document, 1, "the file")
        if node is None:
            return
        for key, value in node.items():
            line = reader.line_of(node, key)
            if key not in _SECTIONS:
                reader.problem(line, f"unknown section {key!r} (known: {', '.join(_SECTIONS)})")
            elif key == "sources":
                for item, item_line in reader.items(value, key, line):
                    self.add_source(reader, item, item_line)
            elif key == "entities":
                for item, item_line in reader.items(value, key, line):
                    self.add_entity(reader, item, item_line)
            elif key == "facts":
                for item, item_line in reader.items(value, key, line):
                    self.add_fact(reader, item, item_line)
            elif key == "learned":
                # Left empty once its entries are removed: that is no problem.
                for item, item_line in reader.items(value, key, line) if value is not None else ():
                    self.add_learned(reader, item, item_line)
            elif key == "smalltalk":
                self.add_lists(reader, value, line, key, self.smalltalk)
            elif key == "synonyms":
                self.add_lists(reader, value, line, key, self.synonyms)
            elif key == "examples":
                texts, lines = reader.texts(node, key, "examples")
                self.examples.extend(texts)
                self.example_lines.extend(Where(shown, number) for number in lines)
            else:
                self.add_replies(reader, value, line)

    def claim(self, reader: _Reader, ident: str, line: int) -> bool:
        """Register an id; ids are unique across sources, entities and facts."""
        if ident in self.first_seen:
            first = self.first_seen[ident]
            reader.problem(line, f"duplicate id {ident!r} (first at {first.path}:{first.line})")
            return False
        self.first_seen[ident] = Where(reader.shown, line)
        return True

    def add_source(self, reader: _Reader, item: Any, line: int) -> None:
        node = reader.mapping(item, line, "a source")
        if node is None:
            return
        what = f"source {node.get('id', '?')!s}"
        reader.check_keys(
            node,
            what,
            ("id", "title", "publisher"),
            ("date", "url", "text", "quoted_in", "skip", "authors", "spans"),
        )
        ident = reader.ident(node, "a source")
        title = reader.text(node, "title", what)
        publisher = reader.text(node, "publisher", what)
        url = reader.text(node, "url", what, required=False)
        quoted_in = reader.text(node, "quoted_in", what)
        text_file = reader.text(node, "text", what)
        date = reader.date(node, "date", what)
        if (text_file is None) == (quoted_in is None):
            reader.problem(node.line, f"{what}: give either 'text' (a file) or 'quoted_in'")
        if url is not None and not url.startswith(("https://", "http://")):
            reader.problem(reader.line_of(node, "url"), f"{what}: url must start with https://")
        text = self.read_text(reader, node, text_file, what) if text_file else None
        skip = self.read_skip(reader, node, what)
        authors, _ = reader.texts(node, "authors", what)
        spans = self.read_spans(reader, node, what)
        if ident is None or title is None or publisher is None:
            return
        if self.claim(reader, ident, node.line):
            self.sources[ident] = Source(
                id=ident,
                title=title,
                publisher=publisher,
                date=date,
                url=url,
                where=Where(reader.shown, node.line),
                text=text,
                text_file=text_file,
                quoted_in=quoted_in,
                skip=skip,
                authors=authors,
                spans=spans,
            )

    def read_text(self, reader: _Reader, node: _Node, name: str, what: str) -> str | None:
        line = reader.line_of(node, "text")
        path = (self.directory / name).resolve()
        if not path.is_relative_to(self.directory.resolve()):
            reader.problem(line, f"{what}: text file {name!r} must be inside the knowledge folder")
            return None
        try:
            raw = _read_limited(path)
            if raw is None:
                reader.problem(line, f"{what}: text file {name!r} is not a regular file")
                return None
            if len(raw) > MAX_FILE_BYTES:
                reader.problem(line, f"{what}: text file {name!r} is larger than {_size_limit()}")
                return None
            self.raw_texts[name] = raw.decode("utf-8")
            return squeeze_space(self.raw_texts[name])
        except FileNotFoundError:
            reader.problem(line, f"{what}: text file {name!r} not found")
        except UnicodeDecodeError:
            reader.problem(line, f"{what}: text file {name!r} is not valid UTF-8")
        except OSError as error:
            reader.problem(line, f"{what}: cannot read text file {name!r}: {error.strerror}")
        return None

    def read_skip(self, reader: _Reader, node: _Node, what: str) -> tuple[SkippedSentence, ...]:
        if "skip" not in node or node["skip"] is None:
            return ()
        result = []
        for item, line in reader.items(node["skip"], "skip", reader.line_of(node, "skip")):
            entry = reader.mapping(item, line, f"{what}: a skipped sentence")
            if entry is None:
                continue
            reader.check_keys(entry, f"{what}: skip", ("sentence", "reason"), ())
            sentence = reader.text(entry, "sentence", f"{what}: skip")
            reason = reader.text(entry, "reason", f"{what}: skip")
            if sentence and reason:
                result.append(SkippedSentence(sentence, reason, Where(reader.shown, line)))
        return tuple(result)

    def read_spans(self, reader: _Reader, node: _Node, what: str) -> tuple[Span, ...]:
        if "spans" not in node or node["spans"] is None:
            return ()
        result = []
        for item, line in reader.items(node["spans"], "spans", reader.line_of(node, "spans")):
            entry = reader.mapping(item, line, f"{what}: a span")
            if entry is None:
                continue
            reader.check_keys(entry, f"{what}: span", ("from",), ("to",))
            start = reader.text(entry, "from", f"{what}: span")
            end = reader.text(entry, "to", f"{what}: span")
            if start:
                result.append(Span(start, end, Where(reader.shown, line)))
        return tuple(result)

    def add_entity(self, reader: _Reader, item: Any, line: int) -> None:
        node = reader.mapping(item, line, "an entity")
        if node is None:
            return
        what = f"entity {node.get('id', '?')!s}"
        reader.check_keys(
            node,
            what,
            ("id", "name", "kind"),
            ("aliases", "description", "source", "quote", "fact", "country", "supported_by"),
        )
        ident = reader.ident(node, "an entity")
        name = reader.text(node, "name", what)
        kind = reader.text(node, "kind", what)
        aliases, _ = reader.texts(node, "aliases", what)
        description = reader.text(node, "description", what)
        source = reader.text(node, "source", what)
        quote = reader.text(node, "quote", what)
        fact = reader.text(node, "fact", what)
        country = reader.text(node, "country", what)
        supported_by, _ = reader.texts(node, "supported_by", what)
        if kind is not None and kind not in ENTITY_KINDS:
            reader.problem(
                reader.line_of(node, "kind"),
                f"{what}: kind {kind!r} is not one of {', '.join(ENTITY_KINDS)}",
            )
        own = (description, source, quote)
        if fact is None and None in own:
            reader.problem(
                node.line, f"{what}: give 'description', 'source' and 'quote', or a 'fact'"
            )
        if fact is not None and any(part is not None for part in own):
            reader.problem(
                node.line, f"{what}: an entity with a 'fact' has no description, source or quote"
            )
        if ident is None or name is None or kind is None:
            return
        if self.claim(reader, ident, node.line):
            self.entities[ident] = Entity(
                id=ident,
                name=name,
                kind=kind,
                aliases=aliases,
                where=Where(reader.shown, node.line),
                description=description,
                source=source,
                quote=quote,
                fact=fact,
                quote_line=reader.line_of(node, "quote"),
                country=country,
                supported_by=supported_by,
            )

    def add_fact(self, reader: _Reader, item: Any, line: int) -> None:
        node = reader.mapping(item, line, "a fact")
        if node is None:
            return
        what = f"fact {node.get('id', '?')!s}"
        reader.check_keys(
            node,
            what,
            ("id", "answer", "questions", "source", "quote"),
            ("date", "entities", "related", "speakers", "planned", "supported_by"),
        )
        ident = reader.ident(node, "a fact")
        answer = reader.text(node, "answer", what)
        questions, question_lines = reader.texts(node, "questions", what)
        source = reader.text(node, "source", what)
        quote = reader.text(node, "quote", what)
        date = reader.date(node, "date", what)
        entities, _ = reader.texts(node, "entities", what)
        related, _ = reader.texts(node, "related", what)
        speakers, _ = reader.texts(node, "speakers", what)
        planned = reader.date(node, "planned", what)
        supported_by, _ = reader.texts(node, "supported_by", what)
        if isinstance(node.get("questions"), _Seq | type(None)) and not questions:
            reader.problem(reader.line_of(node, "questions"), f"{what}: 'questions' is empty")
        if None in (ident, answer, source, quote) or not questions:
            return
        assert ident is not None and answer is not None  # noqa: S101 - narrowed just above
        assert source is not None and quote is not None  # noqa: S101 - narrowed just above
        if self.claim(reader, ident, node.line):
            self.facts[ident] = Fact(
                id=ident,
                answer=answer,
                questions=questions,
                source=source,
                quote=quote,
                where=Where(reader.shown, node.line),
                date=date,
                entities=entities,
                related=related,
                question_lines=question_lines,
                quote_line=reader.line_of(node, "quote"),
                speakers=speakers,
                planned=planned,
                supported_by=supported_by,
            )

    def add_learned(self, reader: _Reader, item: Any, line: int) -> None:
        node = reader.mapping(item, line, "a learned phrasing")
        if node is None:
            return
        what = "learned phrasing"
        reader.check_keys(node, what, ("question", "fact", "by", "at"), ())
        question = reader.text(node, "question", what)
        fact = reader.text(node, "fact", what)
        by = reader.text(node, "by", what)
        at = reader.timestamp(node, "at", what)
        if question is not None and len(question) > MAX_LEARNED:
            reader.problem(
                reader.line_of(node, "question"),
                f"{what}: the question is longer than {MAX_LEARNED} characters",
            )
            return
        if question is None or fact is None or by is None or at is None:
            return
        where = Where(reader.shown, node.line)
        self.learned.append(Learned(question, fact, by, at, where, reader.line_of(node, "fact")))

    def add_lists(
        self, reader: _Reader, value: Any, line: int, section: str, into: dict[str, list[str]]
    ) -> None:
        node = reader.mapping(value, line, f"{section!r}")
        if node is None:
            return
        for key in node:
            texts, _ = reader.texts(node, key, section)
            if not texts:
                reader.problem(reader.line_of(node, key), f"{section}: {key!r} needs a list")
            into.setdefault(key, []).extend(texts)

    def add_replies(self, reader: _Reader, value: Any, line: int) -> None:
        node = reader.mapping(value, line, "'replies'")
        if node is None:
            return
        for key in node:
            text = node[key]
            if not isinstance(text, str) or not text.strip():
                reader.problem(reader.line_of(node, key), f"replies: {key!r} must be text")
            elif key in self.replies:
                reader.problem(reader.line_of(node, key), f"replies: {key!r} is given twice")
            else:
                self.replies[key] = text.strip()

    # --- cross-references ---

    def check_references(self) -> None:
        for source in self.sources.values():
            self.check_source(source)
        for entity in self.entities.values():
            self.check_entity(entity)
        for fact in self.facts.values():
            self.check_fact(fact)
        for ident, where in zip(self.examples, self.example_lines, strict=True):
            if ident not in self.facts and ident not in self.entities:
                self.problem(where, f"examples: {ident!r} is not a fact or entity")
        for entry in self.learned:
            if entry.fact not in self.facts and entry.fact not in self.entities:
                self.problem(
                    Where(entry.where.path, entry.fact_line),
                    f"learned phrasing {_clip(entry.question)!r}: {entry.fact!r} is not the id "
                    "of a fact or entity",
                )

    def problem(self, where: Where, message: str) -> None:
        self.problems.append(Problem(where.path, where.line, message))

    def check_source(self, source: Source) -> None:
        if source.quoted_in is None:
            document = source
        else:
            found = self.sources.get(source.quoted_in)
            if found is None or found.quoted_in is not None:
                self.problem(
                    source.where,
                    f'source "{source.id}": quoted_in {source.quoted_in!r} is not a source '
                    "with its own text",
                )
                return
            document = found
        for skipped in source.skip:
            if document.text is not None and skipped.sentence not in document.text:
                self.problem(
                    skipped.where,
                    f'source "{source.id}": skipped sentence not found in its text: '
                    f"{skipped.sentence[:60]!r}",
                )

    def check_quote(self, where: Where, what: str, source_id: str, quote: str) -> None:
        source = self.sources.get(source_id)
        if source is None:
            self.problem(where, f"{what}: source {source_id!r} is not defined")
            return
        document = source if source.quoted_in is None else self.sources.get(source.quoted_in)
        if document is None or document.text is None:
            return  # reported with the source itself
        if quote not in document.text:
            self.problem(
                where,
                f"{what}: quote not found in source {document.id!r}: {_clip(quote)!r} "
                "(copy it word for word; curly quotes and dashes count)",
            )

    def check_entity(self, entity: Entity) -> None:
        what = f'entity "{entity.id}"'
        if entity.fact is not None and entity.fact not in self.facts:
            self.problem(entity.where, f"{what}: fact {entity.fact!r} is not defined")
        if entity.country is not None:
            country = self.entities.get(entity.country)
            if country is None or country.kind != "country":
                self.problem(
                    entity.where, f"{what}: country {entity.country!r} is not a country entity"
                )
        if entity.source is not None and entity.quote is not None:
            where = Where(entity.where.path, entity.quote_line)
            self.check_quote(where, what, entity.source, entity.quote)

    def check_fact(self, fact: Fact) -> None:
        what = f'fact "{fact.id}"'
        self.check_quote(Where(fact.where.path, fact.quote_line), what, fact.source, fact.quote)
        for ident in fact.related:
            if ident not in self.facts:
                self.problem(fact.where, f"{what}: related fact {ident!r} is not defined")
            elif ident == fact.id:
                self.problem(fact.where, f"{what}: a fact is not related to itself")
        for ident in fact.entities:
            if ident not in self.entities:
                self.problem(fact.where, f"{what}: entity {ident!r} is not defined")
        for ident in fact.speakers:
            if ident not in self.entities:
                self.problem(fact.where, f"{what}: speaker {ident!r} is not a defined entity")


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
