"""Checks for moderators beyond loading: source coverage and phrasing collisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.factbase import FactBase, Problem, Source, shown_path
from bot.matching import Matcher, Outcome
from bot.normalization import squeeze_space

# A sentence ends at . ! or ? (perhaps followed by a closing quote) before a capital, a quote, a
# hash or a dash, but not after an initial ("M. Vladimir Putin"). Good enough for news prose;
# the source keeps one paragraph a line.
_SENTENCE_END = re.compile(r"(?<!\s[A-Z]\.)(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-Z“\"#—])")
COVERED_SHARE = 0.5


@dataclass(frozen=True)
class Sentence:
    """A sentence of a source document, with its line in the text file."""

    text: str
    line: int


def sentences(raw: str) -> list[Sentence]:
    """Split a source text (one paragraph a line) into sentences."""
    found = []
    for number, line in enumerate(raw.splitlines(), 1):
        for piece in _SENTENCE_END.split(line.strip()):
            if piece.strip():
                found.append(Sentence(squeeze_space(piece), number))
    return found


def _spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    spans = []
    for quote in quotes:
        start = text.find(quote)
        while start != -1:
            spans.append((start, start + len(quote)))
            start = text.find(quote, start + 1)
    return spans


def uncovered(base: FactBase) -> list[Problem]:
    """Sentences of each source text that no fact or entity quotes and none marks skipped."""
    problems = []
    for document in base.sources.values():
        if document.text is None:
            continue
        quotes = _quotes_in(base, document)
        skipped = {
            squeeze_space(skip.sentence)
            for source in base.sources.values()
            if base.document_of(source).id == document.id
            for skip in source.skip
        }
        path = _text_path(base, document)
        raw = path.read_text(encoding="utf-8")
        text = document.text
        spans = _spans(text, quotes)
        position = 0
        for sentence in sentences(raw):
            start = text.find(sentence.text, position)
            if start == -1:
                start = text.find(sentence.text)
            end = start + len(sentence.text)
            position = max(position, end)
            if sentence.text in skipped or any(sentence.text in s for s in skipped):
                continue
            covered = sum(max(0, min(end, e) - max(start, s)) for s, e in _merge(spans))
            if start == -1 or covered < COVERED_SHARE * len(sentence.text):
                shown = sentence.text if len(sentence.text) < 90 else sentence.text[:89] + "…"
                problems.append(
                    Problem(
                        shown_path(path),
                        sentence.line,
                        f"no fact quotes this sentence of {document.id!r}: {shown!r}",
                    )
                )
    return problems


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _quotes_in(base: FactBase, document: Source) -> list[str]:
    quotes = [
        fact.quote
        for fact in base.facts.values()
        if base.document_of(base.sources[fact.source]).id == document.id
    ]
    quotes += [
        entity.quote
        for entity in base.entities.values()
        if entity.quote is not None
        and entity.source is not None
        and base.document_of(base.sources[entity.source]).id == document.id
    ]
    return quotes


def _text_path(base: FactBase, document: Source) -> Path:
    return base.directory / document.text_file if document.text_file else base.directory


def collisions(base: FactBase, matcher: Matcher, only: str | None = None) -> list[Problem]:
    """Phrasings the bot would not answer with their own fact: another fact is as close.

    Written phrasings and taught ones (the overlay's `learned:`, learned.yaml) alike; with `only`,
    that fact's.
    """
    problems = []
    for path, line, question, ident in _phrasings(base):
        if only is not None and ident != only:
            continue
        match = matcher.match(question)
        if match.outcome is Outcome.ANSWER and match.best and match.best.id == ident:
            continue
        others = [c for c in match.candidates if c.item.id != ident]
        rival = others[0] if others else None
        own = next((c.score for c in match.candidates if c.item.id == ident), 0.0)
        if rival is None:
            detail = f"scores only {own:.0f}"
        else:
            detail = f"matches {rival.item.id!r} nearly as well ({rival.score:.0f} vs {own:.0f})"
        problems.append(
            Problem(
                path,
                line,
                f'fact "{ident}": phrasing {question!r} {detail}; '
                f"the bot would {match.outcome} rather than answer it",
            )
        )
    return problems


def unlabelled(base: FactBase) -> list[Problem]:
    """Facts of the base without a short answer or a label: their replies and buttons fall back
    to the long answer and the first question, which a phone shows cut."""
    problems = []
    for fact in base.facts.values():
        missing = [key for key in ("short", "label") if not getattr(fact, key)]
        if missing:
            what = " and ".join(repr(key) for key in missing)
            message = (
                f'fact "{fact.id}": no {what} (the reply and its buttons fall back to longer text)'
            )
            problems.append(Problem(fact.where.path, fact.where.line, message))
    return problems


def _phrasings(base: FactBase) -> list[tuple[str, int, str, str]]:
    """(file, line, phrasing, the id that should answer it) for every phrasing of the base."""
    found = [
        (fact.where.path, line, question, fact.id)
        for fact in base.facts.values()
        for question, line in zip(fact.questions, fact.question_lines, strict=True)
    ]
    for entry in base.learned:
        entity = base.entities.get(entry.fact)
        ident = entity.fact if entity is not None and entity.fact else entry.fact
        found.append((entry.where.path, entry.where.line, entry.question, ident))
    return found
