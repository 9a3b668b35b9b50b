"""A catalog reload asked for in one process reaches every process sharing the database.

Two "processes" here are two reloaders, each with its own connection to one database (both
backends), its own copy of ``catalog/`` and its own holder name, on a virtual clock.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog.loader import load_catalog
from bot.clock import Clock, FakeClock
from bot.config import Config
from bot.deadlines.loader import load_deadlines
from bot.feeds.catalog import load_feeds
from bot.outbox import OutgoingMessage
from bot.reload import reloader as reload_module
from bot.reload.follow import FOLLOW_INTERVAL, ReloadFollower
from bot.reload.reloader import CatalogReloader, CatalogSnapshot, describe_catalog, read_snapshot
from bot.reload.store import ReloadLog
from bot.search import SearchIndex
from bot.services import Services, build_services
from bot.storage import Storage
from tests.clocks import START, BlockingClock
from tests.storage_backends import Backend

NEW_ENTRY = """
  - id: follow-test-vocoder
    title: Quasiperiodic Zebra Vocoder
    url: https://example.org/zebra-vocoder
    kind: paper
    description: >-
      A made-up paper that only exists in this test, so that a search can tell the
      reloaded catalog from the old one.
"""
NEW_ID = "follow-test-vocoder"


def add_entry(path: Path) -> None:
    with (path / "entries" / "key-papers.yaml").open("a", encoding="utf-8") as file:
        file.write(NEW_ENTRY)


def break_a_file(path: Path) -> None:
    file = path / "entries" / "key-papers.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace("kind: paper", "kind: papyrus", 1),
        encoding="utf-8",
    )


@dataclass
class Process:
    """What one shard process holds for reloads: its snapshot, reloader and follower."""

    name: str
    path: Path
    db: Storage
    snapshot: CatalogSnapshot
    reloader: CatalogReloader
    follower: ReloadFollower
    installed: list[CatalogSnapshot]

    def knows(self, entry_id: str) -> bool:
        return entry_id in {entry.id for entry in self.snapshot.catalog}


@pytest.fixture
def base_catalog(catalog_dir: Path) -> CatalogSnapshot:
    """The repository's catalog as read at start (read once, shared by both processes)."""
    catalog = load_catalog(catalog_dir)
    return CatalogSnapshot(
        catalog,
        SearchIndex.build(catalog),
        describe_catalog(catalog, catalog_dir, loaded_at=START),
        deadlines=load_deadlines(catalog_dir / "deadlines").book,
        feeds=load_feeds(catalog_dir / "feeds.yaml").feeds,
    )


LOG_CHANNEL = 1_100_000_000_000_000_099


class NoticeBox:
    """Stands in for the outbox: what would be posted to the log channel."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def enqueue(self, message: OutgoingMessage) -> None:
        self.sent.append(message)


class World:
    def __init__(
        self, backend: Backend, tmp_path: Path, catalog_dir: Path, start: CatalogSnapshot
    ) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self.catalog_dir = catalog_dir
        self.start = start
        self.processes: list[Process] = []

    async def process(self, name: str, clock: Clock, box: NoticeBox | None = None) -> Process:
        path = self.tmp_path / name / "catalog"
        shutil.copytree(self.catalog_dir, path)
        db = await self.backend.open()
        reloads = ReloadLog(db, clock)
        await reloads.setup()
        config = Config(database_path=self.tmp_path / "unused.sqlite3", catalog_path=path)
        installed: list[CatalogSnapshot] = []

        async def install(snapshot: CatalogSnapshot) -> Sequence[str]:
            process.snapshot = snapshot
            installed.append(snapshot)
            return []

        reloader = CatalogReloader(
            lambda: config,
            clock,
            lambda: process.snapshot,
            install,
            reloads=reloads,
            holder=f"host:{name}",
            followers_within=FOLLOW_INTERVAL,
            outbox=lambda: box,  # type: ignore[arg-type,return-value]
            log_channel=lambda: LOG_CHANNEL if box is not None else None,
        )
        follower = ReloadFollower(reloader, reloads, clock)
        process = Process(name, path, db, self.start, reloader, follower, installed)
        self.processes.append(process)
        return process

    async def close(self) -> None:
        for process in self.processes:
            await process.follower.stop()
            await process.db.close()


@pytest.fixture
async def world(
    storage_backend: Backend, tmp_path: Path, catalog_dir: Path, base_catalog: CatalogSnapshot
) -> AsyncIterator[World]:
    made = World(storage_backend, tmp_path, catalog_dir, base_catalog)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[Path]:
    """How often each process's folder was read for a reload."""
    counts: Counter[Path] = Counter()

    def counting(config: Config, now: datetime) -> tuple[CatalogSnapshot | None, list[object]]:
        counts[config.catalog_path] += 1
        return read_snapshot(config, now)  # type: ignore[return-value]

    monkeypatch.setattr(reload_module, "read_snapshot", counting)
    return counts


