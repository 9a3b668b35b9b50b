"""Where the catalog's files are in its folder, and one digest of everything the loader reads.

Kept apart from ``reading`` (which imports PyYAML) so that ``ml-audio-bot search`` can tell
whether its cached index is still the catalog's without importing the loader.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.cache import digest

SECTIONS_FILE = "sections.yaml"
ENTRIES_DIR = "entries"
ENTRIES_SUFFIX = ".yaml"


def content_digest(root: Path) -> bytes:
    """A digest of what ``load_catalog(root)`` reads: the folder as given (entries keep it in
    their source locations), ``sections.yaml``, and every name in ``entries/`` with, for
    files, their content; hidden names (``.gitkeep``, editor files) are skipped, as the
    loader skips them. Raises ``OSError`` when something cannot be read; the loader then
    says what is wrong."""
    parts = [os.fsencode(root), _content(root / SECTIONS_FILE)]
    with os.scandir(root / ENTRIES_DIR) as found:
        listing = sorted(found, key=lambda item: item.name)
    for item in listing:
        if item.name.startswith("."):
            continue
        parts.append(os.fsencode(item.name))
        # Not only the *.yaml files the loader reads: anything else in entries/ is a problem
        # it reports, so its name is part of the key too.
        parts.append(_content(Path(item.path)) if item.is_file() else b"not a file")
    return digest(*parts)


def _content(path: Path) -> bytes:
    with open(path, "rb") as source:
        return source.read()
