"""Deadline sync against the real upstream files, served from 127.0.0.1, then changed copies.

What users would notice: the editions and deadlines the bot serves afterwards, the
announcements queued (exactly once, also when a sync is interrupted, or when several
processes sync from one database), the audit trail, the disagreements shown, and what a
broken or failing source leaves untouched. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.clock import FakeClock
from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.listing import disagreement_lines
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import DeadlineBook
from bot.deadlines.scheduler import MIGRATIONS
from bot.deadlines.sources import DeadlineSource
from bot.deadlines.sync import MAX_FAILURES, DeadlineSync, SyncTargets
from bot.deadlines.sync_store import DeadlineSyncStore, RuntimeLayer, export_layer, layered_book
from bot.deadlines.sync_worker import DeadlineSyncWorker
from bot.feeds.fetch import Fetcher, FetchLimits, FetchResult
from bot.feeds.guard import UrlGuard
from bot.outbox import Outbox
from bot.storage import Storage
from bot.storage.leases import DEFAULT_LEASE
from tests.shared_data import shared_path
from tests.storage_backends import Backend
from tests.unit.deadlines.conftest import open_outbox
from tests.unit.feeds.server import FeedServer

REPO_ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the date: nothing announced ahead
CHANNEL = 555
LOG_CHANNEL = 777

CCFDDL_2028 = """
    - year: 2028
      id: icassp28
      link: https://2028.ieeeicassp.org/
      timeline:
        - deadline: '{deadline}'
      timezone: UTC-12
      date: May 7-12, 2028
      place: Lisbon, Portugal
"""
HF_2028 = """
- title: ICASSP
  year: 2028
  id: icassp28
  link: https://2028.ieeeicassp.org
  deadlines:
  - type: submission
    label: Paper Submission
    date: '{deadline}'
    timezone: UTC-12
  city: Lisbon
  country: Portugal
  start: 2028-05-07
  end: 2028-05-12
