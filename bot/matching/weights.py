"""Every weight and threshold of the matcher, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    """The numbers behind the matcher's scores and decisions; scores run from 0 to 100."""

    # --- reading a question
    known_word: int = 1  # an English word seen this often is a word, not a typo to correct
    common_word: int = 1000  # seen this often it is an ordinary word, even spelt like an alias
    # distinct words of one message looked up for a slip (the first ones); the rest are read as
    # typed. Questions need two at most; it bounds what a 4096-character message costs.
    corrected_words: int = 24
    # --- the index
    question_word: float = 1.4  # weight of who/what/when/where/why/how (too common to search by)
    unknown_word: float = 1.0  # a word the base never saw, as a share of the rarest word's weight
    answer_word: float = 0.6  # a word found only in an answer or quote, against a phrasing's
    implied_word: float = 0.5  # a country implied by its person ("the Russian side": Putin)
    answer_dice: float = 0.85  # an answer or quote as a phrasing nobody wrote, discounted
    general_place: float = 0.25  # the place more answers than this share give is no "where"
    # --- scoring candidates
    candidates: int = 25  # candidates scored, the best by coverage of the question
    contenders: int = 10  # of those, the ones whose fuzzy similarity is worked out
    overlap: float = 0.45  # weight of the closest phrasing's weighted Dice overlap
    explained: float = 0.3  # weight of the share of the question the candidate explains
    similarity: float = 0.2  # weight of fuzzy similarity of whole wordings (0-100)
    missing_entity: float = 10.0  # for each entity the question names and the candidate never
    wrong_kind: float = 20.0  # for each kind of answer asked (a number, a place) it cannot give
    wrong_speaker: float = 20.0  # "what did X say" and the candidate quotes others only
    no_speaker: float = 8.0  # "what did X say" and the candidate quotes no one
    card_handicap: float = 6.0  # an entity's own card, against a fact naming it
    # --- deciding
    answer: float = 62.0  # the least score to answer with
    answerable: float = 0.5  # the least probability (the model's) that it answers what is asked
    clarify: float = 40.0  # the least score to be offered as an option
    margin: float = 16.0  # a runner-up within this of the best is a rival
    suggest: float = 30.0  # the least score to be suggested after a fallback
    dominant_margin: float = 2.0  # a rival explaining nothing more must be this close
    clarify_explained: float = 0.7  # the least share of the question explained to ask back
    closest_explained: float = 0.5  # the least share explained to show the closest candidate
    unexplained_named: float = 0.4  # an unexplained word this specific is named in the reply
    # --- answerability: a logistic model over Why.features(), fitted by benchmarks/decision.py
    model: tuple[float, ...] = (
        3.59,  # the candidate's score (0-1)
        2.97,  # its margin over the next candidate (0-1)
        3.02,  # the share of the question it explains
        1.54,  # the closest phrasing's overlap
        -0.06,  # the summed specificity of the question's words it does not explain
        -1.05,  # the specificity of the most specific of those words
        -2.91,  # kinds of answer asked for that it cannot give
        -2.45,  # 1 if the question asks for words of someone it does not quote
        -1.36,  # entities the question names that it never mentions
        -1.12,  # 1 if the thing asked for ("which hotel", "what camera") is not explained
    )
    model_bias: float = -5.46  # the model's intercept
