"""Whether a candidate answers what a question asks: the signals, and the model that weighs them.

The signals are plain and explainable: the candidate's score and its margin over the next one,
how much of the question it explains, the question's words it does not explain weighted by how
specific they are, the kinds of answer asked for (a date, a place, a number, a length of time)
that its text cannot give, whose words are asked for against whose words it quotes, and the
entities named that it never mentions. A logistic model fitted on the tuning questions
(`benchmarks/decision.py`) turns them into one probability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.asked import (
    DATE,
    DAY,
    DURATION,
    EXACT_DATE,
    EXACT_PLACE,
    KIND_WORDS,
    NUMBER,
    PERSON,
    PLACE,
    WIDE_PLACES,
    counted,
    exact,
    kinds_asked,
    which_named,
)
from bot.matching.index import Analysis, Index
from bot.matching.lexicon import QUESTION_TERMS, STOPWORDS, entity_token, rarity, stem
from bot.matching.scoring import Candidate
from bot.matching.weights import Weights


@dataclass(frozen=True)
class Why:
    """The signals on one candidate for one question, and the probability that it answers it."""

    fact: str
    score: float
    margin: float
    explained: float
    overlap: float
    unexplained: tuple[str, ...]
    specific: tuple[float, ...]
    specificity: float
    sharpest: float
    asked: tuple[str, ...]
    missing: tuple[str, ...]
    speaker: str | None
    speaker_quoted: bool | None
    unquoted_person: bool
    missing_entities: tuple[str, ...]
    head: str | None = None  # the thing asked for, "which hotel", "what hashtag", if unexplained
    # "who was elected …?": the candidate names no person or body beyond those asked about
    nobody: bool = False
    answerable: float = 0.0
    typed: tuple[str, ...] = ()  # the unexplained words as the asker typed them, to show
    absent_person: bool = False  # a person the question names is nowhere in the candidate
    # "which groups …?": the thing asked to be named, when the candidate names none of its kind
    unnamed: str | None = None
    # the kind words of the question ("date", "city") it explains by giving that kind
    kind_terms: frozenset[str] = frozenset()

    def features(self) -> tuple[float, ...]:
        """The signals as the model's inputs, in the order of `Weights.model`."""
        return (
            self.score / 100,
            self.margin / 100,
            self.explained,
            self.overlap,
            self.specificity,
            self.sharpest,
            float(len(self.missing)),
            1.0 if self.speaker is not None and not self.speaker_quoted else 0.0,
            float(len(self.missing_entities)),
            1.0 if self.head is not None else 0.0,
        )

    def to_json(self) -> dict[str, Any]:
        """The signals as the `why` object of `ask --json`."""
        return {
            "fact": self.fact,
            "score": round(self.score, 1),
            "margin": round(self.margin, 1),
            "explained": round(self.explained, 3),
            "overlap": round(self.overlap, 3),
            "unexplained": {
                word: round(value, 3)
                for word, value in zip(self.unexplained, self.specific, strict=True)
            },
            "specificity": round(self.specificity, 3),
            "asked": list(self.asked),
            "missing": list(self.missing),
            "speaker": self.speaker,
            "speaker_quoted": self.speaker_quoted,
            "unquoted_person": self.unquoted_person,
            "missing_entities": list(self.missing_entities),
            "head": self.head,
            "nobody": self.nobody,
            "absent_person": self.absent_person,
            "unnamed": self.unnamed,
            "answerable": round(self.answerable, 3),
        }

    def text(self) -> str:
        """The signals in one line, for `eval -v`."""
        parts = [
            f"top={self.fact}",
            f"p={self.answerable:.2f}",
            f"score={self.score:.0f}",
            f"margin={self.margin:.0f}",
            f"explained={self.explained:.2f}",
            f"overlap={self.overlap:.2f}",
        ]
        if self.unexplained:
            words = zip(self.unexplained, self.specific, strict=True)
            parts.append("unexplained=" + ",".join(f"{word}({value:.2f})" for word, value in words))
        if self.missing:
            parts.append(f"missing={','.join(self.missing)}")
        if self.speaker is not None:
            parts.append(f"speaker={self.speaker}{'' if self.speaker_quoted else ' (not quoted)'}")
        if self.missing_entities:
            parts.append(f"unmentioned={','.join(self.missing_entities)}")
        if self.head is not None:
            parts.append(f"head={self.head}")
        if self.nobody:
            parts.append("nobody named")
        if self.absent_person:
            parts.append("a person asked about is absent")
        if self.unnamed is not None:
            parts.append(f"no {self.unnamed} named")
        return " ".join(parts)


