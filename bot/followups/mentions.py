"""Where a text names which entity, and the text with some names replaced.

Names are every entity's name and aliases, compared word by word after normalisation, longest
first; an alias in capitals such as "US" names only when typed in capitals. The text keeps its
own words, case and punctuation around what is replaced ("Rouhani's?" -> "Putin's?").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.factbase import Entity, FactBase
from bot.matching.lexicon import names_in_other_words
from bot.normalization import normalize

# Which kinds of entity stand in for which in "and X?".
_KINDS = {
    "person": ("person", "organisation"),
    "organisation": ("organisation", "person", "country"),
    "country": ("country", "organisation"),
    "place": ("place", "event"),
    "event": ("event", "document", "place"),
    "document": ("document", "event"),
}


@dataclass(frozen=True)
class Token:
    """A word as typed, and the normalised words it reads as ("al-Assad's" -> al, assad)."""

    raw: str
    words: tuple[str, ...]


def split_tokens(text: str) -> list[Token]:
    """`text` split at white space."""
    return [_token(raw) for raw in text.split()]


@lru_cache(maxsize=8192)
def _token(raw: str) -> Token:
    # A message is split several times over while it is read, and most words recur from one
    # message to the next: each is normalised once (bounded, so memory stays flat).
    return Token(raw, tuple(normalize(raw).split()))


def word_positions(tokens: Sequence[Token]) -> list[tuple[str, int]]:
    """Each normalised word with the index of the token it comes from."""
    return [(word, index) for index, token in enumerate(tokens) for word in token.words]


@dataclass(frozen=True)
class Names:
    """Every name of every entity, as normalised words, to find where a text names whom."""

    entities: dict[tuple[str, ...], str]
    capitals: frozenset[tuple[str, ...]]  # "US", "IS": names only when typed in capitals
    longest: int


_CACHE: dict[int, tuple[FactBase, Names]] = {}


def names_of(base: FactBase) -> Names:
    """The names of `base`'s entities, read once per base."""
    cached = _CACHE.get(id(base))
    if cached is not None and cached[0] is base:
        return cached[1]
    entities: dict[tuple[str, ...], str] = {}
    capitals = set()
    for entity in base.entities.values():
        for name in (entity.name, *entity.aliases):
            words = tuple(normalize(name).split())
            if not words:
                continue
            entities.setdefault(words, entity.id)
            if name.isupper() and len(name) <= 3:
                capitals.add(words)
    # "the Iranian leader" as well as "the Iranian president", as the matcher reads it.
    spelled = [(n, e.id) for e in base.entities.values() for n in (e.name, *e.aliases)]
    for reading, ident in names_in_other_words(spelled).items():
        entities.setdefault(tuple(reading.split()), ident)
    names = Names(entities, frozenset(capitals), max(map(len, entities), default=1))
    if len(_CACHE) >= 4:  # a reload makes a new base; the old ones need not be kept
        _CACHE.clear()
    _CACHE[id(base)] = (base, names)
    return names


@dataclass(frozen=True)
class Mention:
    """Where a text names an entity."""

    first: int  # the first and last token naming the entity
    last: int
    entity: str


def find_mentions(tokens: Sequence[Token], names: Names) -> list[Mention]:
    """Where `tokens` name entities, longest names first, left to right."""
    words = word_positions(tokens)
    found = []
    i = 0
    while i < len(words):
        for size in range(min(names.longest, len(words) - i), 0, -1):
            key = tuple(word for word, _ in words[i : i + size])
            ident = names.entities.get(key)
            if ident is None:
                continue
            first, last = words[i][1], words[i + size - 1][1]
            if key in names.capitals and not tokens[first].raw.strip("?!.,;:").isupper():
                continue
            found.append(Mention(first, last, ident))
            i += size
            break
        else:
            i += 1
    return found


def rebuild(tokens: Sequence[Token], changes: dict[int, tuple[int, str]]) -> str:
    """The text with tokens replaced, punctuation kept: changes[first] = (last, new text)."""
    out = []
    i = 0
    while i < len(tokens):
        if i in changes:
            last, text = changes[i]
            raw = tokens[last].raw
            possessive = raw.rstrip("?!.,;:").lower().endswith(("'s", "’s"))
            tail = raw[len(raw.rstrip("?!.,;:")) :]
            out.append(text + ("'s" if possessive and not text.endswith("'s") else "") + tail)
            i = last + 1
            continue
        out.append(tokens[i].raw)
        i += 1
    return " ".join(out)


def replace_names(
    tokens: Sequence[Token], entities: Sequence[Entity], base: FactBase
) -> str | None:
    """`tokens` with the names of entities of the same kinds replaced by `entities`' names."""
    changes: dict[int, tuple[int, str]] = {}
    mentions = find_mentions(tokens, names_of(base))
    named = {mention.entity for mention in mentions}
    for entity in entities:
        if entity.id in named:
            continue  # "and Trump?" after "When did Putin talk to Trump?" replaces no one
        # A name of its own kind first ("and Egypt?" after "did Putin talk to the Saudis?":
        # Egypt for the Saudis, not Egypt's leader for Putin); else the first it may replace
        # ("and the Turkish one?" after Iran's president: Turkey's counterpart).
        for same in (True, False):
            change = _stand_in(entity, tokens, mentions, changes, base, same)
            if change is not None:
                changes[change[0]] = change[1:]
                break
    return rebuild(tokens, changes) if changes else None


def _stand_in(
    entity: Entity,
    tokens: Sequence[Token],
    mentions: Sequence[Mention],
    changes: dict[int, tuple[int, str]],
    base: FactBase,
    same: bool,
) -> tuple[int, int, str] | None:
    """The first mention `entity` takes the place of (its first and last token, the name put
    there): one of its own kind (`same`); else one of a kind it replaces, or a person of whom
    it names a counterpart, whichever comes first."""
    for mention in mentions:
        other = base.entities[mention.entity]
        stand_in = entity if other.kind in _KINDS.get(entity.kind, ()) else None
        if same and other.kind != entity.kind:
            stand_in = None
        elif entity.kind == "country" and other.kind == "person":
            stand_in = counterpart(other, entity, base)
        if mention.first not in changes and stand_in is not None and other.id != stand_in.id:
            # "the Saudis" for Egypt is "Egypt", not "the Egypt".
            the = mention.first > 0 and tokens[mention.first - 1].words == ("the",)
            first = mention.first - (the and stand_in.kind in ("person", "country"))
            return first, mention.last, stand_in.name
    return None


def counterpart(person: Entity, country: Entity, base: FactBase) -> Entity | None:
    """The person of `country` whose names read most like `person`'s ("Iranian president" and
    "Turkish president"), leaving out the words that name the countries themselves."""
    if person.country is None or person.country == country.id:
        return None

    def word_positions(entity: Entity, own: Entity | None) -> set[str]:
        found = {word for name in entity.aliases for word in normalize(name).split()}
        names = (own.name, *own.aliases) if own is not None else ()
        return found - {word for name in names for word in normalize(name).split()}

    home = base.entities.get(person.country)
    mine = word_positions(person, home)
    people = [e for e in base.entities.values() if e.kind == "person" and e.country == country.id]
    scored = [(len(mine & word_positions(other, country)), other.id, other) for other in people]
    best = max(scored, default=None, key=lambda item: item[:2])
    return best[2] if best is not None and (best[0] > 0 or len(people) == 1) else None
