"""Where a text names which entity, and the text with names replaced."""

from __future__ import annotations

from bot.factbase import FactBase
from bot.followups.mentions import (
    counterpart,
    find_mentions,
    names_of,
    rebuild,
    replace_names,
    split_tokens,
)


def named(base: FactBase, text: str) -> list[tuple[str, str]]:
    tokens = split_tokens(text)
    return [
        (" ".join(token.raw for token in tokens[m.first : m.last + 1]), m.entity)
        for m in find_mentions(tokens, names_of(base))
    ]


def test_names_are_found_longest_first_whatever_the_case(mini_base: FactBase) -> None:
    assert named(mini_base, "Did President Putin meet al-Assad in SOCHI?") == [
        ("President Putin", "putin"),
        ("al-Assad", "assad"),
        ("SOCHI?", "sochi"),
    ]


def test_an_alias_in_capitals_names_only_in_capitals(real_base: FactBase) -> None:
    assert named(real_base, "is IS still a threat?") == [("IS", "isis")]


def test_replacing_keeps_the_words_around_and_the_punctuation(mini_base: FactBase) -> None:
    tokens = split_tokens("What did Assad's hosts say?")
    assert rebuild(tokens, {2: (2, "Putin")}) == "What did Putin's hosts say?"
    putin = mini_base.entities["putin"]
    assert replace_names(split_tokens("When did Assad visit Sochi?"), [putin], mini_base) == (
        "When did Vladimir Putin visit Sochi?"
    )
    # Nothing of Putin's kind to replace in a question naming only a place.
    assert replace_names(split_tokens("what is Sochi?"), [putin], mini_base) is None
    # Putin is named already: no one becomes him.
    assert replace_names(split_tokens("Did Assad meet Putin?"), [putin], mini_base) is None


def test_a_counterpart_is_the_person_of_that_country_named_alike(real_base: FactBase) -> None:
    rouhani, turkey, russia = (
        real_base.entities[ident] for ident in ("rouhani", "turkey", "russia")
    )
    found = counterpart(rouhani, turkey, real_base)
    assert found is not None and found.id == "erdogan"
    # Of Russia's four people the president, not the foreign minister or the spokesman.
    found = counterpart(rouhani, russia, real_base)
    assert found is not None and found.id == "putin"
    assert counterpart(rouhani, real_base.entities["iran"], real_base) is None
