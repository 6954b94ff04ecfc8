"""Hostile input: the matcher, the reply formatting and the loader never crash, hang or leak.

Two halves, both property tests (hypothesis, derandomized, no example database):

* Questions. `Answerer.ask` on the project's real fact base, with arbitrary Unicode: empty and
  whitespace-only text, 4,096-character messages, emoji, right-to-left Arabic and Persian,
  zero-width and control characters, NUL bytes, HTML and Markdown specials, very long single
  "words", and mixtures of these with real questions. Every reply is one of the three outcomes,
  scored 0-100, valid Telegram HTML in parts of at most 4,096 characters, and serialisable as
  JSON; the slowest of 200 generated questions is answered well within a second.
* The loader. Malformed YAML written into the small valid base of tests/conftest.py: garbage
  bytes and text, YAML token soup, documents of random structure and types, a wrong type in
  every field, deep nesting, "billion laughs", files over the size limit, invalid UTF-8, NUL
  bytes. `load` either returns the whole base or raises KnowledgeError whose problems are
  `file:line: message` naming the right file; every load is bounded by a timeout, and the
  memory of the nastiest ones is measured.

Measured figures are printed (run with `-s` to see them); only generous bounds are asserted.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import statistics
import string
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import (
    MAX_FILE_BYTES,
    FactBase,
    KnowledgeError,
    Problem,
    knowledge_files,
    load,
    shown_path,
)
from bot.matching import Outcome
from bot.replies import MESSAGE_LIMIT, Answerer, Reply, split_html
from tests.conftest import MINI_BASE, WriteFiles, write_files
from tests.emulator import ApiError, check_html
from tests.harness import ALLOWED_TAGS

# --- fixtures -------------------------------------------------------------------------------


@functools.cache
def real_answerer() -> Answerer:
    """The core on the project's real fact base, loaded once for the module."""
    return Answerer(load(PROJECT_KNOWLEDGE))


@functools.cache
def real_questions() -> tuple[str, ...]:
    """Every question the real base is written to answer."""
    base = real_answerer().base
    return tuple(sorted({q for fact in base.facts.values() for q in fact.questions}))


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return real_answerer()


# --- Telegram HTML, checked ------------------------------------------------------------------

# The character references Telegram understands.
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
# The only tags the bot means to send; a link only to https.
_ALLOWED_TAG = re.compile(
    r'</?(?:b|i|blockquote|code)>|<blockquote expandable>|<a href="https://[^"<>]*">|</a>'
)


class _TelegramHtml(HTMLParser):
    """Parses a message with html.parser: allowed tags only, balanced, no comments or PIs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}>")
        wanted = ["href"] if tag == "a" else []
        allowed = [wanted, ["expandable"]] if tag == "blockquote" else [wanted]
        if [name for name, _ in attrs] not in allowed:
            self.errors.append(f"attributes {attrs} on <{tag}>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"stray </{tag}> (open: {self.open})")
            return
        self.open.pop()

    def handle_comment(self, data: str) -> None:
        self.errors.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.errors.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.errors.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.errors.append(f"declaration {data!r}")


def assert_telegram_html(text: str) -> None:
    """`text` is HTML Telegram accepts, holding only the bot's own tags, everything escaped."""
    for found in re.finditer("&", text):
        assert _ENTITY.match(text, found.start()), f"a bare '&' at {found.start()}: {text!r}"
    for found in re.finditer("<", text):
        assert _ALLOWED_TAG.match(text, found.start()), f"a raw '<' at {found.start()}: {text!r}"
    assert ">" not in _ALLOWED_TAG.sub("", text), f"a raw '>': {text!r}"
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    assert parser.errors == [], (parser.errors, text)
    assert parser.open == [], (parser.open, text)
    check_html(text)  # the emulator's reading of Telegram's own rules


def assert_sendable(text: str) -> None:
    """Valid Telegram HTML, and every message it is split into within Telegram's limit."""
    assert_telegram_html(text)
    parts = split_html(text)
    assert parts, text
    for part in parts:
        assert 0 < len(part) <= MESSAGE_LIMIT, len(part)
        assert part.strip(), parts
        assert_telegram_html(part)


