"""Match a question to the fact that answers it: answer, clarify or fall back.

The index is built once per fact base. A question is normalised, its misspelt words corrected
against the base's own vocabulary, the names of entities folded to one token per entity
(Rohani, Rouhani, "the Iranian president" -> one token), synonyms folded, and the rest stemmed.
Candidates come from an inverted index over those terms; each is scored by how much of the
question it explains (terms weighted by rarity) and by fuzzy similarity to its phrasings.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from bot.factbase import Entity, Fact, FactBase
from bot.normalization import normalize


class Outcome(StrEnum):
    """What the bot decided to do with a question."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Thresholds:
    """Where the decisions fall, on the 0-100 score."""

    answer: float = 64.0
    clarify: float = 40.0
    margin: float = 16.0
    suggest: float = 30.0
    dominant_margin: float = 2.0
    clarify_explained: float = 0.7


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
    need does dont didnt isnt wasnt any many much kind sort as one ones way ask asked
    right correct true anyone anybody someone somebody guys wondering wonder curious quick
    quickly remind mean meant lol btw um uh hmm kindly heard hear remember recall briefly
    detail details exact basically wanna gonna gotta dunno youre whats happens gets getting
    goes knows wants needs tells telling asks asking explains shows
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
_QUESTION_WEIGHT = 1.4
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
_QUESTION_TERMS = frozenset(QUESTION_WORDS.values())

# How often a word occurs in English (pyspellchecker's word counts). A word it knows at all
# ("join", "douma") is a word in its own right, not a typo to correct; one it knows well ("us")
# is an ordinary word even where an alias spells it in capitals ("US").
_ENGLISH = SpellChecker(language="en", distance=1).word_frequency
_KNOWN_WORD = 1
_COMMON_WORD = 1000


def english_frequency(word: str) -> int:
    """How often `word` occurs in pyspellchecker's English corpus (0 when never)."""
    return int(_ENGLISH[word]) if word in _ENGLISH else 0


_STEMMER = snowballstemmer.stemmer("english")
# The same few thousand words recur in every phrasing; stemming each once keeps loading fast.
_stem = lru_cache(maxsize=65536)(_STEMMER.stemWord)
# How strongly a word the base has never seen counts against a candidate: nearly as much as the
# rarest known word, so "weather in Sochi" is not taken for a question about Sochi.
_UNKNOWN_WEIGHT = 1.0
# Words found only in an answer or quote count for less than words people ask with.
_ANSWER_WEIGHT = 0.6
_IMPLIED_WEIGHT = 0.5
# A question that asks "how many", "how long" or "where" is not answered by a fact that has no
# number, no length of time, no place to give.
NUMBER, DURATION, PLACE = "number", "duration", "place"
_NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve dozen dozens hundred hundreds "
    "thousand thousands twice once several some".split()
)
_TIME_WORDS = frozenset(
    "hour hours day days week weeks month months year years since minute minutes long".split()
)
_YEAR = re.compile(r"^(19|20)\d\d$")
_PLACE_BEFORE = ("in", "at", "to", "from", "of", "southern", "northern", "eastern", "western")
_WRONG_KIND = 20.0
# "What did Erdogan say?" is not answered by Rouhani's words, nor by a fact that quotes no one.
SAY_WORDS = "say said tell told state stated claim claimed think thought tweet "
SAY_WORDS += "tweeted write wrote post posted stress stressed declare declared remark"
_WRONG_SPEAKER = 20.0
_NO_SPEAKER = _WRONG_SPEAKER
_ANSWER_DICE = 0.85
_CANDIDATES = 25
_CONTENDERS = 10
# How a candidate's score is made (see Matcher.rank).
_W_OVERLAP = 0.45
_W_EXPLAINED = 0.3
_W_SIMILARITY = 0.2
_MISSING_ENTITY = 10.0
_CARD_HANDICAP = 6.0


