"""The checks across the fact base, once every file has been read: what refers to what, and
every quote word for word in its source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.factbase.model import Entity, Fact, Learned, Problem, Source, Where


class References:
    """The cross-reference checks over the sections read from every file."""

    def __init__(
        self,
        sources: Mapping[str, Source],
        entities: Mapping[str, Entity],
        facts: Mapping[str, Fact],
        examples: Sequence[str],
        example_lines: Sequence[Where],
        learned: Sequence[Learned],
        problems: list[Problem],
    ) -> None:
        self.sources = sources
        self.entities = entities
        self.facts = facts
        self.examples = examples
        self.example_lines = example_lines
        self.learned = learned
        self.problems = problems

    def check(self) -> None:
        """Report every reference to something not defined, and every quote not in its source."""
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
