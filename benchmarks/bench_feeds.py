"""Feed polling: 1 000 feeds on a loopback server, two cycles, beside a baseline poller.

The server (a process of its own) serves N small RSS documents with ETag and
Last-Modified; between the two cycles 1 % of the feeds get a new item. Two pollers run in
the same process, one after the other, each against a fresh server state:

* ``ml-audio-bot``: the real ``FeedPoller`` (conditional GET, per-host limit, parse in a
  thread, SQLite seen-set, outbox) with the politeness delay off (one loopback host would
  otherwise be paced at one request per delay);
* ``baseline``: what a competent developer would write without our requirements: one
  request after another with aiohttp, conditional (If-None-Match / If-Modified-Since),
  feedparser with its defaults, seen entry ids and validators in SQLite, one commit per
  feed.

Each poller runs ``REPEATS`` times (alternating, the machine may be shared); rows per
poller and cycle give the median wall time, the requests, body bytes sent by the server
and share of 304 answers (target >= 95 % in cycle 2) of the last run, the largest growth
of the process's resident memory during the cycle (sampled every 5 ms; tracemalloc would
slow feedparser down several times) and the items announced. A ``ratio`` row per cycle
divides our median wall time by the baseline's.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import multiprocessing.process
import os
import random
import sqlite3
import statistics
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from pathlib import Path
from typing import Any

import aiohttp
import feedparser
from aiohttp import web

from bot.clock import FakeClock
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.guard import UrlGuard
from bot.feeds.model import FeedSpec
from bot.feeds.poller import FeedPoller
from bot.feeds.polling import PollSettings
from bot.feeds.store import FeedStore
from bot.outbox import Outbox
from bot.storage import Database

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ITEMS_PER_FEED = 10
CHANGED_SHARE = 0.01
REPEATS = 3  # per poller; the table shows median wall times


def _document(feed: int, version: int) -> bytes:
    items = []
    for n in range(version, version + ITEMS_PER_FEED):
        moment = NOW - timedelta(hours=(version + ITEMS_PER_FEED - n))
        items.append(
            f"<item><guid>f{feed}-i{n}</guid><title>Feed {feed} item {n}</title>"
            f"<link>http://example.com/{feed}/{n}</link><pubDate>{format_datetime(moment)}"
            f"</pubDate><description>&lt;p&gt;Summary of item {n} of feed {feed}, a few "
            "sentences long so the document has a realistic size.&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><link>http://example.com/{feed}</link>"
        f"<description>bench</description>{''.join(reversed(items))}</channel></rss>"
    ).encode()


class RssSampler:
    """The highest resident set size seen while running, above the size at the start."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.base = self.peak = _rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.base


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


@dataclass
class _Counters:
    requests: int = 0
    not_modified: int = 0
    body_bytes: int = 0