def assert_sound_reply(answerer: Answerer, question: str, reply: Reply) -> None:
    """A reply the bot can send, whatever the question was."""
    assert reply.outcome in (Outcome.ANSWER, Outcome.CLARIFY, Outcome.FALLBACK)
    assert isinstance(reply.score, int | float)
    assert math.isfinite(reply.score)
    assert 0 <= reply.score <= 100, reply.score
    assert reply.question == question
    assert_sendable(reply.html())
    text = reply.text()
    assert isinstance(text, str)
    assert text.strip()
    data = reply.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["outcome"] in ("answer", "clarify", "fallback")
    if reply.outcome is Outcome.ANSWER:
        assert reply.fact is not None
    for offered in (*reply.suggestions, *reply.related):
        assert answerer.answer_with(offered.id) is not None, offered


# --- hostile questions -------------------------------------------------------------------------

ARABIC = ("متى زار الأسد سوتشي؟", "بشار الأسد وبوتين", "ماذا قال أردوغان عن القمة؟")
PERSIAN = ("روحانی کی به سوچی رفت؟", "نشست سه جانبه روسیه، ایران و ترکیه", "ظریف چه گفت؟")
HOSTILE = (
    "<b>",
    "</b>",
    "</blockquote>",
    "<blockquote>",
    "</a>",
    '<a href="javascript:alert(1)">',
    "<script>alert(1)</script>",
    "<!-- -->",
    "<![CDATA[x]]>",
    "<?xml?>",
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#x110000;",
    "&bogus;",
    "&#",
    '"',
    "'",
    "*_[",
    "]()",
    "*bold*",
    "_it_",
    "[link](http://x)",
    "`",
    "```",
    "~~",
    "||spoiler||",
    "\\",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\r\n",
    "\t",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u2028",
    "\ufeff",
    "\u00ad",
    "\ufffd",
    "\U0010ffff",
    "\ud800",  # a lone surrogate: Python text may hold one, JSON can carry it
    "🇸🇾",
    "👍🏽",
    "👨‍👩‍👧‍👦",
    "🤔🤔🤔",
    "Z̴̡̢a̷l̸g̶o̵",
    "ﷺ",
    "𒀱",
    "İ",
    "ß",
    "ﬃ",
    "Ⅻ",
    "١٢٣",
    "@syria_facts_bot",
    "/start",
    *ARABIC,
    *PERSIAN,
)
WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u1680\u2000\u2003\u200a\u2028\u2029\u202f\u205f\u3000"


