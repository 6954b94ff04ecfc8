"""The sourcing rules: each holds on a small base, and a base that breaks it is refused with
the file and line of the breach."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import KnowledgeError, load
from tests.conftest import WriteFiles

DELEGATIONS = (
    "Russia has invited some 33 delegations of various Syrian political groups to attend the "
    "Syrian National Dialogue Congress in early December to discuss drafting a new constitution "
    "and holding U.N.-monitored elections."
)


def fact(ident: str, answer: str, quote: str, source: str = "iran-primer", **more: str) -> str:
    """One fact as YAML, with any further keys given as their YAML text."""
    extra = "".join(f"    {key}: {value}\n" for key, value in more.items())
    return (
        f"  - id: {ident}\n"
        f"    answer: {answer!r}\n"
        f"    questions: [{ident}?]\n"
        f"    source: {source}\n"
        f"    quote: {quote!r}\n{extra}"
    )


def problems(base: Path, write_tree: WriteFiles, files: dict[str, str]) -> list[str]:
    """The problems loading the mini base with `files` written into it; [] when it loads."""
    write_tree(base, files)
    try:
        load(base)
    except KnowledgeError as error:
        return [str(problem) for problem in error.problems]
    return []


def test_the_mini_base_and_the_real_base_keep_every_rule(mini_base_dir: Path) -> None:
    load(mini_base_dir)
    load(PROJECT_KNOWLEDGE)


# --- attribution by position ---------------------------------------------------------------


def test_a_primary_sources_words_credited_to_the_article_are_refused(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    quote = "The presidents decided to meet again if necessary."
    extra = "facts:\n" + fact("meet-again", "The presidents decided to meet again.", quote)
    [problem] = problems(mini_base_dir, write_tree, {"facts/extra.yaml": extra})
    assert problem.startswith(f"{mini_base_dir / 'facts' / 'extra.yaml'}:6: ")
    assert "words of 'joint-statement'" in problem
    assert "give source: joint-statement" in problem


def test_the_articles_words_credited_to_a_primary_source_are_refused(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    quote = "Turkey, however, has supported opposition groups."
    extra = "facts:\n" + fact(
        "turkey-side", "Turkey supported opposition groups.", quote, "joint-statement"
    )
    [problem] = problems(mini_base_dir, write_tree, {"facts/extra.yaml": extra})
    assert "'iran-primer''s own words" in problem and "give source: iran-primer" in problem


def test_a_quote_across_the_edge_of_a_primary_source_is_refused(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    quote = "Joint Statement by the Presidents of Iran, Russia and Turkey Mr Hassan Rouhani"
    extra = "facts:\n" + fact("heading", "The joint statement of Iran, Russia and Turkey.", quote)
    [problem] = problems(mini_base_dir, write_tree, {"facts/extra.yaml": extra})
    assert "runs across the edge of the words of 'joint-statement'" in problem


def test_a_primary_source_needs_spans_that_are_in_the_text(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    sources = (mini_base_dir / "sources.yaml").read_text(encoding="utf-8")
    spans = sources[sources.index("    spans:") :]
    found = problems(mini_base_dir, write_tree, {"sources.yaml": sources.replace(spans, "")})
    assert any("give its 'spans'" in problem for problem in found)
    wrong = sources.replace("to: for hosting", "to: for hostinggg")
    found = problems(mini_base_dir, write_tree, {"sources.yaml": wrong})
    line = (
        wrong.splitlines().index(
            "      - from: Mr Hassan Rouhani, President of the Islamic Republic of Iran,"
        )
        + 1
    )
    assert any(
        p.startswith(f"{mini_base_dir / 'sources.yaml'}:{line}: ") and "span end not found" in p
        for p in found
    )


# --- speakers only on their words ----------------------------------------------------------


def test_narration_has_no_speakers(mini_base_dir: Path, write_tree: WriteFiles) -> None:
    quote = "The two leaders reportedly discussed new peace initiatives."
    extra = "facts:\n" + fact(
        "discussed", "The two leaders reportedly discussed peace.", quote, speakers="[assad, putin]"
    )
    [problem] = problems(mini_base_dir, write_tree, {"facts/extra.yaml": extra})
    assert "narration has no speakers" in problem


def test_a_speaker_must_be_named_as_saying_the_quoted_words(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    quote = (
        "“We count on Russia’s support to keep foreign players from interfering into the "
        "political process.”"
    )
    unnamed = "facts:\n" + fact(
        "foreign-players", "We count on Russia's support.", quote, speakers="[assad]"
    )
    [problem] = problems(mini_base_dir, write_tree, {"facts/extra.yaml": unnamed})
    assert "speaker 'assad' is not named in the quote" in problem
    said = (
        '"There is a real chance to put an end to this years-long civil war," Putin said at the '
        "beginning of the summit."
    )
    named = "facts:\n" + fact(
        "real-chance", "Putin saw a real chance to end the war.", said, speakers="[putin]"
    )
    assert problems(mini_base_dir, write_tree, {"facts/extra.yaml": named}) == []


def test_a_primary_source_speaks_only_for_its_authors(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    sources = (mini_base_dir / "sources.yaml").read_text(encoding="utf-8")
    with_authors = sources.replace("    spans:", "    authors: [putin]\n    spans:")
    visit = (mini_base_dir / "facts" / "visit.yaml").read_text(encoding="utf-8")
    files = {"sources.yaml": with_authors}
    assert problems(mini_base_dir, write_tree, files) == []
    files["facts/visit.yaml"] = visit.replace(
        "    date: 2017-11\n", "    date: 2017-11\n    speakers: [assad]\n"
    )
    [problem] = problems(mini_base_dir, write_tree, files)
    assert "speaker 'assad' is not an author of 'joint-statement' (authors: putin)" in problem


# --- answers supported by their quotes -----------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "missing"),
    [
        ("On 21 November 2017 Assad visited Sochi and met Putin.", "21 November"),
        ("In December 2017 Assad visited Sochi and met Putin.", "December"),
        ("On 20 November 2016 Assad visited Sochi and met Putin.", "2016"),
        ("On 20 November 2017 Assad visited Sochi twice and met Putin.", "2"),
        ("On 20 November 2017 Assad visited Sochi and met Putin and Rouhani.", "Hassan Rouhani"),
    ],
)
def test_an_answer_says_only_what_its_quote_says(
    mini_base_dir: Path, write_tree: WriteFiles, answer: str, missing: str
) -> None:
    entities = (mini_base_dir / "entities.yaml").read_text(encoding="utf-8")
    rouhani = (
        "  - id: rouhani\n    name: Hassan Rouhani\n    kind: person\n"
        "    description: President of Iran.\n    source: joint-statement\n"
        "    aliases: [Rouhani]\n"
        "    quote: Mr Hassan Rouhani, President of the Islamic Republic of Iran,\n"
    )
    visit = (mini_base_dir / "facts" / "visit.yaml").read_text(encoding="utf-8")
    claimed = visit.replace("On 20 November 2017 Assad visited Sochi\n      and met Putin.", answer)
    files = {"entities.yaml": entities + rouhani, "facts/visit.yaml": claimed}
    [problem] = problems(mini_base_dir, write_tree, files)
    assert problem.startswith(f"{mini_base_dir / 'facts' / 'visit.yaml'}:2: ")
    assert (
        f"the answer says what its quote and the sentence around it do not: {missing} " in problem
    )


def test_supported_by_names_the_quote_an_answer_also_draws_on(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    quote = "The three-hour meeting was unannounced and not publicized until the following morning."
    answer = "Assad's three-hour meeting with Putin in Sochi on 20 November 2017 was unannounced."
    alone = "facts:\n" + fact("secrecy", answer, quote)
    [problem] = problems(mini_base_dir, write_tree, {"facts/extra.yaml": alone})
    assert "20 November, Bashar al-Assad, Sochi, Vladimir Putin" in problem
    backed = "facts:\n" + fact("secrecy", answer, quote, supported_by="[assad-visits-sochi]")
    assert problems(mini_base_dir, write_tree, {"facts/extra.yaml": backed}) == []
    unknown = "facts:\n" + fact("secrecy", answer, quote, supported_by="[no-such-fact]")
    found = problems(mini_base_dir, write_tree, {"facts/extra.yaml": unknown})
    assert any("supported_by 'no-such-fact' is not a fact or entity" in p for p in found)


def test_an_entitys_description_and_country_need_its_quote(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    entities = (mini_base_dir / "entities.yaml").read_text(encoding="utf-8")
    russia = (
        "  - id: russia\n    name: Russia\n    kind: country\n    aliases: [Russian]\n"
        "    description: A key backer of the regime since 2015.\n    source: iran-primer\n"
        "    quote: Russia has been a key backer of the regime and has been deploying its own "
        "forces in Syria since 2015.\n"
    )
    files = {"entities.yaml": entities + russia}
    assert problems(mini_base_dir, write_tree, files) == []
    files["entities.yaml"] = (
        entities.replace(
            "description: President of Russia.", "description: President of Russia since 2012."
        )
        + russia
    )
    [problem] = problems(mini_base_dir, write_tree, files)
    assert 'entity "putin": the description says' in problem and ": 2012 " in problem
    # Peskov's quote does not say he is Russian.
    peskov = (
        "  - id: peskov\n    name: Dmitry Peskov\n    kind: person\n    country: russia\n"
        "    description: Putin's spokesman.\n    source: iran-primer\n"
        "    quote: Putin’s spokesman, Dmitry Peskov, said that the leaders discussed potential "
        "political settlements\n"
    )
    files["entities.yaml"] = entities + russia + peskov
    [problem] = problems(mini_base_dir, write_tree, files)
    assert "entity \"peskov\": country 'russia' is not named in its quote" in problem
    files["entities.yaml"] = entities + russia + peskov.replace("    country: russia\n", "")
    assert problems(mini_base_dir, write_tree, files) == []


# --- aliases -------------------------------------------------------------------------------


# Each person's aliases in the mini base, as written there, with their name.
MINI_ALIASES = {
    "putin": ("Putin, President Putin", "Vladimir Putin"),
    "assad": ("Assad, al-Assad, Bashar, Syrian president", "Bashar al-Assad"),
}


@pytest.mark.parametrize(
    ("person", "alias", "refused"),
    [
        ("putin", "Poutine", False),  # a spelling of the name
        ("putin", "Vladimir Vladimirovich Putin", False),  # a proper name naming no one else
        ("putin", "President Putin", False),  # the text says "President Vladimir Putin"
        ("putin", "Kremlin leader", True),  # a description the text never gives
        ("putin", "Syrian host", True),
        # "leader" reads as "president", but the mini base has no entity Russia, so "President
        # of the Russian Federation" is not read as "Russian president".
        ("putin", "the Russian leader", True),
        # A sourced title in other words: the text says "Syrian President Bashar al Assad".
        ("assad", "the Syrian leader", False),
        ("assad", "Syrian head of state", False),
        ("assad", "Syrian premier", True),  # another title than the one the text gives
        ("assad", "Syrian foreign minister", True),
    ],
)
def test_an_alias_that_is_a_title_must_be_in_the_sources(
    mini_base_dir: Path,
    write_tree: WriteFiles,
    find_line: Callable[[Path, str], int],
    person: str,
    alias: str,
    refused: bool,
) -> None:
    path = mini_base_dir / "entities.yaml"
    aliases, name = MINI_ALIASES[person]
    first = aliases.split(",")[0]
    changed = path.read_text(encoding="utf-8").replace(
        f"aliases: [{aliases}]", f"aliases: [{first}, {alias}]"
    )
    line = find_line(path, f"- id: {person}")
    found = problems(mini_base_dir, write_tree, {"entities.yaml": changed})
    message = f"alias {alias!r} is a title or description no source gives for {name}"
    assert (found == [f'{path}:{line}: entity "{person}": {message}; leave it out']) is refused
    assert not found or refused


# --- dates ---------------------------------------------------------------------------------


def test_a_date_still_to_come_is_a_planned_date(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    answer = "Russia invited some 33 delegations to the congress in early December 2017."
    dated = "facts:\n" + fact("invitations", answer, DELEGATIONS, date="2017-12")
    [problem] = problems(mini_base_dir, write_tree, {"facts/extra.yaml": dated})
    assert "date Dec 2017 is after its source was published (22 Nov 2017)" in problem
    assert "'planned'" in problem
    planned = "facts:\n" + fact("invitations", answer, DELEGATIONS, planned="2017-12")
    assert problems(mini_base_dir, write_tree, {"facts/extra.yaml": planned}) == []
