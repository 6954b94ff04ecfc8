"""Match a question to the fact that answers it: answer, clarify or fall back.

The index is built once per fact base (`index`). A question is normalised, its misspelt words
corrected against the base's own vocabulary, the names of entities folded to one token per entity
(Rohani, Rouhani, "the Iranian president" -> one token), synonyms folded, and the rest stemmed
(`lexicon`). Candidates come from an inverted index over those terms; each is scored by how much
of the question it explains (terms weighted by rarity) and by fuzzy similarity to its phrasings
(`scoring`). The decision (`decision`) then answers, asks back or falls back. Every weight and
threshold is in `Weights`.
"""

from bot.matching.answerables import Answerable
from bot.matching.decision import Match, Outcome
from bot.matching.index import Analysis, Index
from bot.matching.lexicon import english_frequency, entity_token
from bot.matching.matcher import Matcher, timeline
from bot.matching.scoring import Candidate
from bot.matching.weights import Weights

__all__ = [
    "Analysis",
    "Answerable",
    "Candidate",
    "Index",
    "Match",
    "Matcher",
    "Outcome",
    "Weights",
    "english_frequency",
    "entity_token",
    "timeline",
]