def fill(piece: str, size: int = MESSAGE_LIMIT) -> str:
    """`piece` repeated to exactly `size` characters (a full Telegram message)."""
    return (piece * (size // max(1, len(piece)) + 1))[:size] if piece else " " * size


real_question = st.deferred(lambda: st.sampled_from(real_questions()))
fragment = st.one_of(st.sampled_from(HOSTILE), real_question, st.text(max_size=12))
mixture = st.lists(fragment, max_size=24).flatmap(
    lambda parts: st.sampled_from(["", " ", "\n"]).map(lambda glue: glue.join(parts))
)
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

# Full 4,096-character messages, very long single "words", real questions drowned in noise.
long_text: st.SearchStrategy[str] = st.one_of(
    st.builds(fill, st.one_of(fragment, mixture)),
    st.builds(
        fill,
        st.text(alphabet=string.ascii_letters + "éأ" + "\u200b", min_size=1, max_size=40),
        st.integers(min_value=64, max_value=MESSAGE_LIMIT),
    ),
    st.builds(
        lambda noise, question, size: fill(noise, size) + " " + question,
        st.sampled_from(HOSTILE),
        real_question,
        st.integers(min_value=0, max_value=3800),
    ),
)
full_text: st.SearchStrategy[str] = st.builds(
    fill, st.one_of(fragment, mixture, st.text(min_size=1, max_size=40))
)
hostile_text: st.SearchStrategy[str] = st.one_of(
    st.just(""),
    st.text(max_size=300),
    st.text(alphabet=WHITESPACE, max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=60),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Mn"]), max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF) | st.just(" ")),
    st.text(alphabet=st.sampled_from("<>&;#/*_[]()`~|\\\"'=!-"), max_size=200),
    st.text(alphabet=st.one_of(st.characters(), surrogates), max_size=100),
    mixture,
    long_text,
)

QUESTION_SETTINGS = settings(
    max_examples=800,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize(
    "question",
    [
        "",
        " ",
        "\n\t \u00a0\u3000",
        "\x00",
        "\x00" * MESSAGE_LIMIT,
        "\u200b" * MESSAGE_LIMIT,
        fill("🇸🇾"),
        fill("<b>"),
        fill("</blockquote>"),
        fill("&"),
        fill("*_[`"),
        fill("a"),
        fill("Assad"),
        fill("When did Assad visit Sochi? "),
        fill(" ".join(ARABIC + PERSIAN) + " "),
        "\u202eWhen did Assad visit Sochi?",
        "When\x00 did\u200b Assad\u200e visit <b>Sochi</b>? &amp; `*_[",
        "\ud800 assad sochi \udfff",
    ],
    ids=lambda question: repr(question[:24]) + f"[{len(question)}]",
)
def test_named_hostile_questions_get_sound_replies(answerer: Answerer, question: str) -> None:
    assert_sound_reply(answerer, question, answerer.ask(question))


@QUESTION_SETTINGS
@given(question=hostile_text)
def test_any_question_gets_a_sound_reply(answerer: Answerer, question: str) -> None:
    assert_sound_reply(answerer, question, answerer.ask(question))


@settings(QUESTION_SETTINGS, max_examples=150)
@given(query=hostile_text.map(lambda text: text[:256]))  # Telegram's limit on inline queries
def test_any_inline_search_gets_sound_answers(answerer: Answerer, query: str) -> None:
    replies = answerer.search(query, 10)
    assert len(replies) <= 10
    for reply in replies:
        assert reply.outcome is Outcome.ANSWER
        assert 0 <= reply.score <= 100
        assert_telegram_html(reply.html())
        assert_telegram_html(split_html(reply.html())[0])


LATENCY_SAMPLES = 200
LATENCY_BOUND = 1.0  # seconds, for the slowest question: generous, far above the median


def test_slowest_hostile_question_is_answered_within_a_second(answerer: Answerer) -> None:
    timings: dict[str, float] = {}
    answerer.ask("When did Assad visit Sochi?")  # warm the caches a first question fills

    @settings(
        max_examples=LATENCY_SAMPLES * 2,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    # Half of them full 4,096-character messages: the worst case.
    @given(question=st.booleans().flatmap(lambda full: full_text if full else hostile_text))
    def timed(question: str) -> None:
        if question in timings or len(timings) >= LATENCY_SAMPLES:
            return
        start = time.perf_counter()
        answerer.ask(question)
        timings[question] = time.perf_counter() - start

    timed()
    values = sorted(timings.values())
    slowest = max(timings, key=timings.__getitem__)
    full = sum(len(question) == MESSAGE_LIMIT for question in timings)
    long = sum(len(question) >= 1000 for question in timings)
    print(
        f"\nask latency over {len(values)} distinct generated questions "
        f"({long} over 1,000 characters, {full} of exactly {MESSAGE_LIMIT}): "
        f"median {statistics.median(values) * 1000:.2f} ms, "
        f"p99 {values[int(0.99 * (len(values) - 1))] * 1000:.2f} ms, "
        f"max {values[-1] * 1000:.2f} ms (a {len(slowest)}-character question)"
    )
    assert len(values) == LATENCY_SAMPLES
    assert values[-1] < LATENCY_BOUND, repr(slowest[:80])


# --- the loader: running it bounded ------------------------------------------------------------

LOAD_TIMEOUT = 10.0  # seconds; the mini base loads in a few milliseconds
MEMORY_BOUND = 200 * 1024 * 1024  # bytes of peak Python allocation
NEW_FILE = "zz-hostile.yaml"  # sorts after every file of the mini base
MINI_IDS = {
    "sources": {"iran-primer", "joint-statement"},
    "entities": {"putin", "assad", "sochi"},
    "facts": {"assad-visits-sochi", "js-meet-again"},
}
_YAML_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def load_bounded(directory: Path, timeout: float = LOAD_TIMEOUT) -> FactBase | KnowledgeError:
    """Load in a thread: the base, or the KnowledgeError; any other exception or a hang fails."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(load(directory))
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            outcome.append(error)

    thread = threading.Thread(target=run, name="bounded-load", daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"load did not finish within {timeout} s"
    [result] = outcome
    if isinstance(result, KnowledgeError | FactBase):
        return result
    assert isinstance(result, BaseException)
    raise AssertionError(f"load raised {type(result).__name__}, not KnowledgeError") from result


@dataclass(frozen=True)
class Peak:
    """What a bounded load did, and its peak traced memory."""

    result: FactBase | KnowledgeError
    peak: int
    seconds: float


def load_measured(directory: Path) -> Peak:
    """A bounded load with tracemalloc on: its result, peak memory and time."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = load_bounded(directory)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Peak(result, peak, time.perf_counter() - start)


def snapshot(directory: Path) -> dict[str, bytes]:
    """The base's files as the loader names them, with their bytes."""
    return {shown_path(path): path.read_bytes() for path in knowledge_files(directory)}


def line_count(raw: bytes) -> int:
    """The lines of a file, counting every line break YAML counts."""
    return len(_YAML_BREAK.findall(raw.decode("utf-8", errors="replace"))) + 1


def assert_whole(base: FactBase) -> None:
    """Nothing of the mini base was dropped."""
    assert MINI_IDS["sources"] <= set(base.sources)
    assert MINI_IDS["entities"] <= set(base.entities)
    assert MINI_IDS["facts"] <= set(base.facts)


def assert_problems(error: KnowledgeError, files: Mapping[str, bytes]) -> list[Problem]:
    """Every problem is `file:line: message`, in a file of the base, at a line it has."""
    assert error.problems, "a KnowledgeError without problems"
    for problem in error.problems:
        assert isinstance(problem, Problem)
        assert problem.path in files, (problem, sorted(files))
        # libyaml marks "the end of the file" one line past the last line of a file that does
        # not end with a line break: allowed, it is where an editor puts the cursor.
        assert 1 <= problem.line <= line_count(files[problem.path]) + 1, problem
        assert problem.message.strip(), problem
        assert "\n" not in problem.message, problem  # one problem, one line
        assert str(problem).startswith(f"{problem.path}:{problem.line}: "), problem
    assert str(error) == "\n".join(str(problem) for problem in error.problems)
    return error.problems


@contextlib.contextmanager
def written(directory: Path, files: Mapping[str, str | bytes]) -> Iterator[dict[str, str]]:
    """Write `files` into the base for the length of the block, then put the base back.

    Yields the names the loader gives the files written.
    """
    before = {
        name: (directory / name).read_bytes() for name in files if (directory / name).exists()
    }
    write_files(directory, files)
    try:
        yield {name: shown_path(directory / name) for name in files}
    finally:
        for name in files:
            if name in before:
                (directory / name).write_bytes(before[name])
            else:
                (directory / name).unlink()


def check_load(
    directory: Path,
    files: Mapping[str, str | bytes],
    *,
    only_in: str | None = None,
    named: bool = True,
    whole: bool = True,
) -> FactBase | list[Problem]:
    """Write `files`, load bounded, check the invariants; return the base or the problems.

    `only_in`: the file every problem must name (the rest of the base is valid); `named`: some
    problem names a file written; `whole`: a base loaded holds every item of the mini base.
    """
    with written(directory, files) as shown:
        contents = snapshot(directory)
        result = load_bounded(directory)
    if isinstance(result, FactBase):
        if whole:
            assert_whole(result)
        return result
    problems = assert_problems(result, contents)
    paths = {problem.path for problem in problems}
    if only_in is not None:
        assert paths == {shown[only_in]}, problems
    elif named:
        assert paths & set(shown.values()), (problems, shown)
    return problems


def declares_something(document: str | bytes) -> bool:
    """Whether YAML text declares anything: not empty, a comment, null or {} (or unreadable)."""
    try:
        return yaml.safe_load(document) not in (None, {})
    except Exception:  # noqa: BLE001 - unreadable YAML declares something wrong
        return True


LOADER_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the base is put back after every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def test_the_mini_base_loads_whole_in_a_bounded_load(mini_base_dir: Path) -> None:
    result = load_bounded(mini_base_dir)
    assert isinstance(result, FactBase)
    assert_whole(result)


# --- the loader: garbage ----------------------------------------------------------------------

YAML_TOKENS = (
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "? ",
    "|",
    ">-",
    "---",
    "...",
    "%YAML 1.1",
    "%TAG ! tag:x,2000:",
    "&a ",
    "*a",
    "<<: *a",
    "!!python/object/apply:os.system ['true']",
    "!!binary",
    "!!int x",
    "!!float x",
    "!!timestamp 2017-02-30",
    "!!set",
    "!!omap",
    "!x",
    "!<tag:yaml.org,2002:str>",
    "'",
    '"',
    '"\\ud800"',
    '"\\x00"',
    "#",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    "\r",
    "\x00",
    "\ufeff",
    "\u2028",
    "~",
    "2017-02-30",
    "9" * 5000,
    "facts",
    "sources",
    "entities",
    "id",
    "questions",
    "quote",
    "text",
    "../../etc/passwd",
    "/dev/zero",
)
token_soup = st.lists(
    st.one_of(st.sampled_from(YAML_TOKENS), st.text(max_size=8)), max_size=60
).map("".join)


@settings(LOADER_SETTINGS, max_examples=150)
@given(garbage=st.binary(max_size=2000))
def test_garbage_bytes_in_a_new_file(mini_base_dir: Path, garbage: bytes) -> None:
    check_load(mini_base_dir, {NEW_FILE: garbage}, only_in=NEW_FILE)


@settings(LOADER_SETTINGS, max_examples=150)
@given(garbage=st.one_of(st.text(max_size=1000), token_soup))
def test_garbage_text_in_a_new_file(mini_base_dir: Path, garbage: str) -> None:
    check_load(mini_base_dir, {NEW_FILE: garbage}, only_in=NEW_FILE)


@settings(LOADER_SETTINGS, max_examples=100)
@given(
    name=st.sampled_from(sorted(MINI_BASE)),
    garbage=st.one_of(st.binary(max_size=500), st.text(max_size=500), token_soup),
)
def test_garbage_in_place_of_a_file_of_the_base(
    mini_base_dir: Path, name: str, garbage: str | bytes
) -> None:
    # A file emptied of everything is a legitimate edit, which leaves the rest to judge; any
    # other garbage is refused, and named: every file of the mini base holds what another needs.
    something = declares_something(garbage)
    result = check_load(mini_base_dir, {name: garbage}, named=something, whole=False)
    if something:
        assert not isinstance(result, FactBase)


# --- the loader: wrong types ------------------------------------------------------------------

SOURCE_KEYS = ("id", "title", "publisher", "date", "url", "text", "quoted_in", "skip")
ENTITY_KEYS = ("id", "name", "kind", "aliases", "description", "source", "quote", "fact")
FACT_KEYS = ("id", "answer", "questions", "source", "quote", "date", "entities", "related")
OTHER_KEYS = ("speakers", "country", "question", "by", "at", "sentence", "reason")
SECTIONS = ("sources", "entities", "facts", "smalltalk", "replies", "synonyms", "examples")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["iran-primer", "putin", "assad-visits-sochi", "person", "2017-11"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6) | st.sampled_from(FACT_KEYS), inner, max_size=4)
    ),
    max_leaves=16,
)
items = st.dictionaries(
    st.sampled_from(SOURCE_KEYS + ENTITY_KEYS + FACT_KEYS + OTHER_KEYS), values, max_size=8
)
documents = st.dictionaries(
    st.sampled_from((*SECTIONS, "learned", "unknown")),
    st.one_of(values, st.lists(items, max_size=3)),
    max_size=4,
)


@settings(LOADER_SETTINGS, max_examples=200)
@given(document=documents)
def test_documents_of_any_shape_and_type_in_a_new_file(
    mini_base_dir: Path, document: dict[str, Any]
) -> None:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    check_load(mini_base_dir, {NEW_FILE: text}, only_in=NEW_FILE)


_FIELD = re.compile(r"^(?P<prefix>\s*(?:- )?)(?P<key>[a-z_]+):(?P<rest>.*)$")
# Values that are not text, nor a list of text: each field given one must be refused or, for an
# optional field, left out -- never crash the loader or drop the item silently.
WRONG_VALUES = (
    "[1, 2]",
    "{a: 1}",
    "true",
    "~",
    '""',
    "[]",
    "{}",
    "[[[[x]]]]",
    "[{a: [b]}]",
    "[" * 40 + "]" * 40,
)


@dataclass(frozen=True)
class Site:
    """A field of the mini base: its file, line (1-based) and the line of its item."""

    file: str
    line: int
    key: str
    item_line: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _item_line(lines: Sequence[str], index: int, column: int) -> int:
    """The line of the list item a field at `column` belongs to (its own line if none)."""
    for back in range(index, -1, -1):
        found = _FIELD.match(lines[back])
        if found is None:
            continue
        if len(found["prefix"]) < column:
            break
        if len(found["prefix"]) == column and found["prefix"].endswith("- "):
            return back + 1
    return index + 1


def field_sites() -> list[Site]:
    """Every field below the top-level sections of the mini base's files."""
    sites = []
    for name, text in MINI_BASE.items():
        lines = text.splitlines()
        for index, line in enumerate(lines):
            found = _FIELD.match(line)
            if found is None or not found["prefix"]:
                continue  # a top-level section: emptied, it is a legitimate (empty) section
            column = len(found["prefix"])
            sites.append(Site(name, index + 1, found["key"], _item_line(lines, index, column)))
    return sites


def with_value(text: str, site: Site, value: str) -> str:
    """`text` with the field at `site` given `value` (on its line; its block removed)."""
    lines = text.splitlines()
    index = site.line - 1
    found = _FIELD.match(lines[index])
    assert found is not None
    column = len(found["prefix"])
    end = index + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > column):
        end += 1
    return "\n".join([*lines[:index], f"{found['prefix']}{site.key}: {value}", *lines[end:]]) + "\n"


