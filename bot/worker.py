"""The one shape of every background worker: a step that says when to run again.

A worker subclasses :class:`Worker` and writes ``run_once()``, which does one bounded piece
of work and returns how many seconds to wait before the next (0 = more is ready now). The
base class owns the loop and everything that is easy to get subtly wrong:

* **sleeping through the injected clock** (``Clock.sleep``), so tests and the demo run days
  of virtual time in milliseconds, and SimCord recognises the wait as a timer;
* **waking**: ``wake()`` cuts the current sleep short; a wake that arrives *while*
  ``run_once`` runs is remembered, so the next step starts at once instead of being lost;
* **failures**: an exception in ``run_once`` is logged and retried after ``error_pause``;
  one bad step never ends the worker, so the process keeps serving;
* **stopping**: ``stop()`` cancels between steps or inside one (each step's writes are a
  transaction, all or none) and then calls ``close()`` for the worker's own resources.

``Services.start_workers`` / ``stop_workers`` start and stop them all from one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod

from bot.clock import Clock

log = logging.getLogger(__name__)


class Worker(ABC):
    """A background job driven by ``run_once``; see the module docstring."""

    #: Shown in logs and task names ("outbox", "feeds", "deadline-reminders", ...).
    name: str = "worker"

    def __init__(
        self,
        clock: Clock,
        *,
        start_delay: float = 0.0,
        error_pause: float = 60.0,
    ) -> None:
        self.clock = clock
        self.start_delay = start_delay
        self.error_pause = error_pause
        self._task: asyncio.Task[None] | None = None
        self._sleeper: asyncio.Future[None] | None = None
        self._woken = False

    @abstractmethod
    async def run_once(self) -> float:
        """Do one bounded step; return the seconds until the next one (0: at once)."""

    async def close(self) -> None:  # noqa: B027 (an optional hook, empty by default)
        """Release what the worker holds (an HTTP session, a file); called by ``stop``."""

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Begin working in a task of its own; return at once. Starting twice is harmless."""
        if self.running:
            return
        self._task = asyncio.create_task(self._run(), name=f"{self.name}-worker")

    async def stop(self) -> None:
        """Cancel the loop, wait until it has ended, then ``close()``."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.close()

    def wake(self) -> None:
        """Run the next step now: new work arrived (a message queued, a feed added, ...)."""
        self._woken = True
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    async def _run(self) -> None:
        if self.start_delay > 0:
            await self._sleep(self.start_delay)
        while True:
            # Cleared before the step, not when the sleep starts: a wake() during the step
            # then skips the sleep that follows.
            self._woken = False
            try:
                delay = await self.run_once()
            except Exception:
                log.exception(
                    "%s: a step failed; trying again in %.0f s", self.name, self.error_pause
                )
                delay = self.error_pause
            if self._woken:
                delay = 0.0
            await self._sleep(delay)

    async def _sleep(self, seconds: float) -> None:
        # The clock's sleep in a task of its own, which wake() cancels. Even a zero sleep
        # goes through it, so a worker with more work always yields to the rest of the bot.
        sleeper = asyncio.ensure_future(self.clock.sleep(max(0.0, seconds)))
        self._sleeper = sleeper
        try:
            await asyncio.wait({sleeper})
        finally:
            self._sleeper = None
            sleeper.cancel()
