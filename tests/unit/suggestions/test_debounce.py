"""Bursts of vote updates become few message edits, and the last one shows the final state."""

from __future__ import annotations

import asyncio

from bot.suggestions.debounce import Debouncer


async def test_a_burst_becomes_one_action_per_key() -> None:
    seen: list[int] = []

    async def action(key: int) -> None:
        seen.append(key)

    debouncer: Debouncer[int] = Debouncer(action, delay=0.01)
    for _ in range(100):
        debouncer.touch(1)
        debouncer.touch(2)
    await debouncer.flush()
    assert sorted(seen) == [1, 2]
    assert debouncer.runs == 2


async def test_touches_during_an_action_cause_one_more_run_with_the_latest_state() -> None:
    state = {"count": 0}
    shown: list[int] = []
    started = asyncio.Event()
    release = asyncio.Event()

    async def action(key: str) -> None:
        snapshot = state["count"]  # an edit renders what the database holds when it starts
        started.set()
        await release.wait()
        shown.append(snapshot)

    debouncer: Debouncer[str] = Debouncer(action, delay=0)
    state["count"] = 1
    debouncer.touch("s")
    await started.wait()
    for _ in range(10):  # votes arriving while the edit is in flight
        state["count"] += 1
        debouncer.touch("s")
    release.set()
    await debouncer.flush()
    assert shown == [1, 11]


async def test_a_failing_action_is_logged_and_later_touches_still_run() -> None:
    calls: list[int] = []

    async def action(key: int) -> None:
        calls.append(key)
        if len(calls) == 1:
            raise RuntimeError("message deleted")

    debouncer: Debouncer[int] = Debouncer(action, delay=0)
    debouncer.touch(7)
    await debouncer.flush()
    debouncer.touch(7)
    await debouncer.close()
    assert calls == [7, 7]
    assert debouncer.pending == 0


async def test_spacing_serialises_actions_of_all_keys_and_coalesces_while_waiting() -> None:
    running: list[int] = []
    overlapped = False
    seen: list[int] = []

    async def action(key: int) -> None:
        nonlocal overlapped
        overlapped = overlapped or bool(running)
        running.append(key)
        await asyncio.sleep(0)
        seen.append(key)
        running.remove(key)

    debouncer: Debouncer[int] = Debouncer(action, delay=0, spacing=0.01)
    for key in range(5):
        debouncer.touch(key)
    await asyncio.sleep(0)  # every key is now waiting for its slot…
    for key in range(5):
        debouncer.touch(key)  # …so these touches are covered by the coming runs
    await debouncer.flush()
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert debouncer.runs == 5
    assert not overlapped


async def test_an_action_slower_than_the_spacing_is_never_overlapped() -> None:
    # A rate-limited edit (or a loaded machine) takes longer than the spacing: the next
    # key's action must wait for it rather than start on its reserved slot.
    running: list[int] = []
    overlapped = False
    seen: list[int] = []

    async def slow_action(key: int) -> None:
        nonlocal overlapped
        overlapped = overlapped or bool(running)
        running.append(key)
        await asyncio.sleep(0.05)  # five times the spacing
        seen.append(key)
        running.remove(key)

    debouncer: Debouncer[int] = Debouncer(slow_action, delay=0, spacing=0.01)
    for key in range(3):
        debouncer.touch(key)
    await debouncer.flush()
    assert sorted(seen) == [0, 1, 2]
    assert not overlapped
