"""Clocks for worker tests (bot.clock.FakeClock moves only when told to)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.clock import FakeClock

START = datetime(2026, 12, 3, tzinfo=UTC)


class BlockingClock(FakeClock):
    """Time stands still and every sleep lasts until it is cancelled (only a worker's
    ``wake()`` or ``stop()`` ends it), so a test decides exactly when a worker runs."""

    def __init__(self, start: datetime = START) -> None:
        super().__init__(start)
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            await asyncio.Event().wait()
        await asyncio.sleep(0)
