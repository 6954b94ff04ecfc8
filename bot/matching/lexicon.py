"""The matcher's lexicon: words that carry no topic, chat spellings, stems, and phrase folding."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer
from spellchecker import SpellChecker

from bot.normalization import normalize

# Words that carry no topic: function words, question words and what people type around a
# question ("pls tell me about"). They still count in the fuzzy comparison of whole phrasings.
STOPWORDS = frozenset(
    """
    a an the and or but if of at by for with about against between into through during
    above below to from up down in out on off over under again further then once here there
    all any both each few more most other some such no nor not only own same so than too very
    can will just should now is are was were be been being have has had having do does did doing
    i me my we our you your he him his she her it its they them their what which who whom whose
    this that these those am would could shall may might must
    tell know please pls plz explain something anything thing things info
    information give show let us like u ur im hey hi hello ok okay yes yeah well also really
    actually exactly happen happened happening go going get got bot question answer want wanted
    need does dont didnt doesnt isnt wasnt arent werent wont cant couldnt wouldnt shouldnt
    hasnt havent hadnt aint any many much kind sort as one ones way ask asked
    right correct true anyone anybody someone somebody guys wondering wonder curious quick
    quickly remind mean meant lol btw um uh hmm kindly heard hear remember recall briefly
    detail details exact according per basically wanna gonna gotta dunno youre whats happens
    gets getting goes knows wants needs tells telling asks asking explains shows
    """.split()
)

# Question words tell "when did Assad visit Sochi" from "why did Assad visit Sochi", but they are
# too common to find candidates with: they count with a small fixed weight.
QUESTION_WORDS = {
    "who": "who",
    "whos": "who",
    "whom": "who",
    "whose": "who",
    "what": "what",
    "whats": "what",
    "which": "what",
    "when": "when",
    "where": "where",
    "wheres": "where",
    "why": "why",
    "how": "how",
    "hows": "how",
}
QUESTION_TERMS = frozenset(QUESTION_WORDS.values())

# How people spell in chats; too short or too far from the word for the spelling correction.
CHAT_SPELLINGS = {
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "wen": "when",
    "whn": "when",
    "wer": "where",
    "hw": "how",
    "y": "why",
    "abt": "about",
    "bout": "about",
    "foto": "photo",
    "fotos": "photos",
    "pic": "photo",
    "pics": "photos",
    "govt": "government",
    "prez": "president",
    "pres": "president",
    "mtg": "meeting",
    "convo": "conversation",
    "thru": "through",
    "breakthru": "breakthrough",
    "nov": "november",
    "dec": "december",
}

# Other words for a title, naming just what it names: abbreviations and synonyms. A name the
# sources give with the title ("Israeli prime minister") is found in any of them ("Israeli PM"),
# and an alias written with one is sourced as if written with the title (bot/sourcing.py). A
# word listed under several titles ("leader") may stand for any of them, never alone: "the
# Syrian leader" is the Syrian president, "the leader" no one in particular.
TITLE_WORDS = {
    "prime minister": ("pm", "premier", "leader"),
    "president": ("leader", "head of state"),
    "king": ("leader", "monarch", "head of state"),
    "foreign minister": ("fm", "top diplomat"),
    "chairman": ("chair", "head"),
    "chief": ("head",),
    "spokesman": ("spokesperson",),
    "tripartite": ("trilateral", "three way"),
    "statement": ("communique", "declaration"),
}

Words = tuple[str, ...]


def _table(pairs: dict[str, tuple[str, ...]], inverse: bool) -> dict[Words, list[Words]]:
    table: dict[Words, list[Words]] = defaultdict(list)
    for title, others in pairs.items():
        for other in others:
            key, value = (other, title) if inverse else (title, other)
            table[tuple(normalize(key).split())].append(tuple(normalize(value).split()))
    return dict(table)


_OTHER_WORDS = _table(TITLE_WORDS, inverse=False)
_TITLES = _table(TITLE_WORDS, inverse=True)


def _rewritten(words: Words, table: dict[Words, list[Words]]) -> set[Words]:
    """`words` with any of its phrases in `table` (the longest first) replaced by one of
    theirs, itself included."""
    if not words:
        return {()}
    found = {(words[0], *rest) for rest in _rewritten(words[1:], table)}
    keys = [key for key in table if words[: len(key)] == key]
    if keys:
        key = max(keys, key=len)
        for rest in _rewritten(words[len(key) :], table):
            found.update((*value, *rest) for value in table[key])
    return found


def title_readings(name: str) -> list[str]:
    """`name` with its titles in other words ("Israeli PM" for "Israeli prime minister"),
    each keeping a word of the name besides its titles: "King" is not read as "leader"."""
    words = tuple(normalize(name).split())
    kept = set(words) - {"the", "of"} - {word for key in _OTHER_WORDS for word in key}
    return sorted(
        " ".join(variant)
        for variant in _rewritten(words, _OTHER_WORDS)
        if variant != words and kept & set(variant)
    )


def names_in_other_words(names: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The title readings of each (name, entity id), each with the one entity it names; a
    reading that two entities would share names neither."""
    owners: dict[str, set[str]] = defaultdict(set)
    for name, ident in names:
        for reading in title_readings(name):
            owners[reading].add(ident)
    return {reading: next(iter(ids)) for reading, ids in owners.items() if len(ids) == 1}


