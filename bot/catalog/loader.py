"""Load and validate the catalog folder: ``sections.yaml`` plus ``entries/<section-id>.yaml``.

Every problem of every file is collected before giving up, so that one ``catalog check`` run
tells a maintainer everything to fix. The checks are written by hand (no JSON Schema
validation at run time, which would be slow and give poor messages); a test keeps them in
agreement with ``catalog/schema``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.catalog.limits import ALIAS_LIMIT, BLURB_LIMIT, DESCRIPTION_LIMIT, NAME_LIMIT, TITLE_LIMIT
from bot.catalog.model import KINDS, Catalog, Entry, Link, Section
from bot.catalog.urls import normalize_url
from bot.datafile.fields import FieldReader, did_you_mean, slug_problem
from bot.datafile.problems import CatalogError, Problem, SourceLocation
from bot.datafile.yaml_reader import YamlMap, YamlValue, describe, read_yaml

SECTIONS_FILE = "sections.yaml"
ENTRIES_DIR = "entries"
ENTRIES_SUFFIX = ".yaml"
YEAR_RANGE = (1900, 2100)
# Stands in for the order of a section whose 'order:' is broken (valid orders are >= 0).
_NO_ORDER = -1

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
class CheckResult:
    """The catalog when it is valid, and every problem found (empty when valid)."""

    catalog: Catalog | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def load_catalog(path: Path) -> Catalog:
    """The validated catalog in ``path``; raises :class:`CatalogError` listing all problems."""
    result = check_catalog(path)
    if result.catalog is None:
        raise CatalogError(result.problems, root=path)
    return result.catalog


def require_catalog_folder(path: Path) -> None:
    """Raise :class:`CatalogError` when ``path`` is no folder (commands that read only part
    of the catalog would otherwise find nothing in it and carry on)."""
    if not path.is_dir():
        raise CatalogError([_folder_not_found(path)], root=path)


def _folder_not_found(path: Path) -> Problem:
    return Problem(
        str(path),
        None,
        "catalog folder not found",
        "pass the folder that holds sections.yaml and entries/",
    )


def check_catalog(path: Path) -> CheckResult:
    """Validate the catalog folder ``path`` and build it if nothing is wrong."""
    return _CatalogChecker(path).run()


@dataclass(frozen=True, slots=True)
class _Located:
    """A section or entry with where it was defined, and the lines of the fields that
    cross-file checks point at (``parent``, ``section``, ``url``, ``also_in``, links)."""

    item: Section | Entry
    where: SourceLocation
    lines: dict[str, int]

    def line(self, key: str) -> int:
        return self.lines.get(key, self.where.line)


class _CatalogChecker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.sections: list[_Located] = []
        self.entries: list[_Located] = []
        # Line of the 'section:' key of every entries file, for "unknown section".
        self.file_section_lines: dict[str, int] = {}

    def run(self) -> CheckResult:
        if not self.root.is_dir():
            self.problems.append(_folder_not_found(self.root))
            return CheckResult(None, tuple(self.problems))
        self._read_sections(self.root / SECTIONS_FILE)
        for file in self._entry_files(self.root / ENTRIES_DIR):
            self._read_entries(file)
        self._check_sections()
        self._check_entries()
        if self.problems:
            return CheckResult(None, tuple(sorted(self.problems, key=Problem.sort_key)))
        return CheckResult(self._build(), ())

    # -- reading ---------------------------------------------------------------------------

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

    def _read_sections(self, path: Path) -> None:
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

    def _section(self, file: str, item: YamlValue, number: int) -> _Located | None:
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
            section_id, title or "", _NO_ORDER if order is None else order, blurb or "", parent
        )
        lines = {"order": fields.line("order"), "parent": fields.line("parent")}
        return _Located(section, SourceLocation(file, item.line), lines)

    def _entry_files(self, folder: Path) -> list[Path]:
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
                continue  # .gitkeep and editor files
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

    def _read_entries(self, path: Path) -> None:
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
    ) -> _Located | None:
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
        return _Located(entry, where, lines)

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

    # -- cross-file checks -----------------------------------------------------------------

    def _problem(
        self,
        located: _Located,
        line: int,
        message: str,
        hint: str = "",
        related: SourceLocation | None = None,
    ) -> None:
        self.problems.append(Problem(located.where.path, line, message, hint, related=related))

    def _check_sections(self) -> None:
        first_by_id: dict[str, _Located] = {}
        first_by_order: dict[int, _Located] = {}
        for located in self.sections:
            section = _section_of(located)
            if section.id in first_by_id:
                self._problem(
                    located,
                    located.where.line,
                    f"duplicate section id '{section.id}'",
                    "give each section its own id",
                    first_by_id[section.id].where,
                )
            else:
                first_by_id[section.id] = located
            if section.order == _NO_ORDER:
                pass
            elif section.order in first_by_order:
                other = first_by_order[section.order]
                self._problem(
                    located,
                    located.line("order"),
                    f"order {section.order} of section '{section.id}' is already used by "
                    f"section '{other.item.id}'",
                    "give each section its own order",
                    SourceLocation(other.where.path, other.line("order")),
                )
            else:
                first_by_order[section.order] = located
        for located in first_by_id.values():
            parent = _section_of(located).parent
            if parent is not None and parent not in first_by_id:
                self._unknown_section(
                    located,
                    located.line("parent"),
                    parent,
                    f"parent of section '{located.item.id}'",
                )
        self._check_cycles(first_by_id)

    def _check_cycles(self, sections: dict[str, _Located]) -> None:
        parents = {sid: _section_of(located).parent for sid, located in sections.items()}
        in_reported_cycle: set[str] = set()
        for start in parents:
            chain = [start]
            current = parents[start]
            while current is not None and current in parents and current not in chain:
                chain.append(current)
                current = parents[current]
            if current is None or current not in chain or current in in_reported_cycle:
                continue
            cycle = chain[chain.index(current) :]
            in_reported_cycle.update(cycle)
            # Start the message at the section written first, so that it reads the same
            # whichever section the walk began at.
            first = min(cycle, key=lambda sid: sections[sid].where.line)
            rotated = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
            located = sections[first]
            self._problem(
                located,
                located.line("parent"),
                "sections form a parent cycle: " + " → ".join([*rotated, first]),
                "a section cannot be its own ancestor; remove one 'parent:'",
            )

    def _check_entries(self) -> None:
        known = {located.item.id for located in self.sections}
        # With no readable sections.yaml every section would be "unknown": say nothing then.
        check_sections = bool(known)
        reported_files: set[str] = set()
        first_by_id: dict[str, _Located] = {}
        first_by_url: dict[str, _Located] = {}
        for located in self.entries:
            entry = _entry_of(located)
            file = located.where.path
            if check_sections and entry.section not in known and file not in reported_files:
                reported_files.add(file)
                self._unknown_section(
                    located,
                    self.file_section_lines.get(file, 1),
                    entry.section,
                    "section of this file",
                )
            for other in entry.also_in:
                if other == entry.section:
                    self._problem(
                        located,
                        located.line("also_in"),
                        f"also_in of entry '{entry.id}' lists its own section '{other}'",
                        "remove it; the entry is listed there already",
                    )
                elif check_sections and other not in known:
                    self._unknown_section(
                        located, located.line("also_in"), other, f"also_in of entry '{entry.id}'"
                    )
            if entry.id in first_by_id:
                self._problem(
                    located,
                    located.where.line,
                    f"duplicate entry id '{entry.id}'",
                    "ids are unique across the whole catalog",
                    first_by_id[entry.id].where,
                )
            else:
                first_by_id[entry.id] = located
            self._check_own_urls(located)
            if entry.url is not None:
                key = normalize_url(entry.url)
                if key in first_by_url:
                    other_located = first_by_url[key]
                    self._problem(
                        located,
                        located.line("url"),
                        f"url of entry '{entry.id}' is the same page as the url of entry "
                        f"'{other_located.item.id}'",
                        "keep one entry and list it in the other section with also_in",
                        SourceLocation(other_located.where.path, other_located.line("url")),
                    )
                else:
                    first_by_url[key] = located

    def _check_own_urls(self, located: _Located) -> None:
        """One entry must not link the same page twice (its url or among its links)."""
        entry = _entry_of(located)
        seen = {normalize_url(entry.url)} if entry.url is not None else set()
        for index, link in enumerate(entry.links):
            key = normalize_url(link.url)
            if key in seen:
                self._problem(
                    located,
                    located.line(f"link {index}"),
                    f"link '{link.title}' of entry '{entry.id}' repeats a URL of the same entry",
                    "remove the repeated link",
                )
            seen.add(key)

    def _unknown_section(self, located: _Located, line: int, name: str, what: str) -> None:
        guess = did_you_mean(name, [other.item.id for other in self.sections])
        hint = f"did you mean '{guess}'?" if guess else f"add it to {SECTIONS_FILE} first"
        self._problem(located, line, f"unknown section '{name}' ({what})", hint)

    # -- building --------------------------------------------------------------------------

    def _build(self) -> Catalog:
        ordered = _reading_order([_section_of(located) for located in self.sections])
        position = {section.id: index for index, section in enumerate(ordered)}
        # sorted() is stable: entries keep their order within a file.
        entries = sorted(
            (_entry_of(located) for located in self.entries), key=lambda e: position[e.section]
        )
        return Catalog(tuple(ordered), tuple(entries))


def _section_of(located: _Located) -> Section:
    assert isinstance(located.item, Section)
    return located.item


def _entry_of(located: _Located) -> Entry:
    assert isinstance(located.item, Entry)
    return located.item


def _reading_order(sections: Sequence[Section]) -> list[Section]:
    """Sections depth first: each parent followed by its children, siblings by ``order``."""
    children: dict[str | None, list[Section]] = {}
    for section in sorted(sections, key=lambda s: s.order):
        children.setdefault(section.parent, []).append(section)
    ordered: list[Section] = []

    def visit(siblings: Iterable[Section]) -> None:
        for section in siblings:
            ordered.append(section)
            visit(children.get(section.id, ()))

    visit(children.get(None, ()))
    return ordered


def _name_of(kind: str, mapping: YamlMap, number: int) -> str:
    """``entry 'wavenet'`` when the id is usable, else ``entry 3`` (its place in the file)."""
    field = mapping.fields.get("id")
    value = getattr(field.value, "value", None) if field is not None else None
    if isinstance(value, str) and slug_problem(value) is None:
        return f"{kind} '{value}'"
    return f"{kind} {number}"
