"""Coalesce bursts: many ``touch(key)`` calls within ``delay`` seconds → one ``action(key)``.

Votes arrive in bursts; editing the suggestion's message once per vote would hit Discord's
rate limits and show counts flickering. The action reads the current state when it runs,
so the last edit always shows the final counts (trailing edge), and at most one action per
key runs at a time. ``spacing`` also keeps actions of *all* keys at least that many seconds
apart: Discord limits message edits per channel, and during a long burst on many
suggestions every key would otherwise get its own edit each ``delay``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)


class Debouncer(Generic[K]):
    def __init__(
        self, action: Callable[[K], Awaitable[None]], delay: float, *, spacing: float = 0.0
    ) -> None:
        self._action = action
        self.delay = delay
        self.spacing = spacing
        self._next_slot = 0.0
        self._tasks: dict[K, asyncio.Task[None]] = {}
        self._dirty: set[K] = set()
        self._running: K | None = None  # the key whose action runs now (one at a time)
        self._idle = asyncio.Event()
        self._idle.set()
        self.runs = 0  # how many times ``action`` ran: the edits a burst caused

    def touch(self, key: K) -> None:
        """Ask for ``action(key)`` soon; free to call as often as wanted."""
        self._dirty.add(key)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._run(key), name=f"debounce:{key!r}")

    async def _run(self, key: K) -> None:
        try:
            while key in self._dirty:
                await asyncio.sleep(self.delay)
                # Reserve the next free slot without awaiting in between, so concurrent keys
                # line up behind each other (only sleeps: no lock for a test harness or a
                # shutdown to wait on).
                loop = asyncio.get_running_loop()
                slot = max(loop.time(), self._next_slot)
                self._next_slot = slot + self.spacing
                if slot > loop.time():
                    await asyncio.sleep(slot - loop.time())
                # An action slower than the spacing (a rate-limited edit, a loaded machine)
                # is still running: wait for it, so actions never overlap. Checking and
                # claiming happen with no await between them, so one waiter wins.
                while self._running is not None:
                    await self._idle.wait()
                self._running = key
                self._idle.clear()
                # Touches that came while waiting for the slot are covered by this run.
                self._dirty.discard(key)
                self.runs += 1
                try:
                    await self._action(key)
                except Exception:
                    log.exception("debounced action for %r failed", key)
                finally:
                    self._running = None
                    self._idle.set()
                    self._next_slot = max(self._next_slot, loop.time() + self.spacing)
        finally:
            self._tasks.pop(key, None)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def flush(self) -> None:
        """Wait until every requested action has run (used on shutdown and by tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        """Run what is pending without waiting for the delay, then stop."""
        self.delay = 0
        self.spacing = 0
        self._next_slot = 0.0
        await self.flush()
