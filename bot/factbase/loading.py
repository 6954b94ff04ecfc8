"""Loading the fact base: every YAML file under knowledge/ read whole, checked, into the model.

Every problem is reported as ``file:line: message``. A base with any problem is not returned at
all, so a broken edit never yields a half-loaded base.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.factbase import layering, yaml_lines
from bot.factbase.checks import References
from bot.factbase.files import OUTSIDE, knowledge_files, shown_path
from bot.factbase.layering import Overlay
from bot.factbase.model import (
    ANSWERS,
    ENTITY_KINDS,
    MAX_LABEL,
    MAX_LEARNED,
    MAX_SHORT,
    Entity,
    Fact,
    FactBase,
    KnowledgeError,
    Learned,
    Problem,
    SkippedSentence,
    Source,
    Span,
    Where,
)
from bot.factbase.yaml_lines import Node, Reader, Seq
from bot.normalization import squeeze_space

_SECTIONS = tuple("sources entities facts smalltalk replies synonyms examples learned".split())


def load(
    directory: Path, overrides: Mapping[Path, str] | None = None, overlay: Overlay | None = None
) -> FactBase:
    """Load and check the fact base in `directory`, with the moderators' `overlay` over it;
    raise KnowledgeError listing every problem.

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
    inside = directory.resolve()
    for path in files:
        shown = shown_path(path)
        if not path.resolve().is_relative_to(inside):
            # A link to a file elsewhere: never read, so nothing of it reaches a moderator.
            problems.append(Problem(shown, 1, OUTSIDE))
            unreadable = True
            continue
        document, found = yaml_lines.read_yaml(path, shown, given.get(path.resolve()))
        problems.extend(found)
        unreadable = unreadable or bool(found)
        if not found:
            builder.add_file(document, shown)
    if overlay is not None:
        shown = shown_path(overlay.path)
        unreadable = not layering.add_overlay(builder, overlay, shown) or unreadable
        files += [overlay.path] if overlay.text is not None or overlay.path.exists() else []
        layering.without_withdrawn(builder)
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
    from bot.sourcing import sourcing_problems  # here: bot.sourcing imports this package

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
        self.withdrawn: set[str] = set()  # facts the overlay withdraws

    def add_file(self, document: Any, shown: str) -> None:
        reader = Reader(shown, self.problems)
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

    def claim(self, reader: Reader, ident: str, line: int) -> bool:
        """Register an id; ids are unique across sources, entities and facts."""
        if ident in self.first_seen:
            first = self.first_seen[ident]
            reader.problem(line, f"duplicate id {ident!r} (first at {first.path}:{first.line})")
            return False
        self.first_seen[ident] = Where(reader.shown, line)
        return True

    def add_source(self, reader: Reader, item: Any, line: int) -> None:
        node = reader.mapping(item, line, "a source")
        if node is None:
            return
        what = f"source {node.get('id', '?')!s}"
        reader.check_keys(
            node,
            what,
            ("id", "title", "publisher"),
            ("date", "url", "text", "quoted_in", "skip", "authors", "spans", "short"),
        )
        ident = reader.ident(node, "a source")
        title = reader.text(node, "title", what)
        publisher = reader.text(node, "publisher", what)
        url = reader.text(node, "url", what, required=False)
        quoted_in = reader.text(node, "quoted_in", what)
        text_file = reader.text(node, "text", what)
        date = reader.date(node, "date", what)
        short = reader.text(node, "short", what, longest=MAX_LABEL)
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
                short=short,
            )

    def read_text(self, reader: Reader, node: Node, name: str, what: str) -> str | None:
        line = reader.line_of(node, "text")
        path = (self.directory / name).resolve()
        if not path.is_relative_to(self.directory.resolve()):
            reader.problem(line, f"{what}: text file {name!r} must be inside the knowledge folder")
            return None
        try:
            raw = yaml_lines.read_limited(path)
            if raw is None:
                reader.problem(line, f"{what}: text file {name!r} is not a regular file")
                return None
            if len(raw) > yaml_lines.MAX_FILE_BYTES:
                reader.problem(
                    line, f"{what}: text file {name!r} is larger than {yaml_lines.size_limit()}"
                )
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

    def read_spans(self, reader: Reader, node: Node, what: str) -> tuple[Span, ...]:
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

    def read_skip(self, reader: Reader, node: Node, what: str) -> tuple[SkippedSentence, ...]:
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

    def add_entity(self, reader: Reader, item: Any, line: int) -> None:
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

    def add_fact(self, reader: Reader, item: Any, line: int) -> None:
        node = reader.mapping(item, line, "a fact")
        if node is None:
            return
        what = f"fact {node.get('id', '?')!s}"
        reader.check_keys(
            node,
            what,
            ("id", "answer", "questions", "source", "quote"),
            (
                "date",
                "entities",
                "related",
                "speakers",
                "planned",
                "supported_by",
                "short",
                "label",
                "answers",
            ),
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
        short = reader.text(node, "short", what, longest=MAX_SHORT)
        label = reader.text(node, "label", what, longest=MAX_LABEL)
        answers = reader.choices(node, "answers", what, ANSWERS)
        if isinstance(node.get("questions"), Seq | type(None)) and not questions:
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
                short=short,
                label=label,
                answers=answers,
            )

    def add_learned(self, reader: Reader, item: Any, line: int) -> None:
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
        self, reader: Reader, value: Any, line: int, section: str, into: dict[str, list[str]]
    ) -> None:
        node = reader.mapping(value, line, f"{section!r}")
        if node is None:
            return
        for key in node:
            texts, _ = reader.texts(node, key, section)
            if not texts:
                reader.problem(reader.line_of(node, key), f"{section}: {key!r} needs a list")
            into.setdefault(key, []).extend(texts)

    def add_replies(self, reader: Reader, value: Any, line: int) -> None:
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

    def check_references(self) -> None:
        """Check what refers to what, once every file has been read."""
        References(
            self.sources,
            self.entities,
            self.facts,
            self.examples,
            self.example_lines,
            self.learned,
            self.problems,
        ).check()
