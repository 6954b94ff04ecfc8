"""The moderators' changes to the fact base from a shell, on the same overlay as the bot:
fact show|new|edit|withdraw|restore, history, undo, overlay export."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli_moderation import os_user
from bot.config import database_path, knowledge_dir, overlay_path
from bot.curation import CurationError, Curator, Saved
from bot.curation.export import export_text
from bot.curation.overlay import OverlayError, write_atomic
from bot.curation.views import USAGE_DAYS, fact_text, find_fact, history_text
from bot.factbase import KnowledgeError, load
from bot.replies import Answerer
from bot.storage import QuestionLog, StoreError
from bot.terminal import Output

EXIT_OK = 0
EXIT_FAILED = 1
COMMANDS = ("fact", "history", "undo", "overlay")


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The subcommands: fact, history, undo, overlay."""
    fact = commands.add_parser("fact", help="show or change a fact (in the moderators' overlay)")
    actions = fact.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="a fact by id, or the one some words find")
    show.add_argument("words", nargs="+", help="a fact id, or a question")
    new = actions.add_parser("new", help="add a fact")
    new.add_argument("--id", required=True, help="lowercase letters, digits, hyphens")
    new.add_argument("--source", help="the source's id; default: the one the quote is in")
    new.add_argument("--quote", required=True, help="a sentence word for word from the source")
    new.add_argument("--answer", required=True, help="what the bot says")
    new.add_argument(
        "--question", action="append", default=[], help="a way people ask it (three or more)"
    )
    edit = actions.add_parser("edit", help="change a fact's answer or phrasings")
    edit.add_argument("id")
    edit.add_argument("--answer", help="the new answer")
    edit.add_argument("--add-question", action="append", default=[], help="one more phrasing")
    edit.add_argument("--remove-question", help="a phrasing to take away")
    for name, text in (("withdraw", "no longer answer a fact"), ("restore", "answer it again")):
        actions.add_parser(name, help=text).add_argument("id")
    for parser in actions.choices.values():
        if parser is not show:
            parser.add_argument("--by", help="who makes the change; default: your user name")
    history = commands.add_parser("history", help="the moderators' changes, newest first")
    history.add_argument("id", nargs="?", help="only this fact's")
    undo = commands.add_parser("undo", help="take back your own last change")
    undo.add_argument("--by", help="whose last change; default: your user name")
    overlay = commands.add_parser("overlay", help="the moderators' overlay")
    what = overlay.add_subparsers(dest="action", required=True)
    export = what.add_parser("export", help="write it as YAML in the fact base's format")
    export.add_argument("file", nargs="?", type=Path, help="default: standard output")


def run(args: argparse.Namespace, out: Output, err: Output) -> int:
    """Run one of COMMANDS."""
    curator = Curator(knowledge_dir(), overlay_path())
    by = getattr(args, "by", None) or os_user()
    try:
        if args.command == "history":
            print(history_text(curator.entries(args.id), args.id), file=out)
            return EXIT_OK
        if args.command == "overlay":
            return _export(curator, args.file, out)
        if args.command == "undo":
            return _said(curator.undo(by), out)
        if args.action == "show":
            return _show(curator, " ".join(args.words), out, err)
        return _change(curator, args, by, out)
    except (CurationError, OverlayError) as error:
        print(error, file=err)
    except KnowledgeError as error:
        print(*error.problems[:5], sep="\n", file=err)
        print("Nothing was changed: the shipped fact base does not load.", file=err)
    except OSError as error:
        print(f"Nothing was changed: cannot write {curator.overlay}: {error.strerror}.", file=err)
    return EXIT_FAILED


def _change(curator: Curator, args: argparse.Namespace, by: str, out: Output) -> int:
    if args.action == "new":
        saved = curator.new_fact(args.id, args.source, args.quote, args.answer, args.question, by)
        return _said(saved, out)
    ident = args.id.strip()
    against = curator.against(ident)
    if args.action == "withdraw":
        return _said(curator.withdraw(ident, by, against), out)
    if args.action == "restore":
        return _said(curator.restore(ident, by, against), out)
    if args.answer is None and not args.add_question and args.remove_question is None:
        raise CurationError("Say what to change: --answer, --add-question or --remove-question.")
    if args.answer is not None:
        saved = curator.edit_answer(ident, args.answer, by, against)
        against = curator.against(ident)
    if args.add_question:
        saved = curator.add_questions(ident, args.add_question, by, against)
        against = curator.against(ident)
    if args.remove_question is not None:
        saved = curator.remove_question(ident, args.remove_question, by, against)
    return _said(saved, out)


def _said(saved: Saved, out: Output) -> int:
    print(f"Done: {saved.entry.line()}", file=out)
    return EXIT_OK


def _show(curator: Curator, words: str, out: Output, err: Output) -> int:
    layered = curator.layered()
    state = curator.state()
    withdrawn = [i for i, record in state.facts.items() if record.get("withdrawn") is True]
    found = find_fact(Answerer(layered.base), words, withdrawn)
    if not found:
        print(f"No fact found for {words!r}.", file=err)
        return EXIT_FAILED
    ident = found[0]
    asked: tuple[str, ...] = ()
    votes = (0, 0)
    path = database_path()
    if path.exists():
        try:
            question_log = QuestionLog.open(path)
            try:
                usage = question_log.fact_usage(ident, USAGE_DAYS)
            finally:
                question_log.close()
            asked, votes = usage.questions, (usage.upvotes, usage.downvotes)
        except StoreError as error:
            print(f"(No usage: {error})", file=err)
    print(fact_text(layered.base, ident, state.record(ident), asked, votes), file=out)
    if len(found) > 1:
        print(f"\nAlso close: {', '.join(found[1:4])}", file=out)
    return EXIT_OK


def _export(curator: Curator, file: Path | None, out: Output) -> int:
    text = export_text(curator.state(), load(curator.directory))
    if file is None:
        print(text, end="", file=out)
    else:
        write_atomic(file, text)
        print(f"Wrote {file}.", file=out)
    return EXIT_OK
