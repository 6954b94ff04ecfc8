"""The question log: every question, suggestion picked and feedback press, and the moderators'
queries over them (/stats, /unanswered, teaching and dismissing).

Writing never holds up answering: `record_*` queue the write for the background writer, and a
write that cannot be made is logged and dropped. Reading (for moderators) is synchronous, on a
second connection. User ids are stored only as keyed hashes (bot.storage.hashing). The schema:
bot.storage.schema.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Final

from bot.storage.grouping import Grouping, UnansweredGroup
from bot.storage.updates import DAY, KeptUpdates

logger = logging.getLogger(__name__)

# Moderators' reports (/stats, /unanswered, `python -m bot stats`) look this many days back.
RECENT_DAYS: Final = 7


def new_id() -> int:
    """A fresh random positive 48-bit question id (small enough for callback data)."""
    while True:
        ident = secrets.randbits(48)
        if ident:
            return ident


@dataclass(frozen=True)
class LoggedQuestion:
    """One logged question, as moderators' buttons look it up."""

    id: int
    at: float
    text: str
    outcome: str
    fact: str | None
    score: float
    candidates: tuple[str, ...]
    picked: str | None

    def to_json(self) -> dict[str, object]:
        """The question as a JSON-ready dict."""
        return {
            "id": self.id,
            "at": self.at,
            "text": self.text,
            "outcome": self.outcome,
            "fact": self.fact,
            "score": self.score,
            "candidates": list(self.candidates),
            "picked": self.picked,
        }


@dataclass(frozen=True)
class Stats:
    """Figures for moderators; all but `today` over the last RECENT_DAYS days."""

    today: int
    week: int
    answered: float
    clarified: float
    fallback: float
    top_facts: tuple[tuple[str, int], ...]
    top_unanswered: tuple[tuple[str, int], ...]
    upvotes: int
    downvotes: int

    @classmethod
    def empty(cls) -> Stats:
        """The figures of a log with nothing in it."""
        return cls(0, 0, 0.0, 0.0, 0.0, (), (), 0, 0)

    def to_json(self) -> dict[str, object]:
        """The figures as a JSON-ready dict (rates from 0 to 1)."""
        return {
            "today": self.today,
            "week": self.week,
            "answered": self.answered,
            "clarified": self.clarified,
            "fallback": self.fallback,
            "top_facts": [{"fact": fact, "count": n} for fact, n in self.top_facts],
            "top_unanswered": [{"text": text, "count": n} for text, n in self.top_unanswered],
            "upvotes": self.upvotes,
            "downvotes": self.downvotes,
        }