def test_a_wrong_type_in_every_field_is_refused_at_its_line(mini_base_dir: Path) -> None:
    sites = field_sites()
    assert len(sites) > 30
    assert {site.key for site in sites} >= {"id", "answer", "questions", "quote", "skip", "text"}
    refused = accepted = 0
    for site in sites:
        for value in WRONG_VALUES:
            text = with_value(MINI_BASE[site.file], site, value)
            result = check_load(mini_base_dir, {site.file: text}, named=False)
            if isinstance(result, FactBase):
                accepted += 1  # an optional field left empty: the item is still all there
                continue
            refused += 1
            shown = shown_path(mini_base_dir / site.file)
            lines = {problem.line for problem in result if problem.path == shown}
            if not lines & {site.line, site.item_line}:
                # Read as left empty, the field is missed where the base needs it (an answer's
                # year once its source has no date): the same as giving no value at all.
                empty = check_load(
                    mini_base_dir, {site.file: with_value(text, site, "~")}, named=False
                )
                assert not isinstance(empty, FactBase), (site, value, result)
                assert [str(p) for p in empty] == [str(p) for p in result], (site, value, result)
    print(
        f"\nwrong types: {len(sites)} fields x {len(WRONG_VALUES)} values = "
        f"{refused + accepted} loads, {refused} refused at the field's line, "
        f"{accepted} accepted whole (optional fields left empty, numbers read as text)"
    )
    assert refused > accepted


