"""The words that point back out of a message: pronouns, "there", "and X?", bare questions."""

from __future__ import annotations

PERSON_PRONOUNS = frozenset("he him his she her hers himself herself".split())
PLURAL_PRONOUNS = frozenset("they them their theirs themselves".split())
THING_PRONOUNS = frozenset("it its this that".split())
POSSESSIVES = frozenset("his her its their".split())
QUESTION_WORDS = frozenset("who whom whose what which when where why how".split())
HOW_WORDS = frozenset("long many much often far".split())
AUXILIARIES = frozenset(
    "did does do was were is are has have had will would can could should".split()
)
# "Is there a photo?" asks whether one exists: "there" points nowhere after these.
BE = frozenset("is are was were be been".split())
# Words a bare question may hold besides its question words: "and when exactly?", "why so?".
# "since when?", "for how long?", "to whom?": a preposition a bare question may start with.
BARE_PREPOSITIONS = frozenset("since until till for from to with by about".split())
# "exact date?", "precise day?": an adjective that asks for precision, as "exactly" does.
PRECISE = frozenset("exact precise".split())
BARE_EXTRA = AUXILIARIES | THING_PRONOUNS | frozenset("and so then exactly again ok okay".split())
# Things a conversation refers to with "the": "how long was the meeting?", "the two leaders".
# The groups among them stand for people, never for a thing "it" or "they" may be.
DEFINITE_NOUNS = frozenset(
    """meeting meetings talks talk call calls statement summit visit trip photo picture tweet
    conference congress resolution readout declaration session remarks speech
    two three both leaders presidents ministers sides""".split()
)
GROUPS = frozenset("two three both leaders presidents ministers sides".split())
OPENERS = (
    ("and", "what", "about"),
    ("and", "how", "about"),
    ("what", "about"),
    ("how", "about"),
    ("and", "about"),
    ("and",),
)
CLOSERS = (("as", "well"), ("too",), ("also",), ("either",))
# "ok, and Erdogan?", "haha ok. unrelated, who is …": what comes before what the message says.
INTERJECTIONS = frozenset(
    "ok okay well hmm hm right cool great thanks thx alright oh ah nice interesting sure yes "
    "yeah wow i see got it haha lol fine anyway btw unrelated but".split()
)
# Words "and X?" may hold besides X: "and the Turkish one then?".
FILLERS = frozenset("the a an one ones of about then so ok okay mr".split())
SHORT_WORDS = 4  # a message of at most this many words that names no one may carry a topic on
# A message of at most this many words about "the talks" says no more than which talks: those
# of the conversation ("how long did the talks last?"); a longer one may say which.
DEFINITE_WORDS = 6
SUBSTITUTE_WORDS = 6  # "and X?" with X longer than this is a question of its own
# "about it", "after that": a thing pointed at.
PREPOSITIONS = frozenset("about of on for in at to from with after before by".split())
# "is it true that …", "is it safe to …": an "it" that stands for what follows.
CLAUSE_WORDS = frozenset("that to if whether".split())
# "what time is it?": an "it" that stands for nothing.
EMPTY_IT = frozenset(
    "true possible likely safe clear known time late early far weather raining cold hot".split()
)
# "What did Netanyahu tell him?": "him" is never who the question names before it.
OBJECT_PRONOUNS = frozenset("him her them".split())
# What a last question's topic leaves out: "tell me about the zones", "… in Sochi, right?".
TOPIC_OPENERS = (
    ("tell", "me", "about"),
    ("tell", "me", "more", "about"),
    ("what", "about"),
    ("and",),
    ("so",),
    ("ok",),
    ("okay",),
)
TOPIC_TAGS = frozenset("right too again then please pls ok okay correct yes".split())
