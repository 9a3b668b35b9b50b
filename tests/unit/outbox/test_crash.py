"""SIGKILL the outbox at random points, hundreds of times: every message exactly once.

SimCord ignores nonces, so exactly-once is proven here against a recording Discord
(``crash_child.py``) that appends each visible effect to a file with fsync. Each
scenario (30 messages, 3 channels, two of them announcement channels) is restarted until it
completes, killed after a random delay each time. The record must then show every
message posted exactly once (distinct message ids), every one in an announcement channel
crossposted exactly once, none lost, and posting order per channel kept. The test also
checks that the kills landed in the dangerous places: after a post but before its state
was stored, and between a post and its publication.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.outbox import marker_for
from bot.outbox.message import payload_has_marker
from tests.shared_data import REPO_ROOT
from tests.unit.outbox.crash_child import (
    ANNOUNCEMENT_CHANNELS,
    CHANNELS,
    MESSAGES,
    read_record,
    scenario,
)

pytestmark = pytest.mark.slow

TARGET_KILLS = 220
WORKERS = 2
# Bounded by count: each worker runs at most this many scenarios (each at most 1000
# restarts, each step waiting at most 30 s for the child). The kills target is reached in
# a handful of scenarios, so the cap only stops a run that never gets there.
MAX_SCENARIOS_PER_WORKER = 100
# A hang guard only, not a speed check: about 80 times the usual ~15 s.
HANG_GUARD_SECONDS = 1200.0
MAX_KILL_DELAY = 0.08


class ForkServer:
    """``crash_child`` running as a fork server; lines from it arrive on a queue."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.unit.outbox.crash_child"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.pending: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def start_run(self, db: Path, record: Path, seed: int) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(f"run {db} {record} {seed}\n")
        self.process.stdin.flush()
        return int(self.expect("PID ").split()[1])

    def expect(self, prefix: str, timeout: float = 30.0) -> str:
        for index, line in enumerate(self.pending):
            if line.startswith(prefix):
                return self.pending.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line.startswith("ERROR"):
                raise AssertionError(f"the outbox process failed: {line}")
            if line.startswith(prefix):
                return line
            self.pending.append(line)

    def saw(self, line: str) -> bool:
        if line in self.pending:
            self.pending.remove(line)
            return True
        return False

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kills = 0
        self.scenarios = 0
        self.windows: Counter[str] = Counter()


def test_sigkill_at_random_points_posts_and_publishes_everything_exactly_once(
    tmp_path: Path,
) -> None:
    tally = Tally()
    started = time.monotonic()
    failures: list[BaseException] = []
    seeds = random.Random(20261125)

    def worker(number: int, rng: random.Random) -> None:
        server = ForkServer()
        try:
            scenario_number = 0
            while tally.kills < TARGET_KILLS and scenario_number < MAX_SCENARIOS_PER_WORKER:
                if time.monotonic() - started > HANG_GUARD_SECONDS:
                    break  # the kill count below says what was reached
                folder = tmp_path / f"w{number}-s{scenario_number}"
                folder.mkdir()
                run_scenario(server, folder, rng, tally)
                scenario_number += 1
        except BaseException as exc:
            failures.append(exc)
        finally:
            server.close()

    threads = [
        threading.Thread(target=worker, args=(n, random.Random(seeds.random())))
        for n in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]

    print(
        f"{tally.kills} kills over {tally.scenarios} scenarios; windows hit: {dict(tally.windows)}"
    )
    assert tally.kills >= 200, f"{tally.kills} kills in {tally.scenarios} scenarios"
    assert tally.scenarios >= WORKERS
    # The kills hit the windows that matter (each is a few ms wide per message).
    assert tally.windows["posted, state not yet stored"] >= 1, tally.windows
    assert tally.windows["posted, not yet published"] >= 1, tally.windows


def run_scenario(server: ForkServer, folder: Path, rng: random.Random, tally: Tally) -> None:
    db, record = folder / "outbox.sqlite3", folder / "record.jsonl"
    for _ in range(1000):
        pid = server.start_run(db, record, rng.randrange(2**32))
        server.expect(f"READY {pid}")
        kill = tally.kills < TARGET_KILLS
        if kill:
            time.sleep(rng.uniform(0, MAX_KILL_DELAY))
            os.kill(pid, signal.SIGKILL)
        status = int(server.expect(f"EXIT {pid} ").split()[2])
        finished = server.saw(f"DONE {pid}")
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL and not finished:
            windows = killed_in(db, record)
            with tally.lock:
                tally.kills += 1
                tally.windows.update(windows)
            continue
        assert finished, f"run {pid} ended with status {status} without finishing"
        break
    else:
        raise AssertionError("a scenario did not finish in 1000 runs")
    check_exactly_once(db, record)
    with tally.lock:
        tally.scenarios += 1


def killed_in(db: Path, record: Path) -> list[str]:
    """Which dangerous windows the last kill left messages in."""
    lines = read_record(record)
    rows = _rows(db)
    found: list[str] = []
    for row in rows:
        marker = marker_for(row["key"])
        posted = [
            x for x in lines if x["op"] == "post" and payload_has_marker(x["payload"], marker)
        ]
        if posted and row["state"] in ("pending", "posting"):
            found.append("posted, state not yet stored")
        if row["state"] == "posted":
            published = any(x["op"] == "crosspost" and x["id"] == row["message_id"] for x in lines)
            found.append(
                "published, state not yet stored" if published else "posted, not yet published"
            )
    return found


def check_exactly_once(db: Path, record: Path) -> None:
    lines = read_record(record)
    posts = [x for x in lines if x["op"] == "post"]
    crossposts = [x for x in lines if x["op"] == "crosspost" and not x["again"]]
    assert len(posts) == MESSAGES, f"{len(posts)} visible messages for {MESSAGES} intents"
    rows = {row["key"]: row for row in _rows(db)}
    last_id: dict[int, int] = dict.fromkeys(CHANNELS, 0)
    for message in scenario():
        marker = marker_for(message.key)
        visible = {x["id"] for x in posts if payload_has_marker(x["payload"], marker)}
        assert len(visible) == 1, f"{message.key} is visible {len(visible)} times"
        [message_id] = visible
        row = rows[message.key]
        assert (row["state"], row["message_id"]) == ("done", message_id)
        published = [x for x in crossposts if x["id"] == message_id]
        assert len(published) == (1 if message.channel_id in ANNOUNCEMENT_CHANNELS else 0), (
            message.key
        )
        assert message_id > last_id[message.channel_id], f"{message.key} posted out of order"
        last_id[message.channel_id] = message_id


def _rows(db: Path) -> list[dict[str, Any]]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [
            dict(row)
            for row in connection.execute(
                "SELECT key, state, message_id, publish FROM outbox_items ORDER BY id"
            )
        ]
    except sqlite3.OperationalError:  # killed before the tables existed
        return []
    finally:
        connection.close()
