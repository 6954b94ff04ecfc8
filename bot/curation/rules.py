"""What a fact typed by a moderator must be: a quote word for word in a source, a short plain
answer, at least three questions; each refusal one clear sentence."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from bot.audit import sentences
from bot.factbase import MAX_ID, MAX_LEARNED, FactBase, Source
from bot.normalization import normalize, squeeze_space

MAX_ANSWER = 600  # one to three sentences; Telegram would take more, a reader would not
MIN_QUESTIONS = 3
NEAREST = 3  # source sentences offered for a quote not found
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&[a-zA-Z]+;|&#\d+;")


class CurationError(ValueError):
    """Input a change cannot take; the message is one sentence saying why and what to do."""


def fact_id(text: str, base: FactBase, known: set[str]) -> str:
    """A new fact's id, checked: its form, and that no source, entity or fact has it."""
    ident = text.strip()
    if not _ID.match(ident) or len(ident) > MAX_ID:
        raise CurationError(
            f"The id {ident!r} is not usable: use lowercase letters, digits and hyphens, "
            f"at most {MAX_ID} characters (say, 'putin-assad-call')."
        )
    if ident in base.facts or ident in base.entities or ident in base.sources or ident in known:
        raise CurationError(f"There is already a fact, entity or source with the id {ident!r}.")
    return ident


def plain(text: str, what: str, limit: int) -> str:
    """`text` squeezed, refused when empty, too long or holding HTML."""
    found = squeeze_space(text)
    if not found:
        raise CurationError(f"The {what} is empty.")
    if len(found) > limit:
        raise CurationError(f"The {what} is {len(found)} characters long; at most {limit}, please.")
    if _HTML.search(found):
        raise CurationError(f"The {what} holds HTML; write plain text (the bot formats it itself).")
    return found


def answer(text: str) -> str:
    """An answer, checked."""
    return plain(text, "answer", MAX_ANSWER)


def questions(lines: list[str]) -> list[str]:
    """The questions of a fact, checked: at least three, each plain, none twice."""
    found: list[str] = []
    for line in lines:
        if line.strip():
            question = plain(line, "question", MAX_LEARNED)
            if question.casefold() in (known.casefold() for known in found):
                raise CurationError(f"The question {question!r} is given twice.")
            found.append(question)
    if len(found) < MIN_QUESTIONS:
        raise CurationError(
            f"Give at least {MIN_QUESTIONS} questions people would ask, one a line "
            f"({len(found)} given)."
        )
    return found


def documents(base: FactBase) -> list[Source]:
    """The sources with a text of their own."""
    return [source for source in base.sources.values() if source.text is not None]


def find_quote(base: FactBase, text: str, source_id: str | None = None) -> tuple[str, str] | None:
    """(source id, quote) when `text` is word for word in a source's text (in `source_id`'s
    document, when given); a primary source quoted inside is named when the quote is its words."""
    quote = squeeze_space(text).strip()
    if not quote:
        return None
    if source_id is not None:
        source = base.sources.get(source_id)
        if source is None:
            raise CurationError(f"There is no source {source_id!r}; see /sources for their ids.")
        document = base.document_of(source)
        return (source_id, quote) if document.text and quote in document.text else None
    for document in documents(base):
        if document.text is not None and quote in document.text:
            return _speaker_source(base, document, quote), quote
    return None


def _speaker_source(base: FactBase, document: Source, quote: str) -> str:
    """The primary source whose span holds the quote, else the document itself."""
    text = document.text or ""
    position = text.find(quote)
    for source in base.sources.values():
        if source.quoted_in != document.id:
            continue
        for span in source.spans:
            start = text.find(squeeze_space(span.start))
            if start == -1:
                continue
            stop = start + len(squeeze_space(span.start))
            if span.end is not None:
                end = text.find(squeeze_space(span.end), start)
                stop = end + len(squeeze_space(span.end)) if end != -1 else stop
            if start <= position and position + len(quote) <= stop:
                return source.id
    return document.id


def nearest_sentences(base: FactBase, text: str, limit: int = NEAREST) -> list[tuple[str, str]]:
    """(source id, sentence) of the source sentences closest to `text`, the closest first."""
    wanted = squeeze_space(text)
    scored = []
    for document in documents(base):
        if document.text_file is None:
            continue
        raw = (base.directory / document.text_file).read_text(encoding="utf-8")
        for sentence in sentences(raw):
            score = fuzz.token_set_ratio(wanted, sentence.text)
            scored.append((score, document.id, sentence.text))
    scored.sort(key=lambda item: -item[0])
    return [(ident, sentence) for _, ident, sentence in scored[:limit]]


def suggest_id(question: str, taken: set[str]) -> str:
    """An id for a new fact from its first question: its words, joined, not yet taken."""
    words = re.findall(r"[a-z0-9]+", normalize(question))
    stem = "-".join(word for word in words if word not in _FILLER)[: MAX_ID - 4].strip("-")
    stem = stem or "fact"
    ident, number = stem, 2
    while ident in taken:
        ident, number = f"{stem}-{number}", number + 1
    return ident


_FILLER = frozenset("a an the of to in on at did does do was were is are what who when how".split())
