"""Writes the heartbeat file (``bot.health``) while the bot serves, for container health checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
from datetime import UTC, datetime
from pathlib import Path

from discord.ext import commands

from bot.clock import SystemClock
from bot.health import HEARTBEAT_INTERVAL, Heartbeat, write_heartbeat
from bot.services import Services
from bot.worker import Worker

log = logging.getLogger(__name__)
DATABASE_TIMEOUT = 5.0  # a database that takes longer than this to answer SELECT 1 is unwell


class HeartbeatWriter(Worker):
    """A worker that writes one heartbeat now and every ``interval`` seconds until stopped.

    Real time, always: the file is read by another process against the wall clock. A beat
    that fails unexpectedly is logged and retried: a writer that died would let the file
    go stale, and the container would be restarted for a bug here, not for a sick bot.
    """

    name = "heartbeat"

    def __init__(
        self,
        bot: commands.Bot,
        services: Services,
        path: Path,
        *,
        interval: float = HEARTBEAT_INTERVAL,
    ) -> None:
        super().__init__(SystemClock(), error_pause=interval)
        self._bot = bot
        self._services = services
        self._path = path
        self._interval = interval
        # One beat at a time: a slow beat finishing after a newer one would write old news.
        self._writing = asyncio.Lock()

    async def run_once(self) -> float:
        try:
            await self.beat()
        except OSError as error:
            log.warning("cannot write the heartbeat file %s: %s", self._path, error)
        return self._interval

    async def close(self) -> None:
        # A stopped bot must not look healthy from a file written a moment ago.
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()

    async def beat(self) -> Heartbeat:
        """Check the gateway and the database, write the result, and return it."""
        async with self._writing:
            return await self._beat()

    async def _beat(self) -> Heartbeat:
        latency = self._bot.latency
        heartbeat = Heartbeat(
            written_at=datetime.now(UTC),
            ready=self._bot.is_ready() and not self._bot.is_closed(),
            database_ok=await self._database_answers(),
            latency_ms=None if math.isnan(latency) or math.isinf(latency) else latency * 1000,
            pid=os.getpid(),
        )
        await asyncio.to_thread(write_heartbeat, self._path, heartbeat)
        return heartbeat

    async def _database_answers(self) -> bool:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                await self._services.database.fetchone("SELECT 1")
        except Exception:  # any failure means "not healthy"; the reason goes to the log
            log.exception("health check: the database did not answer")
            return False
        return True
