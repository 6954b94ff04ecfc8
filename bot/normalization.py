"""Text normalisation shared by the loader and the matcher: case, accents, punctuation, space."""

from __future__ import annotations

import re
import unicodedata

# Apostrophes and possessives: "Putin's" and "Putin’s" both read as "putin".
_POSSESSIVE = re.compile(r"(\w)['’ʼ`´]s\b")
_APOSTROPHE = re.compile(r"['’ʼ`´]")
# Anything that is not a letter or digit separates words. Underscores are kept: entity tokens
# (see matching.py) are spelled with them.
_NON_WORD = re.compile(r"[^\w]+")
# "22nd", "20th": the number is the word.
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case `text` and strip accents and compatibility forms (Erdoğan -> erdogan)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # A few letters do not decompose into a base letter plus a mark.
    return stripped.casefold().translate(_LETTERS)


_LETTERS = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae"})


def normalize(text: str) -> str:
    """Fold `text` and reduce it to words separated by single spaces."""
    folded = fold(text)
    folded = _POSSESSIVE.sub(r"\1", folded)
    folded = _APOSTROPHE.sub("", folded)
    folded = _ORDINAL.sub(r"\1", folded)
    return _NON_WORD.sub(" ", folded).strip()


def squeeze_space(text: str) -> str:
    """Collapse every run of white space to one space, for comparing quotes with their source."""
    return _SPACE.sub(" ", text).strip()
