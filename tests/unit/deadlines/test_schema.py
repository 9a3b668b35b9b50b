"""The JSON Schema of catalog/deadlines agrees with the loader on the real files and on mistakes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.unit.deadlines.conftest import ICASSP


def as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def validator(catalog_dir: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads((catalog_dir / "schema" / "deadlines.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_real_deadline_file_matches_the_schema(
    catalog_dir: Path, validator: jsonschema.Draft202012Validator
) -> None:
    files = sorted(
        p for p in (catalog_dir / "deadlines").glob("*.yaml") if p.name != "sources.yaml"
    )
    assert files
    for path in files:
        errors = list(validator.iter_errors(as_json(yaml.safe_load(path.read_text()))))
        assert errors == [], path


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("timezone: AoE", "timezone: GMT+2"),
        ("timezone: AoE", "timezone: UTC+05"),
        ("at: TBA", "at: soon"),
        ("source: ccfddl", "source: somewhere ccfddl"),
        ("kind: paper", "kind: Paper"),
        ("    place:", "    venue:"),
    ],
)
def test_schema_refuses_what_the_loader_refuses(
    validator: jsonschema.Draft202012Validator, old: str, new: str
) -> None:
    assert validator.is_valid(as_json(yaml.safe_load(ICASSP)))
    assert not validator.is_valid(as_json(yaml.safe_load(ICASSP.replace(old, new))))