def explain(index: Index, analysis: Analysis, ranked: list[Candidate], at: int = 0) -> Why:
    """The signals on candidate `at` of `ranked`, and the model's probability."""
    weights = index.weights
    candidate = ranked[at]
    others = [c.score for n, c in enumerate(ranked[:3]) if n != at]
    margin = candidate.score - max(others, default=0.0)
    content = list(dict.fromkeys(analysis.content))
    spelled = dict(zip(analysis.content, analysis.spelled, strict=True))
    typed = dict(zip(analysis.content, analysis.typed, strict=True))
    item_terms = index.item_terms[candidate.position] | candidate.matched
    # A word left unread (past the spelling cap) is taken as typed: not stemmed, no slip.
    unread = analysis.unread
    unexplained = [
        term
        for term in content
        if term not in item_terms
        and (
            spelled[term] in unread
            or stem(spelled[term]) not in index.item_stems[candidate.position]
        )
        and term not in QUESTION_TERMS
        and term not in index.entity_by_token
        and term not in index.say_terms
    ]
    stems = index.item_stems[candidate.position]
    position = candidate.position
    gives = index.answer_kinds[position] | index.phrasing_kinds[position]
    # "date", "location": explained by a candidate that gives a date, a place.
    kind_terms = frozenset(t for t in content if KIND_WORDS.get(spelled[t]) in gives)
    unexplained = [
        term
        for term in unexplained
        if term not in kind_terms
        and not (spelled[term] in _RELATIVE_TIME and gives & {DATE, DURATION})
        and (spelled[term] in unread or not _slip_of(spelled[term], stems))
    ]
    specific = [rarity(spelled[term]) for term in unexplained]
    asked = kinds_asked(analysis.words)
    missing = set(asked - gives)
    # "How many times …?": a count of that, not of something else ("ten members").
    noun = counted(analysis.words)
    if NUMBER in asked and noun is not None and stem(noun) not in index.item_counts[position]:
        missing.add(NUMBER)
    named = set(analysis.entities)
    if (
        PLACE in asked
        and PLACE not in index.phrasing_kinds[position]
        and not index.answer_places[position] - named
    ):
        missing.add(PLACE)
    # "Where exactly", "when exactly": a place beyond the base's own (Syria) and a day, in the
    # answer's text itself; what its phrasings ask for does not give that precision.
    if exact(analysis.words):
        if DATE in asked and DAY not in index.answer_kinds[position]:
            missing.add(EXACT_DATE)
        if PLACE in asked and not index.answer_places[position] - named:
            missing.add(EXACT_PLACE)
    described = _described_person(index, analysis)
    if described is not None and described not in _countries_of_people(index, position):
        missing.add(PERSON)
    speaker = index.speaker(analysis)
    speakers = index.item_speakers[position] | index.phrasing_speakers[position]
    quoted = None if speaker is None else speaker in speakers
    asked_entities = dict.fromkeys(analysis.entities)
    unmentioned = [t for t in asked_entities if t not in index.item_entities[candidate.position]]
    why = Why(
        fact=candidate.item.id,
        score=candidate.score,
        margin=margin,
        explained=candidate.explained,
        overlap=candidate.overlap,
        unexplained=tuple(spelled[term] for term in unexplained),
        typed=tuple(typed[term] for term in unexplained),
        absent_person=any(index.entity_by_token[t].kind == "person" for t in unmentioned),
        specific=tuple(specific),
        specificity=sum(specific),
        sharpest=max(specific, default=0.0),
        asked=tuple(sorted(asked)),
        missing=tuple(sorted(missing)),
        speaker=index.entity_by_token[speaker].id if speaker is not None else None,
        speaker_quoted=quoted,
        # A body speaks through people ("the Kremlin" through its spokesman): only a person
        # asked for and not quoted, or a fact that quotes no one, is certain to be missing.
        unquoted_person=speaker is not None
        and not quoted
        and (index.entity_by_token[speaker].kind == "person" or not speakers),
        missing_entities=tuple(index.entity_by_token[t].id for t in unmentioned),
        nobody=_names_nobody(index, analysis, position),
        unnamed=_unnamed(index, analysis, position),
        kind_terms=kind_terms,
        head=_unexplained_head(analysis.words, {spelled[term] for term in unexplained}),
    )
    return _with_probability(why, weights)


# "how many days after the visit", "before the summit": told by a candidate that dates it.
_RELATIVE_TIME = frozenset("after before later earlier prior since".split())


# "which people", "what officials": someone asked for as a "who" is.
_PEOPLE = frozenset(
    "people persons person members officials individuals delegates leaders ministers".split()
)


