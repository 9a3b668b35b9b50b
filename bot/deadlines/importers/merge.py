"""Merging imported editions into ``catalog/deadlines`` without overwriting anything.

New editions are appended to the series file as text (comments and layout of the file are
kept); a series without a file gets one, but only when the catalog has an entry for it.
An edition the catalog already has is never changed: every difference is reported for a
maintainer to settle by hand, because two sources disagreeing is exactly where one of them
is wrong (ICASSP 2025 has three different paper deadlines in the shared files).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.deadlines.importers.common import ImportedEdition, Note
from bot.deadlines.importers.export import dump_editions, dump_series
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import DeadlineBook, Edition

# 23:59:59 and 23:59 are the same deadline; sources differ in how they write it.
_SAME = timedelta(minutes=1)


@dataclass(slots=True)
class MergeReport:
    written: list[Path] = field(default_factory=list)
    added: int = 0
    notes: list[Note] = field(default_factory=list)


def merge_editions(
    directory: Path,
    book: DeadlineBook,
    editions: list[ImportedEdition],
    known_conferences: Collection[str],
) -> MergeReport:
    report = MergeReport()
    by_series: dict[str, list[ImportedEdition]] = defaultdict(list)
    for edition in editions:
        by_series[edition.series].append(edition)
    for series_id, group in sorted(by_series.items()):
        existing = book.get(series_id)
        path = directory / f"{series_id}.yaml"
        if existing is None and series_id not in known_conferences:
            names = ", ".join(sorted({e.title for e in group}))
            report.notes.append(
                Note(
                    "info",
                    str(path),
                    None,
                    group[0].name,
                    f"no catalog entry '{series_id}': not merged ({names})",
                )
            )
            continue
        new: list[ImportedEdition] = []
        years: set[int] = set()
        for edition in sorted(group, key=lambda e: e.year):
            current = existing and next((e for e in existing if e.year == edition.year), None)
            if current:
                _compare(current, edition, report)
            elif edition.year in years:
                report.notes.append(
                    Note(
                        "warning",
                        edition.file,
                        edition.line,
                        edition.title,
                        "the import has this edition twice: only the first was merged",
                    )
                )
            else:
                years.add(edition.year)
                new.append(edition)
        if not new:
            continue
        if existing is None:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_series(series_id, group[0].name, new), encoding="utf-8")
        elif not _append(path, existing.editions, new, report):
            continue
        report.written.append(path)
        report.added += len(new)
    return report


def _append(
    path: Path, current: tuple[Edition, ...], new: list[ImportedEdition], report: MergeReport
) -> bool:
    original = path.read_text(encoding="utf-8")
    indent = _list_indent(original, current)
    text = original if original.endswith("\n") else original + "\n"
    if not current:
        # A new series file starts with ``editions: []``; the first items replace the [].
        text = text.replace("\neditions: []\n", "\neditions:\n")
    path.write_text(text + dump_editions(new, indent), encoding="utf-8")
    # The file must still load with the new editions; otherwise put it back as it was.
    check = load_deadlines(path.parent)
    if any(p.file == str(path) and "YAML" in p.message for p in check.problems):
        path.write_text(original, encoding="utf-8")
        report.notes.append(
            Note(
                "error",
                str(path),
                None,
                "",
                "could not append editions (is 'editions:' the last key?): file left unchanged",
            )
        )
        return False
    return True


def _list_indent(text: str, current: tuple[Edition, ...]) -> int:
    lines = text.splitlines()
    for edition in current:
        if edition.location and 0 < edition.location.line <= len(lines):
            line = lines[edition.location.line - 1]
            return len(line) - len(line.lstrip(" "))
    return 2


def _compare(current: Edition, imported: ImportedEdition, report: MergeReport) -> None:
    def differ(message: str) -> None:
        report.notes.append(
            Note(
                "warning",
                imported.file,
                imported.line,
                imported.title,
                f"{message}; the catalog was kept, check by hand",
            )
        )

    for deadline in imported.deadlines:
        mine = current.deadline(deadline.kind)
        if mine is None:
            if deadline.local is not None:
                differ(f"{deadline.kind} deadline {deadline.local_text()} is not in the catalog")
        elif (
            deadline.at is not None and mine.at is not None and abs(deadline.at - mine.at) >= _SAME
        ):
            differ(
                f"{deadline.kind} deadline: catalog {mine.local_text()}, "
                f"source {deadline.local_text()}"
            )
        elif mine.local is None and deadline.local is not None:
            differ(
                f"{deadline.kind} deadline is TBA in the catalog, source {deadline.local_text()}"
            )
    if imported.start and current.start and imported.start != current.start:
        differ(f"start: catalog {current.start}, source {imported.start}")
    if imported.end and current.end and imported.end != current.end:
        differ(f"end: catalog {current.end}, source {imported.end}")
