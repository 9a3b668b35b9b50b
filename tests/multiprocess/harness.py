"""Starting, SIGKILLing and stopping worker processes (``tests.multiprocess.worker``).

Processes come from a fork server (``multiprocessing``'s ``forkserver`` context) that has
imported discord.py, asyncpg and the bot once: a restart then takes milliseconds, so a test
can kill and restart a hundred times in about a minute on two cores. Each worker is a real
process with its own pid, connections and event loop; SIGKILL gives it no chance to clean
up, which is the point.

A worker reports on a pipe of its own (``("ready",)`` once it delivers and votes; then
``("votes", cast, started, ended)``, or ``("error", what)``); the parent may say
``("go",)`` on it. A pipe whose writer is killed mid-message is simply dropped
with its process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from tests.multiprocess import worker
from tests.multiprocess.worker import WorkerSettings

# Modules the fork server imports once, for every process it forks. "__main__" too (pytest's
# script, under the tests): otherwise every child would import it again, pytest and all.
PRELOAD = ["__main__", "tests.multiprocess.worker"]
# How often the parent looks at a pipe or an exit status while it waits (seconds).
_POLL = 0.01


class WorkerFailed(AssertionError):
    """A worker died or did not come up; the message says which and how."""


@dataclass
class _Running:
    process: BaseProcess
    signals: Connection
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    ready: bool = False


class WorkerPool:
    """``count`` worker slots; each slot runs one process at a time, restartable."""

    def __init__(self, settings: list[WorkerSettings]) -> None:
        self._settings = settings
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._running: dict[int, _Running] = {}
        self.starts = 0
        self.kills = 0
        self.kills_while_working = 0  # the others hit a process still starting
        self.finished: list[tuple[Any, ...]] = []  # messages of processes that ended

    def warm_up(self) -> None:
        """Start the fork server now (it imports everything once, about a second), so that
        the first worker starts as fast as the others."""
        probe = self._context.Process(target=int, name="warm-up", daemon=True)
        probe.start()
        probe.join(60)

    def __len__(self) -> int:
        return len(self._settings)

    def start(self, index: int) -> None:
        assert index not in self._running, f"worker {index} is already running"
        # Duplex: the parent may answer (``go``).
        reader, writer = self._context.Pipe()
        process = self._context.Process(
            target=worker.run,
            args=(self._settings[index], index, writer),
            name=f"worker-{index}",
            daemon=True,  # never outlives the test process
        )
        process.start()
        writer.close()  # the child has its own copy
        self._running[index] = _Running(process, reader)
        self.starts += 1

    def start_all(self) -> None:
        for index in range(len(self)):
            self.start(index)

    async def wait_ready(self, index: int, timeout: float) -> None:
        """Until the worker in slot ``index`` delivers and votes; WorkerFailed if it dies."""
        running = self._running[index]
        for _ in range(int(timeout / _POLL)):
            self._drain(running)
            if running.ready:
                return
            if not running.process.is_alive():
                raise WorkerFailed(
                    f"worker {index} exited with {running.process.exitcode} before it was ready"
                )
            await asyncio.sleep(_POLL)
        raise WorkerFailed(f"worker {index} was not ready within {timeout:g} s")

    def ready_ones(self) -> list[int]:
        """The slots whose worker is ready (working), now."""
        ready = []
        for index, running in sorted(self._running.items()):
            self._drain(running)
            if running.ready and running.process.is_alive():
                ready.append(index)
        return ready

    async def kill(self, index: int, timeout: float = 10.0) -> None:
        """SIGKILL the worker in slot ``index`` and wait until it is gone."""
        running = self._running.pop(index)
        self._drain(running)
        if running.ready:
            self.kills_while_working += 1
        if not running.process.is_alive():
            raise WorkerFailed(f"worker {index} had died on its own ({running.process.exitcode})")
        running.process.kill()
        await self._reap(index, running, timeout)
        if running.process.exitcode != -signal.SIGKILL:
            raise WorkerFailed(f"worker {index} ended with {running.process.exitcode}, not SIGKILL")
        self.kills += 1

    async def stop_all(self, timeout: float = 30.0) -> dict[int, int | None]:
        """SIGTERM every worker, wait for them; their exit codes (0 = stopped gracefully)."""
        for running in self._running.values():
            running.process.terminate()
        codes: dict[int, int | None] = {}
        for index, running in list(self._running.items()):
            await self._reap(index, running, timeout)
            codes[index] = running.process.exitcode
            del self._running[index]
        return codes

    def go(self) -> None:
        """Tell every worker started with ``votes_on_go`` to begin voting."""
        for running in self._running.values():
            running.signals.send(("go",))

    def alive(self) -> list[int]:
        return [i for i, r in self._running.items() if r.process.is_alive()]

    def messages(self, index: int) -> list[tuple[Any, ...]]:
        running = self._running[index]
        self._drain(running)
        return list(running.messages)

    def close(self) -> None:
        """Last resort after a failure: SIGKILL whatever still runs."""
        for running in self._running.values():
            if running.process.is_alive():
                running.process.kill()
            running.process.join(5)
            running.signals.close()
        self._running.clear()

    async def _reap(self, index: int, running: _Running, timeout: float) -> None:
        for _ in range(int(timeout / _POLL)):
            if not running.process.is_alive():
                break
            await asyncio.sleep(_POLL)
        else:
            running.process.kill()
            raise WorkerFailed(f"worker {index} did not end within {timeout:g} s")
        running.process.join(1)
        self._drain(running)
        self.finished.extend(running.messages)
        running.signals.close()

    @staticmethod
    def _drain(running: _Running) -> None:
        try:
            while running.signals.poll():
                message = running.signals.recv()
                running.messages.append(message)
                if message[0] == "ready":
                    running.ready = True
        except (EOFError, OSError):
            pass  # the writer is gone (killed, perhaps mid-message)
