"""Teaching: a question people ask becomes one more phrasing of a fact, a `learned:` entry of the
moderators' overlay (beside the question log, so that it outlives the image).

It is a change of the curation core: checked with the whole base before it is written, written
atomically under the overlay's lock, recorded in the history (who, when, before and after) and
undone by /undo or `python -m bot undo`. Phrasings in knowledge/learned.yaml are still read.
"""

from __future__ import annotations

import datetime as dt

from bot.curation import Curator, Saved
from bot.factbase import MAX_LEARNED, FactBase, KnowledgeError, Problem, shown_path
from bot.normalization import normalize, squeeze_space

# Phrasings taught before the overlay, in the fact base folder: still read, no longer written.
LEARNED_FILE = "learned.yaml"


def teach(
    curator: Curator, question: str, fact: str, by: str, now: dt.datetime | None = None
) -> Saved:
    """Add `question` as a phrasing of `fact` to the overlay; return the change as saved."""
    text = squeeze_space(question)
    fact = fact.strip()
    by = squeeze_space(by)
    if not text:
        raise ValueError("The question is empty: give the words people ask it with.")
    if len(text) > MAX_LEARNED:
        raise ValueError(
            f"The question is {len(text)} characters long; a phrasing may have at most "
            f"{MAX_LEARNED}."
        )
    if not fact:
        raise ValueError("Give the id of the fact (or entity) that answers the question.")
    if not by:
        raise ValueError("Say who teaches it: the name given with --by is empty.")
    if not curator.directory.is_dir():
        shown = shown_path(curator.directory)
        raise KnowledgeError([Problem(shown, 1, "no such knowledge folder")])
    at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    entry = {"question": text, "fact": fact, "by": by, "at": at}
    return curator.teach(entry, by, lambda base: _refuse_known(base, text, fact))


def phrasings(base: FactBase, ident: str) -> list[str]:
    """The written and learned phrasings of a fact or entity (or of the fact telling it)."""
    target = _target(base, ident)
    if target is None:
        return []
    own = list(base.facts[target].questions) if target in base.facts else []
    return own + [entry.question for entry in base.learned if _target(base, entry.fact) == target]


def _target(base: FactBase, ident: str) -> str | None:
    """The id a question about `ident` is answered with, if any."""
    entity = base.entities.get(ident)
    if entity is not None:
        return entity.fact or entity.id
    return ident if ident in base.facts else None


def _refuse_known(base: FactBase, question: str, fact: str) -> None:
    wanted = normalize(question)
    if any(normalize(known) == wanted for known in phrasings(base, fact)):
        raise ValueError(f"{question!r} is already a phrasing of {fact!r}: nothing to teach.")