# --- the loader: deep nesting, aliases, size, encoding --------------------------------------

DEPTH = 10_000


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic: `width`**`levels` "lol"s from a few hundred bytes, by aliases."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


NASTY_DOCUMENTS: Mapping[str, str] = {
    "flow lists 10,000 deep": "[" * DEPTH + "]" * DEPTH,
    "flow maps 10,000 deep": "{a: " * DEPTH + "1" + "}" * DEPTH,
    "block lists 10,000 deep": "- " * DEPTH + "x\n",
    "flow lists 500 deep": "facts: " + "[" * 500 + "]" * 500,
    "a fact's answer 10,000 deep": "facts:\n  - id: x\n    answer: " + "[" * DEPTH + "]" * DEPTH,
    "billion laughs": billion_laughs(),
    "billion laughs in a fact": "facts:\n  - &x {id: x, answer: [*x]}\n" + billion_laughs(),
    "a recursive alias": "facts: &a [*a]\n",
    "a merge key": "facts:\n  - &x {id: a}\n  - <<: *x\n",
    "an alias of a fact": "facts:\n  - &x {id: a, answer: b}\n  - *x\n",
}


@pytest.mark.parametrize("name", NASTY_DOCUMENTS)
def test_nesting_and_aliases_are_refused_in_bounded_time_and_memory(
    mini_base_dir: Path, write_tree: WriteFiles, name: str
) -> None:
    document = NASTY_DOCUMENTS[name]
    write_tree(mini_base_dir, {NEW_FILE: document})
    contents = snapshot(mini_base_dir)
    measured = load_measured(mini_base_dir)
    print(
        f"\n{name} ({len(document):,} bytes): refused in {measured.seconds * 1000:.1f} ms, "
        f"peak traced memory {measured.peak / 1024:.0f} KiB"
    )
    assert isinstance(measured.result, KnowledgeError)
    problems = assert_problems(measured.result, contents)
    assert {problem.path for problem in problems} == {shown_path(mini_base_dir / NEW_FILE)}
    assert measured.peak < MEMORY_BOUND


