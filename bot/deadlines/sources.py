"""``catalog/deadlines/sources.yaml``: the upstream files ``deadlines sync`` follows.

Each source names a conference of ``catalog/deadlines``, the importer that reads the file
(the formats of ``deadlines import``), its raw URL, and a priority (1 is preferred). An
edition follows the preferred source that has it; the others are compared with it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from bot.datafile.fields import FieldReader
from bot.datafile.problems import Problem
from bot.datafile.yaml_reader import YamlMap, describe, read_yaml
from bot.deadlines.importers import IMPORTERS
from bot.deadlines.loader import SOURCES_FILE

SOURCE_KEYS = ("conference", "importer", "url", "priority")
MAX_PRIORITY = 99
SOURCE_NAMES = {
    "ccfddl": "ccfddl",
    "huggingface": "huggingface",
    "ai-deadlines": "paperswithcode",
    "mtg": "MTG",
}


@dataclass(frozen=True, slots=True)
class DeadlineSource:
    conference: str
    importer: str
    url: str
    priority: int = 1

    @property
    def name(self) -> str:
        """How users see the source: the community behind the format (``ccfddl``, ``MTG``)."""
        return SOURCE_NAMES.get(self.importer, self.importer)


@dataclass(frozen=True, slots=True)
class SourcesResult:
    sources: tuple[DeadlineSource, ...]
    problems: tuple[Problem, ...]


def sources_path(deadlines_dir: Path) -> Path:
    return deadlines_dir / SOURCES_FILE


def load_sources(path: Path, conferences: Collection[str] | None = None) -> SourcesResult:
    """The sources of ``path`` (none when it does not exist); ``conferences`` enables the
    check that each names a conference of the deadline data."""
    if not path.is_file():
        return SourcesResult((), ())
    problems: list[Problem] = []
    document, yaml_problems = read_yaml(path, "list the upstream files under 'sources:'")
    problems.extend(yaml_problems)
    if document is None:
        return SourcesResult((), tuple(problems))
    file = str(path)
    if not isinstance(document, YamlMap):
        hint = "start with 'sources:'"
        problems.append(
            Problem(file, document.line, f"expected a mapping, found {describe(document)}", hint)
        )
        return SourcesResult((), tuple(problems))
    top = FieldReader(
        file, document, "sources file", problems, allowed=("sources",), required=("sources",)
    )
    found: list[DeadlineSource] = []
    seen: set[tuple[str, str]] = set()
    for item in top.items("sources"):
        source = _read_source(file, item, conferences, problems)
        if source is None:
            continue
        if (source.conference, source.url) in seen:
            problems.append(
                Problem(
                    file,
                    item.line,
                    f"{source.url} is listed twice for {source.conference}",
                    "remove one",
                )
            )
            continue
        seen.add((source.conference, source.url))
        found.append(source)
    return SourcesResult(tuple(found), tuple(sorted(problems, key=Problem.sort_key)))


def _read_source(
    file: str, item: object, conferences: Collection[str] | None, problems: list[Problem]
) -> DeadlineSource | None:
    if not isinstance(item, YamlMap):
        line = getattr(item, "line", 1)
        problems.append(
            Problem(
                file, line, "a source must be a mapping", "conference:, importer:, url:, priority:"
            )
        )
        return None
    reader = FieldReader(
        file,
        item,
        "source",
        problems,
        allowed=SOURCE_KEYS,
        required=("conference", "importer", "url"),
    )
    conference = reader.slug("conference")
    importer = reader.choice("importer", tuple(IMPORTERS))
    url = reader.url("url")
    priority = reader.integer("priority", 1, MAX_PRIORITY, example=1)
    if conference is not None and conferences is not None and conference not in conferences:
        reader.problem(
            reader.line("conference"),
            f"unknown conference '{conference}': catalog/deadlines has no such file",
            "add catalog/deadlines/<conference>.yaml first, or fix the id",
        )
        return None
    if conference is None or importer is None or url is None:
        return None
    return DeadlineSource(conference, importer, url, priority or 1)