def title_synonyms() -> dict[str, tuple[str, ...]]:
    """Each title with its other words that stand for no other title ("pm", not "leader")."""
    shared = Counter(other for others in TITLE_WORDS.values() for other in others)
    return {
        title: tuple(other for other in others if shared[other] == 1)
        for title, others in TITLE_WORDS.items()
    }


def titles_read(text: str) -> list[str]:
    """`text`, normalised words, and it with other words for titles read as the titles they
    stand for ("israeli prime minister" for "israeli pm")."""
    words = tuple(text.split())
    others = sorted(" ".join(v) for v in _rewritten(words, _TITLES) if v != words)
    return [" ".join(words), *others]


# Words that ask for someone's words: "what did Erdogan say", "what did Zarif tweet". Not
# "announce": it also means made public ("was the visit announced?").
SAY_WORDS = """
    say said says tell told tells state stated claim claimed claims think
    thought tweet tweeted tweets write wrote writes post posted stress stressed declare declared
    remark reply replied replies respond responded comment commented warn warned
    mention mentioned mentions cite cited cites
    """

# How often a word occurs in English (pyspellchecker's word counts). A word it knows at all
# ("join", "douma") is a word in its own right, not a typo to correct; one it knows well ("us")
# is an ordinary word even where an alias spells it in capitals ("US").
# Read from the word counts themselves: looking a word up through the SpellChecker's own
# methods costs several times more, and a long message asks for hundreds.
_ENGLISH = SpellChecker(language="en", distance=1).word_frequency.dictionary


def english_frequency(word: str) -> int:
    """How often `word` occurs in pyspellchecker's English corpus (0 when never)."""
    return int(_ENGLISH.get(word.lower(), 0))


# English word counts run from about 10^8 (the commonest words) down to words seen once.
_COMMONEST = math.log(1e8)


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """How rare `word` is in English, from 0 (the commonest) to 1 (never seen; a number)."""
    if word.isdigit():
        return 1.0
    frequency = english_frequency(word)
    return min(1.0, max(0.0, (_COMMONEST - math.log(frequency + 1)) / _COMMONEST))


_STEMMER = snowballstemmer.stemmer("english")
# The same few thousand words recur in every phrasing; stemming each once keeps loading fast.
stem = lru_cache(maxsize=65536)(_STEMMER.stemWord)


def entity_token(entity_id: str) -> str:
    """The single token that every name of an entity is folded to."""
    return "ent_" + entity_id.replace("-", "_")


def is_capital_word(name: str, common: int) -> bool:
    """An alias in capitals that is also an ordinary English word, such as US or IS."""
    return name.isupper() and name.isalpha() and english_frequency(name.lower()) >= common


def shouting(text: str) -> bool:
    """A message typed in capitals, where capitals tell nothing."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 3 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


class PhraseFolder:
    """Replaces known phrases (entity aliases, synonyms) with one token, longest match first.

    Phrases are compared word by word in stemmed form, so "Turkish presidents" finds the alias
    "Turkish president".
    """

    def __init__(self, stemmed: bool = True) -> None:
        self.phrases: dict[tuple[str, ...], str] = {}
        self.longest = 1
        self.stemmed = stemmed

    def add(self, phrase: str, token: str) -> None:
        """Fold `phrase` to `token`; the first token given for a phrase wins."""
        words = tuple(stem(word) if self.stemmed else word for word in normalize(phrase).split())
        if words and words not in self.phrases:
            self.phrases[words] = token
            self.longest = max(self.longest, len(words))

    def strip(self, words: Sequence[str]) -> tuple[list[str], list[str]]:
        """The tokens of known phrases at the start and end of `words`, and the words between."""
        found: list[str] = []
        rest = list(words)
        stripped = True
        while stripped and rest:
            stripped = False
            for size in range(min(self.longest, len(rest)), 0, -1):
                head = self.phrases.get(tuple(rest[:size]))
                tail = self.phrases.get(tuple(rest[-size:]))
                if head is not None:
                    found.append(head)
                    rest = rest[size:]
                elif tail is not None:
                    found.append(tail)
                    rest = rest[:-size]
                else:
                    continue
                stripped = True
                break
        return found, rest

    def fold(self, stems: Sequence[str]) -> list[tuple[str, int, int]]:
        """Each folded phrase as (token, -1, where its words start); each other word as
        (itself, its index, its index). A phrase's words run to where the next item starts."""
        out: list[tuple[str, int, int]] = []
        i = 0
        while i < len(stems):
            for size in range(min(self.longest, len(stems) - i), 0, -1):
                token = self.phrases.get(tuple(stems[i : i + size]))
                if token is not None:
                    out.append((token, -1, i))
                    i += size
                    break
            else:
                out.append((stems[i], i, i))
                i += 1
        return out
