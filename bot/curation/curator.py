"""The moderators' changes: a new fact, an answer edited, phrasings added or removed, a fact
withdrawn or restored, a change undone. Each is checked with the whole base before it is written,
states what it was made against (a conflict is refused, never overwritten), and is recorded."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import audit
from bot.curation import history, rules
from bot.curation.history import Entry
from bot.curation.layered import Layered, load_layered
from bot.curation.overlay import (
    OverlayState,
    Record,
    fingerprint,
    history_path,
    locked,
    read_state,
    write_atomic,
)
from bot.curation.rules import CurationError
from bot.factbase import MAX_LEARNED, FactBase, KnowledgeError, knowledge_files, load
from bot.factbase.layering import Overlay
from bot.normalization import normalize
from bot.replies import Answerer

SHOWN_PROBLEMS = 3


class ConflictError(CurationError):
    """The fact changed since the moderator looked at it: nothing was written."""


@dataclass(frozen=True)
class Change:
    """What a moderator asks for on a fact, and the fingerprint of what they saw."""

    fact: str
    action: str
    against: str


@dataclass(frozen=True)
class Draft:
    """A new fact as it would be: its record, the base with it, its phrasings' collisions."""

    record: Record
    answerer: Answerer
    collisions: tuple[str, ...]


@dataclass(frozen=True)
class Saved:
    """A change written: its history entry, and the base (and answerer) with it."""

    entry: Entry
    answerer: Answerer


