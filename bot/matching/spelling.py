"""Spelling correction: a misspelt word in a question becomes the word of the base it is most
likely a slip of; at most `Weights.corrected_words` distinct words a question are looked up,
and the words past that are read as typed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.lexicon import CHAT_SPELLINGS, QUESTION_WORDS, STOPWORDS, english_frequency
from bot.matching.weights import Weights

# Corrections looked up, remembered across questions: the same slips recur.
CACHED = 4096
# Where each letter sits on a QWERTY keyboard (row, column with the rows' offset): a slip of the
# finger hits a neighbour.
_KEYS = {
    key: (row, column + row / 2)
    for row, keys in enumerate(("qwertyuiop", "asdfghjkl", "zxcvbnm"))
    for column, key in enumerate(keys)
}
_VOWELS = frozenset("aeiouy")
_SOUNDS = frozenset({frozenset("ck"), frozenset("sz"), frozenset("vw"), frozenset("fv")})
_SHORT = 5  # a word this long or shorter has few letters to spare for a wrong one


def likely_slip(typed: str, meant: str) -> bool:
    """Whether one letter of a short word typed for another is a likely slip: a key beside it,
    a vowel for a vowel, or a letter that sounds alike ("zarof", "tslk", "putim", not "opec"
    for "open"). Words of other lengths, or longer ones, are not judged this way."""
    if len(typed) != len(meant) or len(typed) > _SHORT:
        return True
    changed = [(a, b) for a, b in zip(typed, meant, strict=True) if a != b]
    if len(changed) != 1:
        return True  # a swap of two letters, or no substitution at all
    ((a, b),) = changed
    if {a, b} <= _VOWELS or frozenset((a, b)) in _SOUNDS:
        return True
    if a not in _KEYS or b not in _KEYS:
        return False
    (row_a, col_a), (row_b, col_b) = _KEYS[a], _KEYS[b]
    return abs(row_a - row_b) <= 1 and abs(col_a - col_b) <= 1


class Speller:
    """Corrects the words of questions against one fact base's vocabulary."""

    def __init__(
        self,
        vocabulary: Collection[str],
        entity_tokens: Collection[str],
        weights: Weights,
        names: Collection[str] = (),
    ) -> None:
        self.vocabulary = frozenset(vocabulary)
        # The words of names that are no ordinary words ("zarif", "putin", not "summit" of
        # "the Sochi summit"): spelt many ways, and likelier meant than an ordinary word as close.
        self.names = frozenset(
            name
            for name in names
            if name in self.vocabulary and english_frequency(name) < weights.common_word
        )
        self.entity_tokens = frozenset(entity_tokens)
        self.weights = weights
        # Corrections aim at the words that carry meaning, not at "what" or "the".
        self.targets = sorted(self.vocabulary - STOPWORDS - set(QUESTION_WORDS))
        # A word that is a slip of none of those may be one of a function word ("thay",
        # "agian"): read as that word, not weighed as a word the base has never seen.
        self.function_words = sorted(
            word for word in (*STOPWORDS, *QUESTION_WORDS) if len(word) >= 4
        )
        self.look_up = lru_cache(maxsize=CACHED)(self._look_up)

    def correct(self, words: Sequence[str]) -> tuple[list[str], frozenset[str]]:
        """Each word, or the word of the base it is a slip of; and the words left unread.

        Only the first `corrected_words` distinct words that need looking up (neither the base
        nor English knows them) are looked up; later ones are left unread: read as typed, not
        corrected, and not stemmed either (`Index.analyse`). No question comes near the cap
        (the tuning sets need two at most), but a 4096-character message of made-up words would
        be hundreds of fuzzy searches of the whole vocabulary and as many cold stems. The rule
        does not depend on what the cache holds, so a message is always read the same way.
        """
        looked_up: set[str] = set()
        unread: set[str] = set()
        corrected = []
        for word in words:
            settled = self.settled(word)
            if settled is None:
                if word not in looked_up and len(looked_up) >= self.weights.corrected_words:
                    unread.add(word)
                    settled = word
                else:
                    looked_up.add(word)
                    settled = self.look_up(word)
            corrected.append(settled)
        return corrected, frozenset(unread)

    def settled(self, word: str) -> str | None:
        """What `word` reads as without a search (a chat spelling, a word the base or English
        knows, too short, a number), or None when it must be looked up.

        A word the base does not know is corrected only if it is not itself an English word:
        "join" stays "join" rather than becoming "joint", while "erdogn" becomes "erdogan".
        """
        if word in CHAT_SPELLINGS:
            return CHAT_SPELLINGS[word]
        if word in self.vocabulary or word in STOPWORDS or len(word) < 4 or word.isdigit():
            return word
        if word in self.entity_tokens or english_frequency(word) >= self.weights.common_word:
            return word
        return None

    def _look_up(self, word: str) -> str:
        """The vocabulary word `word` is most likely a misspelling of, or `word` itself.

        Distances count a swap of two letters as one slip ("cheifs" -> "chiefs").
        """
        allowed = 1 if len(word) < 7 else 2
        # A name is spelt as it sounds ("zareef" for Zarif): two slips from five letters.
        loose = 2 if len(word) >= 5 else allowed
        found = process.extract(
            word, self.targets, scorer=OSA.distance, score_cutoff=loose, limit=8
        )
        # People rarely get the first letter wrong; requiring it keeps corrections honest.
        # Among equally close words, a name is the likelier meant ("putn": Putin, not "put"),
        # then the commoner in English.
        candidates = [
            (distance, candidate not in self.names, -english_frequency(candidate), candidate)
            for candidate, distance, _ in found
            if candidate[0] == word[0]
            and (distance <= allowed or candidate in self.names)
            and likely_slip(word, candidate)
        ]
        if not candidates:
            return self._function_word(word)
        _, _, frequency, candidate = min(candidates)
        # A rare word English knows ("douma", "meting") is taken for a slip only when the word
        # it would become is a much commoner one ("meeting"), not another rare name ("duma").
        known = english_frequency(word)
        much_commoner = max(self.weights.common_word, 20 * known)
        if known >= self.weights.known_word and -frequency < much_commoner:
            return word
        return candidate

    def _function_word(self, word: str) -> str:
        """The function word `word` is one slip of ("thay": "they"), the commonest in English
        if several are, or `word` itself; only for a word English does not know. The list is
        short and fixed (about a hundred words), so this costs far less than a search of the
        vocabulary and is not counted against the cap."""
        if english_frequency(word) >= self.weights.known_word:
            return word
        candidates = [
            (-english_frequency(candidate), candidate)
            for candidate in self.function_words
            if candidate[0] == word[0]
            and OSA.distance(word, candidate, score_cutoff=1) <= 1
            and likely_slip(word, candidate)
        ]
        return min(candidates)[1] if candidates else word
