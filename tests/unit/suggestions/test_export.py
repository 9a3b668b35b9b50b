"""``suggestions export``: schema-valid YAML, appended without touching what is there."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.catalog.loader import check_catalog, load_catalog
from bot.suggestions import SuggestionService
from bot.suggestions.export import (
    ExportError,
    append_to_catalog,
    export_text,
    plan_export,
    slug_for,
)
from bot.suggestions.outcomes import Created
from tests.shared_data import REPO_ROOT
from tests.unit.suggestions.conftest import ALICE, GUILD, MAINTAINER, draft

SCHEMA = json.loads((REPO_ROOT / "catalog/schema/entries.schema.json").read_text())

SECTIONS_YAML = """\
sections:
  - id: key-papers
    title: Key Papers / Codes
    order: 1
  - id: tutorials
    title: Tutorials
    order: 2
  - id: books
    title: Books
    order: 3
"""
KEY_PAPERS_YAML = """\
# Landmark papers, not just the latest tweak.
section: key-papers
entries:
    - id: wavenet
      title: "WaveNet: A Generative Model for Raw Audio"   # quoted on purpose
      url: https://arxiv.org/pdf/1609.03499.pdf
      kind: paper
      description: >-
        Dilated causal convolutions that generate audio one sample at a time.
"""


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    (root / "entries").mkdir(parents=True)
    (root / "sections.yaml").write_text(SECTIONS_YAML)
    (root / "entries/key-papers.yaml").write_text(KEY_PAPERS_YAML)
    (root / "entries/books.yaml").write_text("section: books\nentries: []\n")
    assert check_catalog(root).ok
    return root


async def approved(
    service: SuggestionService, title: str, url: str, section: str = "key-papers", **kw: str
) -> int:
    outcome = await service.submit(
        GUILD, ALICE, draft(title=title, url=url, section=section, **kw), confirm_similar=True
    )
    assert isinstance(outcome, Created), outcome
    await service.approve(GUILD, outcome.suggestion.id, MAINTAINER, is_maintainer=True)
    return outcome.suggestion.id


async def test_printed_export_is_schema_valid_yaml_with_a_comment_per_entry(
    service: SuggestionService,
) -> None:
    sid = await approved(
        service,
        'Tricky: "quotes" & #hash [x]',
        "https://a.org/x",
        reason="Why: it's great\n\nreally",
    )
    await approved(service, "A book on DSP", "https://dsp.org/", section="books")
    plan = plan_export(await service.exportable(), service.catalog)
    text = export_text(plan)
    documents = list(yaml.safe_load_all(text))
    assert [d["section"] for d in documents] == ["key-papers", "books"]
    for document in documents:
        jsonschema.validate(document, SCHEMA)
    first = documents[0]["entries"][0]
    assert first == {
        "id": "tricky-quotes-hash-x",
        "title": 'Tricky: "quotes" & #hash [x]',
        "url": "https://a.org/x",
        "kind": "reference",
        "description": "Why: it's great really",
    }
    assert f"# From Discord suggestion #{sid} by member {ALICE}, approved by {MAINTAINER}" in text


async def test_appending_keeps_every_existing_byte_and_catalog_check_passes(
    make_service: object, catalog_dir: Path, service: SuggestionService
) -> None:
    await approved(service, "Spectrogram basics", "https://spec.org/")
    await approved(service, "Wavenet", "https://deepmind.example/wavenet")  # id taken → -2
    await approved(service, "A book on DSP", "https://dsp.org/", section="books")
    before = (catalog_dir / "entries/key-papers.yaml").read_text()
    catalog = load_catalog(catalog_dir)
    plan = plan_export(await service.exportable(), catalog)
    exported = append_to_catalog(plan, catalog_dir)
    assert [(e.section, e.entry_id) for e in exported] == [
        ("key-papers", "spectrogram-basics"),
        ("key-papers", "wavenet-2"),
        ("books", "a-book-on-dsp"),
    ]
    after = (catalog_dir / "entries/key-papers.yaml").read_text()
    assert after.startswith(before)
    assert "\n    - id: spectrogram-basics\n" in after  # the file's own 4-space indent
    assert (
        (catalog_dir / "entries/books.yaml")
        .read_text()
        .startswith("section: books\nentries:\n  # From")
    )
    result = check_catalog(catalog_dir)
    assert result.ok, [str(p) for p in result.problems]
    assert result.catalog is not None
    assert len(result.catalog) == 4
    # Exporting again appends nothing: the URLs are in the catalog now.
    again = plan_export(await service.exportable(), load_catalog(catalog_dir))
    assert again.items == ()
    assert {s.reason for s in again.skipped} == {
        "its URL is already in the catalog; run mark-merged"
    }


async def test_a_missing_section_file_is_created(
    catalog_dir: Path, service: SuggestionService
) -> None:
    await approved(service, "Intro tutorial", "https://tut.org/", section="tutorials")
    plan = plan_export(await service.exportable(), load_catalog(catalog_dir))
    append_to_catalog(plan, catalog_dir)
    assert check_catalog(catalog_dir).ok


async def test_a_file_that_cannot_be_appended_safely_is_left_untouched(
    catalog_dir: Path, service: SuggestionService
) -> None:
    path = catalog_dir / "entries/key-papers.yaml"
    odd = (
        "entries:\n  - id: wavenet\n    title: W\n    kind: paper\n    description: d\n"
        "section: key-papers\n"
    )
    path.write_text(odd)
    await approved(service, "Spectrogram basics", "https://spec.org/")
    await approved(service, "A book on DSP", "https://dsp.org/", section="books")
    plan = plan_export(await service.exportable(), service.catalog)
    with pytest.raises(ExportError, match=r"key-papers.yaml:6: 'entries:' must be the last key"):
        append_to_catalog(plan, catalog_dir)
    assert path.read_text() == odd
    assert (catalog_dir / "entries/books.yaml").read_text() == "section: books\nentries: []\n"


def test_ids_are_slugs_unique_in_the_catalog_and_the_batch() -> None:
    taken = {"wavenet"}
    assert slug_for("WaveNet", taken, "suggestion-1") == "wavenet-2"
    assert slug_for("WaveNet!", taken, "suggestion-2") == "wavenet-3"
    assert slug_for("Ünïcödé Äudio", taken, "suggestion-3") == "unicode-audio"
    assert slug_for("音声処理", taken, "suggestion-4") == "suggestion-4"
    long = slug_for("word " * 40, taken, "x")
    assert len(long) <= 48
    assert not long.endswith("-")
