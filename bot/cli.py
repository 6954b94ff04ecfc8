"""The command line: run, chat, ask, validate, eval; the moderators' commands are in
cli_moderation.py (the question log, teach) and cli_curation.py (facts, history, overlay)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import audit, cli_curation, cli_moderation
from bot.config import (
    ConfigError,
    Settings,
    context_minutes,
    database_path,
    knowledge_dir,
    overlay_path,
)
from bot.conversation import DEFAULT_MINUTES, ContextStore, Conversations
from bot.curation import load_layered
from bot.dialogues import (
    dialogue_sets,
    evaluate_dialogues,
    is_dialogue_set,
    load_dialogues,
    unknown_turn_ids,
)
from bot.evaluation import evaluate, load_questions, question_sets, unknown_ids
from bot.factbase import EVAL_DIR, FactBase, KnowledgeError
from bot.replies import Answerer, Reply
from bot.terminal import Output, VisibleText

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _load_or_report(directory: Path, err: Output, strict: bool = False) -> FactBase | None:
    """The base with the moderators' overlay over it; overlay entries it does not support are
    reported (and, with `strict`, fail it)."""
    try:
        layered = load_layered(directory, overlay_path())
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=err)
        print(f"The fact base in {directory} has {len(error.problems)} problem(s).", file=err)
        return None
    for problem in layered.left_out:
        print(problem, file=err)
    if strict and layered.left_out:
        print(f"{len(layered.left_out)} overlay entries do not load with this base.", file=err)
        return None
    return layered.base


def _answerer(err: Output) -> Answerer | None:
    base = _load_or_report(knowledge_dir(), err)
    return None if base is None else Answerer(base)


# --- chat -----------------------------------------------------------------------------------


def chat(
    answerer: Answerer,
    lines: TextIO,
    out: Output,
    interactive: bool,
    conversations: Conversations | None = None,
) -> None:
    """Answer one message a line until the input ends, as the bot would in a private chat:
    one conversation, so a follow-up is read in the context of what came before."""
    conversations = conversations if conversations is not None else Conversations()
    if interactive:
        print(answerer.help_text(), file=out)
        print("\n(Type a question; 'timeline', 'sources' or 'help'; Ctrl-D to leave.)", file=out)
    while True:
        if interactive:
            print("\n> ", end="", file=out, flush=True)
        line = lines.readline()
        if not line:
            break
        message = line.strip()
        if not message:
            continue
        print(_chat_reply(answerer, conversations, message), file=out)
        if not interactive:
            print(file=out)
        out.flush()


def _chat_reply(answerer: Answerer, conversations: Conversations, message: str) -> str:
    command = message.lower().lstrip("/")
    if command == "timeline":
        return answerer.timeline_text()
    if command == "sources":
        return answerer.sources_text()
    if command in ("help", "start"):
        return answerer.help_text()
    return conversations.ask(answerer, "terminal", message).text()


# --- ask ------------------------------------------------------------------------------------


def _print_reply(reply: Reply, as_json: bool, out: Output) -> None:
    if as_json:
        print(json.dumps(reply.to_json(), ensure_ascii=False), file=out, flush=True)
    else:
        print(reply.text(), file=out, flush=True)


def ask(
    answerer: Answerer,
    question: str,
    as_json: bool,
    stdin: TextIO,
    out: Output,
    minutes: float = DEFAULT_MINUTES,
) -> None:
    """One reply; with '-', one reply a line of standard input (JSON Lines with --json).

    With --json a line may be an object, {"question": "...", "conversation": "any string"}:
    questions with the same conversation are read in order in one context.
    """
    if question != "-":
        _print_reply(answerer.ask(question), as_json, out)
        return
    conversations = Conversations(ContextStore(minutes=minutes))
    for number, line in enumerate(stdin, 1):
        text = line.rstrip("\n")
        if as_json and text.lstrip().startswith("{"):
            found = _json_question(text)
            if isinstance(found, str):
                error = {"error": f"line {number}: {found}", "line": number}
                print(json.dumps(error, ensure_ascii=False), file=out, flush=True)
            else:
                key = None if found[1] is None else ("conversation", found[1])
                _print_reply(conversations.ask(answerer, key, found[0]), True, out)
        elif as_json:
            _print_reply(answerer.ask(text), True, out)
        elif text.strip():
            _print_reply(answerer.ask(text), False, out)
            print(file=out, flush=True)


def _json_question(text: str) -> tuple[str, str | None] | str:
    """The question and conversation of a JSON Lines object, or what is wrong with it."""
    try:
        item = json.loads(text)
    except json.JSONDecodeError as error:
        return f"not a JSON object ({error.msg} at column {error.colno})"
    if not isinstance(item, dict):
        return "not a JSON object"
    question, conversation = item.get("question"), item.get("conversation")
    if not isinstance(question, str) or not question.strip():
        return '"question" must be a non-empty string'
    if conversation is not None and not isinstance(conversation, str):
        return '"conversation" must be a string'
    return question, conversation


# --- validate and eval ----------------------------------------------------------------------


def validate(directory: Path, coverage: bool, strict: bool, out: Output, err: Output) -> int:
    """Load and check a fact base with the overlay over it; with --coverage list unquoted
    sentences."""
    base = _load_or_report(directory, err, strict=True)
    if base is None:
        return EXIT_FAILED
    answerer = Answerer(base)
    warnings = audit.collisions(base, answerer.matcher) + audit.unlabelled(base)
    gaps = audit.uncovered(base)
    for problem in warnings:
        print(f"{problem} [warning]", file=err)
    if coverage:
        for problem in gaps:
            print(problem, file=out)
    phrasings = sum(len(fact.questions) for fact in base.facts.values())
    print(
        f"OK: {len(base.facts)} facts ({phrasings} phrasings), {len(base.entities)} entities, "
        f"{len(base.sources)} sources in {len(base.files)} files; "
        f"{len(warnings)} collision warning(s); {len(gaps)} source sentence(s) not quoted.",
        file=out,
    )
    if strict and warnings:
        print("Failing: --strict and there are warnings.", file=err)
        return EXIT_FAILED
    if coverage and gaps:
        return EXIT_FAILED
    return EXIT_OK


def run_eval(path: Path, verbose: bool, out: Output, err: Output) -> int:
    """Run a question set and print the result table; fail below its floors."""
    answerer = _answerer(err)
    if answerer is None:
        return EXIT_FAILED
    try:
        questions = load_questions(path)
    except KnowledgeError as error:
        print(error, file=err)
        return EXIT_FAILED
    known = set(answerer.base.facts) | set(answerer.base.entities)
    missing = unknown_ids(questions, known)
    if missing:
        for problem in missing:
            print(f"{path}:{problem.line}: {problem.message}", file=err)
        return EXIT_FAILED
    result = evaluate(questions, answerer.ask, answerer.answered_by)
    print(result.table(), file=out)
    if verbose:
        print("\nMisses:", file=out)
        for case, reply in result.misses:
            got = reply.fact if reply.fact else str(reply.outcome)
            if reply.closest is not None:
                got += f", the closest {reply.closest.id}"
            expected = " or ".join(case.expected) or "none"
            print(
                f"  {path.name}:{case.line}: {case.question!r}: expected {expected}, "
                f"got {got} ({reply.score:.0f})",
                file=out,
            )
            if reply.why is not None:
                print(f"      why: {reply.why.text()}", file=out)
    failures = result.failures()
    for failure in failures:
        print(f"Below floor: {failure}", file=err)
    return EXIT_FAILED if failures else EXIT_OK


def run_dialogue_eval(path: Path, verbose: bool, out: Output, err: Output) -> int:
    """Run a conversation set, each dialogue in a conversation of its own; fail below its floors."""
    answerer = _answerer(err)
    if answerer is None:
        return EXIT_FAILED
    try:
        dialogues = load_dialogues(path)
    except KnowledgeError as error:
        print(error, file=err)
        return EXIT_FAILED
    missing = unknown_turn_ids(dialogues, set(answerer.base.facts) | set(answerer.base.entities))
    for problem in missing:
        print(f"{path}:{problem.line}: {problem.message}", file=err)
    if missing:
        return EXIT_FAILED
    conversations = Conversations(ContextStore(limit=len(dialogues.dialogues) + 1))

    def ask_in(key: object, question: str) -> Reply:
        return conversations.ask(answerer, key, question)

    result = evaluate_dialogues(dialogues, ask_in, answerer.answered_by)
    print(result.table(), file=out)
    if verbose:
        print("\nMisses:", *result.miss_lines(path.name), sep="\n  ", file=out)
    failures = result.failures()
    for failure in failures:
        print(f"Below floor: {failure}", file=err)
    return EXIT_FAILED if failures else EXIT_OK


# --- entry ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answers questions about the November 2017 diplomacy on Syria, with sources.",
    )
    commands = parser.add_subparsers(dest="command")
    run_parser = commands.add_parser(
        "run", help="start the bot: on Telegram with TELEGRAM_BOT_TOKEN, else in the terminal"
    )
    run_parser.add_argument(
        "--webhook", action="store_true", help="serve a webhook instead of long polling"
    )
    commands.add_parser("chat", help="talk to the bot in the terminal")
    ask_parser = commands.add_parser("ask", help="print the reply to one question")
    ask_parser.add_argument("question", help="the question, or - to read one a line from stdin")
    ask_parser.add_argument("--json", action="store_true", help="print JSON (JSON Lines for -)")
    validate_parser = commands.add_parser("validate", help="load and check the fact base")
    validate_parser.add_argument("directory", nargs="?", type=Path, help="default: the base in use")
    validate_parser.add_argument(
        "--coverage", action="store_true", help="list source sentences no fact quotes"
    )
    validate_parser.add_argument(
        "--strict", action="store_true", help="fail on warnings (phrasing collisions) too"
    )
    eval_parser = commands.add_parser("eval", help="run a question set against the bot")
    eval_parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="a question or conversation set; default: both in knowledge/eval/",
    )
    eval_parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    cli_moderation.add_parsers(commands)
    cli_curation.add_parsers(commands)
    return parser


def serve(webhook: bool, command: str, out: Output, err: Output) -> int:
    """`run` and `chat`: on Telegram when a token is set (for `run`), else in the terminal."""
    try:
        settings = Settings.from_env()
        if command == "run" and webhook:
            if settings.token is None:
                raise ConfigError("run --webhook needs TELEGRAM_BOT_TOKEN.")
            settings.require_webhook()
    except ConfigError as error:
        print(error, file=err)
        return EXIT_USAGE
    answerer = _answerer(err)
    if answerer is None:
        return EXIT_FAILED
    if command == "run" and settings.token is not None:
        # Imported here: the terminal commands need no Telegram library loaded.
        from bot.telegram import running

        return running.run(settings, answerer, webhook=webhook)
    if command == "run":
        print("No TELEGRAM_BOT_TOKEN set: chatting in the terminal.", file=err)
    try:
        conversations = Conversations(ContextStore(minutes=settings.context_minutes))
        chat(answerer, sys.stdin, out, sys.stdin.isatty(), conversations)
    except KeyboardInterrupt:
        print(file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    # Everything printed may hold what someone typed on Telegram: shown, never obeyed.
    out, err = VisibleText(sys.stdout), VisibleText(sys.stderr)
    command = args.command or "run"
    if command in ("run", "chat"):
        return serve(getattr(args, "webhook", False), command, out, err)
    if command == "ask":
        try:
            minutes = context_minutes()
        except ConfigError as error:
            print(error, file=err)
            return EXIT_USAGE
        answerer = _answerer(err)
        if answerer is None:
            return EXIT_FAILED
        ask(answerer, args.question, args.json, sys.stdin, out, minutes)
        return EXIT_OK
    if command == "validate":
        directory = args.directory or knowledge_dir()
        return validate(directory, args.coverage, args.strict, out, err)
    if command == "teach":
        return cli_moderation.teach_phrasing(args.question, args.fact, args.by, out, err)
    if command == "unanswered":
        path = database_path()
        return cli_moderation.show_unanswered(path, args.days, args.limit, args.json, out, err)
    if command == "stats":
        return cli_moderation.show_stats(database_path(), args.json, out, err)
    if command in cli_curation.COMMANDS:
        return cli_curation.run(args, out, err)
    if args.file is not None:
        run = run_dialogue_eval if is_dialogue_set(args.file) else run_eval
        return run(args.file, args.verbose, out, err)
    # Without a file: every question set in eval/, then every conversation set beside them.
    folder = knowledge_dir() / EVAL_DIR
    code = EXIT_OK
    for n, path in enumerate(question_sets(folder)):
        print(f"\n{path.name}:" if n else f"{path.name}:", file=out)
        code = max(code, run_eval(path, args.verbose, out, err))
    for path in dialogue_sets(folder):
        print(f"\n{path.name}:", file=out)
        code = max(code, run_dialogue_eval(path, args.verbose, out, err))
    return code
