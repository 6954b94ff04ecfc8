"""The moderators' changes to the fact base, kept in an overlay beside the question log.

- overlay.py: the overlay file (read, written atomically, under a lock) and its entries;
- layered.py: the shipped base loaded with the overlay over it, entries that no longer load kept
  and reported;
- rules.py: what a fact typed by a moderator must be (quote word for word, answer, questions);
- history.py: every change, who, when, before and after, in a JSON Lines file;
- curator.py: the changes themselves (new, edit, withdraw, restore, undo), with conflicts;
- export.py: the overlay as YAML in the fact base's own format.
"""

from bot.curation.curator import Change, ConflictError, Curator, Saved
from bot.curation.history import Entry
from bot.curation.layered import Layered, load_layered
from bot.curation.overlay import fingerprint, history_path
from bot.curation.rules import CurationError

__all__ = [
    "Change",
    "ConflictError",
    "CurationError",
    "Curator",
    "Entry",
    "Layered",
    "Saved",
    "fingerprint",
    "history_path",
    "load_layered",
]
