"""Replies: what the bot says to a question, as plain text, HTML or JSON, from a Match."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot import rendering
from bot.factbase import MAX_LABEL, Entity, EventDate, Fact, FactBase, Source
from bot.matching import Answerable, Match, Matcher, Outcome, timeline
from bot.matching.answerability import Why
from bot.normalization import normalize
from bot.rendering import READING_AS as READING_AS
from bot.rendering import quoted as quoted
from bot.splitting import MESSAGE_LIMIT as MESSAGE_LIMIT
from bot.splitting import split_html as split_html

DEFAULT_FALLBACK = "I don't have a sourced answer to that."
EXAMPLES = 4  # example questions under /start, /help and a greeting
# Typed alone, these ask what the bot is for (a menu, not a question): answered with the
# greeting and its examples, never matched against the facts.
MENU_WORDS = frozenset({"help", "help me", "start", "menu", "commands", "options", "examples"})
DEFAULT_CLARIFY = "Did you mean one of these?"
# A closest answer says first that it may not answer what was asked, and why.
DEFAULT_CLOSEST = "I'm not sure I understood. The closest I have:"
DEFAULT_CLOSEST_MISSING = "My sources don't say {what}. What they say:"
DEFAULT_CLOSEST_UNMENTIONED = "My sources don't mention {what}. What they say:"
DEFAULT_CLOSEST_OTHERS = rendering.OTHERS
# What a question asked for that the closest fact does not give, as "My sources don't say ...".
_MISSING_TEXT = {
    "date": "when",
    "place": "where exactly",
    "number": "how many",
    "duration": "how long",
    "person": "who",
    "reason": "why",
    "future": "what will happen",
    "outcome": "what came of it",
    "meaning": "what was meant",
    "tweet": "what was tweeted",
    "hashtag": "which hashtag",
    "handle": "which handle",
}


@dataclass(frozen=True)
class Citation:
    """A source behind an answer, with the words quoted from it."""

    source: Source
    quote: str
    quoted_in: Source | None = None

    def to_json(self) -> dict[str, Any]:
        """The citation as the JSON contract spells it."""
        source = self.source
        return {
            "id": source.id,
            "title": source.title,
            "publisher": source.publisher,
            "date": _iso(source.date),
            "url": source.url,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Suggestion:
    """A question the bot can answer, offered to the user."""

    id: str
    question: str
    label: str = ""  # what its button shows (at most MAX_LABEL characters); "": the question

    def to_json(self) -> dict[str, str]:
        """The suggestion as the JSON contract spells it."""
        return {"fact": self.id, "question": self.question, "label": self.button}

    @property
    def button(self) -> str:
        """The text of its button."""
        return self.label or self.question


@dataclass(frozen=True)
class Reply:
    """Everything the bot says in answer to one message."""

    question: str
    outcome: Outcome
    score: float
    intro: str
    fact: str | None = None
    quote: str | None = None
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    related: tuple[Suggestion, ...] = ()
    smalltalk: str | None = None
    candidates: tuple[str, ...] = ()
    closest: Suggestion | None = None
    why: Why | None = None
    # How a follow-up was read in its conversation, when the context changed the reading.
    understood_as: str | None = None
    # Before a closest answer: why it may not answer what was asked.
    lead: str = ""
    label: str = ""  # an answer's short label (inline results, /timeline)

    def source_line(self) -> str:
        """The one line under the quote: its source, short, with the link written out."""
        return rendering.source_line(self.citations)

    def text(self) -> str:
        """The reply as a user reads it, in plain text."""
        return rendering.reply_text(self)

    def html(self) -> str:
        """The reply in Telegram's HTML, every piece from users or YAML escaped."""
        return rendering.reply_html(self)

    def to_json(self) -> dict[str, Any]:
        """The reply as one JSON object: the public contract of `ask --json`."""
        return {
            "question": self.question,
            "outcome": str(self.outcome),
            "fact": self.fact,
            "text": self.text(),
            "sources": [citation.to_json() for citation in self.citations],
            "suggestions": [suggestion.to_json() for suggestion in self.suggestions],
            "related": [suggestion.to_json() for suggestion in self.related],
            "score": self.score,
            "smalltalk": self.smalltalk,
            "closest": self.closest.to_json() if self.closest is not None else None,
            "why": self.why.to_json() if self.why is not None else None,
            "understood_as": self.understood_as,
        }

    def reading_line(self) -> str:
        """The line saying how a follow-up was read, or "" when it was read as it stands."""
        return f"{READING_AS} {self.understood_as}" if self.understood_as else ""


