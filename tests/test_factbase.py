"""The loader: YAML files merged into frozen dataclasses, or every problem as file:line."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from bot.factbase import (
    MAX_FILE_BYTES,
    EventDate,
    FactBase,
    KnowledgeError,
    Problem,
    load,
    yaml_lines,
)
from tests.conftest import SOURCE_NAME, WriteFiles

BAD = "facts/wrong.yaml"  # sorts after facts/visit.yaml, so the mini base's ids come first
QUOTE = "President Vladimir Putin"  # a phrase the source text holds word for word


def y(text: str) -> str:
    """A YAML snippet written indented in the test, flush left; line 1 is its first line."""
    return textwrap.dedent(text).lstrip("\n")


def problems_of(directory: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load(directory)
    return caught.value.problems


# --- the mini base loads ------------------------------------------------------------------


def test_mini_base_loads_whole(mini_base: FactBase) -> None:
    assert set(mini_base.sources) == {"iran-primer", "joint-statement"}
    assert set(mini_base.entities) == {"putin", "assad", "sochi"}
    assert set(mini_base.facts) == {"assad-visits-sochi", "js-meet-again"}
    assert [Path(name).name for name in mini_base.files] == [
        "entities.yaml",
        "visit.yaml",
        "sources.yaml",
    ]
    assert mini_base.smalltalk == {"greeting": ("hi", "hello"), "thanks": ("thanks", "thank you")}
    assert mini_base.reply("greeting").startswith("Hello!")
    assert mini_base.reply("clarify", "default") == "default"
    assert mini_base.synonyms == {}


def test_fact_fields(mini_base_dir: Path, find_line: Callable[[Path, str], int]) -> None:
    base = load(mini_base_dir)
    fact = base.facts["assad-visits-sochi"]
    visit = mini_base_dir / "facts" / "visit.yaml"
    # Folded YAML text reads as one line with single spaces.
    assert fact.answer == "On 20 November 2017 Assad visited Sochi and met Putin."
    assert fact.quote == (
        "On November 20, Syrian President Bashar al Assad visited the Russian resort city of "
        "Sochi, where he met with President Vladimir Putin."
    )
    assert fact.questions == (
        "When did Assad visit Sochi?",
        "assad sochi visit",
        "Where did Assad meet Putin?",
    )
    assert fact.question_lines == tuple(find_line(visit, question) for question in fact.questions)
    assert fact.quote_line == find_line(visit, "quote: >-")
    assert fact.where.line == find_line(visit, "- id: assad-visits-sochi")
    assert Path(fact.where.path).resolve() == visit.resolve()
    assert fact.source == "iran-primer"
    assert fact.entities == ("assad", "putin", "sochi")
    assert fact.related == ("js-meet-again",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.answer = "changed"  # type: ignore[misc]


def test_dates(mini_base: FactBase) -> None:
    day = mini_base.facts["assad-visits-sochi"].date
    month = mini_base.facts["js-meet-again"].date
    assert day == EventDate(2017, 11, 20)
    assert month == EventDate(2017, 11, None)
    assert mini_base.sources["iran-primer"].date == EventDate(2017, 11, 22)
    assert str(day) == "20 Nov 2017"
    assert str(month) == "Nov 2017"
    # A month-only date sorts after the days of its month, before the next month.
    assert day is not None and month is not None
    assert day.sort_key() < month.sort_key() < EventDate(2017, 12, 1).sort_key()


def test_sources(mini_base: FactBase) -> None:
    primer = mini_base.sources["iran-primer"]
    statement = mini_base.sources["joint-statement"]
    assert primer.text is not None
    assert primer.text_file == f"sources/{SOURCE_NAME}"
    # The text is read with its white space squeezed: paragraphs join with single spaces.
    assert "\n" not in primer.text
    assert "did not elaborate. On November 20, Syrian" in primer.text
    assert primer.url is not None and primer.url.startswith("https://iranprimer.usip.org/")
    assert [skip.sentence for skip in primer.skip] == ["The following is a video from the meeting."]
    assert primer.skip[0].reason == "points at a video the text does not carry"
    assert statement.quoted_in == "iran-primer"
    assert statement.text is None
    assert statement.url is None
    assert mini_base.document_of(statement) is primer
    assert mini_base.document_of(primer) is primer


def test_entities(mini_base: FactBase) -> None:
    assad = mini_base.entities["assad"]
    assert assad.name == "Bashar al-Assad"
    assert assad.kind == "person"
    assert assad.aliases == ("Assad", "al-Assad", "Bashar", "Syrian president")
    assert assad.description == "President of Syria."
    assert assad.quote == "Syrian President Bashar al Assad"
    assert assad.fact is None


def test_entity_that_names_a_fact(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    write_tree(
        mini_base_dir,
        {
            "facts/events.yaml": y("""
                entities:
                  - id: assad-trip
                    name: Assad's trip to Sochi
                    kind: event
                    fact: assad-visits-sochi
            """)
        },
    )
    entity = load(mini_base_dir).entities["assad-trip"]
    assert entity.fact == "assad-visits-sochi"
    assert entity.description is None
    assert entity.quote is None


def test_eval_folder_is_not_knowledge(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    # A question set would be an unknown section if it were read as knowledge.
    write_tree(mini_base_dir, {"eval/questions.yaml": "questions:\n  - q: hi\n"})
    base = load(mini_base_dir)
    assert len(base.files) == 3
    assert not any("eval" in Path(name).parts for name in base.files)


def test_empty_and_comment_only_files_load(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    write_tree(mini_base_dir, {"facts/empty.yaml": "", "facts/notes.yaml": "# nothing yet\n"})
    assert len(load(mini_base_dir).facts) == 2


@pytest.mark.parametrize(
    "quote",
    [
        # Folded across lines, with runs of spaces: white space does not count.
        ">-\n      Russian Foreign Minister   Sergei Lavrov\n      said the talks were",
        # Across a paragraph break of the source text.
        "but did not elaborate. On November 20, Syrian President",
        # A literal block keeps its newlines; they still compare as spaces.
        "|-\n      the Russian resort city\n      of Sochi",
    ],
)
def test_quote_matches_whatever_the_white_space(
    mini_base_dir: Path, write_tree: WriteFiles, quote: str
) -> None:
    write_tree(
        mini_base_dir,
        {
            BAD: y("""
                facts:
                  - id: spaced
                    answer: A fact.
                    questions: [A question?]
                    source: iran-primer
                    quote: QUOTE
            """).replace("QUOTE", quote)
        },
    )
    base = load(mini_base_dir)
    assert base.facts["spaced"].quote in (base.sources["iran-primer"].text or "")


# --- every kind of problem, at its file and line ------------------------------------------

# Each case: files to add to the mini base, and the problems expected as (file, line, words).
Case = tuple[Mapping[str, str | bytes], list[tuple[str, int, str]]]

CASES: dict[str, Case] = {
    "yaml syntax error": (
        {
            BAD: y("""
                facts:
                  - id: broken
                    answer: y
                   questions: [q]
            """)
        },
        [(BAD, 4, "YAML error")],
    ),
    "tab indentation": (
        {BAD: "facts:\n\t- id: x\n"},
        [(BAD, 2, "YAML error")],
    ),
    "unknown key in a fact": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    colour: red
            """)
        },
        [(BAD, 7, "fact x: unknown key 'colour'")],
    ),
    "missing required field": (
        {
            BAD: y("""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
            """)
        },
        [(BAD, 2, "fact x: missing 'quote'")],
    ),
    "empty field": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: ''
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 3, "fact x: 'answer' is empty")],
    ),
    "null field": (
        {
            BAD: y("""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote:
            """)
        },
        [(BAD, 6, "fact x: 'quote' is empty")],
    ),
    "empty questions": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: []
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 4, "'questions' is empty")],
    ),
    "empty question in the list": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions:
                      - Fine?
                      - ''
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 6, "each of 'questions' must be non-empty text")],
    ),
    "an answers name not of the list": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    answers:
                      - when
                      - what colour
            """)
        },
        [(BAD, 9, "answers 'what colour' is not one of when, where, how many")],
    ),
    "duplicate id across files": (
        {
            BAD: y(f"""
                facts:
                  - id: assad-visits-sochi
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 2, "duplicate id 'assad-visits-sochi' (first at facts/visit.yaml:2)")],
    ),
    "duplicate id within a file": (
        {
            BAD: y(f"""
                facts:
                  - id: twice
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                  - id: twice
                    answer: z
                    questions: [r]
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 7, f"duplicate id 'twice' (first at {BAD}:2)")],
    ),
    "related fact that does not resolve": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    related: [no-such-fact]
            """)
        },
        [(BAD, 2, "related fact 'no-such-fact' is not defined")],
    ),
    "fact related to itself": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    related: [x]
            """)
        },
        [(BAD, 2, "a fact is not related to itself")],
    ),
    "entity reference that does not resolve": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    entities: [putin, nobody]
            """)
        },
        [(BAD, 2, "entity 'nobody' is not defined")],
    ),
    "source that does not resolve": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: nowhere
                    quote: {QUOTE}
            """)
        },
        [(BAD, 6, "source 'nowhere' is not defined")],
    ),
    "quote not verbatim in the source": (
        {
            BAD: y("""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: President Vladimir Poutine
            """)
        },
        [(BAD, 6, "quote not found in source 'iran-primer'")],
    ),
    "straight apostrophe where the source has a curly one": (
        {
            BAD: y("""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: Putin's spokesman, Dmitry Peskov
            """)
        },
        [(BAD, 6, "quote not found in source 'iran-primer'")],
    ),
    "quote of a primary source checked against its document": (
        {
            BAD: y("""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: joint-statement
                    quote: The presidents decided never to meet again.
            """)
        },
        [(BAD, 6, "quote not found in source 'iran-primer'")],
    ),
    "entity quote not verbatim": (
        {
            BAD: y("""
                entities:
                  - id: lavrov
                    name: Sergei Lavrov
                    kind: person
                    description: Russia's foreign minister.
                    source: iran-primer
                    quote: Foreign Minister Sergey Lavrov
            """)
        },
        [(BAD, 7, "entity \"lavrov\": quote not found in source 'iran-primer'")],
    ),
    "duplicate mapping key": (
        {
            BAD: y("""
                facts:
                  - id: x
                    answer: y
                    answer: z
            """)
        },
        [(BAD, 4, "YAML error: duplicate key 'answer'")],
    ),
    "anchors and aliases (billion laughs)": (
        {
            BAD: y("""
                a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
                b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            """)
        },
        # Reported where the anchored node is, the one the aliases would repeat.
        [(BAD, 1, "anchors and aliases are not allowed")],
    ),
    "alias of a scalar": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: &answer Assad visited Sochi.
                    questions: [*answer]
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 3, "anchors and aliases are not allowed")],
    ),
    "invalid UTF-8": (
        {BAD: b"facts:\n  - id: x\n    answer: caf\xe9 au lait\n"},
        [(BAD, 3, "not valid UTF-8")],
    ),
    "questions as a string": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: When did Assad visit Sochi?
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 4, "fact x: 'questions' must be a list")],
    ),
    "answer as a list": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: [y, z]
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 3, "fact x: 'answer' must be text")],
    ),
    "a fact that is a list": (
        {
            BAD: y("""
                facts:
                  - id: fine
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: President Vladimir Putin
                  - [x, y]
            """)
        },
        [(BAD, 7, "a fact must be a mapping")],
    ),
    "facts that are a mapping": (
        {BAD: "\nfacts:\n  id: x\n"},
        [(BAD, 2, "'facts' must be a list")],
    ),
    "a file that is a list": (
        {BAD: "- id: x\n"},
        [(BAD, 1, "the file must be a mapping")],
    ),
    "bad id format": (
        {
            BAD: y(f"""
                facts:
                  - id: Assad_Visit
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 2, "id 'Assad_Visit' must be lowercase letters, digits and single hyphens")],
    ),
    "double hyphen in an id": (
        {
            BAD: y(f"""
                facts:
                  - id: assad--visit
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
            """)
        },
        [(BAD, 2, "id 'assad--visit' must be lowercase")],
    ),
    "date in words": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    date: 20 November 2017
            """)
        },
        [(BAD, 7, "'date' must be a date, YYYY-MM-DD or YYYY-MM")],
    ),
    "quoted impossible date": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    date: '2017-02-30'
            """)
        },
        [(BAD, 7, "'date' must be a date")],
    ),
    "month 13": (
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    date: 2017-13
            """)
        },
        [(BAD, 7, "'date' must be a date")],
    ),
    "unknown top-level section": (
        {BAD: "replies:\n  thanks: You're welcome.\nfatcs:\n  - id: x\n"},
        [(BAD, 3, "unknown section 'fatcs'")],
    ),
    "entity with neither description nor fact": (
        {
            BAD: y("""
                entities:
                  - id: lavrov
                    name: Sergei Lavrov
                    kind: person
                    aliases: [Lavrov]
            """)
        },
        [(BAD, 2, "entity lavrov: give 'description', 'source' and 'quote', or a 'fact'")],
    ),
    "entity with both a fact and a description": (
        {
            BAD: y("""
                entities:
                  - id: trip
                    name: The trip
                    kind: event
                    fact: assad-visits-sochi
                    description: A trip.
            """)
        },
        [(BAD, 2, "an entity with a 'fact' has no description, source or quote")],
    ),
    "entity naming a missing fact": (
        {
            BAD: y("""
                entities:
                  - id: trip
                    name: The trip
                    kind: event
                    fact: no-such-fact
            """)
        },
        [(BAD, 2, "entity \"trip\": fact 'no-such-fact' is not defined")],
    ),
    "entity of an unknown kind": (
        {
            BAD: y("""
                entities:
                  - id: trip
                    name: The trip
                    kind: journey
                    fact: assad-visits-sochi
            """)
        },
        [(BAD, 4, "kind 'journey' is not one of")],
    ),
    "skipped sentence not in the text": (
        {
            BAD: y(f"""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: sources/{SOURCE_NAME}
                    skip:
                      - sentence: This sentence is nowhere in the text.
                        reason: r
            """)
        },
        [(BAD, 7, "skipped sentence not found in its text")],
    ),
    "quoted_in naming a missing source": (
        {
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    quoted_in: no-such-source
            """)
        },
        [(BAD, 2, "quoted_in 'no-such-source' is not a source with its own text")],
    ),
    "quoted_in naming a source that is itself quoted": (
        {
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    quoted_in: joint-statement
            """)
        },
        [(BAD, 2, "quoted_in 'joint-statement' is not a source with its own text")],
    ),
    "source with both text and quoted_in": (
        {
            BAD: y(f"""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: sources/{SOURCE_NAME}
                    quoted_in: iran-primer
            """)
        },
        [(BAD, 2, "give either 'text' (a file) or 'quoted_in'")],
    ),
    "text path escaping the folder": (
        {
            BAD: y(f"""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: ../sources/{SOURCE_NAME}
            """)
        },
        [(BAD, 5, "must be inside the knowledge folder")],
    ),
    "absolute text path": (
        {
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: /etc/hostname
            """)
        },
        [(BAD, 5, "must be inside the knowledge folder")],
    ),
    "text file missing": (
        {
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: sources/missing.txt
            """)
        },
        [(BAD, 5, "text file 'sources/missing.txt' not found")],
    ),
    "text file not UTF-8": (
        {
            "sources/latin1.txt": "Caf\xe9 society.".encode("latin-1"),
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: sources/latin1.txt
            """),
        },
        [(BAD, 5, "is not valid UTF-8")],
    ),
    "text file too large": (
        {
            "sources/huge.txt": b"Words. " * (MAX_FILE_BYTES // 7 + 1),
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: sources/huge.txt
            """),
        },
        [(BAD, 5, "text file 'sources/huge.txt' is larger than 2 MiB")],
    ),
    "text file a folder": (
        {
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    text: sources
            """),
        },
        [(BAD, 5, "text file 'sources' is not a regular file")],
    ),
    "url without a scheme": (
        {
            BAD: y("""
                sources:
                  - id: other
                    title: T
                    publisher: P
                    url: iranprimer.usip.org
                    quoted_in: iran-primer
            """)
        },
        [(BAD, 5, "url must start with https://")],
    ),
    "reply given twice across files": (
        {BAD: "replies:\n  greeting: Hi again.\n"},
        [(BAD, 2, "replies: 'greeting' is given twice")],
    ),
    "smalltalk that is not a list": (
        {BAD: "smalltalk:\n  bye:\n"},
        [(BAD, 2, "smalltalk: 'bye' needs a list")],
    ),
}


