"""A hung test fails within its timeout, saying where it waits (issue 10: the suite never hangs).

An inner pytest (pytester, in a subprocess: it may end by ``os._exit``) runs three tests
with a one-second timeout: one waits for an answer from a thread that never gives it (the
shape of a hung aiosqlite call), one is fine, and one also hangs in its teardown.
"""

from __future__ import annotations

import pytest

from tests.shared_data import REPO_ROOT

HANGING_TESTS = """
import asyncio
import threading

import pytest

never = threading.Event()


def blocked_worker_thread() -> None:
    never.wait()


async def wait_for_an_answer(answer: asyncio.Future[None]) -> None:
    await answer


async def test_waits_for_a_thread_that_never_answers() -> None:
    answer = asyncio.get_running_loop().create_future()
    threading.Thread(target=blocked_worker_thread, name="blocked-worker", daemon=True).start()
    await wait_for_an_answer(answer)


def test_the_run_goes_on_after_a_timeout() -> None:
    pass


def teardown_that_never_ends() -> None:
    never.wait()


@pytest.fixture
def stuck_teardown():
    yield
    teardown_that_never_ends()


async def test_hangs_and_so_does_its_teardown(stuck_teardown: None) -> None:
    await asyncio.Event().wait()
"""


@pytest.mark.slow
def test_a_hung_test_fails_with_the_stacks_of_its_threads_and_tasks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))  # the inner run loads tests.timeout_report
    pytester.makeini(
        """
        [pytest]
        asyncio_mode = auto
        asyncio_default_fixture_loop_scope = function
        timeout = 1
        timeout_method = signal
        timeout_teardown_grace = 1
        """
    )
    pytester.makepyfile(test_hangs=HANGING_TESTS)

    # The bound is a safety stop for this test itself; the inner run needs a few seconds.
    plugins = ["tests.timeout_report", "no:cacheprovider", "no:simcord", "no:hypothesispytest"]
    result = pytester.runpytest_subprocess(
        "-v", *(arg for name in plugins for arg in ("-p", name)), timeout=120
    )
    out = result.stdout.str() + result.stderr.str()

    first, rest = out.split("test_hangs.py::test_the_run_goes_on_after_a_timeout PASSED", 1)
    # The first hang fails once the timeout fires, printing (before its FAILED) the
    # coroutine that waits, the future it waits for and the thread that should answer.
    dump = first.split("Timeout: asyncio tasks of test_hangs.py::test_waits_for_a_thread")[1]
    assert dump.rstrip().splitlines()[-1].startswith("FAILED")
    assert "in wait_for_an_answer" in dump
    assert "waiting for <Future pending" in dump
    assert "Stack of blocked-worker" in dump
    assert "in blocked_worker_thread" in dump
    # The third hangs again in its teardown: the run ends with every thread's stack.
    assert "in teardown_that_never_ends" in rest
    assert result.ret != 0