@dataclass(frozen=True)
class Answerable:
    """Something the bot can answer with: a fact, or an entity's own description."""

    id: str
    question: str
    fact: Fact | None = None
    entity: Entity | None = None


@dataclass(frozen=True)
class Candidate:
    """An answerable with its score for one question, and the question's terms it explains."""

    item: Answerable
    score: float
    matched: frozenset[str] = frozenset()
    explained: float = 1.0


@dataclass(frozen=True)
class Match:
    """The decision for one question."""

    outcome: Outcome
    score: float
    best: Answerable | None = None
    candidates: tuple[Candidate, ...] = ()
    entities: tuple[Entity, ...] = ()
    smalltalk: str | None = None
    suggestions: tuple[Answerable, ...] = field(default=())


@dataclass(frozen=True)
class _Phrasing:
    item: int
    text: str
    content: str


@dataclass(frozen=True)
class Analysis:
    """A text read the way the matcher reads it."""

    terms: tuple[str, ...]
    content: tuple[str, ...]
    entities: tuple[str, ...]
    wants: frozenset[str] = frozenset()


class _PhraseFolder:
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
        words = tuple(_stem(word) if self.stemmed else word for word in normalize(phrase).split())
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

    def fold(self, stems: Sequence[str]) -> list[tuple[str, int]]:
        """Each folded phrase as (token, -1); each other word as (itself, its index)."""
        out: list[tuple[str, int]] = []
        i = 0
        while i < len(stems):
            for size in range(min(self.longest, len(stems) - i), 0, -1):
                token = self.phrases.get(tuple(stems[i : i + size]))
                if token is not None:
                    out.append((token, -1))
                    i += size
                    break
            else:
                out.append((stems[i], i))
                i += 1
        return out


def entity_token(entity_id: str) -> str:
    """The single token that every name of an entity is folded to."""
    return "ent_" + entity_id.replace("-", "_")


