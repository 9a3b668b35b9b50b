"""Checks across the catalog's files: duplicate ids, orders and URLs, unknown sections,
parent cycles. The files were read (and each checked on its own) by ``reading``.
"""

from __future__ import annotations

from bot.catalog.layout import SECTIONS_FILE
from bot.catalog.reading import NO_ORDER, CatalogFiles, Located, entry_of, section_of
from bot.catalog.urls import normalize_url
from bot.datafile.fields import did_you_mean
from bot.datafile.problems import Problem, SourceLocation


def check_across_files(files: CatalogFiles) -> None:
    """Add to ``files.problems`` what only shows when all files are read."""
    checks = CrossChecks(files)
    checks.check_sections()
    checks.check_entries()


class CrossChecks:
    """The checks over all sections and entries read; problems go to the files' list."""

    def __init__(self, files: CatalogFiles) -> None:
        self.problems = files.problems
        self.sections = files.sections
        self.entries = files.entries
        self.file_section_lines = files.file_section_lines

    def _problem(
        self,
        located: Located,
        line: int,
        message: str,
        hint: str = "",
        related: SourceLocation | None = None,
    ) -> None:
        self.problems.append(Problem(located.where.path, line, message, hint, related=related))

    def check_sections(self) -> None:
        first_by_id: dict[str, Located] = {}
        first_by_order: dict[int, Located] = {}
        for located in self.sections:
            section = section_of(located)
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
            if section.order == NO_ORDER:
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
            parent = section_of(located).parent
            if parent is not None and parent not in first_by_id:
                self._unknown_section(
                    located,
                    located.line("parent"),
                    parent,
                    f"parent of section '{located.item.id}'",
                )
        self._check_cycles(first_by_id)

    def _check_cycles(self, sections: dict[str, Located]) -> None:
        parents = {sid: section_of(located).parent for sid, located in sections.items()}
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

    def check_entries(self) -> None:
        known = {located.item.id for located in self.sections}
        # With no readable sections.yaml every section would be "unknown": say nothing then.
        check_sections = bool(known)
        reported_files: set[str] = set()
        first_by_id: dict[str, Located] = {}
        first_by_url: dict[str, Located] = {}
        for located in self.entries:
            entry = entry_of(located)
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

    def _check_own_urls(self, located: Located) -> None:
        """One entry must not link the same page twice (its url or among its links)."""
        entry = entry_of(located)
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

    def _unknown_section(self, located: Located, line: int, name: str, what: str) -> None:
        guess = did_you_mean(name, [other.item.id for other in self.sections])
        hint = f"did you mean '{guess}'?" if guess else f"add it to {SECTIONS_FILE} first"
        self._problem(located, line, f"unknown section '{name}' ({what})", hint)
