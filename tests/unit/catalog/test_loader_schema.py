"""The loader's hand-written checks and the published JSON Schemas say the same thing.

Editors validate catalog files with ``catalog/schema/*.schema.json``; the bot validates them
with ``bot.catalog.loader``. A document one accepts and the other refuses would confuse a
maintainer, so each document below goes through both and they must agree.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.catalog import limits, loader
from bot.catalog.model import KINDS, Entry, Link, Section
from bot.datafile import fields
from tests.shared_data import REPO_ROOT

SCHEMA_DIR = REPO_ROOT / "catalog" / "schema"
ENTRIES_SCHEMA = json.loads((SCHEMA_DIR / "entries.schema.json").read_text(encoding="utf-8"))
SECTIONS_SCHEMA = json.loads((SCHEMA_DIR / "sections.schema.json").read_text(encoding="utf-8"))
ENTRY_SCHEMA = ENTRIES_SCHEMA["$defs"]["entry"]
SECTION_SCHEMA = SECTIONS_SCHEMA["properties"]["sections"]["items"]

SECTIONS = {
    "sections": [
        {"id": "papers", "title": "Key Papers", "order": 1},
        {"id": "datasets", "title": "Datasets", "order": 2},
    ]
}
ENTRY: dict[str, Any] = {
    "id": "wavenet",
    "title": "WaveNet",
    "kind": "paper",
    "description": "A generative model of raw audio.",
}


def entries(*items: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"section": "papers", "entries": list(items), **top}


def entry(**changes: Any) -> dict[str, Any]:
    """The minimal valid entry with ``changes``; a value of ``...`` removes the key."""
    merged = {**ENTRY, **changes}
    return {key: value for key, value in merged.items() if value is not ...}


FULL_ENTRY = entry(
    url="https://arxiv.org/abs/1609.03499",
    authors=["Aäron van den Oord", "Sander Dieleman"],
    year=2016,
    venue="arXiv",
    tags=["synthesis", "generative-models"],
    aliases=["WaveNet paper"],
    links=[{"title": "blog post", "url": "https://deepmind.google/research/wavenet/"}],
    also_in=["datasets"],
)

ENTRY_DOCUMENTS: dict[str, dict[str, Any]] = {
    # valid
    "minimal": entries(entry()),
    "every field": entries(FULL_ENTRY),
    "no entries yet": entries(),
    "limits reached": entries(entry(title="t" * 256, description="d" * 1024, year=2100)),
    "unicode text": entries(entry(title="Théorie analytique", authors=["Jürgen Schmidhuber"])),
    # invalid
    "unknown top-level key": entries(entry(), extra=1),
    "missing entries": {"section": "papers"},
    "entries not a list": {"section": "papers", "entries": {"id": "x"}},
    "entry is text": entries("WaveNet"),  # type: ignore[arg-type]
    "unknown entry key": entries(entry(desciption="typo")),
    "missing description": entries(entry(description=...)),
    "missing id": entries(entry(id=...)),
    "unknown kind": entries(entry(kind="papper")),
    "year as text": entries(entry(year="2016")),
    "year as boolean": entries(entry(year=True)),
    "year too early": entries(entry(year=1899)),
    "year too late": entries(entry(year=2101)),
    "empty title": entries(entry(title="")),
    "blank description": entries(entry(description="   ")),
    "title over 256": entries(entry(title="t" * 257)),
    "description over 1024": entries(entry(description="d" * 1025)),
    "title as number": entries(entry(title=1609)),
    "ftp url": entries(entry(url="ftp://example.org/x")),
    "url without scheme": entries(entry(url="serv.cusp.nyu.edu/projects/urbansounddataset")),
    "javascript url": entries(entry(url="javascript:alert(1)")),
    "url with a space": entries(entry(url="https://example.org/a b")),
    "upper-case scheme": entries(entry(url="HTTPS://example.org/")),
    "url over 2048": entries(entry(url="https://example.org/" + "a" * 2030)),
    "id with capitals": entries(entry(id="WaveNet")),
    "id with underscore": entries(entry(id="wave_net")),
    "id with double hyphen": entries(entry(id="wave--net")),
    "id over 64": entries(entry(id="a" * 65)),
    "tag not a slug": entries(entry(tags=["Deep Learning"])),
    "tag twice": entries(entry(tags=["audio", "audio"])),
    "alias twice": entries(entry(aliases=["WN", "WN"])),
    "alias over 100": entries(entry(aliases=["a" * 101])),
    "authors not a list": entries(entry(authors="Aäron van den Oord")),
    "empty author": entries(entry(authors=[""])),
    "empty venue": entries(entry(venue="")),
    "link without url": entries(entry(links=[{"title": "video"}])),
    "link with extra key": entries(entry(links=[{"title": "v", "url": "https://a.org", "x": 1}])),
    "link url without scheme": entries(entry(links=[{"title": "v", "url": "a.org/v"}])),
    "link is text": entries(entry(links=["https://a.org"])),
    "also_in not a slug": entries(entry(also_in=["Data Sets"])),
    "also_in twice": entries(entry(also_in=["datasets", "datasets"])),
    "section not a slug": {"section": "Key Papers", "entries": []},
}

SECTION_DOCUMENTS: dict[str, dict[str, Any]] = {
    # valid
    "minimal": SECTIONS,
    "blurb and parent": {
        "sections": [
            *SECTIONS["sections"],
            {
                "id": "raw",
                "title": "Raw audio",
                "order": 3,
                "blurb": "b" * 1024,
                "parent": "datasets",
            },
        ]
    },
    "no sections": {"sections": []},
    # invalid
    "unknown top-level key": {**SECTIONS, "title": "x"},
    "sections not a list": {"sections": {"id": "papers"}},
    "missing order": {"sections": [{"id": "papers", "title": "Key Papers"}]},
    "negative order": {"sections": [{"id": "papers", "title": "Key Papers", "order": -1}]},
    "order as text": {"sections": [{"id": "papers", "title": "Key Papers", "order": "1"}]},
    "empty title": {"sections": [{"id": "papers", "title": "", "order": 1}]},
    "title over 256": {"sections": [{"id": "papers", "title": "t" * 257, "order": 1}]},
    "blurb over 1024": {
        "sections": [{"id": "papers", "title": "Key Papers", "order": 1, "blurb": "b" * 1025}]
    },
    "unknown section key": {"sections": [{"id": "papers", "title": "P", "order": 1, "icon": "x"}]},
    "id not a slug": {"sections": [{"id": "Key Papers", "title": "Key Papers", "order": 1}]},
    "parent not a slug": {
        "sections": [{"id": "papers", "title": "Key Papers", "order": 1, "parent": "Top Level"}]
    },
}

# Where the loader is deliberately stricter than the schema can express: these documents
# pass the schema and are refused by the loader, with the reason.
LOADER_STRICTER: dict[str, tuple[str, dict[str, Any]]] = {
    "blank section title": (
        "sections",
        {"sections": [{"id": "papers", "title": "   ", "order": 1}]},
    ),
    "empty section blurb": (
        "sections",
        {"sections": [{"id": "papers", "title": "Key Papers", "order": 1, "blurb": ""}]},
    ),
    # JSON Schema counts 2016.0 as an integer; in YAML it is a decimal number, surely a typo.
    "year written as a decimal": ("entries", entries(entry(year=2016.0))),
}


def write_catalog(
    root: Path, sections: dict[str, Any], entries_document: dict[str, Any] | None
) -> Path:
    (root / "entries").mkdir(parents=True)
    (root / "sections.yaml").write_text(yaml.safe_dump(sections, allow_unicode=True), "utf-8")
    if entries_document is not None:
        section = entries_document.get("section")
        name = (
            section if isinstance(section, str) and fields.SLUG_PATTERN.match(section) else "papers"
        )
        text = yaml.safe_dump(entries_document, allow_unicode=True, sort_keys=False)
        (root / "entries" / f"{name}.yaml").write_text(text, "utf-8")
    return root


def schema_accepts(schema: dict[str, Any], document: object) -> bool:
    return Draft202012Validator(schema).is_valid(document)


def test_the_schemas_themselves_are_valid() -> None:
    Draft202012Validator.check_schema(ENTRIES_SCHEMA)
    Draft202012Validator.check_schema(SECTIONS_SCHEMA)


@pytest.mark.parametrize("name", list(ENTRY_DOCUMENTS))
def test_loader_and_schema_agree_on_entries_files(name: str, tmp_path: Path) -> None:
    document = ENTRY_DOCUMENTS[name]
    result = loader.check_catalog(write_catalog(tmp_path, SECTIONS, document))

    assert result.ok == schema_accepts(ENTRIES_SCHEMA, document), [str(p) for p in result.problems]


@pytest.mark.parametrize("name", list(SECTION_DOCUMENTS))
def test_loader_and_schema_agree_on_sections_files(name: str, tmp_path: Path) -> None:
    document = SECTION_DOCUMENTS[name]
    result = loader.check_catalog(write_catalog(tmp_path, document, None))

    assert result.ok == schema_accepts(SECTIONS_SCHEMA, document), [str(p) for p in result.problems]


def test_both_valid_and_invalid_documents_are_covered() -> None:
    verdicts = [schema_accepts(ENTRIES_SCHEMA, d) for d in ENTRY_DOCUMENTS.values()]
    verdicts += [schema_accepts(SECTIONS_SCHEMA, d) for d in SECTION_DOCUMENTS.values()]
    assert verdicts.count(True) >= 5
    assert verdicts.count(False) >= 40


@pytest.mark.parametrize("name", list(LOADER_STRICTER))
def test_where_the_loader_is_stricter_than_the_schema(name: str, tmp_path: Path) -> None:
    kind, document = LOADER_STRICTER[name]
    if kind == "sections":
        root, schema = write_catalog(tmp_path, document, None), SECTIONS_SCHEMA
    else:
        root, schema = write_catalog(tmp_path, SECTIONS, document), ENTRIES_SCHEMA

    assert schema_accepts(schema, document)
    assert not loader.check_catalog(root).ok


def test_entry_schema_properties_are_the_model_fields() -> None:
    model_fields = {f.name for f in dataclasses.fields(Entry)} - {"section", "source"}
    assert set(ENTRY_SCHEMA["properties"]) == model_fields
    assert list(ENTRY_SCHEMA["properties"]) == list(loader.ENTRY_KEYS)
    assert set(ENTRY_SCHEMA["required"]) == set(loader.ENTRY_REQUIRED)
    link_schema = ENTRIES_SCHEMA["$defs"]["link"]
    assert set(link_schema["properties"]) == {f.name for f in dataclasses.fields(Link)}
    assert set(link_schema["properties"]) == set(loader.LINK_KEYS) == set(link_schema["required"])


def test_section_schema_properties_are_the_model_fields() -> None:
    assert set(SECTION_SCHEMA["properties"]) == {f.name for f in dataclasses.fields(Section)}
    assert set(SECTION_SCHEMA["properties"]) == set(loader.SECTION_KEYS)
    assert set(SECTION_SCHEMA["required"]) == set(loader.SECTION_REQUIRED)


def test_kind_enum_is_the_model_kinds() -> None:
    assert tuple(ENTRY_SCHEMA["properties"]["kind"]["enum"]) == KINDS


def test_schema_limits_are_the_loader_limits() -> None:
    defs = ENTRIES_SCHEMA["$defs"]
    properties = ENTRY_SCHEMA["properties"]
    assert properties["title"]["maxLength"] == limits.TITLE_LIMIT.length
    assert properties["description"]["maxLength"] == limits.DESCRIPTION_LIMIT.length
    assert properties["venue"]["maxLength"] == limits.NAME_LIMIT.length
    assert properties["authors"]["items"]["maxLength"] == limits.NAME_LIMIT.length
    assert properties["aliases"]["items"]["maxLength"] == limits.ALIAS_LIMIT.length
    assert defs["link"]["properties"]["title"]["maxLength"] == limits.TITLE_LIMIT.length
    assert defs["slug"]["pattern"] == fields.SLUG_PATTERN.pattern
    assert defs["slug"]["maxLength"] == fields.SLUG_MAX_LENGTH
    assert defs["httpUrl"]["maxLength"] == fields.URL_MAX_LENGTH
    assert (properties["year"]["minimum"], properties["year"]["maximum"]) == loader.YEAR_RANGE
    assert SECTION_SCHEMA["properties"]["title"]["maxLength"] == limits.TITLE_LIMIT.length
    assert SECTION_SCHEMA["properties"]["blurb"]["maxLength"] == limits.BLURB_LIMIT.length
    assert SECTION_SCHEMA["properties"]["id"]["pattern"] == fields.SLUG_PATTERN.pattern
