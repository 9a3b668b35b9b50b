"""Whether a failed open left an aiosqlite connection behind.

aiosqlite runs each connection on a worker thread that is not a daemon: one left open keeps
the process from exiting. A closed connection's thread ends a moment after ``close``.
"""

from __future__ import annotations

import threading

_WORKER = "_connection_worker_thread"  # aiosqlite names its threads after this function


def connection_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if _WORKER in t.name}


def connection_threads_left(before: set[threading.Thread], wait: float = 5.0) -> list[str]:
    """Connection threads started since ``before`` that are still running after ``wait`` s."""
    new = connection_threads() - before
    for thread in new:
        thread.join(timeout=wait)
    return [thread.name for thread in new if thread.is_alive()]
