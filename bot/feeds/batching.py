"""Group commits: work that arrives while a batch is being stored is stored together next.

A thousand feeds polled together would otherwise make a thousand transactions, each a few
round trips to the database thread, one after another. A :class:`Batcher` runs one batch at
a time; whoever submits while it runs waits, and the first of them to get the turn runs
everything that queued up meanwhile. Each submitter still gets its own result, or its own
exception: when a batch fails, its items are run again one by one so that one bad item
does not fail the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False, slots=True)
class _Ticket(Generic[T, R]):
    item: T
    result: R | None = None
    error: Exception | None = None
    done: bool = False


class Batcher(Generic[T, R]):
    """Runs ``run`` (results in the order of its items) on batches of submitted items."""

    def __init__(self, run: Callable[[Sequence[T]], Awaitable[Sequence[R]]]) -> None:
        self._run = run
        self._turn = asyncio.Lock()
        self._waiting: list[_Ticket[T, R]] = []

    async def submit(self, item: T) -> R:
        """``item``'s result once its batch is stored; raises what storing it alone raised."""
        ticket: _Ticket[T, R] = _Ticket(item)
        self._waiting.append(ticket)
        try:
            async with self._turn:
                if not ticket.done:
                    batch, self._waiting = self._waiting, []
                    try:
                        await self._settle(batch)
                    finally:
                        # Cancelled halfway (the run rolled back): the others queue again.
                        others = [t for t in batch if not t.done and t is not ticket]
                        self._waiting[:0] = others
        except asyncio.CancelledError:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            raise
        if ticket.error is not None:
            raise ticket.error
        return ticket.result  # type: ignore[return-value]  # done without error: set

    async def _settle(self, batch: list[_Ticket[T, R]]) -> None:
        try:
            results = await self._run([ticket.item for ticket in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].error, batch[0].done = error, True
                return
            for ticket in batch:
                await self._settle([ticket])
            return
        for ticket, result in zip(batch, results, strict=True):
            ticket.result, ticket.done = result, True
