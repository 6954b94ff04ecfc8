"""Reading a follow-up: a message that cannot stand alone, read as a question that does.

"and Putin?" after "What did Rouhani say at the summit?" reads as "What did Vladimir Putin say
at the summit?"; "how long did they talk?" after "When did Putin talk to Trump?" as "How long did
Vladimir Putin and Donald Trump talk?". A message is read with the context only when something in
it needs one — a pronoun or "there" that nothing in the message stands for, an "and X?", a bare
question word, a short message naming no one — and, except for "and X?", only when that reading
matches better than the message alone: a question that stands on its own is answered as if alone.
The reading is then matched like any question, so everything the matcher knows applies to it.

`words`: the words that point back; `mentions`: where a text names which entity; `context`:
what a conversation's last question offers "he", "they", "it" and "there"; `readings`: the ways a
message may point back, each read as a standalone question; `reading`: which one is taken.
"""

from bot.followups.context import Context, topic_of
from bot.followups.reading import Reading, read_followup

__all__ = ["Context", "Reading", "read_followup", "topic_of"]
