"""Moderators' checks beyond loading: sentences no fact quotes, phrasings that collide."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import audit
from bot.audit import Sentence, sentences
from bot.factbase import FactBase, load
from bot.matching import Matcher
from tests.conftest import SOURCE_NAME, WriteFiles

# --- splitting a text into sentences ------------------------------------------------------


def test_sentences_split_at_end_marks_and_keep_line_numbers() -> None:
    raw = "One is here. Two is here!  Three is   here?\n\n  Four.\n"
    assert sentences(raw) == [
        Sentence("One is here.", 1),
        Sentence("Two is here!", 1),
        Sentence("Three is here?", 1),  # runs of spaces squeezed
        Sentence("Four.", 3),  # the blank line still counts
    ]


@pytest.mark.parametrize(
    "line",
    [
        "The U.N.-backed talks were slated for November 28.",
        "It ended on Nov. 22, 2017 in Sochi.",
        "Growth was 2.5 percent this year.",
        "See the site pic.twitter.com/CeiWjdT82j for more.",
        "He asked why? and then he left.",
    ],
)
def test_sentences_do_not_split_without_a_capital_after(line: str) -> None:
    assert sentences(line) == [Sentence(line, 1)]


def test_sentences_split_before_quotes_hashes_and_dashes() -> None:
    raw = 'He left. "We agree," he said. #SochiSummit is a tag. — A signature.'
    assert [s.text for s in sentences(raw)] == [
        "He left.",
        '"We agree," he said.',
        "#SochiSummit is a tag.",
        "— A signature.",
    ]


def test_sentence_after_a_closing_quote_starts_clean() -> None:
    found = sentences("He said “it was useful.” Then he left.")
    assert [s.text for s in found][1] == "Then he left."
    assert found[0].text.startswith("He said “it was useful.")


def test_sentence_keeps_its_closing_quote() -> None:
    assert [s.text for s in sentences("He said “it was useful.” Then he left.")] == [
        "He said “it was useful.”",
        "Then he left.",
    ]


# --- coverage -----------------------------------------------------------------------------

DOC = (
    "Alpha met Beta in Gamma. Beta said the talks were useful. The following is a video.\n"
    "\n"
    "Delta called Epsilon. Epsilon agreed to meet again.\n"
    "“We are pleased,” Delta said. Zeta stayed home.\n"
)

TINY_BASE = """\
sources:
  - id: doc
    title: A document
    publisher: A publisher
    text: sources/doc.txt
    skip:
      - sentence: The following is a video.
        reason: no video here
  - id: statement
    title: A statement quoted in the document
    publisher: Delta
    quoted_in: doc
    spans:
      - from: “We are pleased,”
    skip:
      - sentence: Zeta stayed home.
        reason: a skip on a quoted source applies to its document
entities:
  - id: epsilon
    name: Epsilon
    kind: person
    description: Someone who agreed.
    source: doc
    quote: Epsilon agreed to meet again
facts:
  - id: alpha-met-beta
    answer: Alpha met Beta in Gamma.
    questions: [Who did Alpha meet?]
    source: doc
    quote: Alpha met Beta in Gamma.
  - id: beta-said
    answer: Beta said something.
    questions: [What did Beta say?]
    source: doc
    quote: Beta said
  - id: delta-pleased
    answer: Delta was pleased.
    questions: [Was Delta pleased?]
    source: statement
    quote: “We are pleased,”
