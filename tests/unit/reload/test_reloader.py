"""``bot.reload.reloader``: a reload swaps the whole catalog snapshot in at once, or nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalog.loader import load_catalog
from bot.clock import FakeClock
from bot.config import Config
from bot.deadlines.loader import load_deadlines
from bot.feeds.catalog import load_feeds
from bot.reload import reloader as reload_module
from bot.reload.reloader import (
    CatalogReloader,
    CatalogSnapshot,
    content_hash,
    describe_catalog,
    describe_deadlines,
    read_snapshot,
)
from bot.search import SearchIndex

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NEW_ENTRY = """
  - id: reload-test-vocoder
    title: Quasiperiodic Zebra Vocoder
    url: https://example.org/zebra-vocoder
    kind: paper
    description: >-
      A made-up paper that only exists in this test, so that a search can tell the
      reloaded catalog from the old one.
"""


@pytest.fixture
def catalog_copy(catalog_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(catalog_dir, copy)
    return copy


class Holder:
    """Stands in for ``Services``: one snapshot attribute, replaced by ``install``."""

    def __init__(self, snapshot: CatalogSnapshot) -> None:
        self.snapshot = snapshot
        self.installed: list[CatalogSnapshot] = []

    async def install(self, snapshot: CatalogSnapshot) -> Sequence[str]:
        self.snapshot = snapshot
        self.installed.append(snapshot)
        return ["installed"]


def first_snapshot(path: Path) -> CatalogSnapshot:
    catalog = load_catalog(path)
    return CatalogSnapshot(
        catalog,
        SearchIndex.build(catalog),
        describe_catalog(catalog, path, loaded_at=NOW),
        deadlines=load_deadlines(path / "deadlines").book,
        feeds=load_feeds(path / "feeds.yaml").feeds,
    )


def make_reloader(path: Path, holder: Holder) -> CatalogReloader:
    config = Config(database_path=path.parent / "unused.sqlite3", catalog_path=path)
    return CatalogReloader(lambda: config, FakeClock(NOW), lambda: holder.snapshot, holder.install)


def add_entry(path: Path) -> None:
    with (path / "entries" / "key-papers.yaml").open("a", encoding="utf-8") as file:
        file.write(NEW_ENTRY)


def titles(snapshot: CatalogSnapshot, query: str) -> list[str]:
    return [hit.entry.title for hit in snapshot.search.search(query)]


async def test_a_valid_catalog_is_swapped_in_with_its_index(catalog_copy: Path) -> None:
    holder = Holder(first_snapshot(catalog_copy))
    old = holder.snapshot
    add_entry(catalog_copy)

    result = await make_reloader(catalog_copy, holder).reload("test")

    assert result.ok, result.problem_lines()
    assert holder.snapshot is result.snapshot is not old
    assert titles(holder.snapshot, "zebra vocoder")[0] == "Quasiperiodic Zebra Vocoder"
    assert "Quasiperiodic Zebra Vocoder" not in titles(old, "zebra vocoder")
    assert result.changes is not None
    assert result.changes.added == ("reload-test-vocoder",)
    assert result.changes.removed == result.changes.changed == ()
    assert holder.snapshot.info.entries == len(old.catalog) + 1
    assert holder.snapshot.info.loaded_at == NOW
    assert holder.snapshot.info.version != old.info.version
    summary = result.summary()
    assert summary[0] == "Catalog reloaded."
    assert "Entries: 1 added, 0 removed, 0 changed" in summary
    assert summary[-1] == "installed"


async def test_a_broken_file_keeps_the_old_catalog_and_names_file_and_line(
    catalog_copy: Path,
) -> None:
    holder = Holder(first_snapshot(catalog_copy))
    old = holder.snapshot
    path = catalog_copy / "entries" / "key-papers.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[6] == "    kind: paper"
    lines[6] = "    kind: papyrus"  # line 7: the first entry's kind
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = await make_reloader(catalog_copy, holder).reload("test")

    assert not result.ok
    assert holder.snapshot is old
    assert result.snapshot is old
    assert holder.installed == []
    shown = result.problem_lines(catalog_copy.parent)
    assert any(line.startswith("catalog/entries/key-papers.yaml:7: ") for line in shown), shown
    assert result.summary(catalog_copy.parent)[0].startswith("The catalog was not reloaded")
    assert titles(holder.snapshot, "wavenet")[0].startswith("WaveNet")


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("deadlines/dafx.yaml", "start: 2019-09-02", "start: 2019-13-02"),
        ("feeds.yaml", "interval_minutes: 180", "interval_minutes: often"),
    ],
)
async def test_broken_deadlines_or_feeds_also_keep_the_old_snapshot(
    catalog_copy: Path, file: str, old: str, new: str
) -> None:
    holder = Holder(first_snapshot(catalog_copy))
    before = holder.snapshot
    path = catalog_copy / file
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new, 1), encoding="utf-8")

    result = await make_reloader(catalog_copy, holder).reload("test")

    assert not result.ok
    assert holder.snapshot is before
    shown = result.problem_lines(catalog_copy.parent)
    assert shown
    assert all(line.startswith(f"catalog/{file}:") for line in shown), shown


async def test_a_removed_feed_and_a_new_feed_show_in_the_changes(catalog_copy: Path) -> None:
    holder = Holder(first_snapshot(catalog_copy))
    path = catalog_copy / "feeds.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("id: arxiv-audio", "id: arxiv-sound", 1),
        encoding="utf-8",
    )

    result = await make_reloader(catalog_copy, holder).reload("test")

    assert result.ok, result.problem_lines()
    assert result.changes is not None
    assert result.changes.feeds_added == ("arxiv-sound",)
    assert result.changes.feeds_removed == ("arxiv-audio",)
    assert next(spec.id for spec in holder.snapshot.feeds) == "arxiv-sound"


async def test_concurrent_reloads_run_one_at_a_time(
    catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = Holder(first_snapshot(catalog_copy))
    running = 0
    most = 0
    guard = threading.Lock()

    def counting(config: Config, now: datetime) -> tuple[CatalogSnapshot | None, list[object]]:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        try:
            return read_snapshot(config, now)  # type: ignore[return-value]
        finally:
            with guard:
                running -= 1

    monkeypatch.setattr(reload_module, "read_snapshot", counting)
    reloader = make_reloader(catalog_copy, holder)

    results = await asyncio.wait_for(
        asyncio.gather(*(reloader.reload(f"request {n}") for n in range(3))), 60
    )

    assert most == 1
    assert all(result.ok for result in results)
    assert len(holder.installed) == 3
    assert not reloader.busy


async def test_readers_keep_a_whole_old_snapshot_while_the_new_one_is_built(
    catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = Holder(first_snapshot(catalog_copy))
    old = holder.snapshot
    add_entry(catalog_copy)
    building = threading.Event()
    release = threading.Event()

    def slow(config: Config, now: datetime) -> tuple[CatalogSnapshot | None, list[object]]:
        building.set()
        release.wait(30)
        return read_snapshot(config, now)  # type: ignore[return-value]

    monkeypatch.setattr(reload_module, "read_snapshot", slow)
    reloader = make_reloader(catalog_copy, holder)
    task = asyncio.create_task(reloader.reload("test"))
    await asyncio.to_thread(building.wait, 30)

    # The event loop still answers while the folder is read, from the old snapshot.
    assert reloader.busy
    assert holder.snapshot is old
    assert next(c.name for c in holder.snapshot.search.autocomplete("wavenet")).startswith(
        "WaveNet"
    )
    release.set()
    result = await asyncio.wait_for(task, 60)

    assert result.ok
    new = holder.snapshot
    # Catalog and index of the served snapshot belong together: every hit is an entry of it.
    hits = new.search.search("zebra vocoder")
    assert hits
    assert all(new.catalog.entry(hit.entry.id) is hit.entry for hit in hits)


def test_the_content_hash_follows_the_files(catalog_copy: Path) -> None:
    before = content_hash(catalog_copy)
    add_entry(catalog_copy)
    after = content_hash(catalog_copy)

    assert before is not None
    assert after is not None
    assert len(before) == 12
    assert before != after


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_version_is_the_commit_of_a_clean_folder_else_the_files(catalog_copy: Path) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=catalog_copy,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "catalog")
    catalog = load_catalog(catalog_copy)

    clean = describe_catalog(catalog, catalog_copy)
    assert (clean.version, clean.version_from) == (git("rev-parse", "--short", "HEAD"), "git")

    add_entry(catalog_copy)
    edited = describe_catalog(catalog, catalog_copy)
    assert (edited.version, edited.version_from) == (content_hash(catalog_copy), "files")
    assert edited.updated_from == "git"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_deadline_data_age_is_each_files_last_commit_or_its_edit(catalog_copy: Path) -> None:
    def git(*args: str, date: str = "") -> None:
        stamp = {"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date else {}
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=catalog_copy,
            capture_output=True,
            check=True,
            env={**os.environ, **stamp},
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "catalog", date="2026-11-01T10:00:00+00:00")
    icassp = catalog_copy / "deadlines" / "icassp.yaml"
    icassp.write_text(icassp.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git("commit", "-qam", "icassp", date="2026-11-20T09:30:00+00:00")

    age = describe_deadlines(catalog_copy)
    assert age is not None
    assert age.as_of == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert age.source == "catalog/deadlines, last commit"
    assert age.changed_at("icassp") == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert age.changed_at("ismir") == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

    # Edited, not committed: the served data is newer than any commit.
    ismir = catalog_copy / "deadlines" / "ismir.yaml"
    ismir.write_text(ismir.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(ismir, (datetime(2026, 12, 2, tzinfo=UTC).timestamp(),) * 2)
    edited = describe_deadlines(catalog_copy)
    assert edited is not None
    assert edited.changed_at("ismir") == datetime(2026, 12, 2, tzinfo=UTC)
    assert edited.as_of == datetime(2026, 12, 2, tzinfo=UTC)
    assert edited.source == "catalog/deadlines, file dates"
    assert edited.changed_at("icassp") == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_deadline_data_age_without_git_is_the_files_dates(catalog_copy: Path) -> None:
    for file in (catalog_copy / "deadlines").glob("*.yaml"):
        os.utime(file, (datetime(2026, 6, 1, tzinfo=UTC).timestamp(),) * 2)
    age = describe_deadlines(catalog_copy)
    assert age is not None
    assert age.as_of == datetime(2026, 6, 1, tzinfo=UTC)
    assert age.source == "catalog/deadlines, file dates"
