"""The overlay as YAML in the fact base's own format, to merge into knowledge/ and commit."""

from __future__ import annotations

from bot.curation.overlay import OverlayState, dump
from bot.factbase import FactBase
from bot.factbase.layering import META_KEYS


def export_text(state: OverlayState, shipped: FactBase) -> str:
    """`facts:` and `learned:` as knowledge/ holds them. A fact that replaces one of the
    `shipped` base says where that one is (delete it when merging), and so does a withdrawn one."""

    def where(ident: str) -> str:
        found = shipped.facts[ident].where
        return f"{found.path}:{found.line}"

    replaced = [
        f"#   {ident}: replaces the fact at {where(ident)}; delete that one"
        for ident, record in state.facts.items()
        if ident in shipped.facts and record.get("withdrawn") is not True
    ]
    withdrawn = [
        f"#   {ident}: withdrawn; delete the fact at {where(ident)} and its id from related:"
        for ident, record in state.facts.items()
        if ident in shipped.facts and record.get("withdrawn") is True
    ]
    facts = [
        {key: value for key, value in record.items() if key not in META_KEYS}
        for record in state.facts.values()
        if record.get("withdrawn") is not True
    ]
    lines = ["# The moderators' changes (python -m bot overlay export), in the fact base's format."]
    if replaced or withdrawn:
        lines += ["# When merging into knowledge/:", *replaced, *withdrawn]
    document: dict[str, object] = {"facts": facts}
    if state.learned:
        document["learned"] = state.learned
    return "\n".join(lines) + "\n" + dump(document)
