"""Three shard-like worker processes over one PostgreSQL database, one of them SIGKILLed at
random points a hundred times (issue 15): every announcement is posted exactly once,
published once in announcement channels, and every vote is counted once.

The processes run the real outbox delivery (``OutboxWorker`` + ``DiscordSender`` over
discord.py's HTTP client) against a recording stand-in for Discord on 127.0.0.1, and cast
votes through the real ``SuggestionService``. Leases and naps are short (worker settings,
not patches), so the work of a killed process is resumed by another within seconds. The
run is bounded in count (kills, announcements, votes) and every wait in time.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.clock import SystemClock
from bot.outbox import Outbox, State
from bot.storage import Storage, open_storage
from bot.storage.backends import PASSWORD_VARIABLE
from bot.suggestions import SuggestionStore
from tests.multiprocess import scenario
from tests.multiprocess.harness import WorkerPool
from tests.multiprocess.standin import DiscordStandIn
from tests.multiprocess.worker import VoteIntention, WorkerSettings
from tests.postgres import PostgresServer

pytestmark = pytest.mark.slow

PROCESSES = 3
KILLS = 100
# Up front, then a few more after each kill, so that there is work to interrupt throughout.
ANNOUNCEMENTS_FIRST = 60
ANNOUNCEMENTS_PER_KILL = 4
SUGGESTIONS = 6
MEMBERS = 30  # each votes on every suggestion: 180 votes, 60 per process
# Between two kills (a random point in it).
KILL_AFTER = (0.2, 0.5)
# Between two votes of a process: spreads the votes over the kills.
VOTE_PAUSE = 0.2
LEASE_SECONDS = 3.0
# Each answer of the stand-in takes this long, like a (fast) round trip to Discord.
LATENCY = 0.01
READY_TIMEOUT = 30.0
# After the last kill: time for the survivors to finish everything (leases expire first).
DRAIN_TIMEOUT = 60.0


@pytest.fixture
async def database_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A database of the test's own on the session's server; dropped afterwards."""
    name = f"multiproc_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_server.url(), password=postgres_server.password)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield postgres_server.url(name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def db(database_url: str, postgres_server: PostgresServer) -> AsyncIterator[Storage]:
    storage = await open_storage(
        database_url, environ={PASSWORD_VARIABLE: postgres_server.password}
    )
    try:
        yield storage
    finally:
        await storage.close()


async def test_killed_workers_never_post_twice_and_count_every_vote_once(
    db: Storage, database_url: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    outbox = Outbox(db, SystemClock())
    await outbox.setup()
    suggestion_ids = await scenario.create_suggestions(db, SUGGESTIONS)
    dealt = scenario.deal_votes(suggestion_ids, MEMBERS, PROCESSES, rng)
    enqueued = 0

    async def enqueue(count: int) -> None:
        nonlocal enqueued
        await outbox.enqueue_many(scenario.announcement(enqueued + n) for n in range(count))
        enqueued += count

    await enqueue(ANNOUNCEMENTS_FIRST)
    async with DiscordStandIn(scenario.CHANNELS, latency=LATENCY) as standin:
        settings = [
            WorkerSettings(
                database_url=database_url,
                api_base=standin.api_base,
                guild_id=scenario.GUILD_ID,
                log_file=tmp_path / f"worker-{index}.log",
                votes=dealt[index],
                lease_seconds=LEASE_SECONDS,
                vote_pause=VOTE_PAUSE,
                password=postgres_server.password,
            )
            for index in range(PROCESSES)
        ]
        pool = WorkerPool(settings)
        try:
            pool.start_all()
            for _ in range(KILLS):
                # One that is working; when none is yet, one still starting (opening the
                # database, migrating, logging in): waiting for it would double the run.
                victim = rng.choice(pool.ready_ones() or list(range(PROCESSES)))
                await asyncio.sleep(rng.uniform(*KILL_AFTER))
                await pool.kill(victim)
                pool.start(victim)
                await enqueue(ANNOUNCEMENTS_PER_KILL)
            for index in range(PROCESSES):
                await pool.wait_ready(index, READY_TIMEOUT)
            finished = await _drained(db, outbox, enqueued, dealt)
            codes = await pool.stop_all()
        finally:
            pool.close()
        outcome = scenario.Outcome(standin, (f"announcement:{n}" for n in range(enqueued)))

    record = standin.record
    # How often a kill left work half done, for whoever reads the output (-s, or a failure).
    print(
        f"kills {pool.kills} ({pool.kills_while_working} of working processes), "
        f"announcements {enqueued}, POSTs {len(record.posts)} "
        f"({len(record.posts) - len(record.created())} answered by nonce), marker lookups "
        f"{record.history_reads}, crossposts {len(record.crossposts)} for {len(outcome.published)}"
        f" publications"
    )
    context = f"(seed {seed}; worker logs in {tmp_path})"
    assert pool.kills == KILLS
    assert finished, f"the workers did not finish within {DRAIN_TIMEOUT:g} s {context}"
    assert codes == dict.fromkeys(range(PROCESSES), 0), f"graceful stop failed {context}"
    assert outcome.twice() == {}, f"posted more than once {context}"
    # Not even sent twice (which Discord's nonce check would have absorbed): the marker check
    # after a takeover finds what the killed process had posted.
    assert outcome.sent_twice() == {}, f"sent more than once {context}"
    assert outcome.missing() == set(), f"never posted {context}"
    assert outcome.strangers == 0
    assert outcome.published_wrongly() == {}, f"published wrongly {context}"
    store = SuggestionStore(db)
    tallies = {sid: await store.tally(sid) for sid in suggestion_ids}
    assert tallies == scenario.expected_tallies(dealt), f"votes miscounted {context}"
    counts = await outbox.counts()
    assert counts[State.DONE] == enqueued


async def _drained(
    db: Storage, outbox: Outbox, enqueued: int, dealt: list[tuple[VoteIntention, ...]]
) -> bool:
    """Wait until every announcement is done and every vote is stored (bounded)."""
    votes = sum(len(intentions) for intentions in dealt)
    for _ in range(int(DRAIN_TIMEOUT / 0.2)):
        counts = await outbox.counts()
        row = await db.fetchone("SELECT COUNT(*) AS n FROM suggestion_votes")
        if counts[State.DONE] == enqueued and row is not None and int(row["n"]) == votes:
            return True
        await asyncio.sleep(0.2)
    return False
