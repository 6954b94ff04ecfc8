"""The fact base: the curated YAML under knowledge/, loaded into frozen dataclasses.

- model.py: the dataclasses every module reads (FactBase, Fact, Entity, Source, ...), Problem;
- yaml_lines.py: the YAML reader that tracks lines, and the typed field reader;
- files.py: which files make up the base (`knowledge_files`), paths as shown (`shown_path`);
- loading.py: `load`, which reads every file into the model;
- layering.py: the moderators' overlay read over the base;
- checks.py: the checks across files (references, quotes word for word).
"""

from bot.factbase.files import EVAL_DIR, knowledge_files, shown_path
from bot.factbase.loading import load
from bot.factbase.model import (
    ANSWERS,
    ENTITY_KINDS,
    MAX_ID,
    MAX_LABEL,
    MAX_LEARNED,
    MAX_SHORT,
    Entity,
    EventDate,
    Fact,
    FactBase,
    KnowledgeError,
    Learned,
    Problem,
    SkippedSentence,
    Source,
    Where,
)
from bot.factbase.yaml_lines import MAX_FILE_BYTES, read_yaml

__all__ = [
    "ANSWERS",
    "ENTITY_KINDS",
    "EVAL_DIR",
    "MAX_FILE_BYTES",
    "MAX_ID",
    "MAX_LABEL",
    "MAX_LEARNED",
    "MAX_SHORT",
    "Entity",
    "EventDate",
    "Fact",
    "FactBase",
    "KnowledgeError",
    "Learned",
    "Problem",
    "SkippedSentence",
    "Source",
    "Where",
    "knowledge_files",
    "load",
    "read_yaml",
    "shown_path",
]
