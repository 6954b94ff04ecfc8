"""The unanswered queue's one rule for near-duplicate questions, and the groups it makes.

The Telegram commands and the command line both take a taught question's near-duplicates off
the queue with `same_question`; the queue groups with the same scorer and threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process

from bot.normalization import normalize

# Two questions are the same question when their normalised texts score this much or more.
SIMILAR: Final = 85
# Why a question is in the unanswered queue, in the order they are listed.
REASONS: Final = (
    "fallback",
    "closest answer refused",
    "closest answer confirmed",
    "closest answer",
    "clarify",
    "downvote",
)
_SCORER = fuzz.token_sort_ratio


def same_question(first: str, second: str) -> bool:
    """Whether two wordings are near-duplicates, as the unanswered queue groups them."""
    return _SCORER(normalize(first), normalize(second)) >= SIMILAR


def shown_wording(text: str) -> str:
    """A question as the queue shows it, and as a moderator's button teaches it: spaces
    squeezed."""
    return " ".join(text.split())


@dataclass(frozen=True)
class UnansweredGroup:
    """Near-duplicate questions the bot did not answer well, counted together: `text` is the
    commonest wording (spaces squeezed), and `text_id` the id of a question worded so, by which
    a moderator's button teaches exactly the wording shown."""

    text: str
    count: int
    question_ids: tuple[int, ...]
    reasons: frozenset[str]
    candidates: tuple[str, ...]
    last_at: float
    text_id: int

    def to_json(self) -> dict[str, object]:
        """The group as a JSON-ready dict."""
        return {
            "text": self.text,
            "count": self.count,
            "question_ids": list(self.question_ids),
            "reasons": [reason for reason in REASONS if reason in self.reasons],
            "candidates": list(self.candidates),
            "last_at": self.last_at,
        }


class Grouping:
    """Questions gathered into groups of near-duplicates, in the order they come."""

    def __init__(self) -> None:
        self._groups: list[_Group] = []
        self._by_text: dict[str, _Group] = {}
        self._firsts: list[str] = []  # each group's first normalised text

    def add(
        self,
        question_id: int,
        at: float,
        text: str,
        reasons: set[str],
        candidates: Iterable[str],
    ) -> None:
        """Add a question to the group of its near-duplicates, or to a new one."""
        key = normalize(text)
        group = self._by_text.get(key)
        if group is None:
            found = process.extractOne(key, self._firsts, scorer=_SCORER, score_cutoff=SIMILAR)
            group = self._groups[found[2]] if found else None
        if group is None:
            group = _Group()
            self._groups.append(group)
            self._firsts.append(key)
        self._by_text.setdefault(key, group)
        group.add(question_id, at, text, reasons, candidates)

    def groups(self) -> list[UnansweredGroup]:
        """The groups, the commonest first, then the most recent."""
        done = [group.result() for group in self._groups]
        done.sort(key=lambda g: (-g.count, -g.last_at))
        return done


class _Group:
    """A group of near-duplicate questions being gathered."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.texts: Counter[str] = Counter()
        self.first_of: dict[str, int] = {}  # each wording's first question id
        self.reasons: set[str] = set()
        self.candidates: Counter[str] = Counter()
        self.last_at = 0.0

    def add(
        self, ident: int, at: float, text: str, reasons: set[str], candidates: Iterable[str]
    ) -> None:
        self.ids.append(ident)
        wording = shown_wording(text)
        self.texts[wording] += 1
        self.first_of.setdefault(wording, ident)
        self.reasons |= reasons
        self.candidates.update(candidates)
        self.last_at = max(self.last_at, at)

    def result(self) -> UnansweredGroup:
        text = self.texts.most_common(1)[0][0]
        return UnansweredGroup(
            text=text,
            count=len(self.ids),
            question_ids=tuple(self.ids),
            reasons=frozenset(self.reasons),
            candidates=tuple(c for c, _ in self.candidates.most_common(3)),
            last_at=self.last_at,
            text_id=self.first_of[text],
        )
