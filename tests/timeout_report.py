"""What a timed-out test prints: the stacks of its threads *and* of its asyncio tasks.

pytest-timeout (``timeout`` in pyproject.toml) fails a test that runs too long and, with
the ``signal`` method, prints the stack of every thread. For an asyncio test that is not
enough: a hung test's main thread sits in the event loop's ``select()``, and the code that
waits forever is a suspended coroutine that no thread stack shows. So the plugin's SIGALRM
handler is wrapped to print first, for every running event loop, each pending task with
its chain of awaits down to the future it waits for.

The ``signal`` method fails only the hung test and lets the run go on (the ``thread``
method ends the whole run with ``os._exit``), but it fires once: the failed test's
teardown could hang too (stopping a worker that ignores cancellation, say). So when it
fires, faulthandler is armed as a last resort: if the test has not finished
``timeout_teardown_grace`` seconds later, it prints every thread's stack and ends the run.

pytest-timeout falls back to its ``thread`` method off the main thread; that path keeps
its own thread dump and is left alone here.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import gc
import os
import signal
import sys
import traceback
from collections.abc import Callable, Generator, Iterator
from types import FrameType
from typing import Any

import pytest

#: Seconds the teardown of a timed-out test may take before the run is ended (default of
#: the ``timeout_teardown_grace`` ini option).
TEARDOWN_GRACE = 30.0

_REAL_STDERR = pytest.StashKey[int]()
_TIMED_OUT = pytest.StashKey[bool]()


def running_loops() -> list[asyncio.AbstractEventLoop]:
    """Every event loop running in this process, in any thread."""
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, asyncio.AbstractEventLoop) and obj.is_running()
    ]


def _await_chain(awaitable: Any) -> Iterator[Any]:
    """``awaitable`` and what it awaits, and what that awaits, down to a future."""
    while awaitable is not None:
        yield awaitable
        for attribute in ("cr_await", "gi_yieldfrom", "ag_await"):
            if hasattr(awaitable, attribute):
                awaitable = getattr(awaitable, attribute)
                break
        else:
            return


def _frame_of(awaitable: Any) -> FrameType | None:
    for attribute in ("cr_frame", "gi_frame", "ag_frame"):
        frame = getattr(awaitable, attribute, None)
        if frame is not None:
            return frame  # type: ignore[no-any-return]
    return None


def format_task(task: asyncio.Task[Any]) -> str:
    """Where ``task`` is suspended: one line per ``await``, innermost last."""
    frames = [frame for frame in map(_frame_of, _await_chain(task.get_coro())) if frame]
    lines = traceback.StackSummary.extract((f, f.f_lineno) for f in frames).format()
    # The chain ends in an opaque future iterator; the task itself knows the future.
    waiting_for = getattr(task, "_fut_waiter", None)
    if waiting_for is not None:
        lines.append(f"  waiting for {waiting_for!r}\n")
    return "".join(lines)


def describe_tasks() -> str:
    """The pending tasks of every running event loop, each with its await stack."""
    loops = running_loops()
    if not loops:
        return "no asyncio event loop is running\n"
    parts: list[str] = []
    for loop in loops:
        tasks = sorted(asyncio.all_tasks(loop), key=lambda task: task.get_name())
        parts.append(f"{len(tasks)} pending task(s) in {loop!r}\n")
        for task in tasks:
            parts.append(f"--- task {task.get_name()!r}: {task.get_coro()!r}\n")
            parts.append(format_task(task))
    return "".join(parts)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "timeout_teardown_grace",
        "seconds a timed-out test's teardown may take before the run ends with all stacks",
        type="string",
        default=str(TEARDOWN_GRACE),
    )


def pytest_configure(config: pytest.Config) -> None:
    # The real stderr, kept while output is not captured: inside a test, fd 2 is
    # pytest's capture file, which a process ending with os._exit never shows.
    with contextlib.suppress(AttributeError, OSError, ValueError):  # no real stderr
        config.stash[_REAL_STDERR] = os.dup(sys.stderr.fileno())


def pytest_unconfigure(config: pytest.Config) -> None:
    fd = config.stash.get(_REAL_STDERR, None)
    if fd is not None:
        os.close(fd)
        del config.stash[_REAL_STDERR]


@pytest.hookimpl(wrapper=True, optionalhook=True)  # run without pytest-timeout too
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Generator[None, Any, Any]:
    result = yield
    handler = signal.getsignal(signal.SIGALRM)
    if callable(handler):  # the signal method armed its handler; the thread method did not
        signal.signal(signal.SIGALRM, _reporting(item, handler))
    return result


@pytest.hookimpl(wrapper=True, optionalhook=True)  # run without pytest-timeout too
def pytest_timeout_cancel_timer(item: pytest.Item) -> Generator[None, Any, Any]:
    faulthandler.cancel_dump_traceback_later()
    return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    # Again: pytest's faulthandler plugin cancels the dump when the failure is reported.
    if item.stash.get(_TIMED_OUT, False):
        _arm_last_resort(item)


def _arm_last_resort(item: pytest.Item) -> None:
    real_stderr = item.config.stash.get(_REAL_STDERR, None)
    if real_stderr is not None:
        grace = float(item.config.getini("timeout_teardown_grace"))
        faulthandler.dump_traceback_later(grace, exit=True, file=real_stderr)


def _reporting(item: pytest.Item, handler: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
    def on_timeout(signum: int, frame: Any) -> Any:
        __tracebackhide__ = True
        item.stash[_TIMED_OUT] = True
        _arm_last_resort(item)  # in case this is the teardown, and it hangs further
        # Straight to the terminal, not into the test's captured output: shown the moment
        # the timeout fires, and not lost if the run then has to end.
        capture = item.config.pluginmanager.getplugin("capturemanager")
        uncaptured = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with uncaptured:
            terminal = item.config.get_terminal_writer()
            terminal.line()
            terminal.sep("+", title=f"Timeout: asyncio tasks of {item.nodeid}")
            terminal.write(describe_tasks())
            return handler(signum, frame)  # pytest-timeout: thread stacks, then fails the test

    return on_timeout
