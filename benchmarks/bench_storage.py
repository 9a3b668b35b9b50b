"""Storage: votes/s and outbox posts/s, SQLite (1 process) vs PostgreSQL (1 and 3 processes)

The same inputs in every setting, through the worker processes of the multi-process test
(tests/multiprocess): members' votes cast through the real ``SuggestionService`` (each
vote first read back, as a restarted shard does, then cast), and announcements delivered
by the real outbox worker and ``DiscordSender`` over discord.py's HTTP client to a
recording stand-in for Discord on 127.0.0.1 (two thirds of them in announcement channels,
so also published). The votes are dealt out to the processes; the outbox items are claimed
by them. ``ratio`` columns divide each setting's rate by SQLite's (above 1: faster).
``exact``: every vote counted once, every announcement posted once and published once
where it must be.

PostgreSQL is a throw-away server (tests/postgres.py, Debian's PostgreSQL 15, fsync off as
in the tests); without its binaries those rows say so and show no figures.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bot.clock import SystemClock
from bot.outbox import Outbox, State
from bot.storage import Storage, open_storage
from bot.storage.backends import PASSWORD_VARIABLE
from bot.suggestions import SuggestionStore
from tests import postgres
from tests.multiprocess import scenario
from tests.multiprocess.harness import WorkerPool
from tests.multiprocess.standin import DiscordStandIn
from tests.multiprocess.worker import WorkerSettings

SETTINGS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 3))
_READY_TIMEOUT = 60.0
_POLL = 0.02
_PHASE_TIMEOUT = 300.0


@dataclass(frozen=True)
class _Sizes:
    suggestions: int
    members: int
    announcements: int


@dataclass
class _Database:
    """One fresh database of a setting: its URL and the password to open it with."""

    url: str
    password: str = ""

    async def open(self) -> Storage:
        environ = {PASSWORD_VARIABLE: self.password} if self.password else {}
        return await open_storage(self.url, environ=environ)


def run(quick: bool) -> list[dict[str, Any]]:
    sizes = _Sizes(5, 40, 60) if quick else _Sizes(20, 200, 600)
    logging.getLogger("bot").setLevel(logging.ERROR)
    WorkerPool([]).warm_up()  # the fork server imports everything once, before any timing
    server = postgres.start() if postgres.binaries_present() else None
    try:
        with tempfile.TemporaryDirectory() as folder:
            rows = [
                _measure(backend, processes, sizes, server, Path(folder))
                for backend, processes in SETTINGS
            ]
    finally:
        if server is not None:
            postgres.stop(server)
    base = rows[0]
    for row in rows:
        for rate in ("votes_per_s", "posts_per_s"):
            ours, theirs = row.get(rate), base.get(rate)
            row[rate.replace("per_s", "ratio")] = (
                round(ours / theirs, 2) if ours is not None and theirs else None
            )
    return [_ordered(row) for row in rows]


def _ordered(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "setting", "votes", "votes_per_s", "votes_ratio", "posts", "posts_per_s",
        "posts_ratio", "exact", "note",
    )  # fmt: skip
    return {key: row.get(key) for key in keys}


def _measure(
    backend: str,
    processes: int,
    sizes: _Sizes,
    server: postgres.PostgresServer | None,
    folder: Path,
) -> dict[str, Any]:
    name = f"{backend} x{processes}"
    if backend == "postgresql" and server is None:
        return {"setting": name, "note": f"skipped: no PostgreSQL 15 in {postgres.POSTGRES_BIN}"}
    fresh = _fresh_database(backend, server, folder)
    votes, votes_exact = asyncio.run(_votes(fresh, processes, sizes, folder))
    posts, posts_exact = asyncio.run(_posts(fresh, processes, sizes, folder))
    return {
        "setting": name,
        "votes": sizes.suggestions * sizes.members,
        "votes_per_s": round(votes, 1),
        "posts": sizes.announcements,
        "posts_per_s": round(posts, 1),
        "exact": votes_exact and posts_exact,
        "note": "",
    }


def _fresh_database(
    backend: str, server: postgres.PostgresServer | None, folder: Path
) -> Callable[[], AbstractAsyncContextManager[_Database]]:
    @asynccontextmanager
    async def fresh() -> AsyncIterator[_Database]:
        if backend == "sqlite" or server is None:
            yield _Database(f"sqlite:///{folder / f'{uuid.uuid4().hex}.sqlite3'}")
            return
        name = f"bench_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(server.url(), password=server.password)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            yield _Database(server.url(name), server.password)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    return fresh


def _settings(
    database: _Database, api_base: str, folder: Path, processes: int, **extra: Any
) -> list[WorkerSettings]:
    return [
        WorkerSettings(
            database_url=database.url,
            api_base=api_base,
            guild_id=scenario.GUILD_ID,
            log_file=folder / f"bench-worker-{index}.log",
            password=database.password,
            **{key: value[index] if key == "votes" else value for key, value in extra.items()},
        )
        for index in range(processes)
    ]


async def _votes(
    fresh: Callable[[], AbstractAsyncContextManager[_Database]],
    processes: int,
    sizes: _Sizes,
    folder: Path,
) -> tuple[float, bool]:
    """Votes per second, all processes voting at once."""
    async with fresh() as database:
        db = await database.open()
        try:
            ids = await scenario.create_suggestions(db, sizes.suggestions)
            dealt = scenario.deal_votes(ids, sizes.members, processes, random.Random(15))
            pool = WorkerPool(
                _settings(
                    database, "http://127.0.0.1:9/api/v10", folder, processes,
                    votes=dealt, deliver=False, votes_on_go=True,
                )
            )  # fmt: skip
            try:
                pool.start_all()
                seconds = await _voting_time(pool)
                await pool.stop_all()
            finally:
                pool.close()
            store = SuggestionStore(db)
            tallies = {sid: await store.tally(sid) for sid in ids}
            exact = tallies == scenario.expected_tallies(dealt)
        finally:
            await db.close()
    total = sizes.suggestions * sizes.members
    return total / max(1e-6, seconds), exact


async def _voting_time(pool: WorkerPool) -> float:
    """From the first process's first vote to the last one's last, all told to go at once."""
    for index in range(len(pool)):
        await pool.wait_ready(index, _READY_TIMEOUT)
    pool.go()
    spans: dict[int, tuple[float, float]] = {}
    for _ in range(int(_PHASE_TIMEOUT / _POLL)):
        for index in range(len(pool)):
            for message in pool.messages(index):
                if message[0] == "error":
                    raise RuntimeError(f"worker {index}: {message[1]}")
                if message[0] == "votes":
                    spans[index] = (float(message[2]), float(message[3]))
        if len(spans) == len(pool):
            return max(end for _, end in spans.values()) - min(s for s, _ in spans.values())
        await asyncio.sleep(_POLL)
    raise RuntimeError(f"votes not cast within {_PHASE_TIMEOUT:g} s")


async def _posts(
    fresh: Callable[[], AbstractAsyncContextManager[_Database]],
    processes: int,
    sizes: _Sizes,
    folder: Path,
) -> tuple[float, bool]:
    """Announcements per second, from starting the processes to the last one done."""
    async with fresh() as database:
        db = await database.open()
        try:
            outbox = Outbox(db, SystemClock())
            await outbox.setup()
            keys = [scenario.announcement(n) for n in range(sizes.announcements)]
            await outbox.enqueue_many(keys)
            async with DiscordStandIn(scenario.CHANNELS) as standin:
                pool = WorkerPool(_settings(database, standin.api_base, folder, processes))
                try:
                    started = time.perf_counter()
                    pool.start_all()
                    for _ in range(int(_PHASE_TIMEOUT / _POLL)):
                        if (await outbox.counts())[State.DONE] == len(keys):
                            break
                        await asyncio.sleep(_POLL)
                    else:
                        raise RuntimeError(f"posts not delivered within {_PHASE_TIMEOUT:g} s")
                    elapsed = time.perf_counter() - started
                    await pool.stop_all()
                finally:
                    pool.close()
                outcome = scenario.Outcome(standin, (m.key for m in keys))
        finally:
            await db.close()
    exact = not (outcome.twice() or outcome.missing() or outcome.published_wrongly())
    return len(keys) / elapsed, exact


if __name__ == "__main__":
    print(run(quick=True))