def test_an_anchor_in_the_base_is_refused_at_its_line(
    mini_base_dir: Path, write_tree: WriteFiles, find_line: Callable[[Path, str], int]
) -> None:
    entities = mini_base_dir / "entities.yaml"
    text = entities.read_text(encoding="utf-8")
    text = text.replace("aliases: [Putin, President Putin]", "aliases: &names [Putin]")
    text = text.replace("aliases: [Assad, al-Assad, Bashar, Syrian president]", "aliases: *names")
    write_tree(mini_base_dir, {"entities.yaml": text})
    result = load_bounded(mini_base_dir)
    assert isinstance(result, KnowledgeError)
    [problem] = result.problems
    assert problem.path == shown_path(entities)
    assert problem.line in (find_line(entities, "&names"), find_line(entities, "*names"))
    assert "alias" in problem.message


@pytest.mark.parametrize("extra", [1, 1024 * 1024])
def test_a_file_over_the_size_limit_is_refused_unread(
    mini_base_dir: Path, write_tree: WriteFiles, extra: int
) -> None:
    write_tree(mini_base_dir, {NEW_FILE: b"# " + b"x" * (MAX_FILE_BYTES + extra - 3) + b"\n"})
    measured = load_measured(mini_base_dir)
    assert isinstance(measured.result, KnowledgeError)
    [problem] = measured.result.problems
    assert problem.path == shown_path(mini_base_dir / NEW_FILE)
    assert problem.line == 1
    assert "larger than" in problem.message
    # Only the file's bytes are read: no parse, no copy of them as text.
    assert measured.peak < 2 * (MAX_FILE_BYTES + extra)


