"""Deadline sync: N upstream sources on a loopback server, synced, then synced again.

Each source is a ccfddl-format file of its own conference with one edition ahead. The first
sync fetches and imports every file and adds every edition (one announcement each, into an
outbox); the second finds every file unchanged and is answered by 304s, so it should cost
requests only. Rows: wall time, requests, 200s and 304s, changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import FakeClock
from bot.deadlines.model import DeadlineBook, Series
from bot.deadlines.scheduler import MIGRATIONS
from bot.deadlines.sources import DeadlineSource
from bot.deadlines.sync import DeadlineSync, SyncTargets
from bot.deadlines.sync_store import DeadlineSyncStore
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.guard import UrlGuard
from bot.outbox import Outbox
from bot.storage import Database

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _name(index: int) -> str:
    """``confa``, ``confb``…: letters only (a trailing number would read as a year)."""
    letters = ""
    while True:
        index, rest = divmod(index, 26)
        letters = chr(ord("a") + rest) + letters
        if index == 0:
            return "conf" + letters


def _document(index: int) -> bytes:
    return (
        f"- title: {_name(index).upper()}\n  confs:\n    - year: 2028\n      id: c{index}28\n"
        f"      link: https://c{index}.example.org/\n      timeline:\n"
        f"        - deadline: '2027-09-{1 + index % 28:02d} 23:59:59'\n"
        f"      timezone: UTC-12\n      date: May 7-12, 2028\n      place: Lisbon, Portugal\n"
    ).encode()


async def _serve(count: int) -> tuple[web.AppRunner, int, dict[str, int]]:
    documents = {f"/{_name(i)}.yml": _document(i) for i in range(count)}
    seen = {"requests": 0}

    async def handle(request: web.Request) -> web.Response:
        seen["requests"] += 1
        body = documents[request.path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/{name}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port, seen


async def _bench(count: int) -> list[dict[str, Any]]:
    runner, port, seen = await _serve(count)
    book = DeadlineBook(tuple(Series(_name(i), _name(i).upper()) for i in range(count)))
    sources = [
        DeadlineSource(_name(i), "ccfddl", f"http://127.0.0.1:{port}/{_name(i)}.yml")
        for i in range(count)
    ]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        async with await Database.open(Path(folder) / "bench.sqlite3") as db:
            await db.migrate("deadlines", MIGRATIONS)
            clock = FakeClock(NOW)
            outbox = Outbox(db, clock)
            await outbox.setup()
            fetcher = Fetcher(UrlGuard(("127.0.0.1",)), FetchLimits(politeness=0.0))
            sync = DeadlineSync(
                DeadlineSyncStore(db),
                fetcher,
                clock,
                sources=lambda: sources,
                reviewed=lambda: book,
                targets=SyncTargets(lambda: outbox, lambda: 1, lambda: None),
            )
            try:
                for name in ("first", "second (304)"):
                    before = seen["requests"]
                    started = time.perf_counter()
                    report = await sync.run(force=True)
                    rows.append(
                        {
                            "sync": name,
                            "sources": count,
                            "wall_ms": (time.perf_counter() - started) * 1000,
                            "requests": seen["requests"] - before,
                            "fetched_200": report.fetched,
                            "not_modified_304": report.not_modified,
                            "changes": len(report.changes),
                            "announced": report.announced,
                        }
                    )
            finally:
                await fetcher.close()
    await runner.cleanup()
    return rows


def run(quick: bool) -> list[dict[str, Any]]:
    return asyncio.run(_bench(20 if quick else 100))
