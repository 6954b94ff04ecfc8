"""What a text claims: the dates, numbers and entities it names.

The sourcing checks (bot/sourcing.py) compare what an answer claims with what its quote and the
sentences around it support.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.factbase import Entity
from bot.matching.lexicon import titles_read
from bot.normalization import normalize

MONTHS = "january february march april may june july august september october november december"
MONTHS_LIST = MONTHS.split()
_MONTH = "|".join(month.capitalize() for month in MONTHS_LIST)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) ({_MONTH})(?: (\d{{4}}))?\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.? (\d{{1,2}})\b(?:, (\d{{4}}))?")
_MONTH_ALONE = re.compile(rf"\b({_MONTH})\b(?: (\d{{4}}))?")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_NUMBER = re.compile(r"\b\d+\b")
_NUMBER_WORDS = {
    word: index
    for index, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}
_NUMBER_WORDS["twice"] = 2
# Words that join the parts of a name ("Bashar al-Assad", "King Salman bin Abdulaziz").
_PARTICLES = frozenset("al el ul ad bin ibn the of de mr".split())
_SPELLING = 75  # how close (0-100) a word must be to a word of the name to be a spelling of it


@dataclass(frozen=True)
class Claim:
    """What a text claims: days (day, month), months, years, numbers, and entity ids."""

    days: frozenset[tuple[int, int]] = frozenset()
    months: frozenset[int] = frozenset()
    years: frozenset[int] = frozenset()
    numbers: frozenset[int] = frozenset()
    entities: frozenset[str] = frozenset()

    def __or__(self, other: Claim) -> Claim:
        return Claim(
            self.days | other.days,
            self.months | other.months,
            self.years | other.years,
            self.numbers | other.numbers,
            self.entities | other.entities,
        )

    def missing_from(self, support: Claim, names: Mapping[str, str]) -> list[str]:
        """What this claims that `support` does not, as people read it; `names` gives each
        entity id its name (an id left out is not reported)."""
        return sorted(
            [
                *(f"{day} {month_name(month)}" for day, month in self.days - support.days),
                *(month_name(month) for month in self.months - support.months),
                *(str(year) for year in self.years - support.years),
                *(str(number) for number in self.numbers - support.numbers),
                *(names[i] for i in self.entities - support.entities if i in names),
            ]
        )


def claim_of(text: str, names: Names, overlapping: bool = False) -> Claim:
    """The dates, numbers and entities `text` names (see Names.find for `overlapping`)."""
    days: set[tuple[int, int]] = set()
    months: set[int] = set()
    years: set[int] = set()
    rest = text
    for pattern, day_at, month_at in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        for found in pattern.finditer(rest):
            days.add((int(found.group(day_at)), _month(found.group(month_at))))
            if found.group(3):
                years.add(int(found.group(3)))
        rest = pattern.sub(" ", rest)
    for found in _MONTH_ALONE.finditer(rest):
        months.add(_month(found.group(1)))
        if found.group(2):
            years.add(int(found.group(2)))
    rest = _MONTH_ALONE.sub(" ", rest)
    years.update(int(year) for year in _YEAR.findall(rest))
    rest = _YEAR.sub(" ", rest)
    numbers = {int(number) for number in _NUMBER.findall(rest)}
    numbers.update(_NUMBER_WORDS[word] for word in normalize(rest).split() if word in _NUMBER_WORDS)
    months.update(month for _, month in days)
    return Claim(
        frozenset(days),
        frozenset(months),
        frozenset(years),
        frozenset(numbers),
        frozenset(names.find(text, overlapping)),
    )


class Names:
    """Finds the entities a text names, by name or alias, longest first."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.kinds = {entity.id: entity.kind for entity in entities}
        phrases: set[tuple[tuple[str, ...], bool, str]] = set()
        for entity in entities:
            for name in (entity.name, *entity.aliases):
                words = tuple(word for word, _ in _words(name))
                # "US", "AP" name something only in capitals: "tell us" names no country.
                capitals = name.isupper() and name.isalpha()
                if words:
                    phrases.add((words, capitals, entity.id))
        self.phrases = sorted(phrases, key=lambda item: (-len(item[0]), item))
        self._by_first: dict[str, list[int]] = {}
        for order, (phrase, _, _) in enumerate(self.phrases):
            self._by_first.setdefault(phrase[0], []).append(order)
        self._own: dict[str, frozenset[str]] = {}
        self._canonical: dict[tuple[str, str], str] = {}

    def find(self, text: str, overlapping: bool = False) -> set[str]:
        """The entities `text` names; `overlapping` also counts names inside longer ones (the
        country in "Syrian President")."""
        return {ident for _, _, ident in self._places(_words(text), None, overlapping)}

    def _places(
        self, words: tuple[tuple[str, bool], ...], skip: str | None, overlapping: bool = False
    ) -> list[tuple[int, int, str]]:
        """(start, length, entity id) of each name in `words`, longest first, none inside
        another unless `overlapping`; the names of entity `skip` are left out."""
        at: dict[str, list[int]] = {}
        for index, (word, _) in enumerate(words):
            at.setdefault(word, []).append(index)
        taken = [False] * len(words)
        found = []
        orders = sorted({order for word in at for order in self._by_first.get(word, ())})
        for phrase, capitals, ident in (self.phrases[order] for order in orders):
            if ident == skip:
                continue
            size = len(phrase)
            for start in at.get(phrase[0], ()):
                stretch = words[start : start + size]
                if tuple(word for word, _ in stretch) != phrase:
                    continue
                if any(taken[start : start + size]) and not overlapping:
                    continue
                if capitals and not all(upper for _, upper in stretch):
                    continue
                taken[start : start + size] = [True] * size
                found.append((start, size, ident))
        return found

    def is_spelling(self, entity: Entity, alias: str) -> bool:
        """Every word of the alias is a word of the name, spelt perhaps another way."""
        own = [word for word, _ in _words(entity.name)]
        words = [word for word, _ in _words(alias) if word not in _PARTICLES]
        return bool(words) and all(
            any(fuzz.ratio(word, name) >= _SPELLING for name in own) for word in words
        )

    def is_name(self, entity: Entity, alias: str) -> bool:
        """A proper name (each word capitalised) that names no other entity, such as ISIL."""
        pieces = [piece.lstrip("#@") for piece in re.split(r"[\s-]+", alias) if normalize(piece)]
        if not pieces or any(
            normalize(piece) not in _PARTICLES
            and not piece[:1].isupper()
            and not piece[:1].isdigit()
            for piece in pieces
        ):
            return False
        return self.find(alias, overlapping=True) <= {entity.id}

    def said_of(self, entity: Entity, alias: str, text: str) -> bool:
        """The alias, with the entity's name and countries read alike and other words for a
        title read as the title ("Israeli PM": "Israeli prime minister"), is in a text naming
        it."""
        said = self.canonical(text, entity)
        if "@self" not in said.split():
            return False
        said = f" {said} "
        return any(
            f" {wanted} " in said or f" {wanted} " in _possessive(said)
            for wanted in titles_read(self.canonical(alias, entity))
        )

    def canonical(self, text: str, entity: Entity) -> str:
        """The words of `text` with each other entity read as one token, the entity's own name
        as @self, and no "the"."""
        key = (text, entity.id)
        if key not in self._canonical:
            if entity.id not in self._own:
                self._own[entity.id] = frozenset(
                    word
                    for name in (entity.name, *entity.aliases)
                    for word, _ in _words(name)
                    if word not in _PARTICLES and self.is_spelling(entity, word)
                )
            own = self._own[entity.id]
            tokens = _words(text)
            words = [word for word, _ in tokens]
            for start, size, ident in sorted(self._places(tokens, entity.id), reverse=True):
                words[start : start + size] = [f"@{ident}"]
            marked = ["@self" if word in own else word for word in words]
            kept = [
                w for i, w in enumerate(marked) if w != "@self" or marked[i - 1 : i] != ["@self"]
            ]
            self._canonical[key] = " ".join(w for w in kept if w not in _PARTICLES - {"of"})
        return self._canonical[key]


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[tuple[str, bool], ...]:
    """The normalised words of `text`, each with whether it was written in capitals; single
    letters run together ("U.N." reads as "un")."""
    words: list[tuple[str, bool]] = []
    for piece in text.split():
        parts = normalize(piece).split()
        raw = [part for part in re.split(r"[^\w]+", piece) if part]
        uppers = (
            [part.isupper() for part in raw]
            if len(raw) == len(parts)
            else [piece.isupper()] * len(parts)
        )
        words.extend(zip(parts, uppers, strict=True))
    result: list[tuple[str, bool]] = []
    run: list[tuple[str, bool]] = []
    for word, upper in [*words, ("", False)]:
        if len(word) == 1 and word.isalpha():
            run.append((word, upper))
            continue
        if len(run) > 1:
            result.append(("".join(w for w, _ in run), all(u for _, u in run)))
        else:
            result.extend(run)
        run = []
        if word:
            result.append((word, upper))
    return tuple(result)


def _possessive(text: str) -> str:
    """ "president of Russia" read as "Russia president"."""
    return re.sub(r" (\w+) of (@[\w-]+) ", r" \2 \1 ", f" {text} ")


def month_name(month: int) -> str:
    """A month's number as its English name."""
    return MONTHS_LIST[month - 1].capitalize()


def _month(name: str) -> int:
    return MONTHS_LIST.index(name.lower()) + 1
