"""The repository's real catalog for search tests, or a skip saying why it is not there yet."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.catalog.model import Catalog
from tests.shared_data import REPO_ROOT

CATALOG_DIR = REPO_ROOT / "catalog"
LABELLED_QUERIES = Path(__file__).with_name("labelled_queries.yaml")


def load_real_catalog() -> Catalog:
    entries = CATALOG_DIR / "entries"
    if not entries.is_dir() or not any(entries.glob("*.yaml")):
        pytest.skip(f"the real catalog is not written yet: no YAML files in {entries}")
    from bot.catalog.loader import load_catalog

    return load_catalog(CATALOG_DIR)


def labelled_queries() -> list[dict[str, str]]:
    """Every labelled query, tuning and held-out alike (``held_out`` is "True" or absent)."""
    data = yaml.safe_load(LABELLED_QUERIES.read_text(encoding="utf-8"))
    return [{k: str(v) for k, v in item.items()} for item in data["queries"]]


def is_held_out(item: dict[str, str]) -> bool:
    return item.get("held_out") == "True"


def tuning_queries() -> list[dict[str, str]]:
    """The part of the labelled set that ranking may be tuned on."""
    return [item for item in labelled_queries() if not is_held_out(item)]