class Matcher:
    """An index over one fact base, built once; `match` answers questions against it."""

    def __init__(self, base: FactBase, thresholds: Thresholds | None = None) -> None:
        self.base = base
        self.thresholds = thresholds or Thresholds()
        self.entity_by_token = {entity_token(e.id): e for e in base.entities.values()}
        # Entity names and synonyms, folded in one pass; names are added first and so win.
        self.phrases = _PhraseFolder()
        self.vocabulary: set[str] = set()
        self._build_folders()
        self.items: list[Answerable] = []
        self.item_index: dict[str, int] = {}
        self.phrasings: list[_Phrasing] = []
        self._build_items()
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.idf: dict[str, float] = {}
        self.item_entities: list[frozenset[str]] = []
        self._build_postings()
        self.unknown_weight = _UNKNOWN_WEIGHT * max(self.idf.values(), default=1.0)
        self.facts_about = self._facts_about()
        self.say_terms = frozenset(self.analyse(SAY_WORDS).content)
        # A speaker speaks for his country too: "what did Iran say" is asking for Rouhani's words.
        self.item_speakers = [
            frozenset(
                entity_token(ident)
                for speaker in item.fact.speakers
                for ident in (speaker, base.entities[speaker].country)
                if ident is not None
            )
            if item.fact
            else None
            for item in self.items
        ]
        self.smalltalk = _PhraseFolder(stemmed=False)
        for kind, texts in base.smalltalk.items():
            for text in texts:
                self.smalltalk.add(text, "smalltalk_" + kind)
        # Corrections aim at the words that carry meaning, not at "what" or "the".
        self._vocabulary_list = sorted(self.vocabulary - STOPWORDS - set(QUESTION_WORDS))
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)

    # --- building ---

    def _build_folders(self) -> None:
        self.capitals: list[tuple[re.Pattern[str], str]] = []
        for entity in self.base.entities.values():
            token = entity_token(entity.id)
            for name in (entity.name, *entity.aliases):
                if _is_capital_word(name):
                    # "US" names the country; "us" is a pronoun.
                    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])")
                    self.capitals.append((pattern, f" {token} "))
                    continue
                self.phrases.add(name, token)
                self.vocabulary.update(normalize(name).split())
        self._fold_name_words()
        for word, variants in self.base.synonyms.items():
            canonical = "_".join(_stem(part) for part in normalize(word).split())
            self.phrases.add(word, canonical)
            for variant in variants:
                self.phrases.add(variant, canonical)
                self.vocabulary.update(normalize(variant).split())
            self.vocabulary.update(normalize(word).split())

    def _fold_name_words(self) -> None:
        """A part of a person's name alone names them too ("Hassan" is Rouhani), unless it is
        shared with another entity or an ordinary English word ("king")."""
        owners: dict[str, set[str]] = defaultdict(set)
        for entity in self.base.entities.values():
            for name in (entity.name, *entity.aliases):
                parts = name.split()
                if len(parts) < 2:
                    continue
                for part in parts:
                    for word in normalize(part).split():
                        proper = part[:1].isupper() and entity.kind == "person"
                        owners[word].add(entity.id if proper else "")
        for word, ids in owners.items():
            if (
                len(ids) == 1
                and "" not in ids
                and len(word) > 2
                and word not in STOPWORDS
                and english_frequency(word) < _COMMON_WORD
            ):
                self.phrases.add(word, entity_token(next(iter(ids))))

    def _add_item(self, item: Answerable) -> int:
        self.item_index[item.id] = len(self.items)
        self.items.append(item)
        return len(self.items) - 1

    def _build_items(self) -> None:
        extra: dict[str, list[str]] = defaultdict(list)
        learned: dict[str, list[str]] = defaultdict(list)
        for entry in self.base.learned:
            learned[entry.fact].append(entry.question)
        for entity in self.base.entities.values():
            asks = [*_entity_phrasings(entity), *learned[entity.id]]
            if entity.fact is not None:
                extra[entity.fact].extend(asks)
                continue
            index = self._add_item(
                Answerable(id=entity.id, question=_entity_question(entity), entity=entity)
            )
            for text in asks:
                self._add_phrasing(index, text)
        for fact in self.base.facts.values():
            index = self._add_item(Answerable(id=fact.id, question=fact.questions[0], fact=fact))
            for text in (*fact.questions, *extra[fact.id], *learned[fact.id]):
                self._add_phrasing(index, text)

    def _add_phrasing(self, index: int, text: str) -> None:
        self.vocabulary.update(normalize(text).split())
        analysis = self.analyse(text)
        phrasing = _Phrasing(index, " ".join(analysis.terms), " ".join(analysis.content))
        self.phrasings.append(phrasing)

    def _build_postings(self) -> None:
        weights: list[dict[str, float]] = [{} for _ in self.items]
        for phrasing in self.phrasings:
            for term in phrasing.content.split():
                if term not in _QUESTION_TERMS:
                    weights[phrasing.item][term] = 1.0
        # Each item's answer and quote, read once: words for the vocabulary and the kinds of
        # answer they give, terms for the index and the Dice overlap.
        answer_words = [
            [normalize(text).split() for text in _answer_texts(item)] for item in self.items
        ]
        answer_terms = [
            [self.analyse(" ".join(words)).content for words in texts] for texts in answer_words
        ]
        for index, item in enumerate(self.items):
            for words, terms in zip(answer_words[index], answer_terms[index], strict=True):
                self.vocabulary.update(words)
                for term in terms:
                    weights[index].setdefault(term, _ANSWER_WEIGHT)
            if item.fact is not None:
                for ident in item.fact.entities:
                    weights[index][entity_token(ident)] = 1.0
        # A question about "the Russian side" is also answered by a fact that names only Putin.
        implied = {
            entity_token(e.id): entity_token(e.country)
            for e in self.base.entities.values()
            if e.country is not None
        }
        for item_weights in weights:
            for term in [t for t in item_weights if t in implied]:
                item_weights.setdefault(implied[term], _IMPLIED_WEIGHT)
        count = len(self.items)
        document_frequency: dict[str, int] = defaultdict(int)
        for item_weights in weights:
            for term in item_weights:
                document_frequency[term] += 1
        self.idf = {
            term: math.log(1 + count / frequency) for term, frequency in document_frequency.items()
        }
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, item_weights in enumerate(weights):
            for term, weight in item_weights.items():
                postings[term].append((index, weight))
        self.postings = dict(postings)
        self.item_terms = [frozenset(item_weights) for item_weights in weights]
        self.item_entities = [
            frozenset(term for term in item_weights if term in self.entity_by_token)
            for item_weights in weights
        ]
        for term in _QUESTION_TERMS:
            self.idf[term] = _QUESTION_WEIGHT
        places = [
            normalize(name)
            for entity in self.base.entities.values()
            if entity.kind in ("place", "country")
            for name in (entity.name, *entity.aliases)
        ]
        self.answer_kinds = [
            _kinds_of_answer([word for words in texts for word in words], places)
            for texts in answer_words
        ]
        # Each phrasing as a set of terms with its total weight, for the Dice overlap; the
        # answer and the quote count too, at a discount, as phrasings no one wrote down.
        self.phrase_sets: list[frozenset[str]] = []
        self.phrase_item: list[int] = []
        self.phrase_weight: list[float] = []
        self.phrase_discount: list[float] = []
        phrase_postings: dict[str, list[int]] = defaultdict(list)
        for phrasing in self.phrasings:
            self._add_terms(phrasing.item, phrasing.content.split(), 1.0, phrase_postings)
        for index, texts in enumerate(answer_terms):
            for terms in texts:
                self._add_terms(index, terms, _ANSWER_DICE, phrase_postings)
        self.phrase_postings = dict(phrase_postings)
        self.item_texts: list[list[str]] = [[] for _ in self.items]
        for phrasing in self.phrasings:
            self.item_texts[phrasing.item].append(phrasing.text)

    def _add_terms(
        self,
        index: int,
        terms: Sequence[str],
        discount: float,
        postings: dict[str, list[int]],
    ) -> None:
        unique = frozenset(terms)
        if not unique:
            return
        for term in unique:
            postings[term].append(len(self.phrase_sets))
        self.phrase_sets.append(unique)
        self.phrase_item.append(index)
        self.phrase_weight.append(sum(self.idf.get(term, 0.0) for term in unique))
        self.phrase_discount.append(discount)

    def _facts_about(self) -> dict[str, list[int]]:
        """For each entity, the facts whose phrasings name it, those that name it most first."""
        mentions: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for phrasing in self.phrasings:
            if self.items[phrasing.item].fact is None:
                continue
            for term in set(phrasing.content.split()):
                if term in self.entity_by_token:
                    mentions[term][phrasing.item] += 1
        return {
            token: sorted(counts, key=lambda index: (-counts[index], index))
            for token, counts in mentions.items()
        }

    # --- reading text ---

    def analyse(self, text: str, correct: bool = False) -> Analysis:
        """Normalise, correct (for questions), stem, and fold names and synonyms in `text`."""
        if self.capitals and not _shouting(text):
            for pattern, token in self.capitals:
                text = pattern.sub(token, text)
        words = normalize(text).split()
        if correct:
            words = [self._correct(word) for word in words]
        terms: list[str] = []
        content: list[str] = []
        stems = [word if word in self.entity_by_token else _stem(word) for word in words]
        for token, index in self.phrases.fold(stems):
            word = words[index] if index >= 0 else ""
            if word in QUESTION_WORDS:
                token = QUESTION_WORDS[word]
            elif word in STOPWORDS:
                terms.append(token)
                continue
            terms.append(token)
            content.append(token)
        entities = tuple(term for term in content if term in self.entity_by_token)
        return Analysis(
            terms=tuple(terms), content=tuple(content), entities=entities, wants=wants(words)
        )

    def _correct_uncached(self, word: str) -> str:
        """The vocabulary word `word` is most likely a misspelling of, or `word` itself.

        Distances count a swap of two letters as one slip ("cheifs" -> "chiefs").

        A word the base does not know is corrected only if it is not itself an English word:
        "join" stays "join" rather than becoming "joint", while "erdogn" becomes "erdogan".
        """
        if word in CHAT_SPELLINGS:
            return CHAT_SPELLINGS[word]
        if word in self.vocabulary or word in STOPWORDS or len(word) < 4 or word.isdigit():
            return word
        if word in self.entity_by_token:
            return word
        known = english_frequency(word)
        if known >= _COMMON_WORD:
            return word
        allowed = 1 if len(word) < 7 else 2
        found = process.extract(
            word,
            self._vocabulary_list,
            scorer=OSA.distance,
            score_cutoff=allowed,
            limit=8,
        )
        # People rarely get the first letter wrong; requiring it keeps corrections honest.
        # Among equally close words, the commoner in English is the likelier meant.
        candidates = [
            (distance, -english_frequency(candidate), candidate)
            for candidate, distance, _ in found
            if candidate[0] == word[0]
        ]
        if not candidates:
            return word
        _, frequency, candidate = min(candidates)
        # A rare word English knows ("douma", "meting") is taken for a slip only when the word
        # it would become is a much commoner one ("meeting"), not another rare name ("duma").
        if known >= _KNOWN_WORD and -frequency < max(_COMMON_WORD, 20 * known):
            return word
        return candidate

    # --- matching ---

    def match(self, question: str) -> Match:
        """Decide how to answer `question`."""
        # Small talk is matched word for word ("thanks" is small talk, "thanked" is not), and
        # only around a question: "hi, who is Lavrov?", but not "assad thanks russia".
        smalltalk, words = self.smalltalk.strip(normalize(question).split())
        rest = " ".join(words)
        analysis = self.analyse(rest, correct=True)
        entities = tuple(dict.fromkeys(self.entity_by_token[t] for t in analysis.entities))
        if not analysis.content:
            kind = smalltalk[0].removeprefix("smalltalk_") if smalltalk else None
            return Match(
                outcome=Outcome.FALLBACK,
                score=0.0,
                smalltalk=kind,
                entities=entities,
                suggestions=self._suggest(entities, ()),
            )
        ranked = self.rank(analysis)
        return self._decide(ranked, entities)

    def rank(self, analysis: Analysis) -> list[Candidate]:
        """Score the candidates for an analysed question, best first."""
        content = list(dict.fromkeys(analysis.content))
        weights = {term: self.idf.get(term, self.unknown_weight) for term in content}
        total = sum(weights.values())
        coverage: dict[int, float] = defaultdict(float)
        for term in content:
            if term in _QUESTION_TERMS:
                continue
            for index, weight in self.postings.get(term, ()):
                coverage[index] += weights[term] * weight
        if not coverage:
            return []
        shortlist = sorted(coverage, key=coverage.__getitem__, reverse=True)[:_CANDIDATES]
        closest = self._closest_phrasings(content, weights, total, set(shortlist))
        speaker = self._speaker(analysis.content)
        asked_terms = frozenset(content)
        asked = set(analysis.entities)
        scored = []
        for index in shortlist:
            # How well the closest phrasing and the question overlap, rare words counting most
            # (a weighted Dice coefficient): 1.0 when they share every word.
            overlap, phrase = closest.get(index, (0.0, -1))
            # How much of the question the candidate explains anywhere, answer text included.
            explained = coverage[index] / total
            score = 100 * (_W_OVERLAP * overlap + _W_EXPLAINED * explained)
            # An entity the question names that the candidate never mentions is a strong sign
            # the candidate is about something else.
            score -= _MISSING_ENTITY * len(asked - self.item_entities[index])
            score -= _WRONG_KIND * len(analysis.wants - self.answer_kinds[index])
            if speaker is not None:
                speakers = self.item_speakers[index]
                if not speakers:
                    score -= _NO_SPEAKER
                elif speaker not in speakers:
                    score -= _WRONG_SPEAKER
            if self.items[index].fact is None:
                score -= _CARD_HANDICAP
            scored.append((score, index, phrase))
        # Fuzzy similarity of whole wordings is the costliest part and weighs least: it is
        # worked out only for the candidates still in contention.
        scored.sort(reverse=True)
        query = " ".join(analysis.terms)
        ranked = []
        for score, index, phrase in scored[:_CONTENDERS]:
            found = process.extractOne(query, self.item_texts[index], scorer=fuzz.token_sort_ratio)
            score += _W_SIMILARITY * (found[1] if found else 0.0)
            terms = self.phrase_sets[phrase] if phrase >= 0 else frozenset()
            matched = (terms | self.item_terms[index]) & asked_terms
            share = sum(weights[term] for term in matched) / total
            ranked.append(Candidate(self.items[index], max(0.0, min(100.0, score)), matched, share))
        ranked.sort(key=lambda c: c.score, reverse=True)
        return ranked

    def _speaker(self, content: Sequence[str]) -> str | None:
        """Who a question asks the words of: the person or body named just before "say"."""
        for position, term in enumerate(content):
            if term in self.say_terms:
                for before in reversed(content[:position]):
                    entity = self.entity_by_token.get(before)
                    if entity is not None and entity.kind in ("person", "organisation", "country"):
                        return before
                return None
        return None

    def _closest_phrasings(
        self, content: list[str], weights: dict[str, float], total: float, items: set[int]
    ) -> dict[int, tuple[float, int]]:
        """For each item, the weighted Dice overlap of its closest phrasing, and that phrasing."""
        shared: dict[int, float] = defaultdict(float)
        for term in content:
            weight = weights[term]
            for phrase in self.phrase_postings.get(term, ()):
                if self.phrase_item[phrase] in items:
                    shared[phrase] += weight
        best: dict[int, tuple[float, int]] = {}
        for phrase, weight in shared.items():
            item = self.phrase_item[phrase]
            value = self.phrase_discount[phrase] * 2 * weight / (total + self.phrase_weight[phrase])
            if value > best.get(item, (-1.0, -1))[0]:
                best[item] = (value, phrase)
        return best

    def _decide(self, ranked: list[Candidate], entities: tuple[Entity, ...]) -> Match:
        limits = self.thresholds
        if not ranked or ranked[0].score < limits.clarify:
            best = ranked[0].score if ranked else 0.0
            near = tuple(c.item for c in ranked[:3] if c.score >= limits.suggest)
            return Match(
                outcome=Outcome.FALLBACK,
                score=round(best, 1),
                entities=entities,
                candidates=tuple(ranked[:3]),
                suggestions=self._suggest(entities, near),
            )
        top = ranked[0]
        # A runner-up that explains nothing the best one does not is no rival, unless it is
        # nearly as good; one that explains something else is a rival within the margin.
        close = [
            c
            for c in ranked[1:3]
            if c.score >= max(limits.clarify, top.score - limits.margin)
            and (not c.matched <= top.matched or c.score >= top.score - limits.dominant_margin)
        ]
        if top.score >= limits.answer and not close:
            return Match(
                outcome=Outcome.ANSWER,
                score=round(top.score, 1),
                best=top.item,
                candidates=tuple(ranked[:3]),
                entities=entities,
            )
        if top.explained < limits.clarify_explained:
            # Much of the question is about something the base does not know: say so.
            return Match(
                outcome=Outcome.FALLBACK,
                score=round(top.score, 1),
                entities=entities,
                candidates=tuple(ranked[:3]),
                suggestions=self._suggest(entities, (top.item,)),
            )
        options = (top, *close)
        return Match(
            outcome=Outcome.CLARIFY,
            score=round(top.score, 1),
            candidates=options,
            entities=entities,
            suggestions=tuple(c.item for c in options),
        )

    def _suggest(
        self, entities: Iterable[Entity], near: Iterable[Answerable], limit: int = 3
    ) -> tuple[Answerable, ...]:
        """Questions to offer: near misses, then about the entities named, then the timeline."""
        chosen: dict[str, Answerable] = {item.id: item for item in near}
        for entity in entities:
            own = self.answerable(entity.id)
            if own is not None:
                chosen.setdefault(own.id, own)
            for item in self.suggest_for(entity, limit):
                chosen.setdefault(item.id, item)
        if not chosen:
            for fact in timeline(self.base)[:limit]:
                chosen.setdefault(fact.id, self.items[self.item_index[fact.id]])
        return tuple(chosen.values())[:limit]

    def suggest_for(self, entity: Entity, limit: int = 3) -> list[Answerable]:
        """Facts that are about `entity`, those that people ask about it with first."""
        ordered = self.facts_about.get(entity_token(entity.id), [])
        return [self.items[index] for index in ordered[:limit]]

    def answerable(self, ident: str) -> Answerable | None:
        """The fact or entity with id `ident`, if the base has it."""
        index = self.item_index.get(ident)
        return None if index is None else self.items[index]


