"""Load and validate the catalog folder: ``sections.yaml`` plus ``entries/<section-id>.yaml``.

Every problem of every file is collected before giving up, so that one ``catalog check`` run
tells a maintainer everything to fix: ``reading`` checks each file on its own,
``cross_checks`` what spans files (duplicates, unknown sections, parent cycles), and this
module puts them together and builds the catalog. The checks are written by hand (no JSON
Schema validation at run time, which would be slow and give poor messages); a test keeps
them in agreement with ``catalog/schema``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.catalog.cross_checks import check_across_files
from bot.catalog.layout import ENTRIES_DIR, ENTRIES_SUFFIX, SECTIONS_FILE
from bot.catalog.model import Catalog, Section
from bot.catalog.reading import (
    ENTRY_KEYS,
    ENTRY_REQUIRED,
    LINK_KEYS,
    SECTION_KEYS,
    SECTION_REQUIRED,
    YEAR_RANGE,
    CatalogFiles,
    entry_of,
    read_catalog_files,
    section_of,
)
from bot.datafile.problems import CatalogError, Problem

# Where the catalog's layout and keys were always imported from (and a test compares them
# with catalog/schema).
__all__ = [
    "ENTRIES_DIR",
    "ENTRIES_SUFFIX",
    "ENTRY_KEYS",
    "ENTRY_REQUIRED",
    "LINK_KEYS",
    "SECTIONS_FILE",
    "SECTION_KEYS",
    "SECTION_REQUIRED",
    "YEAR_RANGE",
    "CheckResult",
    "check_catalog",
    "load_catalog",
    "require_catalog_folder",
]


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
    return _check(path)


def _check(root: Path) -> CheckResult:
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(_folder_not_found(root))
        return CheckResult(None, tuple(problems))
    files = read_catalog_files(root, problems)
    check_across_files(files)
    if problems:
        return CheckResult(None, tuple(sorted(problems, key=Problem.sort_key)))
    return CheckResult(_build(files), ())


def _build(files: CatalogFiles) -> Catalog:
    ordered = _reading_order([section_of(located) for located in files.sections])
    position = {section.id: index for index, section in enumerate(ordered)}
    # sorted() is stable: entries keep their order within a file.
    entries = sorted(
        (entry_of(located) for located in files.entries), key=lambda e: position[e.section]
    )
    return Catalog(tuple(ordered), tuple(entries))


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
