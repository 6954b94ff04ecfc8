"""The index over one fact base, built once: terms, postings, phrasings, and reading text."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.factbase import FactBase
from bot.matching.answerables import Answerable, answer_texts, entity_phrasings, entity_question
from bot.matching.asked import KIND_WORDS, marked_kinds, wants
from bot.matching.gives import what_items_give
from bot.matching.lexicon import (
    QUESTION_TERMS,
    QUESTION_WORDS,
    SAY_WORDS,
    STOPWORDS,
    PhraseFolder,
    english_frequency,
    entity_token,
    is_capital_word,
    names_in_other_words,
    shouting,
    stem,
    title_synonyms,
)
from bot.matching.naming import PARTED_KINDS, held_names, name_parts
from bot.matching.spelling import Speller
from bot.matching.weights import Weights
from bot.normalization import normalize

# Words that open "what did X say": the speaker follows one of them.
_ASKING = frozenset("what how did does do has have had will would could can should".split())
# Who may be asked for words: a person, a body, or a country through its people.
_SPEAKING = ("person", "organisation", "country")


def _names_country(words: Sequence[str], at: int) -> bool:
    """Whether words[at] is the name "US" rather than the pronoun: "the us president"."""
    return at > 0 and words[at] == "us" and words[at - 1] == "the"


@dataclass(frozen=True)
class Analysis:
    """A text read the way the matcher reads it."""

    terms: tuple[str, ...]
    content: tuple[str, ...]
    entities: tuple[str, ...]
    wants: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    spelled: tuple[str, ...] = ()  # each content term as it was typed (folded phrases: the term)
    typed: tuple[str, ...] = ()  # each content term's words as typed, to show (folded: all)
    # Words past the spelling correction's cap (bot.matching.spelling): read as typed, unstemmed.
    unread: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Phrasing:
    item: int
    text: str
    content: str
    words: tuple[str, ...]
    # False for "where is X" and the like, lent by an entity that points to the fact: what
    # the fact gives is read from its text and the phrasings people wrote.
    written: bool = True


class Index:
    """Everything the matcher looks up, built from one fact base in `__init__`."""

    def __init__(self, base: FactBase, weights: Weights) -> None:
        self.base = base
        self.weights = weights
        self.entity_by_token = {entity_token(e.id): e for e in base.entities.values()}
        self.name_parts: dict[str, str] = {}  # set below, once the base's own words are known
        # Entity names and synonyms, folded in one pass; names are added first and so win.
        self.phrases = PhraseFolder()
        self.vocabulary: set[str] = set()
        self.capitals: list[tuple[re.Pattern[str], str]] = []
        self._build_folders()
        self.items: list[Answerable] = []
        self.item_index: dict[str, int] = {}
        self.phrasings: list[_Phrasing] = []
        self._build_items()
        # Per item: the weight of each term in it (1 for words people ask with, less for words
        # found only in its answer or quote).
        answer_words = [
            [normalize(text).split() for text in answer_texts(item)] for item in self.items
        ]
        self.answer_terms = [
            [self.analyse(" ".join(words)).content for words in texts] for texts in answer_words
        ]
        for texts_words in answer_words:
            for words in texts_words:
                self.vocabulary.update(words)
        # The hashtags and handles each item's text has as written ("#SochiSummit"), read once.
        marked = [marked_kinds(answer_texts(item)) for item in self.items]
        self.item_weights = self._item_weights(marked)
        self.idf = _idf(self.item_weights, weights.question_word)
        self.postings = _postings(self.item_weights)
        self.item_terms = [frozenset(terms) for terms in self.item_weights]
        # Every word of an item's phrasings, answer and quote, stemmed but not folded: "the
        # statement" is explained by a fact that says "joint statement", which folds to a name.
        stems: list[set[str]] = [set() for _ in self.items]
        for phrasing in self.phrasings:
            stems[phrasing.item].update(stem(word) for word in phrasing.words)
        for position, texts in enumerate(answer_words):
            for words in texts:
                stems[position].update(stem(word) for word in words)
        self.item_stems = [frozenset(found) for found in stems]
        held = held_names(base)
        self.item_entities = [
            frozenset(
                found
                for term in terms
                if term in self.entity_by_token
                for found in (term, *held.get(term, ()))
            )
            for terms in self.item_weights
        ]
        self.max_idf = max(self.idf.values(), default=1.0)
        self.name_parts = name_parts(base, self.idf, self.phrases)
        self.unknown_weight = weights.unknown_word * self.max_idf
        gives = what_items_give(
            base,
            self.items,
            answer_words,
            marked,
            [(phrasing.item, phrasing.words) for phrasing in self.phrasings if phrasing.written],
            weights.general_place,
        )
        self.answer_places = gives.answer_places
        self.general_places = gives.general_places  # the place the base is about (Syria)
        self.answer_kinds, self.phrasing_kinds = gives.answer_kinds, gives.phrasing_kinds
        self.item_counts = gives.item_counts
        self.item_described = gives.described
        # Each phrasing as a set of terms with its total weight, for the Dice overlap; the
        # answer and the quote count too, at a discount, as phrasings no one wrote down.
        self.phrase_sets: list[frozenset[str]] = []
        self.phrase_item: list[int] = []
        self.phrase_weight: list[float] = []
        self.phrase_discount: list[float] = []
        phrase_postings: dict[str, list[int]] = defaultdict(list)
        for phrasing in self.phrasings:
            self._add_terms(phrasing.item, phrasing.content.split(), 1.0, phrase_postings)
        for position, answer in enumerate(self.answer_terms):
            for terms in answer:
                self._add_terms(position, terms, weights.answer_dice, phrase_postings)
        self.phrase_postings = dict(phrase_postings)
        self.item_texts: list[list[str]] = [[] for _ in self.items]
        for phrasing in self.phrasings:
            self.item_texts[phrasing.item].append(phrasing.text)
        self.facts_about = self._facts_about()
        self.say_terms = frozenset(self.analyse(SAY_WORDS).terms)
        # A speaker speaks for his country too: "what did Iran say" asks for Rouhani's words.
        self.item_speakers = [
            frozenset(
                entity_token(ident)
                for speaker in item.fact.speakers
                for ident in (speaker, base.entities[speaker].country)
                if ident is not None
            )
            if item.fact
            else frozenset()
            for item in self.items
        ]
        # Whose words an item's own phrasings ask for: the people who wrote "what did X say?"
        # for a fact hold that it gives X's words.
        asking: list[set[str]] = [set() for _ in self.items]
        for phrasing in self.phrasings:
            read = Analysis(tuple(phrasing.text.split()), tuple(phrasing.content.split()), ())
            speaker = self.speaker(read)
            if speaker is not None:
                asking[phrasing.item].add(speaker)
        self.phrasing_speakers = [frozenset(found) for found in asking]
        self.smalltalk = PhraseFolder(stemmed=False)
        for kind, messages in base.smalltalk.items():
            for message in messages:
                self.smalltalk.add(message, "smalltalk_" + kind)
        names = {
            word
            for entity in base.entities.values()
            for name in (entity.name, *entity.aliases)
            for word in normalize(name).split()
        }
        self.speller = Speller(self.vocabulary, self.entity_by_token, weights, names)

    # --- building ---

    def _build_folders(self) -> None:
        for entity in self.base.entities.values():
            token = entity_token(entity.id)
            for name in (entity.name, *entity.aliases):
                if is_capital_word(name, self.weights.common_word):
                    # "US" names the country; "us" is a pronoun.
                    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])")
                    self.capitals.append((pattern, f" {token} "))
                    continue
                self.phrases.add(name, token)
                self.vocabulary.update(normalize(name).split())
        self._fold_title_readings()
        self._fold_name_words()
        # A title's other words mean it outside names too ("the trilateral statement"); the
        # base's synonyms after them.
        for word, variants in (*title_synonyms().items(), *self.base.synonyms.items()):
            canonical = "_".join(stem(part) for part in normalize(word).split())
            self.phrases.add(word, canonical)
            for variant in variants:
                self.phrases.add(variant, canonical)
                self.vocabulary.update(normalize(variant).split())
            self.vocabulary.update(normalize(word).split())

    def _fold_title_readings(self) -> None:
        """A name with its title in other words names the entity too ("Israeli PM"), unless
        it would name another one as well."""
        names = [(n, e.id) for e in self.base.entities.values() for n in (e.name, *e.aliases)]
        for reading, ident in names_in_other_words(names).items():
            self.phrases.add(reading, entity_token(ident))
        # "King Salman of Saudi Arabia" is "Saudi Arabia's King Salman": a person named with
        # the country the sources give for them.
        entities = self.base.entities
        for entity in entities.values():
            country = entities.get(entity.country or "")
            if entity.kind != "person" or country is None:
                continue
            for name in (entity.name, *entity.aliases):
                for place in (country.name, *country.aliases):
                    self.phrases.add(f"{name} of {place}", entity_token(entity.id))

    def _fold_name_words(self) -> None:
        """A part of a person's name alone names them too ("Hassan" is Rouhani), unless it is
        shared with another entity or an ordinary English word ("king")."""
        owners: dict[str, set[str]] = defaultdict(set)
        for entity in self.base.entities.values():
            if entity.kind not in PARTED_KINDS:
                continue  # "white", "front", "arab": other words too, in other names
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
                and english_frequency(word) < self.weights.common_word
            ):
                self.phrases.add(word, entity_token(next(iter(ids))))

    def _add_item(self, item: Answerable) -> int:
        self.item_index[item.id] = len(self.items)
        self.items.append(item)
        return len(self.items) - 1

    def _build_items(self) -> None:
        extra: dict[str, list[str]] = defaultdict(list)
        lent: dict[str, list[str]] = defaultdict(list)
        learned: dict[str, list[str]] = defaultdict(list)
        for entry in self.base.learned:
            learned[entry.fact].append(entry.question)
        for entity in self.base.entities.values():
            own, taught = entity_phrasings(entity), learned[entity.id]
            if entity.fact is not None:
                lent[entity.fact].extend(own)
                extra[entity.fact].extend(taught)
                continue
            index = self._add_item(
                Answerable(id=entity.id, question=entity_question(entity), entity=entity)
            )
            for text in (*own, *taught):
                self._add_phrasing(index, text)
        for fact in self.base.facts.values():
            index = self._add_item(Answerable(id=fact.id, question=fact.questions[0], fact=fact))
            for text in (*fact.questions, *extra[fact.id], *learned[fact.id]):
                self._add_phrasing(index, text)
            for text in lent[fact.id]:
                self._add_phrasing(index, text, written=False)

    def _add_phrasing(self, index: int, text: str, written: bool = True) -> None:
        self.vocabulary.update(normalize(text).split())
        analysis = self.analyse(text)
        phrasing = _Phrasing(
            index, " ".join(analysis.terms), " ".join(analysis.content), analysis.words, written
        )
        self.phrasings.append(phrasing)

    def _item_weights(self, marked: Sequence[frozenset[str]]) -> list[dict[str, float]]:
        weights: list[dict[str, float]] = [{} for _ in self.items]
        for phrasing in self.phrasings:
            for term in phrasing.content.split():
                if term not in QUESTION_TERMS:
                    weights[phrasing.item][term] = 1.0
        for index, item in enumerate(self.items):
            for terms in self.answer_terms[index]:
                for term in terms:
                    weights[index].setdefault(term, self.weights.answer_word)
            if item.fact is not None:
                for ident in item.fact.entities:
                    weights[index][entity_token(ident)] = 1.0
            # A text with "#SochiSummit" in it answers "which hashtag?" though it never says
            # "hashtag": the word is one of its own, as if found in its text.
            for kind in marked[index]:
                for word in (word for word, named in KIND_WORDS.items() if named == kind):
                    weights[index].setdefault(stem(word), self.weights.answer_word)
        # A question about "the Russian side" is also answered by a fact that names only Putin.
        implied = {
            entity_token(e.id): entity_token(e.country)
            for e in self.base.entities.values()
            if e.country is not None
        }
        for item_weights in weights:
            for term in [t for t in item_weights if t in implied]:
                item_weights.setdefault(implied[term], self.weights.implied_word)
        return weights

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
        if self.capitals and not shouting(text):
            for pattern, token in self.capitals:
                text = pattern.sub(token, text)
        words = normalize(text).split()
        unread: frozenset[str] = frozenset()
        if correct:
            words, unread = self.speller.correct(words)
        terms: list[str] = []
        content: list[str] = []
        spelled: list[str] = []
        typed: list[str] = []
        stems = [
            word if word in self.entity_by_token or word in unread else stem(word) for word in words
        ]
        folded = self.phrases.fold(stems)
        ends = [start for _, _, start in folded[1:]] + [len(words)] * bool(folded)
        for (token, index, start), end in zip(folded, ends, strict=True):
            word = words[index] if index >= 0 else ""
            if word in QUESTION_WORDS:
                token = QUESTION_WORDS[word]
            elif word in STOPWORDS and not _names_country(words, index):
                terms.append(token)
                continue
            terms.append(token)
            content.append(token)
            spelled.append(word or token)
            typed.append(" ".join(words[start:end]) or token)
        # A word of one name only, alone, points to that name; it names no one outright.
        named = [term for term in content if term in self.entity_by_token]
        content = [self.name_parts.get(term, term) for term in content]
        terms = [self.name_parts.get(term, term) for term in terms]
        entities = tuple(named)
        return Analysis(
            terms=tuple(terms),
            content=tuple(content),
            entities=entities,
            wants=wants(words),
            words=tuple(words),
            spelled=tuple(spelled),
            typed=tuple(typed),
            unread=unread,
        )

    def speaker(self, analysis: Analysis) -> str | None:
        """Who a question asks the words of: "what did X say", "has X told", "what X tweeted".
        X comes just after a word that asks, and before the word asking for words, with only
        words without content between ("what did Lavrov really say") or a description after a
        country ("the Iranian foreign minister": someone of Iran); not after "with" or "of"."""
        terms = analysis.terms
        content = set(analysis.content)
        for position, term in enumerate(terms):
            if term not in self.say_terms:
                continue
            described = False
            for at in range(position - 1, max(-1, position - 6), -1):
                before = terms[at]
                entity = self.entity_by_token.get(before)
                if entity is not None and entity.kind in _SPEAKING:
                    # "the Iranian foreign minister": someone of Iran; "Putin's aide": not Putin.
                    if described and entity.kind != "country":
                        break
                    # "Lavrov's Turkish counterpart": someone of Turkey, his possessor aside
                    owner = self.entity_by_token.get(terms[at - 1]) if at and described else None
                    start = at - 1 if owner is not None and owner.kind == "person" else at
                    opener = [t for t in terms[max(0, start - 2) : start] if t != "the"][-1:]
                    if (opener and opener[0] in _ASKING) or start == 0:
                        return before
                    break
                described = described or before in content
        return None


def _idf(item_weights: list[dict[str, float]], question_word: float) -> dict[str, float]:
    """How rare each term is among the items; question words get a small fixed weight."""
    count = len(item_weights)
    document_frequency: dict[str, int] = defaultdict(int)
    for terms in item_weights:
        for term in terms:
            document_frequency[term] += 1
    idf = {term: math.log(1 + count / frequency) for term, frequency in document_frequency.items()}
    for term in QUESTION_TERMS:
        idf[term] = question_word
    return idf


def _postings(item_weights: list[dict[str, float]]) -> dict[str, list[tuple[int, float]]]:
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, terms in enumerate(item_weights):
        for term, weight in terms.items():
            postings[term].append((index, weight))
    return dict(postings)
