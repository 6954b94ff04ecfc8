"""Benchmark: what reading questions in their conversation's context adds, in time and memory.

Run: .venv/bin/python benchmarks/followups.py [--repeat 3]
Prints figures; asserts nothing.

- Each question of the own question set, asked alone and asked in a conversation whose last
  question was on another topic: the time added by the conversation (looking at the context,
  seeing the question stands alone, keeping the new context).
- Each turn of the tuning conversations, asked in its conversation and alone: the time added
  where a follow-up is read with its context (one or two more matches).
- The context store filled with 100,000 conversations at its default limit, each with the
  question before its last: memory held.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial

from bot.config import PROJECT_KNOWLEDGE
from bot.conversation import ContextStore, Conversations
from bot.dialogues import DIALOGUES_FILE, load_dialogues
from bot.evaluation import load_questions
from bot.factbase import EVAL_DIR, load
from bot.followups import Context
from bot.replies import Answerer

UNRELATED = "What did Javad Zarif tweet about the Sochi summit?"


def milliseconds(call: Callable[[], object]) -> float:
    """How long one call takes, in milliseconds."""
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def report(name: str, alone: Sequence[float], within: Sequence[float]) -> None:
    """Medians and means of both, and what the conversation adds."""
    added = [b - a for a, b in zip(alone, within, strict=True)]
    print(
        f"  {name:<30} alone median {statistics.median(alone):6.3f} ms   "
        f"in conversation {statistics.median(within):6.3f} ms   "
        f"added: median {statistics.median(added):6.3f} ms, mean {statistics.fmean(added):6.3f} ms"
        f"   n={len(added)}"
    )


def standalone(answerer: Answerer, repeat: int) -> None:
    """The own question set, each question after an unrelated turn."""
    questions = [
        case.question
        for case in load_questions(PROJECT_KNOWLEDGE / EVAL_DIR / "questions.yaml").cases
    ]
    alone, within = [], []
    for _ in range(repeat):
        conversations = Conversations()
        for number, question in enumerate(questions):
            conversations.ask(answerer, number, UNRELATED)
            alone.append(milliseconds(partial(answerer.ask, question)))
            within.append(milliseconds(partial(conversations.ask, answerer, number, question)))
    report("questions after another topic", alone, within)


def follow_ups(answerer: Answerer, repeat: int) -> None:
    """The tuning conversations, turn by turn."""
    dialogues = load_dialogues(PROJECT_KNOWLEDGE / EVAL_DIR / DIALOGUES_FILE).dialogues
    alone, within, later_alone, later_within = [], [], [], []
    for _ in range(repeat):
        conversations = Conversations()
        for number, dialogue in enumerate(dialogues):
            for turn in dialogue:
                plain = milliseconds(partial(answerer.ask, turn.question))
                read = milliseconds(partial(conversations.ask, answerer, number, turn.question))
                alone.append(plain)
                within.append(read)
                if turn.position > 0:
                    later_alone.append(plain)
                    later_within.append(read)
    report("every turn of the conversations", alone, within)
    report("the turns after the first", later_alone, later_within)


def memory() -> None:
    """The store holding its default limit of conversations after 100,000 of them."""
    store = ContextStore()
    tracemalloc.start()
    for number in range(100_000):
        # As a conversation keeps it: the last question, and the one before.
        before = Context(f"When did person {number} go to Sochi?", "assad-visits-sochi", ("sochi",))
        store.put(
            ("group", number, number),
            Context(
                f"What did person {number} say about Sochi?",
                "rouhani-pleased",
                ("sochi",),
                before=before,
            ),
        )
        if number == store.limit - 1:
            at_limit, _ = tracemalloc.get_traced_memory()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  100,000 conversations, limit {store.limit:,}: {len(store):,} kept, "
        f"{held / 2**20:.1f} MiB held ({held / len(store):.0f} bytes each); "
        f"at the limit: {at_limit / 2**20:.1f} MiB"
    )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds over each set (default 3)")
    args = parser.parse_args()
    answerer = Answerer(load(PROJECT_KNOWLEDGE))
    print("Time a question takes, alone and in its conversation:")
    standalone(answerer, args.repeat)
    follow_ups(answerer, args.repeat)
    print("Memory of the context store:")
    memory()


if __name__ == "__main__":
    main()
