"""Reading the catalog's files one by one: ``sections.yaml`` and ``entries/*.yaml``.

Each file is checked on its own here (shape, keys, field values); what needs several files
at once (duplicate ids and URLs, unknown sections, parent cycles) is ``cross_checks``.
Items with problems are still kept, with placeholders, so that the cross checks report
everything in one run; any problem stops the catalog from being built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.catalog.layout import ENTRIES_DIR, ENTRIES_SUFFIX, SECTIONS_FILE
from bot.catalog.limits import ALIAS_LIMIT, BLURB_LIMIT, DESCRIPTION_LIMIT, NAME_LIMIT, TITLE_LIMIT
from bot.catalog.model import KINDS, Entry, Link, Section
from bot.datafile.fields import FieldReader, slug_problem
from bot.datafile.problems import Problem, SourceLocation
from bot.datafile.yaml_reader import YamlMap, YamlValue, describe, read_yaml

YEAR_RANGE = (1900, 2100)
# Stands in for the order of a section whose 'order:' is broken (valid orders are >= 0).
NO_ORDER = -1

SECTION_KEYS = ("id", "title", "order", "blurb", "parent")
SECTION_REQUIRED = ("id", "title", "order")
ENTRY_KEYS = (
    "id",
    "title",
    "url",
    "kind",
    "description",
    "authors",
    "year",
    "venue",
    "tags",
    "aliases",
    "links",
    "also_in",
)
ENTRY_REQUIRED = ("id", "title", "kind", "description")
LINK_KEYS = ("title", "url")


@dataclass(frozen=True, slots=True)
class Located:
    """A section or entry with where it was defined, and the lines of the fields that
    cross-file checks point at (``parent``, ``section``, ``url``, ``also_in``, links)."""

    item: Section | Entry
    where: SourceLocation
    lines: dict[str, int]

    def line(self, key: str) -> int:
        return self.lines.get(key, self.where.line)


def read_catalog_files(root: Path, problems: list[Problem]) -> CatalogFiles:
    """Every section and entry of the folder ``root``; file problems go to ``problems``."""
    files = CatalogFiles(problems)
    files.read_sections(root / SECTIONS_FILE)
    for file in files.entry_files(root / ENTRIES_DIR):
        files.read_entries(file)
    return files


class CatalogFiles:
    """The sections and entries read so far, and where each was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.sections: list[Located] = []
        self.entries: list[Located] = []
        # Line of the 'section:' key of every entries file, for "unknown section".
        self.file_section_lines: dict[str, int] = {}

    def _read_document(self, path: Path, expected: str) -> YamlMap | None:
        if not path.is_file():
            self.problems.append(
                Problem(str(path), None, "file not found", f"create it with {expected}")
            )
            return None
        document, problems = read_yaml(path, empty_hint=f"expected {expected}")
        self.problems.extend(problems)
        if document is None:
            return None
        if not isinstance(document, YamlMap):
            self.problems.append(
                Problem(
                    str(path),
                    document.line,
                    f"top level must be a mapping, found {describe(document)}",
                    f"expected {expected}",
                )
            )
            return None
        return document

    def read_sections(self, path: Path) -> None:
        file = str(path)
        document = self._read_document(path, "'sections:' and a list of sections")
        if document is None:
            return
        top = FieldReader(
            file,
            document,
            SECTIONS_FILE,
            self.problems,
            allowed=("sections",),
            required=("sections",),
        )
        for number, item in enumerate(top.items("sections"), start=1):
            located = self._section(file, item, number)
            if located is not None:
                self.sections.append(located)

    def _section(self, file: str, item: YamlValue, number: int) -> Located | None:
        if not isinstance(item, YamlMap):
            self._not_a_mapping(file, item, f"section {number}")
            return None
        what = _name_of("section", item, number)
        fields = FieldReader(
            file, item, what, self.problems, allowed=SECTION_KEYS, required=SECTION_REQUIRED
        )
        section_id = fields.slug("id")
        title = fields.text("title", TITLE_LIMIT)
        order = fields.integer("order", 0, example=1)
        blurb = fields.text("blurb", BLURB_LIMIT)
        parent = fields.slug("parent")
        if section_id is None:
            return None
        # A section with other problems still takes part in the cross checks (duplicate ids,
        # parents), so that one run reports everything; the catalog is not built anyway.
        section = Section(
            section_id, title or "", NO_ORDER if order is None else order, blurb or "", parent
        )
        lines = {"order": fields.line("order"), "parent": fields.line("parent")}
        return Located(section, SourceLocation(file, item.line), lines)

    def entry_files(self, folder: Path) -> list[Path]:
        if not folder.is_dir():
            self.problems.append(
                Problem(
                    str(folder),
                    None,
                    "entries folder not found",
                    "create entries/<section-id>.yaml files",
                )
            )
            return []
        files = []
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue  # .gitkeep and editor files (layout.content_digest skips them too)
            if path.is_file() and path.suffix == ENTRIES_SUFFIX:
                files.append(path)
                continue
            what = "folder" if path.is_dir() else "file"
            hint = "entries files are named <section-id>.yaml, directly in entries/"
            if path.suffix == ".yml":
                hint = f"rename it to {path.stem}.yaml"
            self.problems.append(
                Problem(str(path), None, f"unexpected {what} in the entries folder", hint)
            )
        return files

    def read_entries(self, path: Path) -> None:
        file = str(path)
        document = self._read_document(path, "'section:' and 'entries:'")
        if document is None:
            return
        top = FieldReader(
            file,
            document,
            path.name,
            self.problems,
            allowed=("section", "entries"),
            required=("section", "entries"),
        )
        section = top.slug("section")
        if section is not None:
            self.file_section_lines[file] = top.line("section")
            if section != path.stem:
                self.problems.append(
                    Problem(
                        file,
                        top.line("section"),
                        f"file {path.name} holds section '{section}'",
                        f"rename the file to {section}.yaml or fix 'section:'",
                    )
                )
        for number, item in enumerate(top.items("entries"), start=1):
            located = self._entry(file, item, number, section)
            if located is not None:
                self.entries.append(located)

    def _entry(
        self, file: str, item: YamlValue, number: int, section: str | None
    ) -> Located | None:
        if not isinstance(item, YamlMap):
            self._not_a_mapping(file, item, f"entry {number}")
            return None
        what = _name_of("entry", item, number)
        fields = FieldReader(
            file, item, what, self.problems, allowed=ENTRY_KEYS, required=ENTRY_REQUIRED
        )
        entry_id = fields.slug("id")
        title = fields.text("title", TITLE_LIMIT)
        url = fields.url("url")
        kind = fields.choice("kind", KINDS)
        description = fields.text("description", DESCRIPTION_LIMIT)
        authors = fields.text_list("authors", NAME_LIMIT)
        year = fields.integer("year", *YEAR_RANGE, example=2016)
        venue = fields.text("venue", NAME_LIMIT)
        tags = fields.slug_list("tags")
        aliases = fields.text_list("aliases", ALIAS_LIMIT, unique=True)
        links, link_lines = self._links(fields)
        also_in = fields.slug_list("also_in")
        if entry_id is None or section is None:
            return None
        where = SourceLocation(file, item.line)
        # Missing values get placeholders so that an entry with problems still takes part in
        # the cross checks; any problem at all stops the catalog from being built.
        entry = Entry(
            id=entry_id,
            title=title or "",
            section=section,
            kind=kind or "",
            description=description or "",
            url=url,
            authors=authors,
            year=year,
            venue=venue,
            tags=tags,
            aliases=aliases,
            links=links,
            also_in=also_in,
            source=where,
        )
        lines = {"url": fields.line("url"), "also_in": fields.line("also_in"), **link_lines}
        return Located(entry, where, lines)

    def _links(self, fields: FieldReader) -> tuple[tuple[Link, ...], dict[str, int]]:
        links: list[Link] = []
        lines: dict[str, int] = {}
        for number, item in enumerate(fields.items("links"), start=1):
            what = f"link {number} of {fields.what}"
            if not isinstance(item, YamlMap):
                self._not_a_mapping(fields.file, item, what)
                continue
            link = FieldReader(
                fields.file, item, what, self.problems, allowed=LINK_KEYS, required=LINK_KEYS
            )
            title = link.text("title", TITLE_LIMIT)
            url = link.url("url")
            if title is not None and url is not None:
                lines[f"link {len(links)}"] = link.line("url")
                links.append(Link(title, url))
        return tuple(links), lines

    def _not_a_mapping(self, file: str, item: YamlValue, what: str) -> None:
        self.problems.append(
            Problem(
                file,
                item.line,
                f"{what} must be a mapping of keys, found {describe(item)}",
                "write it as 'key: value' lines under '- '",
            )
        )


def section_of(located: Located) -> Section:
    assert isinstance(located.item, Section)
    return located.item


def entry_of(located: Located) -> Entry:
    assert isinstance(located.item, Entry)
    return located.item


def _name_of(kind: str, mapping: YamlMap, number: int) -> str:
    """``entry 'wavenet'`` when the id is usable, else ``entry 3`` (its place in the file)."""
    field = mapping.fields.get("id")
    value = getattr(field.value, "value", None) if field is not None else None
    if isinstance(value, str) and slug_problem(value) is None:
        return f"{kind} '{value}'"
    return f"{kind} {number}"
