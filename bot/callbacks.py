"""Callback data for inline buttons: short, checked strings (Telegram allows 64 bytes)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_FACT = re.compile(r"f:([a-z0-9]+(?:-[a-z0-9]+)*)")
NONE_OF_THESE = "x"


@dataclass(frozen=True)
class Pick:
    """The user picked a suggested question: answer with this fact or entity."""

    ident: str


@dataclass(frozen=True)
class NoneOfThese:
    """The user said none of the suggestions was meant."""


Action = Pick | NoneOfThese


def pick(ident: str) -> str:
    """Callback data that answers with `ident`."""
    data = f"f:{ident}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"id {ident!r} is too long for a button")
    return data


def parse(data: str | None) -> Action | None:
    """The action a button's data asks for, or None for forged or unknown data."""
    if data is None or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    if data == NONE_OF_THESE:
        return NoneOfThese()
    found = _FACT.fullmatch(data)
    return Pick(found.group(1)) if found else None
