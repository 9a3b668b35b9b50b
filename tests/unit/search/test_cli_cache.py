"""``ml-audio-bot search`` keeps its index in a cache: the answers are those of a fresh build,
whatever happened to the catalog or to the cache file in between."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot import cache
from bot.catalog.loader import load_catalog
from bot.cli import main
from bot.search.cli import index_of
from bot.search.index import SearchIndex
from tests.unit.search.real_catalog import CATALOG_DIR, labelled_queries, load_real_catalog

Answers = list[list[tuple[str, float, str, str]]]


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real catalog that tests may edit, and a cache of their own."""
    load_real_catalog()  # skips while the catalog is not written
    root = tmp_path / "catalog"
    root.mkdir()
    shutil.copy(CATALOG_DIR / "sections.yaml", root)
    shutil.copytree(CATALOG_DIR / "entries", root / "entries")
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    return root


def _answers(index: SearchIndex, queries: list[str]) -> Answers:
    return [
        [(hit.entry.id, hit.score, hit.field, hit.term) for hit in index.search(q, limit=10)]
        for q in queries
    ]


def _from_cache_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the catalog fails from now on: only a cache hit can answer."""

    def refuse(_path: Path) -> None:
        raise AssertionError("the catalog was loaded: not a cache hit")

    monkeypatch.setattr("bot.catalog.loader.load_catalog", refuse)


def test_cached_index_answers_every_labelled_query_as_a_fresh_build(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [item["query"] for item in labelled_queries()]
    fresh = SearchIndex.build(load_catalog(catalog))
    index_of(catalog)  # builds and stores
    _from_cache_only(monkeypatch)
    cached = index_of(catalog)

    assert _answers(cached, queries) == _answers(fresh, queries)
    assert cached.catalog == fresh.catalog
    # Not compared by ==, and what `catalog check`-style messages point at.
    assert [e.source for e in cached.catalog.entries] == [e.source for e in fresh.catalog.entries]


def _add_title_word(catalog: Path, entry_id: str, word: str) -> None:
    """Appends ``word`` to the title of the entry ``entry_id`` (written as ``title: …``)."""
    for path in (catalog / "entries").iterdir():
        text = path.read_text()
        start = text.find(f"- id: {entry_id}\n")
        if start >= 0:
            end = text.index("\n", text.index("title:", start))
            path.write_text(f"{text[:end]} {word}{text[end:]}")
            return
    raise AssertionError(f"no entry {entry_id}")


def test_an_edited_catalog_file_gives_new_answers(catalog: Path) -> None:
    assert index_of(catalog).search("zebrafinch") == []
    _add_title_word(catalog, "librosa", "zebrafinch")
    assert [hit.entry.id for hit in index_of(catalog).search("zebrafinch")][:1] == ["librosa"]


def test_an_edit_that_keeps_size_and_time_is_seen_too(catalog: Path) -> None:
    # The key is the files' content, not their size and modification time.
    index_of(catalog)
    path = catalog / "sections.yaml"
    before = path.stat()
    text = path.read_text()
    assert "About This Reading List" in text
    path.write_text(text.replace("About This Reading List", "About This Reeding List", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size

    titles = {section.title for section in index_of(catalog).catalog.sections}
    assert "About This Reeding List" in titles


def test_a_stray_file_in_entries_is_reported_not_hidden_by_the_cache(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "wavenet", "--catalog", str(catalog)]) == 0
    (catalog / "entries" / "notes.txt").write_text("to do\n")
    capsys.readouterr()

    assert main(["search", "wavenet", "--catalog", str(catalog)]) == 1
    assert "unexpected file in the entries folder" in capsys.readouterr().err


def test_a_broken_catalog_is_not_cached_and_its_fix_is_seen(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sections = catalog / "sections.yaml"
    good = sections.read_text()
    sections.write_text(good + "\n  - {this is: [not valid\n")
    assert main(["search", "wavenet", "--catalog", str(catalog)]) == 1
    sections.write_text(good)
    capsys.readouterr()

    assert main(["search", "wavenet", "--catalog", str(catalog)]) == 0
    assert capsys.readouterr().out.startswith("1. WaveNet")


def _cache_files(catalog: Path) -> list[Path]:
    folder = cache.cache_dir()
    assert folder is not None
    return [path for path in folder.iterdir() if path.name.startswith("search-index-")]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other catalog"])
def test_a_damaged_cache_file_is_rebuilt_with_the_right_answers(
    catalog: Path, tmp_path: Path, damage: str
) -> None:
    queries = ["wavenet", "librossa", "source separation", "1609.03499"]
    expected = _answers(SearchIndex.build(load_catalog(catalog)), queries)
    index_of(catalog)
    (path,) = _cache_files(catalog)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "garbage":
        path.write_bytes(b"\x80\x05garbage" * 100)
    else:
        # A whole, valid file, but of another catalog: a key mismatch.
        other = tmp_path / "other"
        shutil.copytree(catalog, other)
        _add_title_word(other, "librosa", "zebrafinch")
        index_of(other)
        (other_file,) = set(_cache_files(other)) - {path}
        shutil.copy(other_file, path)

    assert _answers(index_of(catalog), queries) == expected
    assert _answers(index_of(catalog), queries) == expected  # and from the rebuilt file


def test_search_prints_the_same_with_or_without_the_cache(
    catalog: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["search", "wave", "--catalog", str(catalog)]
    outputs = []
    for setting in ("", str(catalog.parent / "cache"), str(catalog.parent / "cache")):
        # No cache, then a cold one, then a warm one.
        monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, setting)
        assert main(argv) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].startswith("No single clear match")
    assert len(_cache_files(catalog)) == 1


def test_a_cache_folder_that_cannot_be_written_still_answers(
    catalog: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog.parent / "a-file").write_text("")
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(catalog.parent / "a-file" / "cache"))
    assert main(["search", "wavenet", "--catalog", str(catalog)]) == 0
    assert capsys.readouterr().out.startswith("1. WaveNet")
