"""What a question asks for (a number, a time, a place) and what a fact's text can give."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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


def kinds_of_answer(words: Sequence[str], places: Iterable[str]) -> frozenset[str]:
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
