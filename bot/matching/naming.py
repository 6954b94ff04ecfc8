"""What the entities' names hold and point to, beyond the names themselves: a word found only
inside one name ("resolution": Resolution 2254), and the entities a document's or an event's
name holds (the UN in "UN Security Council Resolution 2254"). Built once, with the index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

from bot.factbase import FactBase
from bot.matching.lexicon import STOPWORDS, PhraseFolder, entity_token, stem
from bot.normalization import normalize

# The kinds of entity a word of whose names, alone, points to it: a person by a first name
# ("Donald"), a document or an event by its noun ("the resolution", "the congress").
PARTED_KINDS = frozenset(("person", "document", "event"))


def name_parts(base: FactBase, idf: Mapping[str, float], phrases: PhraseFolder) -> dict[str, str]:
    """Words the base uses only inside one entity's name, stemmed, and that entity's token:
    "which resolution did they mention?" is about Resolution 2254, the only name with
    "resolution" in it, though the word alone is never found (it has no `idf`). Aliases are
    left out: a description ("head of the High Negotiations Committee") has ordinary words;
    so is a word that is a name itself (one of `phrases`)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for entity in base.entities.values():
        if entity.kind not in PARTED_KINDS:
            continue  # "white", "front", "arab": other words too, in other names
        for word in normalize(entity.name).split():
            if len(word) >= 4 and not word.isdigit() and word not in STOPWORDS:
                owners[stem(word)].add(entity_token(entity.id))
    return {
        part: next(iter(tokens))
        for part, tokens in owners.items()
        if len(tokens) == 1 and part not in idf and (part,) not in phrases.phrases
    }


def named_inside(base: FactBase, text: str, kinds: Collection[str] | None = None) -> set[str]:
    """The entities (of `kinds`, else any) whose name or an alias occurs in `text` as whole
    words, inside other names too: "Egypt's President Abdel-Fattah el-Sissi" names Egypt."""
    padded = f" {normalize(text)} "
    return {
        entity.id
        for entity in base.entities.values()
        if (kinds is None or entity.kind in kinds)
        and any(
            spelled.strip() and f" {spelled} " in padded
            for spelled in (normalize(name) for name in (entity.name, *entity.aliases))
        )
    }


def held_names(base: FactBase) -> dict[str, frozenset[str]]:
    """The entities the name of a document or an event holds ("UN Security Council Resolution
    2254": the UN and its Security Council): a fact that mentions it mentions them. Other
    names may hold a word that is a name too ("Riyad Hijab", "The Iran Primer") without being
    about it."""
    return {
        entity_token(entity.id): frozenset(
            entity_token(other) for other in named_inside(base, entity.name) if other != entity.id
        )
        for entity in base.entities.values()
        if entity.kind in ("document", "event")
    }
