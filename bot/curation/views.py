"""What moderators read about a fact and its changes, as plain text (the shell and Telegram)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rapidfuzz import fuzz

from bot.curation.history import Entry
from bot.curation.overlay import Record
from bot.factbase import Fact, FactBase
from bot.normalization import normalize
from bot.replies import Answerer

USAGE_DAYS = 30  # how far back /fact counts the questions each phrasing matched
SHOWN_ENTRIES = 15


def find_fact(answerer: Answerer, words: str, withdrawn: Sequence[str] = ()) -> list[str]:
    """The fact `words` name: its id, or the facts the matcher finds closest, best first."""
    ident = words.strip()
    if ident in answerer.base.facts or ident in withdrawn:
        return [ident]
    match = answerer.matcher.match(words)
    found = [match.best.id] if match.best is not None else []
    found += [candidate.item.id for candidate in match.candidates]
    found += [match.closest.id] if match.closest is not None else []
    facts = [
        answerer.base.entities[i].fact or i if i in answerer.base.entities else i for i in found
    ]
    return [i for n, i in enumerate(facts) if i in answerer.base.facts and i not in facts[:n]]


def matched_counts(phrasings: Sequence[str], asked: Sequence[str]) -> list[int]:
    """How many of the questions `asked` each phrasing is the closest to."""
    counts: Counter[int] = Counter()
    wanted = [normalize(phrasing) for phrasing in phrasings]
    for question in asked:
        text = normalize(question)
        scores = [fuzz.token_set_ratio(text, phrasing) for phrasing in wanted]
        if scores:
            counts[max(range(len(scores)), key=scores.__getitem__)] += 1
    return [counts[index] for index in range(len(phrasings))]


def fact_text(
    base: FactBase,
    ident: str,
    record: Record | None,
    asked: Sequence[str] = (),
    votes: tuple[int, int] = (0, 0),
) -> str:
    """A fact as moderators see it: answer, quote, source, phrasings with how often each
    matched in the last USAGE_DAYS days, votes; and whether it is withdrawn or the overlay's."""
    fact: Fact | None = base.facts.get(ident)
    answer = fact.answer if fact else str((record or {}).get("answer", ""))
    quote = fact.quote if fact else str((record or {}).get("quote", ""))
    source_id = fact.source if fact else str((record or {}).get("source", ""))
    phrasings = (
        list(fact.questions) if fact else [str(q) for q in (record or {}).get("questions") or []]
    )
    source = base.sources.get(source_id)
    lines = [f"Fact {ident}"]
    if record is not None and record.get("withdrawn") is True:
        lines.append("WITHDRAWN: not answered (restore it to answer it again).")
    elif record is not None:
        lines.append("Changed by moderators (kept in the overlay).")
    lines += [
        "",
        f"Answer: {answer}",
        f"Quote: “{quote}”",
        f"Source: {source.title if source else source_id} ({source_id})",
        "",
        f"Phrasings (questions matched in the last {USAGE_DAYS} days):",
    ]
    counts = matched_counts(phrasings, asked)
    lines += [
        f"{n}. {phrasing} — {count}"
        for n, (phrasing, count) in enumerate(zip(phrasings, counts, strict=True), 1)
    ]
    lines.append(f"👍 {votes[0]}  👎 {votes[1]}")
    return "\n".join(lines)


def history_text(entries: Sequence[Entry], ident: str | None = None) -> str:
    """The latest changes, newest first."""
    if not entries:
        return f"No changes to {ident} yet." if ident else "No changes yet."
    shown = list(reversed(entries))[:SHOWN_ENTRIES]
    lines = [entry.line() + _detail(entry) for entry in shown]
    more = len(entries) - len(shown)
    return "\n".join(lines + ([f"… and {more} earlier"] if more else []))


def _detail(entry: Entry) -> str:
    before, after = entry.before or {}, entry.after or {}
    if "question" in after or "question" in before:  # a taught phrasing, or one untaught
        return f"\n    {'+' if after else '-'} {after.get('question') or before.get('question')}"
    if before.get("answer") != after.get("answer") and after.get("answer"):
        return f"\n    answer: {after.get('answer')}"
    added = [q for q in after.get("questions") or [] if q not in (before.get("questions") or [])]
    gone = [q for q in before.get("questions") or [] if q not in (after.get("questions") or [])]
    parts = [f"+ {q}" for q in added] + [f"- {q}" for q in gone]
    return "".join(f"\n    {part}" for part in parts[:5])