async def generations(db: Storage) -> list[int]:
    rows = await db.fetchall("SELECT generation FROM catalog_reloads ORDER BY generation")
    return [int(row["generation"]) for row in rows]


async def test_one_asks_the_other_follows_at_its_next_look_and_nobody_reloads_twice(
    world: World, reads: Counter[Path]
) -> None:
    clock = BlockingClock()  # every sleep lasts until wake(): the test says when B looks
    asker = await world.process("a", clock)
    other = await world.process("b", clock)
    assert await asker.follower.check() is None
    await other.follower.start()
    async with asyncio.timeout(10):
        while not clock.sleeps:  # B looked once at start (nothing recorded yet) and sleeps
            await asyncio.sleep(0)
    assert clock.sleeps == [FOLLOW_INTERVAL]
    add_entry(asker.path)
    add_entry(other.path)  # a deployment updates every process's files

    result = await asker.reloader.reload("<@42> (/catalog reload)")

    assert result.ok, result.problem_lines()
    assert asker.knows(NEW_ID)
    assert not other.knows(NEW_ID)  # until its next look
    assert result.generation == 1
    assert result.summary()[-1] == (
        "This process serves it now; the other processes sharing the database reload "
        "their own catalog/ within 30 s (reload #1)."
    )
    # The next look, at most FOLLOW_INTERVAL later.
    other.follower.wake()
    async with asyncio.timeout(30):
        while not other.installed:
            await asyncio.sleep(0.01)
    assert other.knows(NEW_ID)
    assert other.reloader.generation == 1
    # The asker sees its own generation and does not reload again; the follower recorded
    # nothing (no storm), so looking again changes nothing anywhere.
    assert await asker.follower.check() is None
    other.follower.wake()
    async with asyncio.timeout(10):
        while len(clock.sleeps) < 3:
            await asyncio.sleep(0)
    assert clock.sleeps == [FOLLOW_INTERVAL] * 3
    assert await generations(asker.db) == [1]
    assert (len(asker.installed), len(other.installed)) == (1, 1)
    assert reads == {asker.path: 1, other.path: 1}


