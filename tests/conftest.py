"""Shared fixtures: a small, valid fact base written into a temporary folder; and the logging
set-up put back after a test that configures it.

The base is split over three files (sources.yaml, entities.yaml, facts/visit.yaml) so that every
test that loads it also exercises the merging of files. It quotes the project's real source text,
copied next to it, so quotes are checked against real prose.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.factbase import FactBase, load
from bot.teaching import LEARNED_FILE


def copy_project_base(parent: Path) -> Path:
    """The project's fact base copied to parent/knowledge, without its learned phrasings: every
    test starts from the same state, and none writes into knowledge/ itself."""
    return shutil.copytree(
        PROJECT_KNOWLEDGE, parent / "knowledge", ignore=shutil.ignore_patterns(LEARNED_FILE)
    )


SOURCE_NAME = "iran-primer-2017-11-22-russia-iran-turkey-syria-summit.txt"
SOURCE_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "sources" / SOURCE_NAME

SOURCES_YAML = f"""\
sources:
  - id: iran-primer
    short: The Iran Primer
    title: Russia, Iran and Turkey Hold Syria Summit
    publisher: The Iran Primer, United States Institute of Peace
    date: 2017-11-22
    url: https://iranprimer.usip.org/blog/2017/nov/22/russia-iran-and-turkey-hold-syria-summit
    text: sources/{SOURCE_NAME}
    skip:
      - sentence: The following is a video from the meeting.
        reason: points at a video the text does not carry
  - id: joint-statement
    short: Joint statement
    title: Joint Statement by the Presidents of Iran, Russia and Turkey
    publisher: President Rouhani's website
    date: 2017-11-22
    quoted_in: iran-primer
    spans:
      - from: Mr Hassan Rouhani, President of the Islamic Republic of Iran,
        to: for hosting the tripartite summit in Sochi.
"""

ENTITIES_YAML = """\
entities:
  - id: putin
    name: Vladimir Putin
    kind: person
    aliases: [Putin, President Putin]
    description: President of Russia.
    source: iran-primer
    quote: President Vladimir Putin
  - id: assad
    name: Bashar al-Assad
    kind: person
    aliases: [Assad, al-Assad, Bashar, Syrian president]
    description: President of Syria.
    source: iran-primer
    quote: Syrian President Bashar al Assad
  - id: sochi
    name: Sochi
    kind: place
    description: Russian resort city.
    source: iran-primer
    quote: the Russian resort city of Sochi
"""

VISIT_YAML = """\
facts:
  - id: assad-visits-sochi
    label: Assad visits Sochi
    short: Assad visited Sochi on 20 November 2017.
    answer: >-
      On 20 November 2017 Assad visited Sochi
      and met Putin.
    questions:
      - When did Assad visit Sochi?
      - assad sochi visit
      - Where did Assad meet Putin?
    source: iran-primer
    quote: >-
      On November 20, Syrian President Bashar al Assad visited the Russian resort city of
      Sochi, where he met with President Vladimir Putin.
    date: 2017-11-20
    entities: [assad, putin, sochi]
    related: [js-meet-again]
  - id: js-meet-again
    label: Meeting again
    short: They decided to meet again if necessary.
    answer: The presidents decided to meet again if necessary.
    questions:
      - Will the presidents meet again?
    source: joint-statement
    quote: The presidents decided to meet again if necessary.
    date: 2017-11
replies:
  greeting: Hello! Ask me about the diplomacy on Syria in November 2017.
  help: I answer questions about the diplomacy on Syria in November 2017, with sources.
  fallback: I don't have a sourced answer to that.
smalltalk:
  greeting: [hi, hello]
  thanks: [thanks, thank you]
"""

MINI_BASE: Mapping[str, str] = {
    "sources.yaml": SOURCES_YAML,
    "entities.yaml": ENTITIES_YAML,
    "facts/visit.yaml": VISIT_YAML,
}

WriteFiles = Callable[[Path, Mapping[str, str | bytes]], Path]


def write_files(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write `files` (path relative to `root` -> text or bytes) under `root`; return `root`."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def write_tree() -> WriteFiles:
    """A helper writing files under a folder: write_tree(folder, {"facts/x.yaml": "..."})."""
    return write_files


@pytest.fixture
def mini_base_dir(tmp_path: Path) -> Path:
    """A small valid fact base in tmp_path: 2 sources, 3 entities, 2 facts over 3 YAML files."""
    (tmp_path / "sources").mkdir()
    shutil.copyfile(SOURCE_FILE, tmp_path / "sources" / SOURCE_NAME)
    return write_files(tmp_path, MINI_BASE)


@pytest.fixture
def mini_base(mini_base_dir: Path) -> FactBase:
    """The small fact base, loaded."""
    return load(mini_base_dir)


def line_of(path: Path, fragment: str) -> int:
    """The 1-based number of the first line of `path` that contains `fragment`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} is not in {path}")


@pytest.fixture
def find_line() -> Callable[[Path, str], int]:
    """A helper giving the line of a file that holds a fragment: find_line(path, "- id: x")."""
    return line_of


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger and httpx back as they were after configure_logging."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    httpx_level = logging.getLogger("httpx").level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(httpx_level)


@pytest.fixture(scope="session")
def real_base() -> FactBase:
    """The project's own fact base, loaded once."""
    return load(Path(__file__).resolve().parent.parent / "knowledge")