def _is_capital_word(name: str) -> bool:
    """An alias in capitals that is also an ordinary English word, such as US or IS."""
    return name.isupper() and name.isalpha() and english_frequency(name.lower()) >= _COMMON_WORD


def _shouting(text: str) -> bool:
    """A message typed in capitals, where capitals tell nothing."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 3 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


def wants(words: Sequence[str]) -> frozenset[str]:
    """What kind of answer a question asks for: a number, a length of time, a place."""
    found = set()
    for first, second in zip(words, [*words[1:], ""], strict=False):
        if first == "how" and second in ("many", "much"):
            found.add(NUMBER)
        elif first == "how" and second == "long":
            found.add(DURATION)
        elif first in ("where", "wheres"):
            found.add(PLACE)
    return frozenset(found)


def _kinds_of_answer(words: Sequence[str], places: Iterable[str]) -> frozenset[str]:
    """The kinds of answer a fact's text can give (see `wants`)."""
    found = set()
    if any(word in _NUMBER_WORDS or (word.isdigit() and not _YEAR.match(word)) for word in words):
        found.add(NUMBER)
    if any(word in _TIME_WORDS for word in words):
        found.add(DURATION)
    text = f" {' '.join(words)} "
    if any(f" {before} {place} " in text for place in places for before in _PLACE_BEFORE):
        found.add(PLACE)
    return frozenset(found)


def timeline(base: FactBase) -> list[Fact]:
    """The dated facts in date order; facts of one day in the order the source tells them."""

    def order(fact: Fact) -> tuple[tuple[int, int, int], int]:
        source = base.sources.get(fact.source)
        text = base.document_of(source).text if source is not None else None
        where = text.find(fact.quote) if text else -1
        assert fact.date is not None  # noqa: S101 - only dated facts are ordered
        return fact.date.sort_key(), where

    return sorted((fact for fact in base.facts.values() if fact.date is not None), key=order)


def _entity_question(entity: Entity) -> str:
    return f"Who is {entity.name}?" if entity.kind == "person" else f"What is {entity.name}?"


def _entity_phrasings(entity: Entity) -> list[str]:
    name = entity.name
    if entity.kind == "person":
        return [f"who is {name}", name, f"tell me about {name}", f"who was {name}"]
    return [f"what is {name}", name, f"tell me about {name}", f"where is {name}"][
        : 4 if entity.kind == "place" else 3
    ]


def _answer_texts(item: Answerable) -> list[str]:
    if item.fact is not None:
        return [item.fact.answer, item.fact.quote]
    if item.entity is not None and item.entity.description is not None:
        return [item.entity.description, item.entity.quote or ""]
    return []
