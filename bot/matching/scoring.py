"""Scoring candidates: how well each answerable explains an analysed question."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.matching.answerables import Answerable
from bot.matching.index import Analysis, Index
from bot.matching.lexicon import QUESTION_TERMS


@dataclass(frozen=True)
class Candidate:
    """An answerable with its score for one question, and the question's terms it explains."""

    item: Answerable
    score: float
    matched: frozenset[str] = frozenset()
    explained: float = 1.0
    overlap: float = 0.0
    position: int = -1


def rank(index: Index, analysis: Analysis) -> list[Candidate]:
    """Score the candidates for an analysed question, best first."""
    weights = index.weights
    content = list(dict.fromkeys(analysis.content))
    term_weights = term_weights_of(index, analysis)
    total = sum(term_weights.values())
    coverage: dict[int, float] = defaultdict(float)
    for term in content:
        if term in QUESTION_TERMS:
            continue
        for position, weight in index.postings.get(term, ()):
            coverage[position] += term_weights[term] * weight
    if not coverage:
        return []
    shortlist = sorted(coverage, key=coverage.__getitem__, reverse=True)[: weights.candidates]
    closest = _closest_phrasings(index, content, term_weights, total, set(shortlist))
    speaker = index.speaker(analysis)
    asked_terms = frozenset(content)
    asked = set(analysis.entities)
    scored = []
    for position in shortlist:
        # How well the closest phrasing and the question overlap, rare words counting most
        # (a weighted Dice coefficient): 1.0 when they share every word.
        overlap, phrase = closest.get(position, (0.0, -1))
        # How much of the question the candidate explains anywhere, answer text included.
        explained = coverage[position] / total
        score = 100 * (weights.overlap * overlap + weights.explained * explained)
        # An entity the question names that the candidate never mentions is a strong sign
        # the candidate is about something else.
        score -= weights.missing_entity * len(asked - index.item_entities[position])
        score -= weights.wrong_kind * len(analysis.wants - index.answer_kinds[position])
        if speaker is not None:
            speakers = index.item_speakers[position] | index.phrasing_speakers[position]
            if not speakers:
                score -= weights.no_speaker
            elif speaker not in speakers:
                score -= weights.wrong_speaker
        if index.items[position].fact is None:
            score -= weights.card_handicap
        scored.append((score, position, phrase, overlap))
    # Fuzzy similarity of whole wordings is the costliest part and weighs least: it is
    # worked out only for the candidates still in contention.
    scored.sort(reverse=True)
    query = " ".join(analysis.terms)
    ranked = []
    for score, position, phrase, overlap in scored[: weights.contenders]:
        found = process.extractOne(query, index.item_texts[position], scorer=fuzz.token_sort_ratio)
        score += weights.similarity * (found[1] if found else 0.0)
        terms = index.phrase_sets[phrase] if phrase >= 0 else frozenset()
        matched = (terms | index.item_terms[position]) & asked_terms
        share = sum(term_weights[term] for term in matched) / total
        ranked.append(
            Candidate(
                index.items[position],
                max(0.0, min(100.0, score)),
                matched,
                share,
                overlap,
                position,
            )
        )
    ranked.sort(key=lambda c: c.score, reverse=True)
    return ranked


def term_weights_of(index: Index, analysis: Analysis) -> dict[str, float]:
    """Each term's weight: its rarity among the items, or the unknown weight if it is new."""
    return {term: index.idf.get(term, index.unknown_weight) for term in analysis.content}


def _closest_phrasings(
    index: Index,
    content: list[str],
    weights: dict[str, float],
    total: float,
    items: set[int],
) -> dict[int, tuple[float, int]]:
    """For each item, the weighted Dice overlap of its closest phrasing, and that phrasing."""
    shared: dict[int, float] = defaultdict(float)
    for term in content:
        weight = weights[term]
        for phrase in index.phrase_postings.get(term, ()):
            if index.phrase_item[phrase] in items:
                shared[phrase] += weight
    best: dict[int, tuple[float, int]] = {}
    for phrase, weight in shared.items():
        item = index.phrase_item[phrase]
        value = index.phrase_discount[phrase] * 2 * weight / (total + index.phrase_weight[phrase])
        if value > best.get(item, (-1.0, -1))[0]:
            best[item] = (value, phrase)
    return best