"""


class Upstream:
    """The two upstream files of ICASSP as the loopback server serves them now."""

    def __init__(self, server: FeedServer) -> None:
        self.ccfddl = shared_path("deadlines", "ccf-deadlines", "conference", "CG", "icassp.yml")
        self.hf = shared_path(
            "deadlines", "huggingface-ai-deadlines", "src", "data", "conferences", "icassp.yml"
        )
        self.bodies = {
            "/ccfddl/icassp.yml": self.ccfddl.read_bytes(),
            "/hf/icassp.yml": self.hf.read_bytes(),
        }
        self.status: dict[str, int] = {}
        for path in self.bodies:
            server.document(path, lambda path=path: self.bodies[path])  # type: ignore[misc]
        self.server = server

    def add_ccfddl(self, deadline: str) -> None:
        self.bodies["/ccfddl/icassp.yml"] = (
            self.ccfddl.read_bytes() + CCFDDL_2028.format(deadline=deadline).encode()
        )

    def add_hf(self, deadline: str) -> None:
        self.bodies["/hf/icassp.yml"] = (
            self.hf.read_bytes() + HF_2028.format(deadline=deadline).encode()
        )

    def fail(self, path: str, status: int) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, text="upstream is down")

        self.server.route(path, handler)

    def sources(self) -> list[DeadlineSource]:
        return [
            DeadlineSource("icassp", "ccfddl", self.server.url("/ccfddl/icassp.yml"), 1),
            DeadlineSource("icassp", "huggingface", self.server.url("/hf/icassp.yml"), 2),
        ]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    feed_server = FeedServer()
    await feed_server.start()
    try:
        yield feed_server
    finally:
        await feed_server.stop()


@pytest.fixture
async def db(storage: Storage) -> Storage:
    await storage.migrate("deadlines", MIGRATIONS)
    return storage


@pytest.fixture(scope="module")
def reviewed() -> DeadlineBook:
    return load_deadlines(REPO_ROOT / "catalog" / DEADLINES_DIR).book


class Bot:
    """The parts of a running bot sync touches: the served book, the outbox."""

    def __init__(
        self,
        db: Storage,
        outbox: Outbox,
        reviewed: DeadlineBook,
        upstream: Upstream,
        clock: FakeClock,
        holder: str | None = None,
    ) -> None:
        self.clock = clock
        self.outbox = outbox
        self.holder = holder
        self.reviewed = reviewed
        self.served = reviewed
        self.store = DeadlineSyncStore(db)
        self.upstream = upstream
        self.sync = self.make_sync()

    def make_sync(self) -> DeadlineSync:
        return DeadlineSync(
            self.store,
            Fetcher(UrlGuard(("127.0.0.1",)), FetchLimits(politeness=0.0)),
            self.clock,
            sources=self.upstream.sources,
            reviewed=lambda: self.reviewed,
            targets=SyncTargets(lambda: self.outbox, lambda: CHANNEL, lambda: LOG_CHANNEL),
            on_change=self.install,
            holder=self.holder,
        )

    def install(self, layer: RuntimeLayer) -> None:
        self.served = layered_book(self.reviewed, layer)

    async def posts(self, channel: int = CHANNEL) -> list[str]:
        return [
            str(item.payload.get("content", ""))
            for item in await self.outbox.items(channel_id=channel)
        ]


@pytest.fixture
async def bot(db: Storage, reviewed: DeadlineBook, server: FeedServer) -> AsyncIterator[Bot]:
    clock = FakeClock(NOW)
    one = Bot(db, await open_outbox(db, clock), reviewed, Upstream(server), clock)
    try:
        yield one
    finally:
        await one.sync.fetcher.close()


async def test_the_real_files_change_nothing_past_and_are_fetched_conditionally(bot: Bot) -> None:
    report = await bot.sync.run()
    assert report.fetched == 2
    assert report.changes == []  # every edition in them is over on 2026-12-03
    assert await bot.posts() == []
    bot.clock.advance(86400)
    again = await bot.sync.run()
    assert (again.fetched, again.not_modified) == (0, 2)
    hits = bot.upstream.server.hits("/ccfddl/icassp.yml")
    assert hits[-1].headers.get("If-None-Match")


async def test_a_new_edition_is_served_and_announced_once(bot: Bot) -> None:
    bot.upstream.add_ccfddl("2027-09-16 23:59:59")
    report = await bot.sync.run()
    edition = bot.served.edition("icassp-2028")
    assert edition is not None
    assert edition.place == "Lisbon, Portugal"
    paper = edition.deadline("paper")
    assert paper is not None
    assert paper.local_text() == "2027-09-16 23:59:59 UTC-12"
    assert [c.what for c in report.changes] == ["added", "announced"]
    posts = await bot.posts()
    assert len(posts) == 1
    assert posts[0].startswith("⏰ ICASSP 2028: paper deadline announced:")
    bot.clock.advance(86400)
    await bot.sync.run(force=True)
    assert len(await bot.posts()) == 1


async def test_an_extension_is_updated_audited_and_announced_exactly_once(bot: Bot) -> None:
    bot.upstream.add_ccfddl("2027-09-16 23:59:59")
    await bot.sync.run()
    bot.upstream.add_ccfddl("2027-09-23 23:59:59")
    bot.clock.advance(86400)
    report = await bot.sync.run()
    assert [c.what for c in report.changes] == ["extended"]
    paper = bot.served.edition("icassp-2028").deadline("paper")  # type: ignore[union-attr]
    assert paper is not None
    assert paper.local is not None
    assert paper.local.day == 23
    posts = await bot.posts()
    assert len(posts) == 2
    assert posts[-1].startswith("⏰ ICASSP 2028: paper deadline extended to <t:")
    assert "2027-09-23 23:59:59 UTC-12" in posts[-1]
    trail = await bot.store.audit_trail()
    assert [(row.change, row.before, row.after) for row in trail][-1] == (
        "paper extended",
        "2027-09-16 23:59:59 UTC-12",
        "2027-09-23 23:59:59 UTC-12",
    )
    bot.clock.advance(86400)
    await bot.sync.run(force=True)
    assert len(await bot.posts()) == 2


async def test_a_sync_interrupted_before_commit_announces_once_when_run_again(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.upstream.add_ccfddl("2027-09-16 23:59:59")

    async def crash(*args: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(bot.store, "replace_disagreements", crash)
    with pytest.raises(RuntimeError):
        await bot.sync.run()
    assert await bot.posts() == []  # the whole step was rolled back
    assert bot.served.edition("icassp-2028") is None
    monkeypatch.undo()
    await bot.sync.fetcher.close()
    bot.sync = bot.make_sync()  # a restarted bot
    await bot.sync.run(force=True)
    await bot.sync.run(force=True)
    assert len(await bot.posts()) == 1
    assert bot.served.edition("icassp-2028") is not None


async def test_a_disagreeing_source_is_shown_and_never_settled(bot: Bot) -> None:
    bot.upstream.add_ccfddl("2027-09-16 23:59:59")
    bot.upstream.add_hf("2027-09-09 23:59:59")
    report = await bot.sync.run()
    paper = bot.served.edition("icassp-2028").deadline("paper")  # type: ignore[union-attr]
    assert paper is not None
    assert paper.local is not None
    assert paper.local.day == 16  # the preferred source (ccfddl) is followed
    layer = await bot.store.layer()
    series = bot.served.get("icassp")
    edition = bot.served.edition("icassp-2027")
    assert series is not None
    assert edition is not None
    lines = disagreement_lines(series, edition, layer.disagreements)
    assert lines == [
        "⚠️ **ICASSP 2028 paper deadline:** sources disagree: ccfddl 16 Sep, huggingface 9 Sep"
    ]
    assert any("sources disagree" in line for line in report.lines())


async def test_a_broken_file_or_an_error_keeps_what_is_served_and_disables_after_repeats(
    bot: Bot,
) -> None:
    bot.upstream.add_ccfddl("2027-09-16 23:59:59")
    await bot.sync.run()
    bot.upstream.bodies["/ccfddl/icassp.yml"] = b"- title: [unclosed\n"
    bot.clock.advance(86400)
    report = await bot.sync.run()
    assert len(report.failed) == 1
    assert "not readable as ccfddl" in report.failed[0]
    assert bot.served.edition("icassp-2028") is not None  # nothing taken away
    bot.upstream.fail("/ccfddl/icassp.yml", 500)
    for _ in range(MAX_FAILURES - 1):  # the broken file was the first failure
        bot.clock.advance(86400)
        report = await bot.sync.run()
    assert report.disabled == [bot.upstream.server.url("/ccfddl/icassp.yml")]
    notices = await bot.posts(LOG_CHANNEL)
    assert len(notices) == 1
    assert "disabled after 5 failures" in notices[0]
    assert bot.served.edition("icassp-2028") is not None
    requests = len(bot.upstream.server.hits("/ccfddl/icassp.yml"))
    bot.clock.advance(86400)
    await bot.sync.run()
    assert len(bot.upstream.server.hits("/ccfddl/icassp.yml")) == requests  # disabled


async def test_a_dry_run_stores_and_announces_nothing(bot: Bot) -> None:
    bot.upstream.add_ccfddl("2027-09-16 23:59:59")
    report = await bot.sync.run(dry_run=True)
    assert [c.what for c in report.changes] == ["added", "announced"]
    assert await bot.posts() == []
    assert (await bot.store.layer()).editions == ()


async def test_export_writes_the_layer_in_the_catalog_layout(bot: Bot, tmp_path: Path) -> None:
    bot.upstream.add_ccfddl("2027-09-16 23:59:59")
    await bot.sync.run()
    text = export_layer(await bot.store.layer())
    assert text.startswith("# catalog/deadlines/icassp.yaml")
    assert "year: 2028" in text
    assert "at: '2027-09-16 23:59:59'" in text


def test_benchmark_quick_run_answers_the_second_sync_with_304s() -> None:
    from benchmarks import bench_deadline_sync

    first, second = bench_deadline_sync.run(quick=True)
    assert (first["fetched_200"], first["announced"]) == (20, 20)
    assert (second["requests"], second["not_modified_304"], second["changes"]) == (20, 20, 0)


# -- several processes on one database -------------------------------------------------------


class Killed(BaseException):
    """The process stops here (what SIGKILL would do): not even ``except Exception`` runs."""


@pytest.fixture
async def two_bots(
    storage_backend: Backend, reviewed: DeadlineBook, server: FeedServer
) -> AsyncIterator[list[Bot]]:
    """Two processes syncing from one database (their own connections, fetchers and
    leases), one upstream and one clock."""
    clock = FakeClock(NOW)
    upstream = Upstream(server)
    opened: list[Storage] = []
    bots: list[Bot] = []
    try:
        for name in ("a", "b"):
            db = await storage_backend.open()
            opened.append(db)
            await db.migrate("deadlines", MIGRATIONS)
            outbox = await open_outbox(db, clock)
            bots.append(Bot(db, outbox, reviewed, upstream, clock, holder=name))
        yield bots
    finally:
        for one in bots:
            await one.sync.fetcher.close()
        for db in opened:
            await db.close()


CCFDDL, HF = "/ccfddl/icassp.yml", "/hf/icassp.yml"


async def test_two_processes_syncing_at_once_fetch_each_source_once_and_announce_once(
    two_bots: list[Bot],
) -> None:
    a, b = two_bots
    a.upstream.add_ccfddl("2027-09-16 23:59:59")
    for day in (1, 2):  # the second day, everything is unchanged (304)
        reports = await asyncio.gather(a.sync.run(), b.sync.run())
        assert [len(a.upstream.server.hits(path)) for path in (CCFDDL, HF)] == [day, day]
        assert sum(r.fetched + r.not_modified for r in reports) == 2
        a.clock.advance(86400)
    posts = await a.posts()
    assert len(posts) == 1
    assert posts[0].startswith("⏰ ICASSP 2028: paper deadline announced:")
    trail = await b.store.audit_trail()
    assert [(row.edition_id, row.change) for row in trail] == [
        ("icassp-2028", "added"),
        ("icassp-2028", "paper announced"),
    ]


async def test_a_process_that_dies_mid_sync_is_taken_over_after_its_lease(
    two_bots: list[Bot], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two_bots
    a.upstream.add_ccfddl("2027-09-16 23:59:59")

    async def killed(*args: object, **kwargs: object) -> FetchResult:
        raise Killed

    monkeypatch.setattr(a.sync.fetcher, "fetch", killed)
    with pytest.raises(Killed):
        await a.sync.run()  # a claimed both sources, then died fetching the first
    report = await b.sync.run()
    assert (sorted(report.busy), report.fetched) == (sorted(s.url for s in b.upstream.sources()), 0)
    assert b.upstream.server.requests == []
    # b's worker waits for the lease to run out, not in a loop and not for a day.
    worker = DeadlineSyncWorker(b.sync, b.clock, enabled=False)
    assert await worker.run_once() == DEFAULT_LEASE.total_seconds()
    b.clock.advance(DEFAULT_LEASE.total_seconds() + 1)
    report = await b.sync.run()
    assert (report.busy, report.fetched) == ([], 2)
    assert len(await b.posts()) == 1
    assert b.served.edition("icassp-2028") is not None


async def test_a_process_too_slow_for_its_lease_leaves_the_sources_to_the_one_that_took_over(
    two_bots: list[Bot], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two_bots
    a.upstream.add_ccfddl("2027-09-16 23:59:59")
    real_fetch = a.sync.fetcher.fetch
    stalls = []

    async def stalling(url: str, **kwargs: str | None) -> FetchResult:
        if not stalls:  # a's first fetch hangs past its leases, and b takes both over
            stalls.append(url)
            a.clock.advance(DEFAULT_LEASE.total_seconds() + 1)
            taken = await b.sync.run()
            assert (taken.fetched, taken.announced) == (2, 1)
        return await real_fetch(url, **kwargs)

    monkeypatch.setattr(a.sync.fetcher, "fetch", stalling)
    late = await a.sync.run()
    assert late.changes == []  # what a found was b's to store, and b did
    assert [len(a.upstream.server.hits(path)) for path in (CCFDDL, HF)] == [2, 1]
    assert len(await a.posts()) == 1
    assert len(await a.store.audit_trail()) == 2
