"""Which conference ids the catalog knows, so every deadline series is tied to an entry."""

from __future__ import annotations

from pathlib import Path

from bot.catalog.loader import ENTRIES_DIR, check_catalog
from bot.datafile.yaml_reader import YamlList, YamlMap, YamlScalar, read_yaml

DEADLINES_DIR = "deadlines"


def catalog_entry_ids(catalog_dir: Path) -> frozenset[str]:
    """Ids of every catalog entry.

    When the catalog itself has problems (``catalog check`` reports those), the ids are
    still read from the entry files, so that a typo in an unrelated entry does not make
    every deadline series look "unknown".
    """
    result = check_catalog(catalog_dir)
    if result.catalog is not None:
        return frozenset(entry.id for entry in result.catalog)
    ids: set[str] = set()
    for path in sorted((catalog_dir / ENTRIES_DIR).glob("*.yaml")):
        document, _ = read_yaml(path)
        if not isinstance(document, YamlMap) or "entries" not in document.fields:
            continue
        entries = document.fields["entries"].value
        if not isinstance(entries, YamlList):
            continue
        for item in entries.items:
            if isinstance(item, YamlMap) and "id" in item.fields:
                value = item.fields["id"].value
                if isinstance(value, YamlScalar) and isinstance(value.value, str):
                    ids.add(value.value)
    return frozenset(ids)
