"""Storage: the question log in one SQLite file, written by a background thread.

- schema.py: the tables and their migrations (to change the schema, append to MIGRATIONS);
- writer.py: the background writer every write is queued for;
- database.py: the file opened, with its reading connection;
- hashing.py: the key user ids are hashed with, kept outside the file;
- updates.py: the inbox's table, updates kept from receipt until handled;
- questions.py: the question log and the moderators' queries over it;
- grouping.py: the one rule for near-duplicate questions.
"""

from bot.storage.grouping import REASONS, SIMILAR, UnansweredGroup, same_question, shown_wording
from bot.storage.hashing import HashKey, hash_key
from bot.storage.questions import RECENT_DAYS, FactUsage, LoggedQuestion, QuestionLog, Stats, new_id
from bot.storage.schema import MIGRATIONS, StoreError
from bot.storage.updates import DAY, HANDLED_KEPT, UNHANDLED_KEPT

__all__ = [
    "DAY",
    "HANDLED_KEPT",
    "MIGRATIONS",
    "REASONS",
    "RECENT_DAYS",
    "SIMILAR",
    "UNHANDLED_KEPT",
    "FactUsage",
    "HashKey",
    "LoggedQuestion",
    "QuestionLog",
    "Stats",
    "StoreError",
    "UnansweredGroup",
    "hash_key",
    "new_id",
    "same_question",
    "shown_wording",
]
