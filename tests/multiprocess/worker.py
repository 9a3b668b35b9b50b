"""One shard-like worker process: the real outbox delivery and the real suggestion votes.

What a bot process does in the background, without a gateway connection: it opens the
database its URL names, logs in with discord.py's real HTTP client (pointed at the
stand-in's API base), runs the real ``OutboxWorker`` with the real ``DiscordSender``, and
casts the votes assigned to it through the real ``SuggestionService``. It runs until
SIGTERM (then it stops gracefully) or SIGKILL (the point of the test).

Votes are cast through an idempotent path: a restarted process cannot know which of its
votes the killed one finished, so for each vote it first reads what the database holds and
casts only what it cannot prove done; since a vote is a toggle (the same vote again takes
it back), a cast that toggled an earlier, finished one off is cast again.

The processes are forked from a server that has imported all of this once
(``tests.multiprocess.harness``), so a restart costs milliseconds instead of a second of
imports; each is still a process of its own, with its own connections.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import discord

from bot.catalog.model import Catalog
from bot.clock import SystemClock
from bot.discord.api import use_api_base
from bot.discord.sender import DiscordSender
from bot.outbox import Outbox, OutboxWorker
from bot.storage import open_storage
from bot.storage.backends import PASSWORD_VARIABLE
from bot.suggestions import SuggestionService, SuggestionStore, Vote
from bot.suggestions.outcomes import Voted

log = logging.getLogger("multiprocess.worker")

_EMPTY_CATALOG = Catalog((), ())
# A vote that toggled a finished one off is cast again: at most this often (a bug, not a
# race, if it is not enough: each vote belongs to one process).
_CASTS_PER_VOTE = 3


@dataclass(frozen=True)
class VoteIntention:
    suggestion_id: int
    user_id: int
    value: int  # 1 or -1, like ``Vote``


@dataclass(frozen=True)
class WorkerSettings:
    """Everything a worker process needs, handed to it when it is started."""

    database_url: str
    api_base: str
    guild_id: int
    log_file: Path
    votes: tuple[VoteIntention, ...] = ()
    # Short leases and naps: a killed process's work is picked up within seconds.
    lease_seconds: float = 2.0
    idle_seconds: float = 0.5
    batch_size: int = 10
    publish_budget: int = 10_000  # per channel and hour: the test publishes far more
    # Deliver the outbox (False: only vote, as the votes benchmark does).
    deliver: bool = True
    # Vote only once the parent says ("go",): a common start for a benchmark's processes.
    votes_on_go: bool = False
    # Between two votes: spreads the votes over the run, so that kills land among them.
    vote_pause: float = 0.0
    password: str = field(default="", repr=False)


def run(settings: WorkerSettings, index: int, signals: Connection) -> None:
    """The process's entry point: serve until SIGTERM; report on ``signals``."""
    logging.basicConfig(
        filename=settings.log_file,
        level=logging.INFO,
        format=f"%(asctime)s worker{index} pid%(process)d %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("discord").setLevel(logging.ERROR)  # no voice, no intents: as meant
    log.info("started")
    asyncio.run(_serve(settings, index, signals))


async def _serve(settings: WorkerSettings, index: int, signals: Connection) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    clock = SystemClock()
    environ = {PASSWORD_VARIABLE: settings.password} if settings.password else {}
    db = await open_storage(settings.database_url, environ=environ)
    use_api_base(settings.api_base)
    client = discord.Client(intents=discord.Intents.none())
    worker: OutboxWorker | None = None
    votes: asyncio.Task[None] | None = None
    try:
        service = SuggestionService(SuggestionStore(db), clock, lambda: _EMPTY_CATALOG)
        await service.setup()
        if settings.deliver:
            outbox = Outbox(
                db,
                clock,
                publish_budget=settings.publish_budget,
                lease=timedelta(seconds=settings.lease_seconds),
            )
            await outbox.setup()
            await client.login(f"worker-{index}")
            worker = OutboxWorker(
                outbox,
                DiscordSender(client),
                clock,
                batch_size=settings.batch_size,
                idle_seconds=settings.idle_seconds,
            )
            await worker.start()
        log.info("ready")
        signals.send(("ready",))
        votes = asyncio.create_task(_cast_all(service, settings, signals))
        await stop.wait()
        log.info("stopping (SIGTERM)")
    finally:
        if votes is not None:
            votes.cancel()
            await asyncio.gather(votes, return_exceptions=True)
        if worker is not None:
            await worker.stop()
        await client.close()
        await db.close()


async def _cast_all(
    service: SuggestionService, settings: WorkerSettings, signals: Connection
) -> None:
    if settings.votes_on_go:
        await asyncio.get_running_loop().run_in_executor(None, signals.recv)
    started = time.time()
    cast = 0
    try:
        for intention in settings.votes:
            if await _ensure_vote(service, settings.guild_id, intention):
                cast += 1
                if settings.vote_pause:
                    await asyncio.sleep(settings.vote_pause)
    except Exception as exc:
        log.exception("votes: stopped by an error")
        signals.send(("error", repr(exc)))
        raise
    log.info("votes done: %d cast, %d already there", cast, len(settings.votes) - cast)
    signals.send(("votes", cast, started, time.time()))


async def _ensure_vote(service: SuggestionService, guild_id: int, intention: VoteIntention) -> bool:
    """Make ``intention`` hold in the database; True when a vote had to be cast."""
    wanted = Vote(intention.value)
    if await service.store.vote_of(intention.suggestion_id, intention.user_id) == wanted:
        return False  # proven done (by this process before it was killed)
    for _ in range(_CASTS_PER_VOTE):
        outcome = await service.vote(guild_id, intention.suggestion_id, intention.user_id, wanted)
        if not isinstance(outcome, Voted):
            raise RuntimeError(f"vote {intention} refused: {outcome}")
        if outcome.current == wanted:
            return True
        # The killed process's vote had committed after all: this cast took it back.
    raise RuntimeError(f"vote {intention} did not hold after {_CASTS_PER_VOTE} casts")