class QuestionLog(KeptUpdates):
    """The question log in one SQLite file (with the inbox's table); open it with
    `QuestionLog.open(path)`."""

    def user_hash(self, user_id: int | None) -> str:
        """The keyed hash stored for a user id ("" for none): see bot.storage.hashing."""
        return self._key.user_hash(user_id)

    # --- writing: queued, never raising -----------------------------------------------------

    def record_question(
        self,
        question_id: int,
        text: str,
        outcome: str,
        *,
        fact: str | None = None,
        score: float = 0.0,
        candidates: Sequence[str] = (),
        offered: Sequence[str] = (),
        closest: str | None = None,
        chat_type: str = "private",
        user_id: int | None = None,
        at: float | None = None,
    ) -> None:
        """Queue a question and how it was answered (`offered`: the ids its buttons offer to
        pick; `closest`: the fact a fallback showed as the closest answer); returns at once and
        never raises."""
        try:
            self._writer.submit(
                "INSERT OR IGNORE INTO questions (id, at, chat_type, user_hash, text, outcome, "
                "fact, score, candidates, offered, closest) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(question_id),
                    time.time() if at is None else float(at),
                    str(chat_type),
                    self.user_hash(user_id),
                    # A lone surrogate (possible in Telegram's JSON) cannot be stored: mark it.
                    str(text).encode("utf-8", "replace").decode("utf-8"),
                    str(outcome),
                    None if fact is None else str(fact),
                    float(score),
                    json.dumps([str(c) for c in list(candidates)[:3]]),
                    json.dumps([str(ident) for ident in offered]),
                    None if closest is None else str(closest),
                ),
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            logger.warning("Question log: a question was not recorded: %s", error)

    def record_pick(self, question_id: int, user_id: int | None, fact: str) -> None:
        """Queue that the asker picked `fact` from the suggestions; never raises. It counts only
        from the user who asked, and only for a fact offered under that question: data forged
        (other ids, other facts, another user's press on a group's buttons) changes nothing."""
        try:
            if user_id is None:
                return
            # Ids are quoted in the stored JSON list, so the quoted id matches it whole.
            self._writer.submit(
                "UPDATE questions SET picked = ? WHERE id = ? AND user_hash = ? "
                "AND instr(offered, ?) > 0",
                (str(fact), int(question_id), self.user_hash(user_id), json.dumps(str(fact))),
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            logger.warning("Question log: a pick was not recorded: %s", error)

    def record_feedback(
        self, question_id: int, user_id: int | None, vote: int, *, at: float | None = None
    ) -> None:
        """Queue a 👍 (+1) or 👎 (-1); a later press replaces the vote. Never raises. It counts
        only from the user who asked, and only where an answer was given (answered, or a
        suggestion picked): forged button data and others' presses add nothing."""
        try:
            if vote not in (1, -1):
                logger.warning("Question log: a vote of %r was not recorded (+1 or -1 only).", vote)
                return
            if user_id is None:
                return
            asker = self.user_hash(user_id)
            self._writer.submit(
                "INSERT INTO feedback (question_id, user_hash, vote, at) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions WHERE id = ? "
                "AND user_hash = ? AND (outcome = 'answer' OR picked IS NOT NULL)) "
                "ON CONFLICT (question_id, user_hash) DO UPDATE SET vote = excluded.vote, "
                "at = excluded.at",
                (
                    int(question_id),
                    asker,
                    int(vote),
                    time.time() if at is None else float(at),
                    int(question_id),
                    asker,
                ),
            )
        except Exception as error:  # noqa: BLE001 - a bad record must never break answering
            logger.warning("Question log: a vote was not recorded: %s", error)

    def record_closest_feedback(
        self,
        question_id: int,
        user_id: int | None,
        fact: str,
        answers: bool,
        *,
        at: float | None = None,
    ) -> Future[bool]:
        """Record the asker's word on the closest answer to a question: "That answers it"
        (`answers`) or "Not what I asked"; a later press replaces it. It counts only from the
        user who asked, and only for the fact shown as the closest answer to that question:
        the future is True once it is committed, False when it does not count (another user,
        another fact, a question that got no closest answer), or StoreError."""
        asker = self.user_hash(user_id) if user_id is not None else None
        row = (int(question_id), int(bool(answers)), time.time() if at is None else float(at))

        def run(connection: sqlite3.Connection) -> bool:
            if asker is None:
                return False
            # Queued after the question's own write, so a press right after the reply finds it.
            cursor = connection.execute(
                "INSERT INTO closest_feedback (question_id, answers, at) SELECT ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM questions WHERE id = ? AND user_hash = ? "
                "AND closest = ?) "
                "ON CONFLICT (question_id) DO UPDATE SET answers = excluded.answers, "
                "at = excluded.at",
                (*row, row[0], asker, str(fact)),
            )
            return cursor.rowcount > 0

        return self._task(run)

    # --- reading and moderating: synchronous ------------------------------------------------

    def question(self, question_id: int) -> LoggedQuestion | None:
        """The logged question with this id, or None."""
        rows = self._query(
            "SELECT id, at, text, outcome, fact, score, candidates, picked FROM questions "
            "WHERE id = ?",
            (question_id,),
        )
        if not rows:
            return None
        ident, at, text, outcome, fact, score, candidates, picked = rows[0]
        return LoggedQuestion(
            id=int(ident),
            at=float(at),
            text=text,
            outcome=outcome,
            fact=fact,
            score=float(score),
            candidates=_candidates(candidates),
            picked=picked,
        )

    def unanswered(
        self, days: float = RECENT_DAYS, limit: int = 20, now: float | None = None
    ) -> list[UnansweredGroup]:
        """Recent fallbacks (closest answers among them, with the asker's word on them),
        abandoned clarifications and 👎, grouped, the commonest first."""
        end = time.time() if now is None else now
        rows = self._query(
            "SELECT id, at, text, outcome, candidates, picked, closest, "
            "(SELECT COALESCE(SUM(vote), 0) FROM feedback WHERE question_id = questions.id), "
            "(SELECT answers FROM closest_feedback WHERE question_id = questions.id) "
            "FROM questions WHERE at > ? AND at <= ? AND dismissed = 0 AND taught IS NULL "
            "ORDER BY at, id",
            (end - days * DAY, end),
        )
        grouping = Grouping()
        for ident, at, text, outcome, candidates, picked, closest, net, answers in rows:
            reasons = set()
            offered = _candidates(candidates)
            if outcome == "fallback" and closest is not None:
                reasons.add(_CLOSEST_REASONS[answers])
                # The fact shown comes first: a confirmed one is taught with the first button.
                offered = (closest, *(c for c in offered if c != closest))
            elif outcome == "fallback":
                reasons.add("fallback")
            elif outcome == "clarify" and picked is None:
                reasons.add("clarify")
            if int(net) < 0:
                reasons.add("downvote")
            if reasons:
                grouping.add(ident, at, text, reasons, offered)
        return grouping.groups()[:limit]

    def dismiss(self, question_ids: Iterable[int]) -> int:
        """Take these questions off the unanswered queue; return how many were changed."""
        return self._change(
            "UPDATE questions SET dismissed = 1 WHERE id = ?", [(int(i),) for i in question_ids]
        )

    def mark_taught(self, question_ids: Iterable[int], fact: str) -> int:
        """Record that these questions were taught as phrasings of `fact`; return how many."""
        return self._change(
            "UPDATE questions SET taught = ? WHERE id = ?",
            [(fact, int(i)) for i in question_ids],
        )

    def stats(self, now: float | None = None) -> Stats:
        """Questions today (UTC) and over RECENT_DAYS days, outcome rates, top facts and
        unanswered, votes."""
        end = time.time() if now is None else now
        start = end - RECENT_DAYS * DAY
        window = (start, end)
        today = self._query(
            "SELECT COUNT(*) FROM questions WHERE at >= ? AND at <= ?",
            (end - end % DAY, end),
        )[0][0]
        outcomes: dict[str, int] = dict(
            self._query(
                "SELECT outcome, COUNT(*) FROM questions WHERE at > ? AND at <= ? GROUP BY outcome",
                window,
            )
        )
        week = sum(outcomes.values())
        facts = self._query(
            "SELECT COALESCE(picked, fact) AS answered, COUNT(*) AS n FROM questions "
            "WHERE at > ? AND at <= ? AND COALESCE(picked, fact) IS NOT NULL "
            "GROUP BY answered ORDER BY n DESC, answered LIMIT 5",
            window,
        )
        votes: dict[int, int] = dict(
            self._query(
                "SELECT vote, COUNT(*) FROM feedback WHERE at > ? AND at <= ? GROUP BY vote", window
            )
        )

        def rate(outcome: str) -> float:
            return round(outcomes.get(outcome, 0) / week, 4) if week else 0.0

        return Stats(
            today=int(today),
            week=week,
            answered=rate("answer"),
            clarified=rate("clarify"),
            fallback=rate("fallback"),
            top_facts=tuple((fact, n) for fact, n in facts),
            top_unanswered=tuple((g.text, g.count) for g in self.unanswered(RECENT_DAYS, 5, end)),
            upvotes=votes.get(1, 0),
            downvotes=votes.get(-1, 0),
        )

    def fact_usage(self, fact: str, days: int, now: float | None = None) -> FactUsage:
        """The questions answered with `fact` in the last `days` days, and their votes."""
        end = time.time() if now is None else now
        window = (fact, end - days * DAY, end)
        texts = self._query(
            "SELECT text FROM questions WHERE COALESCE(picked, fact) = ? AND at > ? AND at <= ?",
            window,
        )
        votes: dict[int, int] = dict(
            self._query(
                "SELECT vote, COUNT(*) FROM feedback JOIN questions ON questions.id = question_id "
                "WHERE COALESCE(picked, fact) = ? AND questions.at > ? AND questions.at <= ? "
                "GROUP BY vote",
                window,
            )
        )
        return FactUsage(tuple(str(row[0]) for row in texts), votes.get(1, 0), votes.get(-1, 0))


@dataclass(frozen=True)
class FactUsage:
    """How a fact was used: the questions it answered, 👍 and 👎 on them."""

    questions: tuple[str, ...]
    upvotes: int
    downvotes: int


# Why a closest answer is in the queue, by the asker's word on it (None: no word yet).
_CLOSEST_REASONS: Final = {
    None: "closest answer",
    0: "closest answer refused",
    1: "closest answer confirmed",
}


def _candidates(raw: object) -> tuple[str, ...]:
    """The stored JSON list of candidate ids, or () if it cannot be read."""
    try:
        value = json.loads(str(raw))
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()