@dataclass
class _FeedSite:
    """The server side: N feeds, and ``/control/...`` for the benchmark (not counted)."""

    feeds: int
    versions: dict[int, int] = field(default_factory=dict)
    counters: _Counters = field(default_factory=_Counters)
    _cache: dict[tuple[int, int], tuple[bytes, str]] = field(default_factory=dict)
    # The same feeds change for every poller: each runs against a fresh server.
    _rng: random.Random = field(default_factory=lambda: random.Random(42))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", self._handle)
        app.router.add_post("/control/bump", self._bump)
        app.router.add_get("/control/counters", self._counters)
        return app

    def _body(self, feed: int) -> tuple[bytes, str]:
        key = (feed, self.versions.get(feed, 0))
        if key not in self._cache:
            body = _document(*key)
            self._cache[key] = (body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
        return self._cache[key]

    async def _handle(self, request: web.Request) -> web.Response:
        self.counters.requests += 1
        feed = int(request.match_info["n"])
        body, etag = self._body(feed)
        if request.headers.get("If-None-Match") == etag:
            self.counters.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        self.counters.body_bytes += len(body)
        return web.Response(
            body=body,
            headers={
                "Content-Type": "application/rss+xml; charset=utf-8",
                "ETag": etag,
                "Last-Modified": formatdate(0, usegmt=True),
            },
        )

    async def _bump(self, request: web.Request) -> web.Response:
        share = float(request.query["share"])
        changed = self._rng.sample(range(self.feeds), max(1, int(self.feeds * share)))
        for feed in changed:
            self.versions[feed] = self.versions.get(feed, 0) + 1
        return web.json_response({"changed": len(changed)})

    async def _counters(self, request: web.Request) -> web.Response:
        counters = self.counters
        if request.query.get("reset"):
            self.counters = _Counters()
        return web.json_response(asdict(counters))


def _serve(feeds: int, port: Any) -> None:
    """Child process: serve until terminated; the port goes back through ``port``."""

    async def main() -> None:
        runner = web.AppRunner(_FeedSite(feeds).app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


@dataclass
class BenchServer:
    """N feeds on 127.0.0.1 in a process of its own, as a real server would be: in this
    process it would compete with the pollers for the interpreter lock."""

    feeds: int
    port: int = 0
    _process: multiprocessing.process.BaseProcess | None = None

    def url(self, feed: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed/{feed}.xml"

    def _control(self, path: str, *, post: bool = False) -> dict[str, Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/control/{path}", method="POST" if post else "GET"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.load(response)
        return answer

    def bump(self, share: float) -> int:
        return int(self._control(f"bump?share={share}", post=True)["changed"])

    def reset_counters(self) -> None:
        self._control("counters?reset=1")

    @property
    def counters(self) -> _Counters:
        return _Counters(**self._control("counters"))

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        port = context.Queue()
        self._process = context.Process(
            target=_serve, args=(self.feeds, port), name="bench-feed-server", daemon=True
        )
        self._process.start()
        self.port = port.get(timeout=60)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(10)


async def _ours(server: BenchServer, feeds: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        async with await Database.open(Path(folder) / "bench.sqlite3") as db:
            clock = FakeClock(NOW)
            outbox = Outbox(db, clock)
            await outbox.setup()
            store = FeedStore(db)
            await store.setup()
            specs = [FeedSpec(f"feed-{i}", server.url(i), f"Feed {i}") for i in range(feeds)]
            await store.sync_catalog(specs, clock.now())
            limits = FetchLimits(politeness=0.0, per_host=16)
            async with Fetcher(UrlGuard(["127.0.0.1"]), limits) as fetcher:
                poller = FeedPoller(
                    store,
                    fetcher,
                    clock,
                    lambda: specs,
                    outbox=lambda: outbox,
                    channel_for=lambda spec: 1,
                    settings=PollSettings(concurrency=32),
                    rng=rng,
                )
                for cycle in (1, 2):
                    if cycle == 2:
                        server.bump(CHANGED_SHARE)
                    server.reset_counters()
                    with RssSampler() as memory:
                        started = time.perf_counter()
                        outcomes = await poller.poll_all()
                        wall = time.perf_counter() - started
                    rows.append(
                        _row("ml-audio-bot", feeds, cycle, wall, server, memory.growth)
                        | {"announced": sum(len(o.announced) for o in outcomes)}
                    )
    return rows


_BASELINE_SCHEMA = """
CREATE TABLE feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
CREATE TABLE seen (url TEXT NOT NULL, entry_id TEXT NOT NULL, PRIMARY KEY (url, entry_id));
"""


async def _baseline(server: BenchServer, feeds: int, rng: random.Random) -> list[dict[str, Any]]:
    """What a competent developer would write: one feed after another, conditional GET,
    feedparser with its defaults, seen ids and validators in SQLite, one commit per feed."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "baseline.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # as ours: WAL, no fsync per commit
        db.executescript(_BASELINE_SCHEMA)
        async with aiohttp.ClientSession() as session:
            for cycle in (1, 2):
                if cycle == 2:
                    server.bump(CHANGED_SHARE)
                server.reset_counters()
                with RssSampler() as memory:
                    started = time.perf_counter()
                    announced = 0
                    for feed in range(feeds):
                        announced += await _baseline_poll(session, db, server.url(feed))
                    wall = time.perf_counter() - started
                rows.append(
                    _row("baseline", feeds, cycle, wall, server, memory.growth)
                    | {"announced": announced}
                )
        db.close()
    return rows


async def _baseline_poll(session: aiohttp.ClientSession, db: sqlite3.Connection, url: str) -> int:
    """Poll one feed; the number of new entries (none on its first poll)."""
    known = db.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
    headers = {}
    if known is not None:
        if known[0]:
            headers["If-None-Match"] = known[0]
        if known[1]:
            headers["If-Modified-Since"] = known[1]
    async with session.get(url, headers=headers) as response:
        if response.status == 304:
            return 0
        body = await response.read()
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    ids = [entry.get("id") or entry.get("link") for entry in feedparser.parse(body).entries]
    db.execute("BEGIN")
    seen = {row[0] for row in db.execute("SELECT entry_id FROM seen WHERE url = ?", (url,))}
    new = [entry_id for entry_id in ids if entry_id and entry_id not in seen]
    db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", [(url, i) for i in new])
    db.execute("INSERT OR REPLACE INTO feeds VALUES (?, ?, ?)", (url, etag, modified))
    db.execute("COMMIT")
    return len(new) if known is not None else 0


def _row(
    name: str, feeds: int, cycle: int, wall: float, server: BenchServer, peak: int
) -> dict[str, Any]:
    counters = server.counters
    return {
        "poller": name,
        "feeds": feeds,
        "cycle": cycle,
        "wall_s": wall,
        "requests": counters.requests,
        "body_kib": counters.body_bytes / 1024,
        "share_304": counters.not_modified / counters.requests if counters.requests else 0.0,
        "rss_growth_mib": peak / (1024 * 1024),
    }


def run(quick: bool) -> list[dict[str, Any]]:
    feeds = 20 if quick else 1000
    repeats = 1 if quick else REPEATS
    runs: dict[str, list[list[dict[str, Any]]]] = {"ml-audio-bot": [], "baseline": []}
    for _ in range(repeats):
        for name, poller in (("ml-audio-bot", _ours), ("baseline", _baseline)):
            server = BenchServer(feeds)
            server.start()
            try:
                runs[name].append(asyncio.run(poller(server, feeds, random.Random(42))))
            finally:
                server.stop()
    rows: list[dict[str, Any]] = []
    for cycle in (1, 2):
        mine = _summary([run[cycle - 1] for run in runs["ml-audio-bot"]])
        theirs = _summary([run[cycle - 1] for run in runs["baseline"]])
        ratio = dict.fromkeys(mine, None) | {
            "poller": "ratio",
            "feeds": feeds,
            "cycle": cycle,
            "wall_s": mine["wall_s"] / theirs["wall_s"] if theirs["wall_s"] else None,
        }
        rows += [mine, theirs, ratio]
    return rows


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The last run's row with the median wall time and the largest memory growth."""
    return runs[-1] | {
        "wall_s": statistics.median(row["wall_s"] for row in runs),
        "rss_growth_mib": max(row["rss_growth_mib"] for row in runs),
    }
