"""paperswithcode/ai-deadlines (``_data/conferences.yml``) and huggingface/ai-deadlines.

Both are YAML lists with one mapping per edition. The old format has one ``deadline`` (+
``abstract_deadline``) and one ``timezone`` per edition; the new one a ``deadlines`` list
whose items carry their own ``type`` and ``timezone`` (two of its files still use the old
top-level fields, so both shapes are read in both formats).
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
    check_edition,
    checked_link,
    find_source,
    plain_note,
    report_ignored,
    unique_kind,
)
from bot.deadlines.importers.reading import (
    day,
    items,
    read_document,
    scalar,
    source_deadline,
    source_zone,
    text,
)

# Fields read into the catalog, per format; anything else is reported.
_COMMON_USED = {
    "title",
    "year",
    "link",
    "deadline",
    "abstract_deadline",
    "timezone",
    "date",
    "start",
    "end",
    "note",
}
_PWC_USED = _COMMON_USED | {"place"}
_HF_USED = _COMMON_USED | {"deadlines", "city", "country", "venue"}
# Known fields the catalog has no place for (their own ids, long names, rankings,
# citation metrics, categories): counted and reported once per file.
_IGNORED = {
    "id",
    "full_name",
    "sub",
    "hindex",
    "paperslink",
    "pwclink",
    "tags",
    "rankings",
    "era_rating",
}

# huggingface ``type`` → catalog kind.
HF_KINDS: dict[str, str] = {
    "abstract": "abstract",
    "paper": "paper",
    "submission": "paper",
    "supplementary": "supplementary",
    "rebuttal": "rebuttal",
    "rebuttal_start": "rebuttal-start",
    "rebuttal_end": "rebuttal-end",
    "review_release": "review-release",
    "notification": "notification",
    "camera_ready": "camera-ready",
    "registration": "registration",
}


def import_ai_deadlines(paths: list[Path], index: SeriesIndex) -> ImportResult:
    """paperswithcode/ai-deadlines files."""
    return _import(paths, index, new_format=False)


def import_huggingface(paths: list[Path], index: SeriesIndex) -> ImportResult:
    """huggingface/ai-deadlines ``src/data/conferences/*.yml`` files."""
    return _import(paths, index, new_format=True)


def _import(paths: list[Path], index: SeriesIndex, *, new_format: bool) -> ImportResult:
    result = ImportResult()
    for path in paths:
        document = read_document(path, result)
        if document is None:
            continue
        ignored: Counter[str] = Counter()
        for item in items(document):
            _edition(path, item, index, result, ignored, new_format=new_format)
        if not items(document):
            result.notes.append(
                Note("error", str(path), document.line, "", "expected a list of editions")
            )
        report_ignored(result, str(path), ignored)
    return result


def _edition(
    path: Path,
    item: YamlValue,
    index: SeriesIndex,
    result: ImportResult,
    ignored: Counter[str],
    *,
    new_format: bool,
) -> None:
    file = str(path)
    if not isinstance(item, YamlMap):
        result.notes.append(Note("error", file, item.line, "", "an edition must be a mapping"))
        return
    title = text(item, "title") or "?"
    year_value, year_line = scalar(item, "year")
    notes = EditionNotes(result, file, f"{title} {year_value}")
    if not isinstance(year_value, int):
        notes.error(year_line, f"year {year_value!r} is not a number")
        return
    used = _HF_USED if new_format else _PWC_USED
    for key, field in item.fields.items():
        if key in _IGNORED:
            ignored[key] += 1
        elif key not in used:
            notes.warning(field.line, f"unknown field '{key}' skipped")
    source = find_source(path)
    if source is None:
        notes.warning(item.line, "no SOURCES.md above this file: the edition cites no source")
    edition = ImportedEdition(
        name=title,
        year=year_value,
        series=index.resolve(title),
        source=source.cite(path, item.line) if source else "",
        file=file,
        line=item.line,
        link=checked_link(scalar(item, "link")[0], notes, scalar(item, "link")[1]),
        link_line=scalar(item, "link")[1],
        note=_note(item),
        place=_place(item),
    )
    if "deadlines" in item.fields:
        _new_deadlines(item, edition, notes)
    if "deadline" in item.fields or "abstract_deadline" in item.fields:
        if new_format:
            notes.info(item.line, "uses the old top-level 'deadline'/'timezone' fields")
        _old_deadlines(item, edition, notes)
    if not edition.deadlines and not notes.has_errors():
        notes.info(item.line, "no deadline announced: imported without deadlines")
    edition.start = day(*scalar(item, "start"), notes, "start")
    edition.end = day(*scalar(item, "end"), notes, "end")
    date_text, date_line = scalar(item, "date")
    check_edition(edition, notes, str(date_text or ""), date_line, text(item, "full_name"))
    if not notes.has_errors():
        result.editions.append(edition)


def _old_deadlines(item: YamlMap, edition: ImportedEdition, notes: EditionNotes) -> None:
    zone = source_zone(*scalar(item, "timezone"), notes)
    taken = {d.kind for d in edition.deadlines}
    for key, kind in (("abstract_deadline", "abstract"), ("deadline", "paper")):
        if key not in item.fields:
            continue
        value, line = scalar(item, key)
        if isinstance(value, str) and _unpadded(value):
            notes.warning(line, f"{key} '{value}' is not zero-padded; read as written")
            value = _pad(value)
        deadline = source_deadline(unique_kind(kind, taken), value, zone, line, notes)
        if deadline is not None:
            edition.deadlines.append(deadline)


def _new_deadlines(item: YamlMap, edition: ImportedEdition, notes: EditionNotes) -> None:
    taken = {d.kind for d in edition.deadlines}
    for entry in items(item.fields["deadlines"].value):
        if not isinstance(entry, YamlMap):
            notes.error(entry.line, "a deadline must be a mapping")
            continue
        source_type = text(entry, "type") or "paper"
        kind = HF_KINDS.get(source_type)
        if kind is None:
            kind = source_type.replace("_", "-").lower()
            notes.info(entry.line, f"deadline type '{source_type}' kept as kind '{kind}'")
        distinct = unique_kind(kind, taken)
        if distinct != kind:
            notes.warning(entry.line, f"second '{kind}' deadline imported as '{distinct}'")
        zone = source_zone(*scalar(entry, "timezone"), notes)
        value, line = scalar(entry, "date")
        deadline = source_deadline(distinct, value, zone, line, notes, text(entry, "label"))
        if deadline is not None:
            edition.deadlines.append(deadline)


def _note(item: YamlMap) -> str:
    note = plain_note(scalar(item, "note")[0])
    venue = text(item, "venue")
    if venue and (text(item, "city") or text(item, "country")):
        # The place says the city; the venue would otherwise be lost.
        end = "" if venue.endswith((".", "!", "?")) else "."
        note = f"{note} Venue: {venue}{end}".strip()
    return note


def _place(item: YamlMap) -> str:
    place = text(item, "place")
    if place:
        return place
    city, country = text(item, "city"), text(item, "country")
    return ", ".join(part for part in (city, country) if part) or text(item, "venue")


def _unpadded(value: str) -> bool:
    head = value.strip().split(" ")[0]
    return any(len(part) == 1 for part in head.split("-"))


def _pad(value: str) -> str:
    head, _, rest = value.strip().partition(" ")
    parts = head.split("-")
    padded = "-".join([parts[0], *(p.zfill(2) for p in parts[1:])])
    return f"{padded} {rest}".strip()
