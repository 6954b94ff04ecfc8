"""Benchmark: load time and per-question latency, shipped base and a generated 10,000-fact base.

Run: .venv/bin/python benchmarks/matching.py [--facts 10000] [--phrasings 8]
     .venv/bin/python benchmarks/matching.py --worst-case [--messages 200]
Prints figures; asserts nothing. The baseline is rapidfuzz's extractOne with WRatio over every
phrasing, measured in the same run. `--worst-case` times the longest message Telegram delivers
(4096 characters) made of random short words, on the shipped base: every word is new, so the
spelling correction's cache holds none of them, and each is a word no dictionary knows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.config import PROJECT_KNOWLEDGE
from bot.evaluation import load_questions
from bot.factbase import EVAL_DIR, load
from bot.matching import Matcher
from bot.replies import MESSAGE_LIMIT


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of `values` fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(ask: Callable[[str], object], questions: Sequence[str]) -> list[float]:
    """Milliseconds per question."""
    times = []
    for question in questions:
        start = time.perf_counter()
        ask(question)
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    """One line of figures."""
    print(
        f"  {name:<34} median {statistics.median(times):8.3f} ms   "
        f"p99 {percentile(times, 0.99):8.3f} ms   n={len(times)}"
    )


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))


def _typo(rng: random.Random, text: str) -> str:
    words = text.split()
    index = rng.randrange(len(words))
    word = words[index]
    if len(word) > 4:
        cut = rng.randrange(1, len(word))
        words[index] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def generate_base(directory: Path, facts: int, phrasings: int, seed: int = 7) -> list[str]:
    """Write a fact base of `facts` facts into `directory`; return questions to ask it."""
    rng = random.Random(seed)
    vocabulary = [_word(rng) for _ in range(6000)]
    people = [f"{_word(rng).title()} {_word(rng).title()}" for _ in range(400)]
    templates = [
        "what did {p} say about {a} {b}",
        "when did {p} discuss {a}",
        "{a} {b} {c}",
        "why did {p} mention the {a} {b}",
        "who talked about {a} and {c}",
        "tell me about {p} and the {b}",
        "where was the {a} {c} held",
        "how many {a} {b} were there",
        "{p} {a}",
        "did {p} agree on {c}",
    ]
    (directory / "sources").mkdir(parents=True)
    sentences, entries, questions = [], [], []
    for number in range(facts):
        person = rng.choice(people)
        a, b, c = rng.sample(vocabulary, 3)
        quote = f"Item {number}: {person} spoke of {a} {b} and {c}."
        sentences.append(quote)
        asks = [
            template.format(p=person, a=a, b=b, c=c)
            for template in rng.sample(templates, phrasings)
        ]
        entries.append(
            {
                "id": f"fact-{number}",
                "answer": f"{person} spoke of {a} {b} and {c}.",
                "questions": asks,
                "source": "generated",
                "quote": quote,
            }
        )
        if number % max(1, facts // 500) == 0:
            questions.append(_typo(rng, f"{person} {a} {c}"))
            questions.append(f"what did {person.split()[1]} say on {b}")
    (directory / "sources" / "generated.txt").write_text("\n".join(sentences), encoding="utf-8")
    (directory / "sources.yaml").write_text(
        "sources:\n  - id: generated\n    title: Generated\n    publisher: Benchmark\n"
        "    text: sources/generated.txt\n",
        encoding="utf-8",
    )
    per_file = 500  # the loader refuses files over 2 MiB
    for first in range(0, len(entries), per_file):
        lines = ["facts:"]
        for entry in entries[first : first + per_file]:
            lines.append(f"  - id: {entry['id']}")
            lines.append(f"    answer: {entry['answer']}")
            lines.append(f"    source: {entry['source']}")
            lines.append(f'    quote: "{entry["quote"]}"')
            lines.append("    questions:")
            lines.extend(f"      - {question}" for question in entry["questions"])
        path = directory / f"facts-{first // per_file:03d}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    questions += [f"{_word(rng)} {_word(rng)} weather" for _ in range(100)]
    rng.shuffle(questions)
    return questions


def bench(name: str, directory: Path, questions: list[str]) -> None:
    """Load a base, then time the matcher and the baseline on `questions`."""
    start = time.perf_counter()
    base = load(directory)
    loaded = time.perf_counter()
    matcher = Matcher(base)
    indexed = time.perf_counter()
    print(
        f"{name}: {len(base.facts)} facts, "
        f"{sum(len(f.questions) for f in base.facts.values())} phrasings"
    )
    print(
        f"  load + check {(loaded - start) * 1000:8.1f} ms   "
        f"index {(indexed - loaded) * 1000:8.1f} ms"
    )
    for question in questions[:50]:  # warm caches, as a running bot has them
        matcher.match(question)
    report("matcher", timed(matcher.match, questions))
    choices = [question for fact in base.facts.values() for question in fact.questions]

    def baseline(question: str) -> object:
        return process.extractOne(question, choices, scorer=fuzz.WRatio)

    report("baseline extractOne(WRatio)", timed(baseline, questions[:300]))


def random_message(
    rng: random.Random, words: Sequence[str] = (), length: int = MESSAGE_LIMIT
) -> str:
    """`length` characters of words picked at random from `words`, or (with none given) of
    made-up lower-case words of 4 to 8 letters: each one long enough to be spell-corrected,
    and none a word English or the base knows."""
    picked: list[str] = []
    size = -1
    while True:
        if words:
            word = rng.choice(words)
        else:
            word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 8)))
        if size + 1 + len(word) > length:
            return " ".join(picked)
        picked.append(word)
        size += 1 + len(word)


def worst_case(messages: int, seed: int = 11) -> None:
    """Time the matcher on `messages` random 4096-character messages of made-up words (each
    message new words), then of the base's own words."""
    matcher = Matcher(load(PROJECT_KNOWLEDGE))
    vocabulary = sorted(matcher.index.vocabulary)
    for name, words in (("made-up words", ()), ("the base's own words", vocabulary)):
        rng = random.Random(seed)
        asked = [random_message(rng, words) for _ in range(messages)]
        count = statistics.median(len(message.split()) for message in asked)
        print(f"{messages} messages of {MESSAGE_LIMIT} characters, {name} ({count:.0f} a message)")
        times = timed(matcher.match, asked)
        report("matcher", times)
        print(f"  {'':<34} max    {max(times):8.3f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    """Run both benchmarks (or the worst case) and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, default=10_000)
    parser.add_argument("--phrasings", type=int, default=8)
    parser.add_argument("--worst-case", action="store_true")
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    if args.worst_case:
        worst_case(args.messages)
        return 0
    shipped = load_questions(PROJECT_KNOWLEDGE / EVAL_DIR / "questions.yaml")
    asked = [case.question for case in shipped.cases] * 5
    bench("shipped base", PROJECT_KNOWLEDGE, asked)
    with tempfile.TemporaryDirectory() as folder:
        questions = generate_base(Path(folder), args.facts, args.phrasings)
        bench("generated base", Path(folder), questions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
