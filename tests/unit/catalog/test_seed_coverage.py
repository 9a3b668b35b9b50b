"""The catalog data is a complete, valid transcription of the seed reading list.

The seed is the "Getting Started in ML-Audio" page (PR #8 head) kept in ``../shared``. Every
link of it must be reachable from the catalog, every named venue or group must be findable,
and every YAML file must satisfy the published JSON schemas, so that a maintainer's editor and
the bot agree on what a valid file is. YAML is read with ``yaml.safe_load`` on purpose: this
test checks the data independently of the bot's own loader.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.shared_data import REPO_ROOT, shared_path

CATALOG = REPO_ROOT / "catalog"
SCHEMA_DIR = CATALOG / "schema"
ENTRIES_DIR = CATALOG / "entries"

# A markdown link "[text](target)"; targets in the seed contain no spaces or parentheses.
MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
BARE_URL = re.compile(r"https?://[^\s)\]>]+")
# Punctuation that ends a sentence after a bare URL rather than belonging to it.
TRAILING_PUNCTUATION = ".,:;"

# Seed links the catalog repairs on purpose, each noted by a comment in the YAML.
SEED_URL_FIXES = {
    "serv.cusp.nyu.edu/projects/urbansounddataset": (
        "http://serv.cusp.nyu.edu/projects/urbansounddataset"
    ),
}

SEED_OCCURRENCES = 101
SEED_DISTINCT = 93

# Things the seed names without a link; each must be an entry with this title or alias.
NAMED_WITHOUT_LINK = (
    # Universities and industry groups.
    "QMUL",
    "UPF",
    "CCRMA",
    "IRCAM",
    "NYU",
    "Adobe",
    "Spotify",
    # Audio-specific conferences.
    "AES",
    "ASA",
    "DAFx",
    "ICASSP",
    "ISMIR",
    "SANE",
    "WAC",
    "SMC",
    "LVA/ICA",
    "Audio Mostly",
    "WIMP",
    "DCASE",
    "CSMC",
    "MuMe",
    "ICMC",
    "CMMR",
    "IBAC",
    "MLSP",
    "Interspeech",
    "FMA",
    # General ML conferences.
    "ICLR",
    "ICML",
    "NeurIPS",
    "IJCNN",
    # Journal.
    "EURASIP",
)


def seed_url_occurrences(text: str) -> list[str]:
    """Every URL occurrence of the page: link targets, then URLs written out in the text.

    A URL used as a link's text (``[https://x](https://x)``) counts as two occurrences, as
    a reader sees it twice.
    """
    targets = [match["target"] for match in MARKDOWN_LINK.finditer(text)]
    outside_targets = MARKDOWN_LINK.sub(lambda match: f" {match['text']} ", text)
    written = [url.rstrip(TRAILING_PUNCTUATION) for url in BARE_URL.findall(outside_targets)]
    return targets + written


@cache
def seed_urls() -> tuple[str, ...]:
    path = shared_path("catalogs", "ml-audio-start", "README.pr8-head.md")
    return tuple(seed_url_occurrences(path.read_text(encoding="utf-8")))


@cache
def load(path: Path) -> Any:
    """The parsed YAML file; cached, as every test reads the same files (treat as read-only)."""
    with path.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def entry_files() -> list[Path]:
    return sorted(ENTRIES_DIR.glob("*.yaml"))


def all_entries() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in entry_files():
        for entry in load(path)["entries"]:
            yield path, entry


def catalog_urls() -> set[str]:
    urls: set[str] = set()
    for _, entry in all_entries():
        if "url" in entry:
            urls.add(entry["url"])
        urls.update(link["url"] for link in entry.get("links", ()))
    return urls


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_parser_counts_link_targets_link_texts_and_bare_urls() -> None:
    text = (
        "See [a](https://a.example/x) and https://b.example/y, also\n"
        "[https://c.example/](https://c.example/) and [relative](d.example/z)."
    )
    assert seed_url_occurrences(text) == [
        "https://a.example/x",
        "https://c.example/",
        "d.example/z",
        "https://b.example/y",
        "https://c.example/",
    ]


def test_seed_has_the_expected_number_of_links() -> None:
    urls = seed_urls()
    assert len(urls) == SEED_OCCURRENCES
    assert len(set(urls)) == SEED_DISTINCT


def test_every_seed_link_is_in_the_catalog() -> None:
    listed = catalog_urls()
    missing = sorted(
        {SEED_URL_FIXES.get(url, url) for url in seed_urls()} - listed,
    )
    assert missing == []


def test_every_repaired_seed_link_is_still_broken_in_the_seed() -> None:
    # Guards the fix table: a repair of a link the seed no longer has would hide nothing.
    assert set(SEED_URL_FIXES) <= set(seed_urls())
    assert not any(url in catalog_urls() for url in SEED_URL_FIXES)


@pytest.mark.parametrize("name", NAMED_WITHOUT_LINK)
def test_named_unlinked_item_is_an_entry(name: str) -> None:
    wanted = name.casefold()
    matches = [
        entry["id"]
        for _, entry in all_entries()
        if wanted == entry["title"].casefold()
        or wanted in (alias.casefold() for alias in entry.get("aliases", ()))
    ]
    assert matches, f"no entry has the title or alias {name!r}"


def test_sections_file_matches_its_schema() -> None:
    errors = [
        error.message
        for error in validator("sections.schema.json").iter_errors(load(CATALOG / "sections.yaml"))
    ]
    assert errors == []


@pytest.mark.parametrize("path", entry_files(), ids=lambda path: path.name)
def test_entries_file_matches_its_schema(path: Path) -> None:
    document = load(path)
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator("entries.schema.json").iter_errors(document)
    ]
    assert errors == []
    assert document["section"] == path.stem, "entries files are named <section-id>.yaml"


def test_entries_files_announce_their_schema_to_editors() -> None:
    expected = "# yaml-language-server: $schema=../schema/entries.schema.json"
    for path in entry_files():
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == expected, path.name
    sections_first = (CATALOG / "sections.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert sections_first == "# yaml-language-server: $schema=schema/sections.schema.json"


def test_ids_are_unique_and_every_reference_names_a_known_section() -> None:
    sections = load(CATALOG / "sections.yaml")["sections"]
    section_ids = [section["id"] for section in sections]
    assert [sid for sid, count in Counter(section_ids).items() if count > 1] == []
    known = set(section_ids)
    assert {section["parent"] for section in sections if "parent" in section} <= known

    entry_ids = [entry["id"] for _, entry in all_entries()]
    assert [eid for eid, count in Counter(entry_ids).items() if count > 1] == []
    for path, entry in all_entries():
        assert path.stem in known, f"{path.name}: unknown section"
        unknown = set(entry.get("also_in", ())) - known
        assert not unknown, f"{entry['id']}: also_in names unknown sections {unknown}"
        assert path.stem not in entry.get("also_in", ()), f"{entry['id']}: also_in its own section"


def test_seed_duplicates_are_one_entry_listed_in_both_sections() -> None:
    by_id = {entry["id"]: (path.stem, entry) for path, entry in all_entries()}
    assert by_id["adsp-tutorials"][0] == "online-training-general"
    assert by_id["adsp-tutorials"][1]["also_in"] == ["signal-processing"]
    assert by_id["kaggle-heartbeat-sounds"][0] == "datasets"
    assert by_id["kaggle-heartbeat-sounds"][1]["also_in"] == ["competitions"]


def test_no_two_entries_share_a_main_url() -> None:
    urls = [entry["url"] for _, entry in all_entries() if "url" in entry]
    assert [url for url, count in Counter(urls).items() if count > 1] == []


def test_wavenet_is_the_arxiv_paper() -> None:
    by_id = {entry["id"]: entry for _, entry in all_entries()}
    wavenet = by_id["wavenet"]
    assert wavenet["kind"] == "paper"
    assert "1609.03499" in wavenet["url"]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.casefold())


def test_descriptions_and_blurbs_are_written_in_our_own_words() -> None:
    # Names and titles legitimately repeat the seed, but no sentence should: eight words in
    # a row shared with the seed means its prose was copied rather than rewritten.
    run = 8
    seed_words = words(shared_path("catalogs", "ml-audio-start", "README.pr8-head.md").read_text())
    seed_runs = {tuple(seed_words[i : i + run]) for i in range(len(seed_words) - run + 1)}
    texts = [(entry["id"], entry["description"]) for _, entry in all_entries()]
    texts += [
        (section["id"], section.get("blurb", ""))
        for section in load(CATALOG / "sections.yaml")["sections"]
    ]
    copied = [
        (owner, " ".join(chunk))
        for owner, text in texts
        for chunk in (
            tuple(words(text)[i : i + run]) for i in range(max(0, len(words(text)) - run + 1))
        )
        if chunk in seed_runs
    ]
    assert copied == []
