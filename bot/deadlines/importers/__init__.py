"""Importers for the public deadline formats of ``../shared/data/deadlines/FORMATS.md``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.deadlines.importers.ai_deadlines import import_ai_deadlines, import_huggingface
from bot.deadlines.importers.ccfddl import import_ccfddl
from bot.deadlines.importers.common import ImportResult, SeriesIndex
from bot.deadlines.importers.mtg import import_mtg

Importer = Callable[[list[Path], SeriesIndex], ImportResult]

IMPORTERS: dict[str, Importer] = {
    "ai-deadlines": import_ai_deadlines,
    "ccfddl": import_ccfddl,
    "huggingface": import_huggingface,
    "mtg": import_mtg,
}


def run_import(format_name: str, paths: list[Path], index: SeriesIndex) -> ImportResult:
    return IMPORTERS[format_name](paths, index)