class Curator:
    """The changes to one overlay, over one shipped base."""

    def __init__(self, directory: Path, overlay: Path) -> None:
        self.directory = directory
        self.overlay = overlay
        self.history = history_path(overlay)

    # --- reading ----------------------------------------------------------------------------

    def state(self) -> OverlayState:
        """The overlay as it is now."""
        return read_state(self.overlay)

    def layered(self) -> Layered:
        """The base with the overlay over it."""
        return load_layered(self.directory, self.overlay)

    def shipped(self, ident: str) -> Record | None:
        """The shipped base's own record of a fact, as written."""
        for path in knowledge_files(self.directory):
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            facts = document.get("facts") if isinstance(document, dict) else None
            for item in facts if isinstance(facts, list) else []:
                if isinstance(item, dict) and item.get("id") == ident:
                    return dict(item)
        return None

    def current(self, ident: str, state: OverlayState | None = None) -> Record | None:
        """The fact's record in use: the overlay's, else the shipped one."""
        found = (state or self.state()).record(ident)
        return found if found is not None else self.shipped(ident)

    def against(self, ident: str) -> str:
        """The fingerprint a change to `ident` made now is made against."""
        return fingerprint(self.state().record(ident))

    def entries(self, ident: str | None = None) -> list[Entry]:
        """The history, oldest first; of one fact when `ident` is given."""
        found = history.read_history(self.history)
        return [entry for entry in found if ident is None or entry.fact == ident]

    # --- changes ----------------------------------------------------------------------------

    def draft(
        self, ident: str, source: str | None, quote: str, answer: str, questions: list[str]
    ) -> Draft:
        """A new fact checked but not written: its record, the base with it, its collisions."""
        base = self.layered().base
        ident = rules.fact_id(ident, base, set(self.state().facts))
        found = rules.find_quote(base, quote, source)
        if found is None:
            where = f"source {source!r}" if source else "any source"
            missing = f"The quote is not word for word in {where}: copy it from the text."
            raise CurationError(missing)
        record: Record = {
            "id": ident,
            "answer": rules.answer(answer),
            "questions": rules.questions(questions),
            "source": found[0],
            "quote": found[1],
        }
        state = self.state()
        state.facts[ident] = record
        answerer = self._check(ident, state.text(), collide=False)
        found_collisions = audit.collisions(answerer.base, answerer.matcher, only=ident)
        return Draft(record, answerer, tuple(problem.message for problem in found_collisions))

    def new_fact(
        self, ident: str, source: str | None, quote: str, answer: str, questions: list[str], by: str
    ) -> Saved:
        """A fact of the moderators' own."""
        record = self.draft(ident, source, quote, answer, questions).record
        return self.save_new(record, by)

    def save_new(self, record: Record, by: str) -> Saved:
        """Write a drafted fact (checked again: the base may have changed meanwhile)."""
        return self.commit(
            Change(record["id"], "new", "shipped"), by, lambda _: record, collide=True
        )

    def edit_answer(self, ident: str, text: str, by: str, against: str) -> Saved:
        """The fact says `text` from now on."""
        answer = rules.answer(text)

        def make(record: Record) -> Record:
            # A short answer written for the old answer would say the old thing on a phone:
            # dropped, so that the reply shows the new answer (a new `short:` can be merged in).
            return {
                key: value for key, value in {**record, "answer": answer}.items() if key != "short"
            }

        return self.commit(Change(ident, "edit answer", against), by, make)

    def add_questions(self, ident: str, lines: list[str], by: str, against: str) -> Saved:
        """More phrasings for a fact."""
        added = [rules.plain(line, "question", MAX_LEARNED) for line in lines if line.strip()]
        if not added:
            raise CurationError("Give at least one question, one a line.")

        def make(record: Record) -> Record:
            known = {normalize(str(q)) for q in record.get("questions") or []}
            for question in added:
                if normalize(question) in known:
                    raise CurationError(f"{question!r} is already a phrasing of {ident!r}.")
            return {**record, "questions": [*(record.get("questions") or []), *added]}

        return self.commit(Change(ident, "add phrasings", against), by, make, collide=True)

    def remove_question(self, ident: str, question: str, by: str, against: str) -> Saved:
        """One phrasing fewer (at least one stays)."""

        def make(record: Record) -> Record:
            kept = [
                q for q in record.get("questions") or [] if normalize(str(q)) != normalize(question)
            ]
            if len(kept) == len(record.get("questions") or []):
                raise CurationError(f"{question!r} is not a phrasing of {ident!r}.")
            if not kept:
                last = f"{question!r} is the last phrasing of {ident!r}: add another first."
                raise CurationError(last)
            return {**record, "questions": kept}

        return self.commit(Change(ident, "remove phrasing", against), by, make)

    def withdraw(self, ident: str, by: str, against: str) -> Saved:
        """The fact is no longer answered; kept in the overlay, restorable."""

        def make(record: Record) -> Record:
            if record.get("withdrawn") is True:
                raise CurationError(f"{ident!r} is withdrawn already.")
            return {**record, "withdrawn": True}

        return self.commit(Change(ident, "withdraw", against), by, make)

    def restore(self, ident: str, by: str, against: str) -> Saved:
        """A withdrawn fact answered again."""

        def make(record: Record) -> Record:
            if record.get("withdrawn") is not True:
                raise CurationError(f"{ident!r} is not withdrawn.")
            return {key: value for key, value in record.items() if key != "withdrawn"}

        return self.commit(Change(ident, "restore", against), by, make)

    def undo(self, by: str) -> Saved:
        """Take back `by`'s own last change not yet taken back."""
        entry = history.last_undoable(self.entries(), by)
        if entry is None:
            raise CurationError("You have no change to undo.")
        if entry.action == "teach":
            return self._untaught(entry, by)
        change = Change(entry.fact, "undo", fingerprint(entry.after))
        before = copy.deepcopy(entry.before)
        return self.commit(change, by, lambda _: before, undoes=entry.n)

    def commit(
        self,
        change: Change,
        by: str,
        make: Callable[[Record], Record | None],
        collide: bool = False,
        undoes: int | None = None,
    ) -> Saved:
        """Apply one change under the lock: refused on a conflict or a base that would not load."""
        with locked(self.overlay):
            state = self.state()
            before = state.record(change.fact)
            if fingerprint(before) != change.against:
                raise ConflictError(self._conflict(change))
            current = before if before is not None else self.shipped(change.fact)
            if current is None and change.action != "new":
                raise CurationError(f"There is no fact {change.fact!r} to change.")
            after = make(copy.deepcopy(current) if current is not None else {})
            if after is None:
                state.facts.pop(change.fact, None)
            else:
                state.facts[change.fact] = after
            state.revision += 1
            text = state.text()
            answerer = self._check(change.fact, text, collide)
            write_atomic(self.overlay, text)
            return Saved(
                self._record(by, change.action, change.fact, before, after, undoes), answerer
            )

    def teach(self, entry: Record, by: str, refuse: Callable[[FactBase], None]) -> Saved:
        """A taught phrasing (`entry`: question, fact, by, at) added to the overlay's `learned:`,
        checked with the whole base (KnowledgeError if it would not load) and refused when it
        would be answered with another fact; `refuse` raises for a phrasing known already."""
        question, fact = str(entry["question"]), str(entry["fact"])
        with locked(self.overlay):
            state = self.state()
            refuse(self.layered().base)
            state.learned.append(entry)
            state.revision += 1
            text = state.text()
            answerer = self._check(question, text, collide=False, problems=True)
            base = answerer.base
            taught = [e.where for e in base.learned if e.question == question and e.fact == fact]
            if not taught:  # loaded, but dropped: the fact it points at is withdrawn
                raise CurationError(f"Nothing was taught: {fact!r} is withdrawn; restore it first.")
            entity = base.entities.get(fact)
            target = entity.fact if entity is not None and entity.fact else fact
            found = [
                problem
                for problem in audit.collisions(base, answerer.matcher, only=target)
                if (problem.path, problem.line) == (taught[-1].path, taught[-1].line)
            ]
            if found:
                raise CurationError(f"Nothing was taught: {found[0].message}.")
            write_atomic(self.overlay, text)
            return Saved(self._record(by, "teach", fact, None, entry), answerer)

    def _untaught(self, entry: Entry, by: str) -> Saved:
        """Undo a taught phrasing: its entry taken out of the overlay's `learned:`."""
        with locked(self.overlay):
            state = self.state()
            if entry.after not in state.learned:
                question = (entry.after or {}).get("question")
                raise ConflictError(
                    f"The phrasing {question!r} is no longer in the overlay; nothing was changed."
                )
            state.learned.remove(entry.after)
            state.revision += 1
            text = state.text()
            answerer = self._check(entry.fact, text, collide=False)
            write_atomic(self.overlay, text)
            return Saved(self._record(by, "undo", entry.fact, entry.after, None, entry.n), answerer)

    def _record(
        self,
        by: str,
        action: str,
        fact: str,
        before: Record | None,
        after: Record | None,
        undoes: int | None = None,
    ) -> Entry:
        """Append a change to the history (under the lock) and return it."""
        entries = self.entries()
        entry = Entry(
            n=entries[-1].n + 1 if entries else 1,
            at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            by=by,
            action=action,
            fact=fact,
            before=before,
            after=after,
            undoes=undoes,
        )
        history.append(self.history, entry)
        return entry

    def _conflict(self, change: Change) -> str:
        last = self.entries(change.fact)
        who = f" by {last[-1].by} at {last[-1].at} (#{last[-1].n})" if last else ""
        return (
            f"{change.fact!r} was changed{who} since you looked at it; nothing was changed: "
            "look at it again and redo your change."
        )

    def _check(self, ident: str, text: str, collide: bool, problems: bool = False) -> Answerer:
        """The base with the overlay as `text`, refused if `ident`'s entry (a fact's id, a
        taught question) would not load (with `problems`, as the KnowledgeError itself) or
        (with `collide`) one of its phrasings would be answered with another fact."""
        try:
            base = load(self.directory, overlay=Overlay(self.overlay, text))
        except KnowledgeError as error:
            layered = load_layered(self.directory, self.overlay, text)
            if ident in layered.left_out_keys or not layered.left_out:
                if problems:
                    raise
                shown = "; ".join(p.message for p in error.problems[:SHOWN_PROBLEMS])
                refusal = f"Nothing was changed: the base would not load ({shown})."
                raise CurationError(refusal) from None
            base = layered.base
        answerer = Answerer(base)
        if collide:
            found = audit.collisions(base, answerer.matcher, only=ident)
            if found:
                raise CurationError(f"Nothing was changed: {found[0].message}.")
        return answerer
