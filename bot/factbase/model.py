"""The fact base's model: the frozen dataclasses every module reads, and its problems."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MAX_ID = 40  # an id travels in Telegram's 64-byte callback data, with a question id
MAX_LEARNED = 500  # a taught phrasing is a question, not a paragraph
MAX_SHORT = 160  # a fact's short answer: about three lines on a phone
MAX_LABEL = 30  # a fact's label: what a button shows uncut on a phone
# What a fact may declare it answers (`answers:`), where reading it from its text goes wrong.
ANSWERS = ("when", "where", "how many", "how long", "why", "hashtag", "handle")
ENTITY_KINDS = ("person", "country", "organisation", "place", "event", "document")


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
    short: str | None = None  # the name a source line gives it ("Joint statement")

    @property
    def name(self) -> str:
        """What a source line calls it: its short name, else its title."""
        return self.short or self.title


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
    # The reply's first line and the fact's button label; optional (a fact made in Telegram may
    # lack them): `headline` and `caption` fall back to the answer and the first question.
    short: str | None = None
    label: str | None = None
    # What the fact declares it answers, of `ANSWERS`; None: read from its text and phrasings.
    answers: tuple[str, ...] | None = None

    @property
    def headline(self) -> str:
        """The line an answer opens with: the short answer, else the answer."""
        return self.short or self.answer

    @property
    def caption(self) -> str:
        """What a button or a list shows for this fact: its label, else its first question."""
        return self.label or self.questions[0]


@dataclass(frozen=True)
class Learned:
    """A phrasing taught later (in the overlay's `learned:`, or knowledge/learned.yaml): one more
    way to ask for a fact or entity."""

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
