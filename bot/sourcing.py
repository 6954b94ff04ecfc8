"""Sourcing rules: whose words a quote is, who may be named as speaking, what an answer may claim.

`sourcing_problems` takes a loaded base and the texts of its source files and returns every
breach as a `file:line` problem. docs/sourcing.md explains the rules for moderators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.audit import sentences
from bot.claims import Claim, Names, claim_of
from bot.factbase import Entity, EventDate, Fact, FactBase, Problem, Source, Where

_QUOTATION = re.compile(r"[“\"][^”\"]+[”\"]")


@dataclass(frozen=True)
class _Placed:
    """A stretch of a document's text, as offsets into it."""

    start: int
    end: int
    source: str  # the primary source whose words these are


def sourcing_problems(base: FactBase, texts: Mapping[str, str]) -> list[Problem]:
    """Every breach of the sourcing rules in `base`; `texts` maps text file names to their text."""
    return _Checker(base, texts).run()


class _Checker:
    """The rules, over one base: where each primary source's words sit, then every item."""

    def __init__(self, base: FactBase, texts: Mapping[str, str]) -> None:
        self.base = base
        self.problems: list[Problem] = []
        self.names = Names(base.entities.values())
        self.sentences: dict[str, list[tuple[int, int]]] = {}
        self.spans: dict[str, list[_Placed]] = {}
        for source in base.sources.values():
            if source.text is not None:
                raw = texts.get(source.text_file or "", source.text)
                self.sentences[source.id] = _sentence_offsets(source.text, raw)
                self.spans[source.id] = []
        for source in base.sources.values():
            self.place_spans(source)

    def problem(self, where: Where, message: str) -> None:
        self.problems.append(Problem(where.path, where.line, message))

    def run(self) -> list[Problem]:
        for source in self.base.sources.values():
            for ident in source.authors:
                if ident not in self.base.entities:
                    self.problem(
                        source.where, f'source "{source.id}": author {ident!r} is not an entity'
                    )
        for entity in self.base.entities.values():
            self.check_entity(entity)
        for fact in self.base.facts.values():
            self.check_fact(fact)
        return self.problems

    # --- where each primary source's words sit ---

    def place_spans(self, source: Source) -> None:
        if source.quoted_in is None or source.quoted_in not in self.spans:
            return
        document = self.base.sources[source.quoted_in]
        text = document.text or ""
        what = f'source "{source.id}"'
        if not source.spans:
            self.problem(
                source.where,
                f"{what}: give its 'spans', where its words sit in {document.id!r}, so that "
                "quotes can be told apart from the article's own words",
            )
        for span in source.spans:
            start = text.find(span.start)
            if start == -1:
                self.problem(span.where, f"{what}: span start not found: {span.start[:60]!r}")
                continue
            if text.find(span.start, start + 1) != -1:
                self.problem(span.where, f"{what}: span start occurs twice; make it longer")
                continue
            end = start + len(span.start)
            if span.end is not None:
                found = text.find(span.end, start)
                if found == -1:
                    self.problem(
                        span.where, f"{what}: span end not found after its start: {span.end[:60]!r}"
                    )
                    continue
                end = found + len(span.end)
            self.spans[document.id].append(_Placed(start, end, source.id))

    # --- the checks ---

    def check_entity(self, entity: Entity) -> None:
        what = f'entity "{entity.id}"'
        self.check_aliases(entity, what)
        if entity.fact is not None:
            fact = self.base.facts.get(entity.fact)
            if entity.country is not None and fact is not None:
                self.check_country(entity, what, fact.source, fact.quote, entity.where)
            return
        if entity.source is None or entity.quote is None or entity.description is None:
            return
        where = Where(entity.where.path, entity.quote_line)
        if not self.check_position(where, what, entity.source, entity.quote):
            return
        support = self.supported(
            entity.where, what, entity.source, entity.quote, entity.supported_by
        )
        self.check_claim(entity.where, what, "description", entity.description, support, entity.id)
        if entity.country is not None:
            self.check_country(entity, what, entity.source, entity.quote, entity.where)

    def check_country(
        self, entity: Entity, what: str, source: str, quote: str, where: Where
    ) -> None:
        if entity.country not in self.support(source, quote).entities:
            self.problem(
                where,
                f"{what}: country {entity.country!r} is not named in its quote or the sentence "
                "around it",
            )

    def check_fact(self, fact: Fact) -> None:
        what = f'fact "{fact.id}"'
        where = Where(fact.where.path, fact.quote_line)
        if not self.check_position(where, what, fact.source, fact.quote):
            return
        support = self.supported(fact.where, what, fact.source, fact.quote, fact.supported_by)
        self.check_claim(fact.where, what, "answer", fact.answer, support)
        if fact.short is not None:
            self.check_claim(fact.where, what, "short answer", fact.short, support)
        self.check_speakers(fact, what, where)
        self.check_dates(fact, what)

    def supported(
        self, where: Where, what: str, source: str, quote: str, others: tuple[str, ...]
    ) -> Claim:
        """What a quote supports, with the quotes of the facts or entities named in `others`."""
        support = self.support(source, quote)
        for ident in others:
            other = self.base.facts.get(ident) or self.base.entities.get(ident)
            if other is None or other.source is None or other.quote is None:
                self.problem(
                    where, f"{what}: supported_by {ident!r} is not a fact or entity with a quote"
                )
                continue
            support |= self.support(other.source, other.quote)
        return support

    def check_position(self, where: Where, what: str, source_id: str, quote: str) -> bool:
        """Attribution by position: a quote inside a primary source's span names that source;
        one outside every span is the document's own. False when the quote cannot be placed."""
        source = self.base.sources.get(source_id)
        if source is None:
            return False
        document = self.base.document_of(source)
        if document.text is None:
            return False
        start = document.text.find(quote)
        if start == -1:
            return False  # reported by the loader
        end = start + len(quote)
        for span in self.spans.get(document.id, []):
            if span.start <= start and end <= span.end:
                if source_id != span.source:
                    self.problem(
                        where,
                        f"{what}: the quote is words of {span.source!r} quoted in "
                        f"{document.id!r}; give source: {span.source}",
                    )
                return True
            if start < span.end and span.start < end and not start <= span.start < span.end <= end:
                self.problem(
                    where,
                    f"{what}: the quote runs across the edge of the words of {span.source!r}; "
                    "quote only those words, or the whole sentence that quotes them",
                )
                return True
        if source_id != document.id:
            self.problem(
                where,
                f"{what}: the quote is {document.id!r}'s own words, outside every span of "
                f"{source_id!r}; give source: {document.id}",
            )
        return True

    def check_speakers(self, fact: Fact, what: str, where: Where) -> None:
        """Speakers only on their words: a primary source's authors, or people the quote names
        as saying words it puts in quotation marks."""
        if not fact.speakers:
            return
        source = self.base.sources.get(fact.source)
        if source is not None and source.quoted_in is not None:
            for ident in fact.speakers:
                if ident not in source.authors:
                    self.problem(
                        where,
                        f"{what}: speaker {ident!r} is not an author of {source.id!r} "
                        f"(authors: {', '.join(source.authors) or 'none'})",
                    )
            return
        if not _QUOTATION.search(fact.quote):
            self.problem(
                where,
                f"{what}: the quote is narration, not anyone's words in quotation marks; "
                "narration has no speakers",
            )
            return
        named = self.names.find(fact.quote)
        for ident in fact.speakers:
            if ident not in named:
                self.problem(
                    where, f"{what}: speaker {ident!r} is not named in the quote as saying it"
                )

    def check_dates(self, fact: Fact, what: str) -> None:
        """A fact's date is when what it reports happened, so not after its source was written."""
        source = self.base.sources.get(fact.source)
        if source is None or fact.date is None:
            return
        published = self.base.document_of(source).date
        if published is not None and _first_day(fact.date) > _last_day(published):
            self.problem(
                fact.where,
                f"{what}: date {fact.date} is after its source was published ({published}); "
                "what was still to come is a 'planned' date",
            )

    def check_claim(
        self,
        where: Where,
        what: str,
        field: str,
        text: str,
        support: Claim,
        itself: str | None = None,
    ) -> None:
        """Answer supported by its quote: every date, number and entity the text names."""
        names = {i: e.name for i, e in self.base.entities.items() if i != itself}
        missing = claim_of(text, self.names).missing_from(support, names)
        if missing:
            self.problem(
                where,
                f"{what}: the {field} says what its quote and the sentence around it do not: "
                f"{', '.join(sorted(missing))} (quote it, or name the fact that does in "
                "'supported_by')",
            )

    def check_aliases(self, entity: Entity, what: str) -> None:
        """A spelling of the name is free; a title, role or description must be in a source."""
        for alias in entity.aliases:
            if self.names.is_spelling(entity, alias) or self.names.is_name(entity, alias):
                continue
            if not any(self.names.said_of(entity, alias, text) for text in self.source_texts()):
                self.problem(
                    entity.where,
                    f"{what}: alias {alias!r} is a title or description no source gives for "
                    f"{entity.name}; leave it out",
                )

    # --- helpers ---

    def source_texts(self) -> Iterator[str]:
        """Sentences of the documents, and the sources' titles and publishers."""
        for source in self.base.sources.values():
            yield source.title
            yield source.publisher
            if source.text is not None:
                for start, end in self.sentences.get(source.id, []):
                    yield source.text[start:end]

    def support(self, source_id: str, quote: str) -> Claim:
        """What a quote supports: itself, the sentences it sits in, and its source's dates."""
        source = self.base.sources[source_id]
        document = self.base.document_of(source)
        text = document.text or ""
        start = text.find(quote)
        pieces = [quote]
        if start != -1:
            pieces.extend(self.around(document, start, start + len(quote)))
        for span in self.spans.get(document.id, []):
            if span.source == source.id:
                pieces.extend(self.introduction(document, span))
        claim = claim_of(" ".join(pieces), self.names)
        dates = [date for date in (source.date, document.date) if date is not None]
        return Claim(
            claim.days | {(d.day, d.month) for d in dates if d.day is not None},
            claim.months | {d.month for d in dates},
            claim.years | {d.year for d in dates},
            claim.numbers | {d.day for d in dates if d.day is not None} | {d.year for d in dates},
            claim_of(" ".join(pieces), self.names, overlapping=True).entities,
        )

    def around(self, document: Source, start: int, end: int) -> list[str]:
        """The sentences of `document` that the stretch from `start` to `end` touches."""
        text = document.text or ""
        return [text[a:b] for a, b in self.sentences.get(document.id, []) if a < end and start < b]

    def introduction(self, document: Source, span: _Placed) -> list[str]:
        """What introduces a primary source's words: the sentences its span begins and ends in,
        the one before and the one after it (a heading, a tweet's attribution line)."""
        offsets = self.sentences.get(document.id, [])
        touched = [i for i, (a, b) in enumerate(offsets) if a < span.end and span.start < b]
        if not touched:
            return []
        first, last = max(touched[0] - 1, 0), min(touched[-1] + 1, len(offsets) - 1)
        text = document.text or ""
        chosen = {first, touched[0], touched[-1], last}
        return [text[offsets[i][0] : offsets[i][1]] for i in sorted(chosen)]


def _sentence_offsets(text: str, raw: str) -> list[tuple[int, int]]:
    """Where each sentence of `raw` (split as the coverage check splits it) sits in `text`."""
    offsets = []
    cursor = 0
    for sentence in sentences(raw):
        start = text.find(sentence.text, cursor)
        if start == -1:
            continue
        offsets.append((start, start + len(sentence.text)))
        cursor = start + len(sentence.text)
    return offsets


def _first_day(date: EventDate) -> tuple[int, int, int]:
    return (date.year, date.month, date.day or 1)


def _last_day(date: EventDate) -> tuple[int, int, int]:
    return (date.year, date.month, date.day or 31)
