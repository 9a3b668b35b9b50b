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
    data = yaml.safe_load(LABELLED_QUERIES.read_text(encoding="utf-8"))
    return [{k: str(v) for k, v in item.items()} for item in data["queries"]]