async def test_a_follower_that_cannot_reload_keeps_its_catalog_logs_once_and_does_not_retry(
    world: World, reads: Counter[Path], caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(START)  # sleeps pass at once: the follower's loop runs freely
    asker = await world.process("a", clock)
    box = NoticeBox()
    other = await world.process("b", clock, box)
    add_entry(asker.path)
    break_a_file(other.path)
    old = other.snapshot
    clock.advance(1)  # after both processes read their files at start
    assert (await asker.reloader.reload("SIGHUP")).ok
    asked_at = clock.now()
    caplog.set_level(logging.INFO, logger="bot")

    await other.follower.start()
    async with asyncio.timeout(60):  # two virtual hours: 240 looks
        while clock.now() < asked_at + timedelta(hours=2):
            await asyncio.sleep(0)
    await other.follower.stop()

    assert other.snapshot is old
    assert other.installed == []
    assert other.reloader.generation == 1
    assert reads[other.path] == 1
    refused = [r for r in caplog.records if "not reloaded to follow" in r.getMessage()]
    assert len(refused) == 1, [r.getMessage() for r in caplog.records]
    message = refused[0].getMessage()
    assert refused[0].levelno == logging.WARNING
    assert "reload #1 asked by SIGHUP in host:a" in message
    assert "catalog/entries/key-papers.yaml:" in message
    assert "until the next reload" in message
    # The maintainer who asked was told this process would follow: one notice says it did not.
    (notice,) = box.sent
    assert notice.channel_id == LOG_CHANNEL
    assert notice.key == "catalog-follow:1:host:b"
    assert notice.content.startswith("Catalog reload requested by SIGHUP, followed by host:b:")
    assert "The catalog was not reloaded: 1 problem to fix." in notice.content
    assert "catalog/entries/key-papers.yaml:" in notice.content

    # Fixed, and asked again: the next generation is followed.
    shutil.rmtree(other.path)
    shutil.copytree(world.catalog_dir, other.path)
    add_entry(other.path)
    assert (await asker.reloader.reload("SIGHUP")).generation == 2
    assert (await other.follower.check()) is not None
    assert other.knows(NEW_ID)
    assert reads[other.path] == 2
    assert len(box.sent) == 1  # a reload that follows quietly is in the log only


async def test_a_starting_process_follows_the_reloads_its_files_lack_whatever_the_clocks_say(
    world: World,
    reads: Counter[Path],
    storage_backend: Backend,
    tmp_path: Path,
    catalog_dir: Path,
) -> None:
    """The real start (build_services) next to processes whose clocks are an hour off."""
    if storage_backend.name != "postgres":
        pytest.skip("only processes sharing a PostgreSQL database follow reloads")
    ahead = await world.process("ahead", FakeClock(START + timedelta(hours=1)))
    behind = await world.process("behind", FakeClock(START - timedelta(hours=1)))
    started: list[Services] = []

    async def start(name: str, *, with_new_entry: bool) -> tuple[Services, Path]:
        path = tmp_path / name / "catalog"
        shutil.copytree(catalog_dir, path)
        if with_new_entry:
            add_entry(path)
        config = Config(database_path=tmp_path / "unused.sqlite3", catalog_path=path)
        built = await build_services(
            config, clock=FakeClock(START), database=await storage_backend.open()
        )
        started.append(built)
        return built, path

    def follower(services: Services) -> ReloadFollower:
        (found,) = [w for w in services.workers if isinstance(w, ReloadFollower)]
        return found

    try:
        add_entry(ahead.path)
        assert (await ahead.reloader.reload("SIGHUP")).generation == 1

        # Started after reload #1, from files that hold it; it was recorded an hour "later"
        # than this process read them, by the recording host's clock. Not read twice.
        late, _ = await start("late", with_new_entry=True)
        assert await follower(late).check() is None
        assert late.reloader is not None
        assert late.reloader.generation == 1
        assert NEW_ID in {entry.id for entry in late.catalog}

        # Read its files; then they changed and reload #2 was recorded, an hour "earlier"
        # by the recording host's clock, before this process first looked: it follows it.
        early, early_path = await start("early", with_new_entry=False)
        assert NEW_ID not in {entry.id for entry in early.catalog}
        add_entry(early_path)
        add_entry(behind.path)
        assert (await behind.reloader.reload("SIGHUP")).generation == 2
        followed = await follower(early).check()
        assert followed is not None
        assert followed.ok
        assert NEW_ID in {entry.id for entry in early.catalog}
        assert await follower(early).check() is None  # once
        assert reads == {ahead.path: 1, behind.path: 1, early_path: 1}
    finally:
        for built in started:
            await built.close()


async def test_two_processes_asking_at_once_get_two_generations(
    world: World, reads: Counter[Path]
) -> None:
    clock = FakeClock(START)
    one = await world.process("one", clock)
    two = await world.process("two", clock)
    assert one.follower.reloads is not two.follower.reloads

    recorded = await asyncio.gather(
        *(
            process.follower.reloads.record("v1", f"request {n}", process.reloader.holder)
            for n in range(6)
            for process in (one, two)
        )
    )

    assert sorted(r.generation for r in recorded) == list(range(1, 13))
    assert await generations(one.db) == list(range(1, 13))


async def test_only_a_shared_database_gets_a_follower_and_the_words_about_it(
    storage_backend: Backend, tmp_path: Path, catalog_dir: Path
) -> None:
    """The real wiring (build_services): PostgreSQL follows, SQLite answers as before."""
    services: list[Services] = []
    try:
        for name in ("asker", "other"):
            path = tmp_path / name / "catalog"
            shutil.copytree(catalog_dir, path)
            config = Config(database_path=tmp_path / "unused.sqlite3", catalog_path=path)
            built = await build_services(
                config, clock=FakeClock(START), database=await storage_backend.open()
            )
            services.append(built)
            add_entry(path)
        asker, other = services
        assert asker.reloader is not None
        assert other.reloader is not None
        # Both live in this one test process: the second needs a holder name of its own.
        other.reloader.holder = "another-host:1:abc"

        result = await asker.reloader.reload("SIGHUP")

        assert result.ok
        followers = [w for w in other.workers if isinstance(w, ReloadFollower)]
        if storage_backend.name == "sqlite":
            assert followers == []
            assert not any("other processes" in line for line in result.summary())
            return
        assert "within 30 s (reload #1)" in result.summary()[-1]
        (follower,) = followers
        assert await follower.check() is not None
        assert NEW_ID in {entry.id for entry in other.catalog}
    finally:
        for built in services:
            await built.close()