class Answerer:
    """The core of the bot: a fact base and its matcher, turning messages into replies."""

    def __init__(self, base: FactBase, matcher: Matcher | None = None) -> None:
        self.base = base
        self.matcher = matcher or Matcher(base)

    def ask(self, question: str) -> Reply:
        """Answer a question typed by a user."""
        return self.menu(question) or self.reply_for(question, self.matcher.match(question))

    def menu(self, message: str) -> Reply | None:
        """The greeting and its examples when `message` is "help", "start", "menu"…, typed
        alone; else None."""
        if normalize(message) not in MENU_WORDS:
            return None
        return self.reply_for(message, Match(Outcome.FALLBACK, 0.0, smalltalk="greeting"))

    def reply_for(self, question: str, match: Match) -> Reply:
        """The reply to `question`, decided by `match` (of it, or of how it was read)."""
        if match.outcome is Outcome.ANSWER and match.best is not None:
            reply = self._answer(question, match.best, match.score)
        elif match.outcome is Outcome.CLARIFY:
            reply = Reply(
                question=question,
                outcome=Outcome.CLARIFY,
                score=match.score,
                intro=self.base.reply("clarify", DEFAULT_CLARIFY),
                suggestions=_suggestions(match.suggestions),
            )
        elif match.closest is not None:
            reply = self._closest(question, match, match.closest)
        else:
            reply = self._fallback(question, match)
        # The closest candidates, kept so moderators can attach the question to one of them.
        considered = (candidate.item.id for candidate in match.candidates)
        return replace(reply, candidates=tuple(dict.fromkeys(considered)), why=match.why)

    def answered_by(self, ident: str) -> str:
        """The id a question about `ident` is answered with: an entity may be told by a fact."""
        entity = self.base.entities.get(ident)
        return entity.fact if entity is not None and entity.fact else ident

    def answer_with(self, ident: str, question: str | None = None) -> Reply | None:
        """The answer of one fact or entity, as when a user picks a suggestion."""
        item = self.matcher.answerable(ident)
        if item is None:
            return None
        return self._answer(question if question is not None else item.question, item, 100.0)

    def _answer(self, question: str, item: Answerable, score: float) -> Reply:
        if item.fact is not None:
            fact = item.fact
            return Reply(
                question=question,
                outcome=Outcome.ANSWER,
                score=score,
                intro=fact.headline,
                fact=fact.id,
                label=fact.caption,
                quote=fact.quote,
                citations=self._citations(fact.source, fact.quote),
                related=self._related(fact),
            )
        entity = item.entity
        assert entity is not None  # noqa: S101 - an answerable is a fact or an entity
        description = entity.description or ""
        return Reply(
            question=question,
            outcome=Outcome.ANSWER,
            score=score,
            intro=f"{entity.name}: {description}",
            fact=entity.id,
            label=label_of(item),
            quote=entity.quote,
            citations=self._citations(entity.source or "", entity.quote or ""),
            related=self._entity_related(entity),
        )

    def _closest(self, question: str, match: Match, item: Answerable) -> Reply:
        """What the sources say nearest to the question, marked as possibly not answering it."""
        shown = self._answer(question, item, match.score)
        lead = self._closest_lead(match.why)
        return replace(
            shown,
            outcome=Outcome.FALLBACK,
            lead=lead,
            fact=None,
            related=(),
            suggestions=_suggestions(match.suggestions),
            closest=Suggestion(item.id, item.question, label_of(item)),
        )

    def _closest_lead(self, why: Why | None) -> str:
        """Why the closest fact may not answer: what it lacks, if that is known."""
        if why is None:
            return self.base.reply("closest", DEFAULT_CLOSEST)
        missing = [_MISSING_TEXT[kind] for kind in why.missing if kind in _MISSING_TEXT]
        if why.unnamed is not None:
            missing.append(f"which {why.unnamed}")
        if why.speaker is not None and not why.speaker_quoted:
            entity = self.base.entities.get(why.speaker)
            missing.append(f"what {entity.name if entity else why.speaker} said")
        if missing:
            template = self.base.reply("closest_missing", DEFAULT_CLOSEST_MISSING)
            return template.replace("{what}", " or ".join(missing))
        named = self.matcher.weights.unexplained_named
        pairs = zip(why.typed or why.unexplained, why.specific, strict=True)
        words = [word for word, value in pairs if value >= named]
        if words:
            template = self.base.reply("closest_unmentioned", DEFAULT_CLOSEST_UNMENTIONED)
            return template.replace("{what}", " or ".join(f"“{word}”" for word in words[:2]))
        return self.base.reply("closest", DEFAULT_CLOSEST)

    def _fallback(self, question: str, match: Match) -> Reply:
        if match.smalltalk is not None:
            intro = self.base.reply(match.smalltalk, self.base.reply("greeting"))
            return Reply(
                question=question,
                outcome=Outcome.FALLBACK,
                score=0.0,
                intro=intro,
                smalltalk=match.smalltalk,
                # A greeting ("hi", "help", "start") shows what to ask.
                suggestions=self.examples() if match.smalltalk == "greeting" else (),
            )
        intro = self.base.reply("fallback", DEFAULT_FALLBACK)
        if match.suggestions:
            names = " and ".join(entity.name for entity in match.entities[:2])
            offer = (
                f"Here is what I can tell you about {names}:"
                if names
                else self.base.reply("fallback_suggest", "Here is what I can answer:")
            )
            intro = f"{intro} {offer}"
        return Reply(
            question=question,
            outcome=Outcome.FALLBACK,
            score=match.score,
            intro=intro,
            suggestions=_suggestions(match.suggestions),
        )

    def _citations(self, source_id: str, quote: str) -> tuple[Citation, ...]:
        source = self.base.sources.get(source_id)
        if source is None:
            return ()
        if source.quoted_in is None:
            return (Citation(source, quote),)
        document = self.base.document_of(source)
        return (Citation(source, quote, quoted_in=document), Citation(document, quote))

    def _related(self, fact: Fact) -> tuple[Suggestion, ...]:
        found = (self.matcher.answerable(ident) for ident in fact.related)
        return _suggestions(item for item in found if item is not None)

    def _entity_related(self, entity: Entity) -> tuple[Suggestion, ...]:
        items = self.matcher.suggest_for(entity)
        return _suggestions(item for item in items if item.id != entity.id)

    def timeline(self) -> list[tuple[str, Fact]]:
        """The dated facts in date order, each with its date as shown; a fact with only a
        planned date is listed at that date, marked "planned"."""
        planned = [fact for fact in self.base.facts.values() if fact.date is None and fact.planned]
        events = sorted([*timeline(self.base), *planned], key=_when)  # stable: source order kept
        return [
            (str(fact.date) if fact.date else f"{fact.planned} (planned)", fact) for fact in events
        ]

    def timeline_text(self) -> str:
        """The timeline as plain text, one event a line."""
        return "\n".join(f"{date}: {fact.answer}" for date, fact in self.timeline())

    def sources_text(self) -> str:
        """The documents the base quotes, as plain text."""
        return rendering.sources_text(self.base)

    def help_text(self) -> str:
        """What the bot answers and how to ask."""
        return self.base.reply("help", self.base.reply("greeting", DEFAULT_FALLBACK))

    def greeting_text(self) -> str:
        """The first words to a new user."""
        return self.base.reply("greeting", self.help_text())

    def examples(self, limit: int = EXAMPLES) -> tuple[Suggestion, ...]:
        """Example questions: the base's chosen examples, else the first events."""
        chosen = [self.matcher.answerable(ident) for ident in self.base.examples]
        items = [item for item in chosen if item is not None]
        if not items:
            items = [
                item for fact in timeline(self.base) if (item := self.matcher.answerable(fact.id))
            ]
        return _suggestions(items[:limit])

    def search(self, query: str, limit: int) -> list[Reply]:
        """Up to `limit` answers for a query, best first (inline mode); none typed: the timeline."""
        analysis = self.matcher.analyse(query, correct=True)
        if not analysis.content:
            items = [self.matcher.answerable(fact.id) for _, fact in self.timeline()]
            return [self._answer(item.question, item, 0.0) for item in items[:limit] if item]
        floor = self.matcher.weights.suggest
        ranked = [c for c in self.matcher.rank(analysis) if c.score >= floor][:limit]
        return [self._answer(c.item.question, c.item, round(c.score, 1)) for c in ranked]

    def sources_html(self) -> str:
        """The documents the base quotes, as Telegram HTML with links."""
        return rendering.sources_html(self.base)


def label_of(item: Answerable) -> str:
    """A fact's or entity's button label: the fact's label, else the entity's name or its
    shortest alias that fits, else the question."""
    if item.fact is not None:
        return item.fact.caption
    entity = item.entity
    names = [] if entity is None else [entity.name, *sorted(entity.aliases, key=len)]
    return next((name for name in names if len(name) <= MAX_LABEL), item.question)


def _suggestions(items: Any) -> tuple[Suggestion, ...]:
    return tuple(Suggestion(item.id, item.question, label_of(item)) for item in items)


def _when(fact: Fact) -> tuple[int, int, int]:
    date = fact.date or fact.planned
    assert date is not None  # noqa: S101 - only dated or planned facts are listed
    return date.sort_key()


def _iso(date: EventDate | None) -> str | None:
    if date is None:
        return None
    if date.day is None:
        return f"{date.year:04d}-{date.month:02d}"
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
