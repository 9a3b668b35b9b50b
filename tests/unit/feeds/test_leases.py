"""Two pollers over one database, as two bot processes: each on its own connection.

Each due feed is polled by one of them per interval, each new entry is announced once,
and a feed whose poller died (or stalled past its lease) is taken over once the lease
ends. Parametrised over both backends (two SQLite connections to one file stand for two
processes there); the feed server is on loopback.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from aiohttp import web

from bot.clock import FakeClock
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.guard import UrlGuard
from bot.feeds.model import FeedMode, FeedSpec, FeedState, FeedStatus
from bot.feeds.poller import FeedPoller
from bot.feeds.polling import FeedOutcome, PollSettings
from bot.feeds.store import FeedStore
from bot.outbox import Outbox, OutboxItem
from bot.storage import Storage
from tests.storage_backends import Backend
from tests.unit.feeds.conftest import CHANNEL, NOW, TEST_LIMITS, queued_items, setup_outbox
from tests.unit.feeds.server import FeedServer, rss
from tests.unit.feeds.test_poller import item
from tests.unit.feeds.test_worker_and_safety import FailingOnce

SETTINGS = PollSettings()
# Past any poll interval with its jitter (at most 10 % more).
NEXT_INTERVAL = SETTINGS.interval * 1.1 + timedelta(minutes=1)
# A fetch that waits for the test: longer timeouts than the other tests' (still bounded).
PATIENT_LIMITS = FetchLimits(
    connect_timeout=30.0, read_timeout=30.0, total_timeout=30.0, politeness=0.0, per_host=4
)


@dataclass
class Side:
    """One "process": its own connection, store, outbox, HTTP client and poller."""

    db: Storage
    store: FeedStore
    poller: FeedPoller
    fetcher: Fetcher


@dataclass
class Pair:
    a: Side
    b: Side
    clock: FakeClock
    specs: list[FeedSpec]

    async def add(self, *specs: FeedSpec) -> None:
        self.specs.extend(specs)
        await self.a.store.sync_catalog(self.specs, self.clock.now())

    async def queued(self) -> list[OutboxItem]:
        return await queued_items(self.a.db)

    async def titles(self) -> list[str]:
        return sorted(
            str(i.payload["embeds"][0]["title"]) for i in await self.queued() if i.channel_id
        )


async def _side(
    db: Storage, clock: FakeClock, specs: list[FeedSpec], name: str, limits: FetchLimits
) -> Side:
    outbox = Outbox(db, clock)
    await setup_outbox(outbox, db)
    store = FeedStore(db)
    await store.setup()
    fetcher = Fetcher(UrlGuard(["127.0.0.1"]), limits)
    poller = FeedPoller(
        store,
        fetcher,
        clock,
        lambda: specs,
        outbox=lambda: outbox,
        channel_for=lambda spec: CHANNEL,
        settings=SETTINGS,
        rng=random.Random(name),
    )
    # Two pollers in one test process: each its own name in lease_holder.
    poller.holder = f"poller-{name}"
    return Side(db, store, poller, fetcher)


@pytest.fixture
async def pair(storage_backend: Backend) -> AsyncIterator[Pair]:
    clock = FakeClock(NOW)
    specs: list[FeedSpec] = []
    sides: list[Side] = []
    databases: list[Storage] = []
    try:
        for name in ("a", "b"):
            databases.append(await storage_backend.open())
            # ``a`` may be made to wait for the test; ``b`` fetches as the other tests do.
            limits = PATIENT_LIMITS if name == "a" else TEST_LIMITS
            sides.append(await _side(databases[-1], clock, specs, name, limits))
        yield Pair(sides[0], sides[1], clock, specs)
    finally:
        for side in sides:
            await side.fetcher.close()
        for database in databases:
            await database.close()


def _feed_ids(outcomes: list[FeedOutcome]) -> list[str]:
    return [o.feed_id for o in outcomes]


async def test_two_pollers_poll_each_due_feed_once_and_announce_each_entry_once(
    server: FeedServer, pair: Pair
) -> None:
    paths = [f"/f{n}.xml" for n in range(8)]
    documents = {path: [item(n * 100 + 1, hours_ago=5)] for n, path in enumerate(paths)}

    def serve(path: str) -> str:
        return server.document(path, lambda: rss(documents[path]))

    await pair.add(*(FeedSpec(f"f{n}", serve(path), f"F{n}") for n, path in enumerate(paths)))
    expected: list[str] = []
    for cycle in range(4):
        if cycle:
            pair.clock.advance(NEXT_INTERVAL.total_seconds())
        if cycle in (1, 2):
            # Two new entries per feed; f0 and f1 also both list one shared entry.
            for n, path in enumerate(paths):
                new = [item(n * 100 + cycle * 10 + k, hours_ago=1) for k in (1, 2)]
                documents[path] = new + documents[path]
                expected += [f"Paper {n * 100 + cycle * 10 + k}" for k in (1, 2)]
            shared = item(9000 + cycle, hours_ago=1)
            documents[paths[0]].insert(0, shared)
            documents[paths[1]].insert(0, shared)
            expected.append(f"Paper {9000 + cycle}")
        # Cycle 3 changes nothing: both pollers find every feed unchanged (304).

        by_a, by_b = await asyncio.gather(pair.a.poller.poll_due(), pair.b.poller.poll_due())

        assert not set(_feed_ids(by_a)) & set(_feed_ids(by_b))
        assert sorted(_feed_ids(by_a) + _feed_ids(by_b)) == sorted(f"f{n}" for n in range(8))
        assert [len(server.hits(path)) for path in paths] == [cycle + 1] * 8
        assert all(o.state is FeedState.OK for o in by_a + by_b)
        assert await pair.titles() == sorted(expected)
        # Neither poller counts as announced what the other one queued.
        assert sum(len(o.announced) for o in by_a + by_b) == (17 if cycle in (1, 2) else 0)
    statuses = await pair.a.store.statuses(pair.specs)
    assert [s.lease_holder for s in statuses] == [None] * 8  # every lease released


Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _first_request_waits(
    server: FeedServer, path: str, first: Answer, then: Answer
) -> asyncio.Event:
    """Route ``path``: its next request waits for the returned event and gets ``first``;
    the ones after it get ``then`` at once."""
    release = asyncio.Event()
    waiting = [True]

    async def handler(request: web.Request) -> web.StreamResponse:
        if waiting[0]:
            waiting[0] = False
            await release.wait()
            return await first(request)
        return await then(request)

    server.route(path, handler)
    return release


async def _until_requested(server: FeedServer, path: str, count: int) -> None:
    for _ in range(500):  # at most 5 s
        if len(server.hits(path)) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} was not requested {count} times")


async def _polled_feed(server: FeedServer, pair: Pair, items: list[dict[str, str]]) -> Answer:
    """Feed ``x`` at /x.xml, polled once (by ``b``) so that its next entries are announced;
    the answer that serves ``items`` as they are at each request."""

    async def document(request: web.Request) -> web.StreamResponse:
        return web.Response(body=rss(items), content_type="application/rss+xml")

    await pair.add(FeedSpec("x", server.route("/x.xml", document), "X"))
    assert _feed_ids(await pair.b.poller.poll_due()) == ["x"]
    items.insert(0, item(2, hours_ago=1))
    pair.clock.advance(NEXT_INTERVAL.total_seconds())
    return document


async def test_a_poller_that_dies_mid_poll_loses_the_feed_when_its_lease_ends(
    server: FeedServer, pair: Pair
) -> None:
    document = await _polled_feed(server, pair, [item(1, hours_ago=5)])
    release = _first_request_waits(server, "/x.xml", document, document)
    dying = asyncio.create_task(pair.a.poller.poll_due())
    await _until_requested(server, "/x.xml", 2)
    dying.cancel()  # the process is gone; its lease stays in the database
    with pytest.raises(asyncio.CancelledError):
        await dying
    release.set()

    assert await pair.b.poller.poll_due() == []  # still a's
    assert len(server.hits("/x.xml")) == 2
    assert await pair.b.poller.next_due() == NOW + NEXT_INTERVAL + SETTINGS.lease

    pair.clock.advance((SETTINGS.lease + timedelta(seconds=1)).total_seconds())
    taken = await pair.b.poller.poll_due()

    assert _feed_ids(taken) == ["x"]
    assert [i.title for i in taken[0].announced] == ["Paper 2"]
    assert await pair.titles() == ["Paper 2"]
    status = await pair.a.store.status("x", pair.specs)
    assert status is not None
    assert status.lease_holder is None


async def test_a_poll_that_breaks_gives_its_lease_back_so_another_poller_takes_the_feed(
    server: FeedServer, pair: Pair
) -> None:
    await _polled_feed(server, pair, [item(1, hours_ago=5)])
    broken = FailingOnce(pair.a.db, pair.clock)
    pair.a.poller.outbox = lambda: broken  # its write fails, as a full disk would

    [failed] = await pair.a.poller.poll_due()
    taken = await pair.b.poller.poll_due()  # at once, not when a's lease would have ended

    assert failed.error is not None
    assert "disk full" in failed.error
    assert _feed_ids(taken) == ["x"]
    assert [i.title for i in taken[0].announced] == ["Paper 2"]
    assert await pair.titles() == ["Paper 2"]
    status = await pair.a.store.status("x", pair.specs)
    assert status is not None
    assert status.lease_holder is None


@pytest.mark.parametrize("late_answer", ["the document", "a server error"])
async def test_a_poller_that_stalls_past_its_lease_stores_nothing_of_its_poll(
    server: FeedServer, pair: Pair, late_answer: str
) -> None:
    document = await _polled_feed(server, pair, [item(1, hours_ago=5)])

    async def server_error(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500, text="down")

    late = server_error if late_answer == "a server error" else document
    release = _first_request_waits(server, "/x.xml", late, document)
    stalled = asyncio.create_task(pair.a.poller.poll_due())
    await _until_requested(server, "/x.xml", 2)
    pair.clock.advance((SETTINGS.lease + timedelta(seconds=1)).total_seconds())
    taken = await pair.b.poller.poll_due()
    release.set()
    late_outcomes = await asyncio.wait_for(stalled, timeout=30)

    assert _feed_ids(taken) == ["x"]
    assert late_outcomes == []  # its result was dropped: the feed was b's by then
    assert await pair.titles() == ["Paper 2"]
    status = await pair.a.store.status("x", pair.specs)
    assert status is not None
    assert (status.state, status.failures, status.lease_holder) == (FeedState.OK, 0, None)
    assert status.next_poll == taken[0].next_poll


async def test_claims_take_only_free_due_feeds(db: Storage) -> None:
    store = FeedStore(db)
    await store.setup()
    specs = [FeedSpec(name, f"http://127.0.0.1/{name}", name) for name in ("due", "later")]
    await store.sync_catalog(specs, NOW)
    await store.set_state("later", NOW, next_poll=NOW + timedelta(minutes=5))
    due, later = await store.statuses(specs)
    lease = timedelta(minutes=10)

    async def claim(
        statuses: list[FeedStatus], holder: str, now: datetime, *, due_only: bool
    ) -> list[str]:
        got = await store.claim(statuses, holder, now, lease, due_only=due_only)
        return [status.spec.id for status in got]

    assert await claim([due, later], "a", NOW, due_only=True) == ["due"]
    assert await claim([due], "b", NOW, due_only=False) == []  # a's
    assert await claim([later], "b", NOW, due_only=False) == ["later"]
    after = NOW + lease + timedelta(seconds=1)
    assert await claim([due], "b", after, due_only=True) == ["due"]
    async with store.transaction() as tx:
        assert await store.held(tx, ["due", "later"], "a") == set()
        assert await store.held(tx, ["due", "later"], "b") == {"due", "later"}
    [claimed] = await store.claim([later], "c", after + lease * 2, lease, due_only=True)
    assert (claimed.lease_holder, claimed.next_poll) == ("c", NOW + timedelta(minutes=5))


async def test_two_processes_send_a_digest_once(server: FeedServer, pair: Pair) -> None:
    items = [item(1, hours_ago=5)]
    url = server.document("/d.xml", lambda: rss(items))
    await pair.add(FeedSpec("d", url, "D", mode=FeedMode.DIGEST, digest_hour=13))
    await pair.a.poller.poll_due()
    items.insert(0, item(2, hours_ago=1))
    pair.clock.advance(NEXT_INTERVAL.total_seconds())
    assert [len(o.digested) for o in await pair.a.poller.poll_due()] == [1]
    pair.clock.advance(timedelta(days=1, hours=1).total_seconds())

    for _ in range(3):  # the next cycles of both find it sent
        await asyncio.gather(pair.a.poller.send_due_digests(), pair.b.poller.send_due_digests())

    digests = [i for i in await pair.queued() if i.key.startswith("feed-digest:")]
    assert [i.key for i in digests] == ["feed-digest:feeds:2025-06-24"]
    rows = await pair.a.db.fetchall("SELECT id, total FROM feed_digests")
    assert [(r["id"], r["total"]) for r in rows] == [("feeds:2025-06-24", 1)]