def asks_for_someone(words: tuple[str, ...]) -> bool:
    """Whether a question asks who: "who …?", "the names of …", "name the …", "which people
    …?", "which opposition members …?" (not "what did the people …": a word between that is
    no ordinary word ends the phrase)."""
    if not words:
        return False
    if words[0] in ("who", "whom", "whos", "name") or "names" in words:
        return True
    for at, word in enumerate(words):
        if word not in ("which", "what"):
            continue
        for after in words[at + 1 : at + 4]:
            if after in _PEOPLE:
                return True
            if after in STOPWORDS:
                break
    return False


def _unnamed(index: Index, analysis: Analysis, position: int) -> str | None:
    """The thing "which groups …?", "what city …?" asks to be named, when the candidate names
    no entity of its kind beyond those the question names, nor describes which with a clause
    ("groups that are committed to …"): "Turkey has supported Syrian opposition groups" does
    not say which."""
    found = which_named(analysis.words)
    if found is None:
        return None
    head, kind = found
    if stem(head) in index.item_described[position]:
        return None
    # "who was the HNC chief": a word of a name the question gives names no one to be named.
    names = zip(analysis.content, analysis.typed, strict=True)
    if any(head in typed.split() for term, typed in names if term in index.entity_by_token):
        return None
    # One its text names counts, not one a phrasing mentions ("… before Sochi?") nor one a
    # name holds ("the Sochi summit": its presidents).
    named = {term for terms in index.answer_terms[position] for term in terms}
    others = {t for t in named if t in index.entity_by_token} - set(analysis.entities)
    kinds = (kind, "country") if head in WIDE_PLACES else (kind,)
    return None if any(index.entity_by_token[t].kind in kinds for t in others) else head


def _names_nobody(index: Index, analysis: Analysis, position: int) -> bool:
    """Whether "who …?" asks for someone and the candidate names no person, body or country
    (but the one the base is about) beyond those the question names ("who was elected at the
    riyadh conference?", "the names of those who resigned"). "Who is Lavrov?" asks about the
    one it names."""
    content = analysis.content
    if not asks_for_someone(analysis.words):
        return False
    if all(term in QUESTION_TERMS or term in index.entity_by_token for term in content):
        return False
    others = index.item_entities[position] - set(analysis.entities) - index.general_places
    kinds = ("person", "organisation", "country")
    return not any(index.entity_by_token[t].kind in kinds for t in others)


_HEAD_SKIP = frozenset("kind type sort sorts kinds types of exactly precisely else other".split())


def _unexplained_head(words: tuple[str, ...], unexplained: set[str]) -> str | None:
    """The thing a "which X" / "what X" question asks for, when the candidate does not explain
    it: "which hotel did he stay in", "what camera took the photo", "what kind of gift"."""
    for at, word in enumerate(words[:-1]):
        if word not in ("which", "what", "whats"):
            continue
        rest = [w for w in words[at + 1 :] if w not in _HEAD_SKIP]
        if rest and rest[0] in unexplained:
            return rest[0]
        return None
    return None


def _described_person(index: Index, analysis: Analysis) -> str | None:
    """The country of the person "who is the Iranian foreign minister?" asks to be named.

    Only a description after a country counts: "who is Lavrov" and "who is the Russian
    foreign minister" (an alias) name their person already.
    """
    content, words = analysis.content, analysis.words
    if len(content) < 3 or content[0] != "who" or len(words) < 2 or words[1] not in ("is", "was"):
        return None
    entity = index.entity_by_token.get(content[1])
    if entity is None or entity.kind != "country":
        return None
    # "… at the Sochi meeting" says where; another person named is who is asked about.
    if any(
        term in index.entity_by_token and index.entity_by_token[term].kind == "person"
        for term in content[2:]
    ):
        return None
    return content[1]


def _countries_of_people(index: Index, position: int) -> frozenset[str]:
    """The countries of the people a candidate names."""
    return frozenset(
        entity_token(entity.country)
        for term in index.item_entities[position]
        if (entity := index.entity_by_token[term]).kind == "person" and entity.country
    )


def _with_probability(why: Why, weights: Weights) -> Why:
    value = weights.model_bias + sum(
        weight * feature for weight, feature in zip(weights.model, why.features(), strict=True)
    )
    probability = 1 / (1 + math.exp(-max(-30.0, min(30.0, value))))
    return Why(**{**why.__dict__, "answerable": probability})


def _slip_of(word: str, stems: frozenset[str]) -> bool:
    """Whether `word` is one slip away from a word the candidate has ("speach", "cal")."""
    if len(word) < 3:
        return False
    found = process.extractOne(stem(word), stems, scorer=OSA.distance, score_cutoff=1)
    return found is not None
