"""Reading what a text claims: the dates, numbers and entities it names."""

from __future__ import annotations

from pathlib import Path

from bot.claims import Names, claim_of
from bot.factbase import load


def test_claims_are_read_as_dates_numbers_and_names(mini_base_dir: Path) -> None:
    base = load(mini_base_dir)
    claim = claim_of(
        "On November 20, 2017 some 33 delegations met Putin in Sochi.",
        Names(base.entities.values()),
    )
    assert claim.days == {(20, 11)} and claim.years == {2017} and claim.numbers == {33}
    assert claim.entities == {"putin", "sochi"}


def test_aliases_name_their_entity_and_a_month_alone_is_a_month(mini_base_dir: Path) -> None:
    names = Names(load(mini_base_dir).entities.values())
    # "Syrian president" and "Bashar" are both aliases of Assad.
    assert names.find("the Syrian president Bashar") == {"assad"}
    assert claim_of("in early December 2017", names).months == {12}
