"""Text normalisation: case, accents, punctuation, possessives and white space."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.normalization import fold, normalize, squeeze_space


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Erdoğan", "erdogan"),
        ("Recep Tayyip ERDOĞAN", "recep tayyip erdogan"),
        ("Türkiye", "turkiye"),
        ("Kılıçdaroğlu", "kilicdaroglu"),  # dotless ı has no decomposition
        ("Straße", "strasse"),
        ("Øresund", "oresund"),
        ("Łódź", "lodz"),
    ],
)
def test_fold_strips_accents_and_case(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_splits_compatibility_forms() -> None:
    assert fold("ﬁnal") == "final"
    assert fold("Ⅻ") == "xii"


def test_fold_keeps_punctuation_and_spaces() -> None:
    assert fold("Al-Assad, Sochi!") == "al-assad, sochi!"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Erdoğan", "erdogan"),
        ("Who MET in Sochi?", "who met in sochi"),
        ("Who met in Sochi?!...", "who met in sochi"),
        ("al-Assad", "al assad"),
        ("U.N.-backed talks", "u n backed talks"),
        ("Resolution 2254", "resolution 2254"),
        ("“very useful”", "very useful"),
        ("#SochiSummit @JZarif", "sochisummit jzarif"),
        # Possessives with a straight, a curly and a modifier apostrophe all drop the 's.
        ("Putin's spokesman", "putin spokesman"),
        ("Putin’s spokesman", "putin spokesman"),
        ("Putinʼs spokesman", "putin spokesman"),
        ("Russia's support", "russia support"),
        ("Erdoğan’s visit", "erdogan visit"),
        ("PUTIN'S", "putin"),
        # Other apostrophes vanish without splitting the word.
        ("don't", "dont"),
        ("didn’t", "didnt"),
        ("the Assads’ visit", "the assads visit"),
        # A word that merely starts with s after an apostrophe is not a possessive.
        ("Putin'sochi", "putinsochi"),
        # White space of every kind becomes single spaces; edges are trimmed.
        ("  Putin \t\n  Assad  ", "putin assad"),
        ("Putin\u00a0Assad", "putin assad"),
        # Underscores are word characters (entity tokens are spelled with them).
        ("ent_putin", "ent_putin"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_makes_spellings_meet() -> None:
    spellings = ["Erdoğan's", "erdogan’s", "ERDOGAN", "  erdoğan?  "]
    assert {normalize(text) for text in spellings} == {"erdogan"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a  b", "a b"),
        ("  a\n\tb \r\n c  ", "a b c"),
        ("a\u00a0\u2009b", "a b"),
        ("one\n\ntwo", "one two"),
        ("", ""),
        ("   ", ""),
        # Only white space changes: case, accents and punctuation stay as they are.
        ("Erdoğan said “Yes.”", "Erdoğan said “Yes.”"),
    ],
)
def test_squeeze_space(text: str, expected: str) -> None:
    assert squeeze_space(text) == expected


_ALPHABET = st.sampled_from(list("aAbBzZ09ğĞüÜıİéøß ’'`-.,?!\t\n_“”"))


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_normalize_is_idempotent_and_clean(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert once == once.lower()
    assert all(ch.isalnum() or ch in " _" for ch in once)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_squeeze_space_only_touches_white_space(text: str) -> None:
    squeezed = squeeze_space(text)
    assert squeezed.split() == text.split()
    assert squeeze_space(squeezed) == squeezed
