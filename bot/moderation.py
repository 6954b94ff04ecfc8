"""What moderators read and type, in plain text: stats, the unanswered queue, /teach, problems.

Shared by the command line and the Telegram commands; no Telegram here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.factbase import Problem
from bot.storage import REASONS, RECENT_DAYS, Stats, UnansweredGroup

TEACH_USAGE = "Use: /teach the question people ask => fact-id"
SHOWN_PROBLEMS = 25
_TEACH = re.compile(r"^(?P<question>.+?)\s*=>\s*(?P<fact>[a-z0-9-]+)\s*$", re.DOTALL)


def parse_teach(text: str) -> tuple[str, str] | None:
    """The question and fact id of "/teach QUESTION => FACT-ID", or None when malformed."""
    found = _TEACH.match(text.strip())
    if found is None or not found.group("question").strip():
        return None
    return " ".join(found.group("question").split()), found.group("fact")


def stats_text(stats: Stats) -> str:
    """The figures of /stats and `python -m bot stats`."""
    lines = [
        f"Questions today (UTC): {stats.today}",
        f"Questions in the last {RECENT_DAYS} days: {stats.week} — answered {stats.answered:.0%}, "
        f"clarified {stats.clarified:.0%}, fell back {stats.fallback:.0%}",
        f"Feedback in the last {RECENT_DAYS} days: 👍 {stats.upvotes}, 👎 {stats.downvotes}",
    ]
    for title, rows in (("Top facts", stats.top_facts), ("Top unanswered", stats.top_unanswered)):
        lines.append(f"\n{title} in the last {RECENT_DAYS} days:")
        lines.extend(f"{count:>5}  {name}" for name, count in rows)
        if not rows:
            lines.append("    (none)")
    return "\n".join(lines)


def reasons_text(group: UnansweredGroup) -> str:
    """Why a group of questions is in the queue, in a fixed order."""
    return ", ".join(reason for reason in REASONS if reason in group.reasons)


def group_text(group: UnansweredGroup) -> str:
    """One entry of the unanswered queue, for a Telegram message."""
    times = "once" if group.count == 1 else f"{group.count} times"
    return f"“{group.text}” — asked {times} ({reasons_text(group)})"


def problems_text(problems: Sequence[Problem], limit: int = SHOWN_PROBLEMS) -> str:
    """File:line problems, one a line, the rest counted."""
    lines = [str(problem) for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more (python -m bot validate lists all).")
    return "\n".join(lines)