"""


@pytest.fixture
def tiny_base(tmp_path: Path, write_tree: WriteFiles, monkeypatch: pytest.MonkeyPatch) -> FactBase:
    write_tree(tmp_path, {"sources/doc.txt": DOC, "base.yaml": TINY_BASE})
    monkeypatch.chdir(tmp_path)
    return load(tmp_path)


def test_uncovered_lists_unquoted_sentences_with_their_lines(tiny_base: FactBase) -> None:
    found = audit.uncovered(tiny_base)
    assert [(p.path, p.line) for p in found] == [("sources/doc.txt", 1), ("sources/doc.txt", 3)]
    # A sentence quoted in a small part only is still listed; one never quoted is too.
    assert "'Beta said the talks were useful.'" in found[0].message
    assert "'Delta called Epsilon.'" in found[1].message
    assert all("of 'doc'" in p.message for p in found)


def test_uncovered_omits_quoted_and_skipped_sentences(tiny_base: FactBase) -> None:
    listed = " ".join(p.message for p in audit.uncovered(tiny_base))
    assert "Alpha met Beta" not in listed  # quoted by a fact, word for word
    assert "Epsilon agreed" not in listed  # quoted by an entity, all but the full stop
    assert "We are pleased" not in listed  # quoted (mostly) through a quoted_in source
    assert "The following is a video" not in listed  # skipped by the document
    assert "Zeta stayed home" not in listed  # skipped by the source quoted in it


def test_uncovered_is_empty_when_every_sentence_is_accounted_for(
    tmp_path: Path, write_tree: WriteFiles
) -> None:
    more = TINY_BASE.replace("quote: Beta said\n", "quote: Beta said the talks were useful.\n")
    more += (
        "  - id: delta-called\n"
        "    answer: Delta called Epsilon.\n"
        "    questions: [Who did Delta call?]\n"
        "    source: doc\n"
        "    quote: Delta called Epsilon.\n"
    )
    write_tree(tmp_path, {"sources/doc.txt": DOC, "base.yaml": more})
    assert audit.uncovered(load(tmp_path)) == []


def test_uncovered_on_the_real_source(
    mini_base: FactBase, mini_base_dir: Path, find_line: Callable[[Path, str], int]
) -> None:
    text_file = mini_base_dir / "sources" / SOURCE_NAME
    found = audit.uncovered(mini_base)
    assert all(Path(p.path).resolve() == text_file.resolve() for p in found)
    lines = {p.line for p in found}
    listed = " ".join(p.message for p in found)
    # The sentence the visit fact quotes, and the skipped one, are not listed...
    assert "Syrian President Bashar al Assad visited" not in listed
    assert "The following is a video from the meeting." not in listed
    # ...while their neighbours on the same lines are.
    assert "Russia has been a key backer of the regime" in listed
    assert "“We are very pleased that the three countries" in listed
    assert find_line(text_file, "On November 20, Syrian President") in lines
    assert find_line(text_file, "A video of the press conference is below.") in lines
    # Every listed line is a line of the text file.
    assert max(lines) <= len(text_file.read_text(encoding="utf-8").splitlines())


# --- phrasing collisions ------------------------------------------------------------------


def test_no_collisions_in_distinct_facts(mini_base: FactBase) -> None:
    assert audit.collisions(mini_base, Matcher(mini_base)) == []


def test_distinct_facts_on_one_topic_do_not_collide(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    write_tree(
        mini_base_dir,
        {
            "facts/lavrov.yaml": textwrap.dedent("""\
                facts:
                  - id: lavrov-on-talks
                    answer: Lavrov called the foreign ministers' talks very useful.
                    questions:
                      - What did Lavrov say about the talks?
                      - How did Lavrov describe the foreign ministers' talks?
                    source: iran-primer
                    quote: Russian Foreign Minister Sergei Lavrov said the talks were
            """)
        },
    )
    base = load(mini_base_dir)
    assert audit.collisions(base, Matcher(base)) == []


def test_shared_phrasing_is_reported_at_its_file_and_line(
    mini_base_dir: Path, write_tree: WriteFiles, find_line: Callable[[Path, str], int]
) -> None:
    shared = "When did Assad visit Sochi?"
    write_tree(
        mini_base_dir,
        {
            "facts/more.yaml": textwrap.dedent(f"""\
                facts:
                  - id: assad-meets-putin
                    answer: Assad met Putin in Sochi.
                    questions:
                      - Did Assad meet Putin in person?
                      - {shared}
                    source: iran-primer
                    quote: where he met with President Vladimir Putin.
            """)
        },
    )
    base = load(mini_base_dir)
    found = audit.collisions(base, Matcher(base))
    more = mini_base_dir / "facts" / "more.yaml"
    visit = mini_base_dir / "facts" / "visit.yaml"
    places = {(Path(p.path).resolve(), p.line) for p in found}
    # Both facts' copies of the phrasing are reported, each where it is written.
    assert (more.resolve(), find_line(more, shared)) in places
    assert (visit.resolve(), find_line(visit, shared)) in places
    [mine] = [p for p in found if Path(p.path).resolve() == more.resolve() and p.line == 6]
    assert mine.message.startswith('fact "assad-meets-putin": phrasing ')
    assert repr(shared) in mine.message
    assert "'assad-visits-sochi'" in mine.message
    # The phrasing only the new fact has is not a collision.
    assert (more.resolve(), find_line(more, "in person")) not in places


def test_a_taught_phrasing_that_collides_is_reported_at_its_line(
    mini_base_dir: Path, write_tree: WriteFiles, find_line: Callable[[Path, str], int]
) -> None:
    # Taught for the meeting-again fact, but worded exactly as the visit fact is asked.
    write_tree(
        mini_base_dir,
        {
            "learned.yaml": """\
learned:
  - question: When did Assad visit Sochi?
    fact: js-meet-again
    by: a moderator
    at: 2026-11-28T07:00:00+00:00
""",
        },
    )
    base = load(mini_base_dir)
    problems = audit.collisions(base, Matcher(base))
    places = {(Path(p.path).name, p.line): p.message for p in problems}
    # The taught phrasing, at its entry, and the written one it now shadows are both reported.
    assert places["learned.yaml", 2].startswith('fact "js-meet-again": phrasing')
    written = find_line(mini_base_dir / "facts" / "visit.yaml", "- When did Assad visit Sochi?")
    assert 'fact "assad-visits-sochi"' in places["visit.yaml", written]
