"""ccfddl/ccf-deadlines: ``conference/<SUB>/<name>.yml``, one series with ``confs`` editions.

Each edition has one ``timezone`` and a ``timeline`` of rounds (``deadline`` plus optional
``abstract_deadline`` and ``comment``); conference dates are prose (``May 4-8, 2026``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.datafile.yaml_reader import YamlMap, YamlValue
from bot.deadlines.importers.common import (
    EditionNotes,
    ImportedEdition,
    ImportResult,
    Note,
    SeriesIndex,
    SourceInfo,
    check_edition,
    checked_link,
    find_source,
    report_ignored,
    unique_kind,
)
from bot.deadlines.importers.reading import (
    items,
    read_document,
    scalar,
    source_deadline,
    source_zone,
    text,
)
from bot.deadlines.model import kind_label
from bot.deadlines.timezones import Timezone

_SERIES_USED = {"title", "confs"}
_SERIES_IGNORED = {"description", "sub", "rank", "dblp"}
_EDITION_USED = {"year", "link", "timeline", "timezone", "date", "place"}
_EDITION_IGNORED = {"id"}  # the catalog names editions <conference>-<year>
_ROUND_USED = {"deadline", "abstract_deadline", "comment"}


def import_ccfddl(paths: list[Path], index: SeriesIndex) -> ImportResult:
    result = ImportResult()
    for path in paths:
        document = read_document(path, result)
        if document is None:
            continue
        ignored: Counter[str] = Counter()
        series_list = items(document)
        if not series_list:
            result.notes.append(Note("error", str(path), document.line, "", "expected a list"))
        for series in series_list:
            _series(path, series, index, result, ignored)
        report_ignored(result, str(path), ignored)
    return result


def _series(
    path: Path, series: YamlValue, index: SeriesIndex, result: ImportResult, ignored: Counter[str]
) -> None:
    file = str(path)
    if not isinstance(series, YamlMap):
        result.notes.append(Note("error", file, series.line, "", "a series must be a mapping"))
        return
    title = text(series, "title") or "?"
    for key, field in series.fields.items():
        if key in _SERIES_IGNORED:
            ignored[key] += 1
        elif key not in _SERIES_USED:
            result.notes.append(
                Note("warning", file, field.line, title, f"unknown field '{key}' skipped")
            )
    source = find_source(path)
    description = text(series, "description")
    for conf in items(scalar(series, "confs")[0]):
        _edition(path, conf, (title, description), index, source, result)
        if isinstance(conf, YamlMap):
            ignored.update(key for key in conf.fields if key in _EDITION_IGNORED)


def _edition(
    path: Path,
    conf: YamlValue,
    names: tuple[str, str],
    index: SeriesIndex,
    source: SourceInfo | None,
    result: ImportResult,
) -> None:
    file = str(path)
    title, description = names
    if not isinstance(conf, YamlMap):
        result.notes.append(Note("error", file, conf.line, title, "an edition must be a mapping"))
        return
    year, year_line = scalar(conf, "year")
    notes = EditionNotes(result, file, f"{title} {year}")
    if not isinstance(year, int):
        notes.error(year_line, f"year {year!r} is not a number")
        return
    for key, field in conf.fields.items():
        if key not in _EDITION_USED | _EDITION_IGNORED:
            notes.warning(field.line, f"unknown field '{key}' skipped")
    if source is None:
        notes.warning(conf.line, "no SOURCES.md above this file: the edition cites no source")
    link, link_line = scalar(conf, "link")
    edition = ImportedEdition(
        name=title,
        year=year,
        series=index.resolve(title),
        source=source.cite(path, conf.line) if source else "",
        file=file,
        line=conf.line,
        link=checked_link(link, notes, link_line),
        link_line=link_line,
        place=text(conf, "place"),
    )
    zone = source_zone(*scalar(conf, "timezone"), notes)
    rounds = items(scalar(conf, "timeline")[0])
    comments: list[str] = []
    taken: set[str] = set()
    for number, item in enumerate(rounds, start=1):
        if not isinstance(item, YamlMap):
            notes.error(item.line, "a timeline item must be a mapping")
            continue
        for key, field in item.fields.items():
            if key not in _ROUND_USED:
                notes.warning(field.line, f"unknown timeline field '{key}' skipped")
        comment = text(item, "comment")
        if comment:
            comments.append(f"Round {number}: {comment}" if len(rounds) > 1 else comment)
        _round_deadlines(item, number if len(rounds) > 1 else None, zone, taken, edition, notes)
    # A comment is a note on the edition ("Mandatory abstract deadline on Sep 29, 2021",
    # "Paper Submissions Open on OpenReview Jan 09 2024"), never the name of a deadline.
    edition.note = " ".join(_sentence(comment) for comment in comments)
    date_text, date_line = scalar(conf, "date")
    check_edition(edition, notes, str(date_text or ""), date_line, description)
    if not notes.has_errors():
        result.editions.append(edition)


def _round_deadlines(
    item: YamlMap,
    number: int | None,
    zone: Timezone | None,
    taken: set[str],
    edition: ImportedEdition,
    notes: EditionNotes,
) -> None:
    """The abstract and paper deadlines of one timeline item; ``number`` when there are
    several rounds, which then name the deadlines ("Paper (round 2)")."""
    for key, kind in (("abstract_deadline", "abstract"), ("deadline", "paper")):
        if key not in item.fields:
            continue
        value, line = scalar(item, key)
        label = f"{kind_label(kind)} (round {number})" if number is not None else ""
        deadline = source_deadline(unique_kind(kind, taken), value, zone, line, notes, label)
        if deadline is not None:
            edition.deadlines.append(deadline)


def _sentence(comment: str) -> str:
    return comment if comment.endswith((".", "!", "?")) else comment + "."