def test_a_file_at_the_size_limit_is_read(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    text = "# a comment line of the fact base\n"
    body = (text * (MAX_FILE_BYTES // len(text) + 1))[: MAX_FILE_BYTES - 1] + "\n"
    write_tree(mini_base_dir, {NEW_FILE: body})
    assert len(body.encode()) == MAX_FILE_BYTES
    result = load_bounded(mini_base_dir)
    assert isinstance(result, FactBase)
    assert_whole(result)


INVALID_UTF8 = (
    b"\xff",
    b"\xfe\xff",
    b"\xc3\x28",
    b"\xe2\x82",
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xc0\xaf",  # overlong
    b"\x80",
)


@settings(LOADER_SETTINGS, max_examples=100)
@given(
    lines=st.lists(
        st.text(alphabet=string.ascii_letters + string.digits + " :-#'", max_size=40),
        min_size=1,
        max_size=30,
    ),
    at=st.integers(min_value=0),
    column=st.integers(min_value=0),
    bad=st.sampled_from(INVALID_UTF8),
)
def test_invalid_utf8_is_reported_at_its_line(
    mini_base_dir: Path, lines: list[str], at: int, column: int, bad: bytes
) -> None:
    number = at % len(lines)
    encoded = [line.encode() for line in lines]
    line = encoded[number]
    cut = column % (len(line) + 1)
    encoded[number] = line[:cut] + bad + line[cut:]
    result = check_load(mini_base_dir, {NEW_FILE: b"\n".join(encoded)}, only_in=NEW_FILE)
    assert not isinstance(result, FactBase)
    assert [(problem.line, problem.message) for problem in result] == [
        (number + 1, "not valid UTF-8 text; save the file as UTF-8")
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"facts:\n  - id: a\x00b\n",
        b"\x00" * 100,
        b"facts:\n  - id: x\n    answer: \x07\x1b[31m\n",
        "facts: [1]".encode("utf-16"),  # a file saved as UTF-16
        "facts: [1]".encode("utf-32"),
    ],
    ids=[
        "nul in a field",
        "nul only",
        "control characters",
        "utf-16",
        "utf-32",
    ],
)
def test_nul_bytes_control_characters_and_other_encodings_are_refused(
    mini_base_dir: Path, raw: bytes
) -> None:
    result = check_load(mini_base_dir, {NEW_FILE: raw}, only_in=NEW_FILE)
    assert not isinstance(result, FactBase)


def test_an_override_that_is_not_utf8_encodable_is_a_problem(mini_base_dir: Path) -> None:
    # load(overrides) checks text before it is written (teaching does); a lone surrogate in it
    # once escaped as UnicodeEncodeError.
    with pytest.raises(KnowledgeError) as caught:
        load(mini_base_dir, {mini_base_dir / NEW_FILE: "# line 1\nfacts: \udcff\n"})
    [problem] = caught.value.problems
    assert problem.path == shown_path(mini_base_dir / NEW_FILE)
    assert problem.line == 2


CONTROL_AT_LINE_5 = "# line 1\n# line 2\n# line 3\n# line 4\nreplies: {greeting: 'a\x00b'}\n"


def test_a_control_character_is_reported_at_its_line_in_one_line(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    write_tree(mini_base_dir, {NEW_FILE: CONTROL_AT_LINE_5})
    result = load_bounded(mini_base_dir)
    assert isinstance(result, KnowledgeError)
    [problem] = result.problems
    assert "\n" not in problem.message
    assert "<unicode string>" not in problem.message
    assert problem.line == 5


CONTROL = "".join(chr(code) for code in [*range(0x09), *range(0x0E, 0x20), 0x7F])


@settings(LOADER_SETTINGS, max_examples=100)
@given(
    lines=st.lists(
        st.text(alphabet=string.ascii_letters + " :-'", max_size=40),  # non-ASCII: see below
        min_size=1,
        max_size=30,
    ),
    at=st.integers(min_value=0),
    column=st.integers(min_value=0),
    bad=st.sampled_from(CONTROL),
)
def test_a_control_character_anywhere_is_reported_at_its_line(
    mini_base_dir: Path, lines: list[str], at: int, column: int, bad: str
) -> None:
    # Comment lines, so that nothing but the character itself can be wrong.
    commented = ["# " + line for line in lines]
    number = at % len(commented)
    line = commented[number]
    cut = column % (len(line) + 1)
    commented[number] = line[:cut] + bad + line[cut:]
    result = check_load(mini_base_dir, {NEW_FILE: "\n".join(commented)}, only_in=NEW_FILE)
    assert not isinstance(result, FactBase)
    assert [problem.line for problem in result] == [number + 1], result


def test_a_source_text_that_is_a_pipe_is_a_problem_not_a_hang(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    os.mkfifo(mini_base_dir / "sources" / "pipe.txt")  # reading it would wait for a writer
    source = "sources:\n  - id: piped\n    title: T\n    publisher: P\n    text: sources/pipe.txt\n"
    write_tree(mini_base_dir, {NEW_FILE: source})
    result = load_bounded(mini_base_dir)
    assert isinstance(result, KnowledgeError)
    [problem] = result.problems
    assert (Path(problem.path).name, problem.line) == (NEW_FILE, 5)
    assert "text file 'sources/pipe.txt' is not a regular file" in problem.message


# --- once known bugs, now fixed ---------------------------------------------------------------

NON_ASCII_THEN_NUL = "# “The presidents” — a quote\n" * 9 + "replies: {greeting: 'a\x00b'}\n"


def test_a_control_character_after_curly_quotes_is_reported_at_its_line(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    write_tree(mini_base_dir, {NEW_FILE: NON_ASCII_THEN_NUL})
    result = load_bounded(mini_base_dir)
    assert isinstance(result, KnowledgeError)
    [problem] = result.problems
    assert problem.line == 10, problem


DEEP_AT_LINE_5 = "# line 1\n# line 2\n# line 3\n# line 4\nfacts: " + "[" * 500 + "]" * 500 + "\n"


def test_deep_nesting_is_reported_at_its_line(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    write_tree(mini_base_dir, {NEW_FILE: DEEP_AT_LINE_5})
    result = load_bounded(mini_base_dir)
    assert isinstance(result, KnowledgeError)
    [problem] = result.problems
    assert problem.line == 5, problem


# --- helpers checked ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<b>x",
        "x</b>",
        "<u>x</u>",
        "<b><i>x</b></i>",
        "a & b",
        "&bogus;",
        "<script>",
        '<a href="http://x">x</a>',
        '<a href="https://x" onclick="y">x</a>',
        "a < b",
        "a > b",
        "<!-- x -->",
        "<br/>",
    ],
)
def test_the_html_check_refuses_what_telegram_or_the_bot_must_not_send(text: str) -> None:
    with pytest.raises((AssertionError, ApiError)):
        assert_telegram_html(text)


def test_the_html_check_accepts_a_real_answer(answerer: Answerer) -> None:
    reply = answerer.ask("When did Assad visit Sochi?")
    assert reply.outcome is Outcome.ANSWER
    assert "<blockquote>" in reply.html()
    assert_telegram_html(reply.html())


def test_field_sites_cover_every_kind_of_item() -> None:
    sites: Sequence[Site] = field_sites()
    by_file = {site.file for site in sites}
    assert by_file == set(MINI_BASE)
    assert all(site.item_line <= site.line for site in sites)
