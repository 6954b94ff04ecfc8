"""The moderators' commands on the question log, from a shell: unanswered, stats, teach."""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.config import knowledge_dir, overlay_path
from bot.curation import Curator
from bot.factbase import KnowledgeError, shown_path
from bot.moderation import reasons_text, stats_text
from bot.storage import RECENT_DAYS, QuestionLog, Stats, StoreError, UnansweredGroup
from bot.teaching import teach
from bot.terminal import Output

EXIT_OK = 0
EXIT_FAILED = 1


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The subcommands: teach, unanswered, stats."""
    teach_parser = commands.add_parser(
        "teach", help="add a question as one more phrasing of a fact (in the moderators' overlay)"
    )
    teach_parser.add_argument("question", help="the question, as people ask it")
    teach_parser.add_argument("fact", metavar="FACT_ID", help="the fact (or entity) answering it")
    teach_parser.add_argument("--by", help="who teaches it; default: your user name")
    unanswered_parser = commands.add_parser(
        "unanswered", help="list logged questions the bot could not answer (BOT_DATABASE)"
    )
    unanswered_parser.add_argument(
        "--days", type=positive, default=RECENT_DAYS, help=f"default: {RECENT_DAYS}"
    )
    unanswered_parser.add_argument("--limit", type=positive, default=20, help="default: 20")
    unanswered_parser.add_argument("--json", action="store_true", help="print one JSON object")
    stats_parser = commands.add_parser("stats", help="figures from the question log")
    stats_parser.add_argument("--json", action="store_true", help="print one JSON object")


_Read = TypeVar("_Read")


def _read_log(path: Path, read: Callable[[QuestionLog], _Read], err: Output) -> _Read | None:
    """What `read` finds in the question log at `path`, or None (said on `err`) if it fails."""
    try:
        question_log = QuestionLog.open(path)
    except StoreError as error:
        print(error, file=err)
        return None
    try:
        return read(question_log)
    except StoreError as error:
        print(error, file=err)
        return None
    finally:
        question_log.close()


def show_unanswered(
    path: Path, days: int, limit: int, as_json: bool, out: Output, err: Output
) -> int:
    """The questions the bot could not answer well, near-duplicates grouped, as a table or JSON."""
    missing = not path.exists()
    groups: list[UnansweredGroup] | None = []
    if missing:
        print(f"No questions logged yet at {path}.", file=err if as_json else out)
    else:
        groups = _read_log(path, lambda found: found.unanswered(days, limit), err)
    if groups is None:
        return EXIT_FAILED
    if as_json:
        found = [group.to_json() for group in groups]
        print(json.dumps({"days": days, "groups": found}, ensure_ascii=False), file=out)
    elif not groups and not missing:
        print(f"Nothing unanswered in the last {days} day(s).", file=out)
    elif groups:
        print(f"Unanswered in the last {days} day(s), the most frequent first:\n", file=out)
        print(f"{'count':>5}  {'why':<27}  question", file=out)
        for group in groups:
            why = reasons_text(group)
            print(f"{group.count:>5}  {why:<27}  {group.text}", file=out)
            if group.candidates:
                print(f"{'':>5}  {'':<27}  candidates: {', '.join(group.candidates)}", file=out)
    return EXIT_OK


def show_stats(path: Path, as_json: bool, out: Output, err: Output) -> int:
    """Questions today and this week, outcome rates, top facts and unanswered, votes."""
    missing = not path.exists()
    stats: Stats | None = Stats.empty()
    if missing:
        print(f"No questions logged yet at {path}.", file=err if as_json else out)
    else:
        stats = _read_log(path, lambda found: found.stats(), err)
    if stats is None:
        return EXIT_FAILED
    if as_json:
        print(json.dumps(stats.to_json(), ensure_ascii=False), file=out)
        return EXIT_OK
    if not missing:
        print(stats_text(stats), file=out)
    return EXIT_OK


def positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(text)


# --- teach ----------------------------------------------------------------------------------


def teach_phrasing(question: str, fact: str, by: str | None, out: Output, err: Output) -> int:
    """Add a question as one more phrasing of a fact, in the moderators' overlay."""
    directory = knowledge_dir()
    curator = Curator(directory, overlay_path())
    try:
        teach(curator, question, fact, by if by is not None else os_user())
    except ValueError as error:  # a CurationError too: a collision, an unreadable overlay
        print(error, file=err)
        return EXIT_FAILED
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=err)
        print(f"Nothing was taught: the fact base in {directory} would not load.", file=err)
        return EXIT_FAILED
    except OSError as error:
        print(f"Cannot write to {curator.overlay}: {error.strerror or error}.", file=err)
        return EXIT_FAILED
    shown = shown_path(curator.overlay)
    print(f"Taught: {' '.join(question.split())!r} => {fact.strip()} ({shown})", file=out)
    return EXIT_OK


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return "unknown"