@pytest.mark.parametrize("files, expected", list(CASES.values()), ids=list(CASES))
def test_problem_is_reported_at_its_file_and_line(
    mini_base_dir: Path,
    write_tree: WriteFiles,
    monkeypatch: pytest.MonkeyPatch,
    files: Mapping[str, str | bytes],
    expected: list[tuple[str, int, str]],
) -> None:
    write_tree(mini_base_dir, files)
    monkeypatch.chdir(mini_base_dir)  # paths are then shown relative to the folder
    problems = problems_of(mini_base_dir)
    for path, line, words in expected:
        assert any(p.path == path and p.line == line and words in p.message for p in problems), (
            f"expected {path}:{line}: …{words}… in {[str(p) for p in problems]}"
        )
    # No noise: nothing is reported anywhere but where the mistake is.
    assert {(p.path, p.line) for p in problems} == {(path, line) for path, line, _ in expected}
    assert str(problems[0]).startswith(f"{problems[0].path}:{problems[0].line}: ")


def test_problem_paths_are_absolute_outside_the_working_directory(
    mini_base_dir: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_tree(mini_base_dir, {BAD: "fatcs: []\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    [problem] = problems_of(mini_base_dir)
    assert Path(problem.path).resolve() == (mini_base_dir / BAD).resolve()
    assert problem.line == 1


@pytest.mark.parametrize("link", ["secret.yaml", "facts/deeper/secret.yaml"])
def test_a_yaml_file_linked_from_outside_the_folder_is_refused_unread(
    mini_base_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    link: str,
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "private.yaml"
    outside.write_text("database_password: hunter2\nfacts: [\n", encoding="utf-8")
    path = mini_base_dir / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(outside)
    monkeypatch.chdir(mini_base_dir)
    [problem] = problems_of(mini_base_dir)
    assert (problem.path, problem.line) == (link, 1)
    assert "outside the knowledge folder" in problem.message
    assert "hunter2" not in str(problem)
    assert "database_password" not in str(problem)
    assert str(outside) not in str(problem)  # where it points is for the operator to look up


def test_a_yaml_file_linked_from_inside_the_folder_is_read(
    mini_base_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [first, *_] = sorted(mini_base_dir.glob("*.yaml"))
    kept = mini_base_dir / "kept"
    kept.mkdir()
    first.rename(kept / first.name)
    first.symlink_to(kept / first.name)  # the same file, twice inside the folder: ids repeat
    problems = problems_of(mini_base_dir)
    assert problems
    assert not any("outside the knowledge folder" in p.message for p in problems)


def test_file_over_the_size_limit(
    mini_base_dir: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_lines, "MAX_FILE_BYTES", 16_384)  # the limit of source texts too
    assert all(len(text.encode()) < 16_384 for text in _mini_texts(mini_base_dir))
    write_tree(mini_base_dir, {BAD: "# padding\n" * 2000})  # valid YAML, 20,000 bytes
    monkeypatch.chdir(mini_base_dir)
    [problem] = problems_of(mini_base_dir)
    assert (problem.path, problem.line) == (BAD, 1)
    assert "larger than" in problem.message


def _mini_texts(directory: Path) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in directory.rglob("*.*") if path.is_file()]


def test_deeply_nested_yaml_is_a_problem_not_a_crash(
    mini_base_dir: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(mini_base_dir, {BAD: "a: " + "[" * 3000 + "]" * 3000 + "\n"})
    monkeypatch.chdir(mini_base_dir)
    [problem] = problems_of(mini_base_dir)
    assert problem.path == BAD


def test_every_problem_is_reported_and_nothing_is_returned(
    mini_base_dir: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        mini_base_dir,
        {
            BAD: y(f"""
                facts:
                  - id: Bad-Id
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                  - id: no-quote
                    answer: y
                    questions: [q]
                    source: iran-primer
                    colour: red
            """),
            "entities2.yaml": y("""
                entities:
                  - id: lavrov
                    name: Sergei Lavrov
                    kind: minister
                    description: Russia's foreign minister.
                    source: iran-primer
                    quote: Sergei Lavrov
            """),
        },
    )
    monkeypatch.chdir(mini_base_dir)
    with pytest.raises(KnowledgeError) as caught:
        load(mini_base_dir)
    error = caught.value
    found = [(p.path, p.line) for p in error.problems]
    assert found == [
        ("entities2.yaml", 4),
        (BAD, 2),
        (BAD, 7),
        (BAD, 11),
    ]
    messages = [p.message for p in error.problems]
    assert "kind 'minister'" in messages[0]
    assert "id 'Bad-Id' must be lowercase" in messages[1]
    assert "missing 'quote'" in messages[2]
    assert "unknown key 'colour'" in messages[3]
    # The exception's text is every problem, one a line.
    assert str(error).splitlines() == [str(p) for p in error.problems]


def test_unreadable_file_suppresses_reference_noise(
    mini_base_dir: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fact in the broken file cannot be read, so what refers to it is not reported.
    write_tree(
        mini_base_dir,
        {
            "facts/broken.yaml": "facts:\n  - id: in-broken-file\n    answer: [unclosed\n",
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    related: [in-broken-file]
                    colour: red
            """),
        },
    )
    monkeypatch.chdir(mini_base_dir)
    found = [(p.path, p.line) for p in problems_of(mini_base_dir)]
    # The broken file and the other file's own mistake are still both reported.
    assert found == [("facts/broken.yaml", 4), (BAD, 8)]


def test_missing_folder(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "nowhere")
    assert problem.message == "no such knowledge folder"


def test_folder_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a fact base", encoding="utf-8")
    [problem] = problems_of(tmp_path)
    assert problem.message == "no .yaml files in this folder"


# --- known bugs ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2017-02-30", "2017-11-31", "!!int eleven"])
def test_value_yaml_cannot_construct_is_a_problem(
    mini_base_dir: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    write_tree(
        mini_base_dir,
        {
            BAD: y(f"""
                facts:
                  - id: x
                    answer: y
                    questions: [q]
                    source: iran-primer
                    quote: {QUOTE}
                    date: {value}
            """)
        },
    )
    monkeypatch.chdir(mini_base_dir)
    [problem] = problems_of(mini_base_dir)
    assert (problem.path, problem.line) == (BAD, 7)


def test_questions_as_a_string_is_one_problem(
    mini_base_dir: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(mini_base_dir, {BAD: CASES["questions as a string"][0][BAD]})
    monkeypatch.chdir(mini_base_dir)
    problems = problems_of(mini_base_dir)
    assert [p.message for p in problems] == ["fact x: 'questions' must be a list"]


SAID_YAML = """\
facts:
  - id: assad-said
    answer: Assad thanked Russia.
    questions:
      - What did Assad say?
    source: iran-primer
    quote: >-
      “I passed on to (Putin) and all Russian people our greetings and gratitude for all of the
      efforts that Russia made to save our country,” Assad said in televised remarks.
    speakers: {speakers}
"""


def test_speakers_are_read(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    write_tree(mini_base_dir, {"facts/said.yaml": SAID_YAML.format(speakers="[assad]")})
    assert load(mini_base_dir).facts["assad-said"].speakers == ("assad",)


def test_speakers_must_be_entities(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    write_tree(mini_base_dir, {"facts/said.yaml": SAID_YAML.format(speakers="[assad, nobody]")})
    with pytest.raises(KnowledgeError) as raised:
        load(mini_base_dir)
    [problem] = raised.value.problems
    assert problem.path.endswith("facts/said.yaml") and problem.line == 2
    assert "speaker 'nobody' is not a defined entity" in problem.message
