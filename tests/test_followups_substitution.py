"""What "and X?" puts X in the place of (bot/followups/mentions.py, `replace_names`), over the
real fact base: a name of X's own kind first, else a person whose counterpart X names."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import load
from bot.replies import Answerer
from tests.harness import converse


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load(PROJECT_KNOWLEDGE))


def test_and_x_replaces_a_name_of_its_own_kind_first(answerer: Answerer) -> None:
    # "and Egypt?" after the Saudis is Egypt for the Saudis, not Egypt's leader for Putin.
    _, egypt = converse(answerer, "did putin talk to the saudis", "and egypt?")
    assert egypt.understood_as == "Did putin talk to Egypt?"
    # With no country to replace, a country names the counterpart of the person asked about.
    _, turkish = converse(
        answerer, "what did the iranian president say at the summit", "and the turkish one?"
    )
    assert turkish.understood_as == "What did Recep Tayyip Erdogan say at the summit?"
