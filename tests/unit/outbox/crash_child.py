"""The process the crash test kills: a fork server that runs the outbox against a recording Discord.

Started once per test worker (``python -m tests.unit.outbox.crash_child``), it imports
everything, then for each ``run DB RECORD SEED`` line on stdin forks a fresh child and
reports ``PID <pid>``, then ``EXIT <pid> <status>`` when that child ends (killed or not).
Forking keeps a restart at a few milliseconds, so hundreds of SIGKILLs fit in seconds.

The child opens the database, says ``READY``, enqueues the scenario's messages (again:
keys already stored are refused) and drains the outbox into :class:`RecordingDiscord`,
then says ``DONE``. The recording Discord appends every effective post and crosspost to
an append-only file with fsync before answering, so whatever the kill interrupted, the
file shows what the world saw.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.outbox import Outbox, OutgoingMessage, RetryLater
from bot.outbox.message import Payload, payload_has_marker
from bot.storage import Database

MESSAGES = 30
CHANNELS = (101, 102, 103)
# Posts in these are published (the outbox's one rule); 102 is a plain channel.
ANNOUNCEMENT_CHANNELS = frozenset({101, 103})
# Discord drops a copy sent with a nonce it saw from us "in the past few minutes"; the
# simulation keeps the window short so that the marker lookup is what gets exercised.
NONCE_WINDOW_SECONDS = 0.02
# A killed run leaves its item under its lease; the next run (another holder) takes it over
# when the lease ends. Runs never overlap here (each starts after the last one's exit), so
# a lease shorter than a step only makes the takeover come at once, and the takeover is
# what is tested: it must find the marker of a post the killed run made.
LEASE = timedelta(milliseconds=20)


def scenario() -> list[OutgoingMessage]:
    """Messages of every kind: three channels, two of them announcement channels."""
    return [
        OutgoingMessage(
            key=f"crash:{number}",
            channel_id=CHANNELS[number % len(CHANNELS)],
            content=f"message {number}" if number % 3 else "",
            embeds=() if number % 3 else ({"title": f"message {number}"},),
        )
        for number in range(MESSAGES)
    ]


class RecordingDiscord:
    """A Discord whose every visible effect is appended (fsync) to ``record``."""

    def __init__(self, record: Path, rng: random.Random) -> None:
        self._record = record
        self._rng = rng
        self._lines = read_record(record)

    async def _latency(self) -> None:
        await asyncio.sleep(self._rng.uniform(0, 0.002))

    def _append(self, line: dict[str, Any]) -> None:
        line["t"] = time.time()
        fd = os.open(self._record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(line) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        self._lines.append(line)

    async def post(self, channel_id: int, payload: Payload, *, nonce: str) -> int:
        await self._latency()
        now = time.time()
        for line in self._lines:
            recent = now - line["t"] <= NONCE_WINDOW_SECONDS
            if line["op"] == "post" and line["nonce"] == nonce and recent:
                return int(line["id"])  # enforce_nonce: the copy is dropped
        message_id = 1 + max((int(x["id"]) for x in self._lines if x["op"] == "post"), default=0)
        self._append(
            {
                "op": "post",
                "id": message_id,
                "channel": channel_id,
                "nonce": nonce,
                "payload": payload,
            }
        )
        await asyncio.sleep(self._rng.uniform(0, 0.003))  # the reply is on its way back
        if self._rng.random() < 0.1:
            raise RetryLater(0.0, "502 Bad Gateway (after the message was created)")
        return message_id

    async def find_posted(self, channel_id: int, marker: str, *, limit: int) -> int | None:
        await self._latency()
        posts = [x for x in self._lines if x["op"] == "post" and x["channel"] == channel_id]
        for line in reversed(posts[-limit:]):
            if payload_has_marker(line["payload"], marker):
                return int(line["id"])
        return None

    async def announces(self, channel_id: int) -> bool:
        await self._latency()
        return channel_id in ANNOUNCEMENT_CHANNELS

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        await self._latency()
        again = any(x["op"] == "crosspost" and x["id"] == message_id for x in self._lines)
        # 40033 "already crossposted" is success for the caller; recorded for the count.
        self._append({"op": "crosspost", "id": message_id, "channel": channel_id, "again": again})
        await asyncio.sleep(self._rng.uniform(0, 0.003))
        if self._rng.random() < 0.1:
            raise RetryLater(0.0, "504 Gateway Timeout (after publishing)")


def read_record(record: Path) -> list[dict[str, Any]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines() if line.strip()]


async def run(db_path: Path, record: Path, seed: int) -> None:
    rng = random.Random(seed)
    clock = SystemClock()
    async with await Database.open(db_path) as db:
        outbox = Outbox(db, clock, publish_budget=1000, lease=LEASE)
        await outbox.setup()
        say(f"READY {os.getpid()}")
        for message in scenario():
            await outbox.enqueue(message)
        sender = RecordingDiscord(record, rng)
        for _ in range(10_000):
            result = await outbox.process_due(sender, limit=rng.randint(1, 10))
            if result.actions:
                continue
            if result.next_due is None:
                break
            await asyncio.sleep(max(0.0, (result.next_due - clock.now()).total_seconds()))
        say(f"DONE {os.getpid()}")
    # Linger, so that a kill aimed at this pid cannot hit a process reusing it.
    time.sleep(0.5)


def say(line: str) -> None:
    """One line in one write: the server and its child share the pipe."""
    os.write(sys.stdout.fileno(), (line + "\n").encode())


def serve() -> None:
    logging.basicConfig(level=logging.ERROR)  # retries are expected here; keep stderr quiet
    for command in sys.stdin:
        name, db_path, record, seed = command.split()
        assert name == "run"
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                asyncio.run(run(Path(db_path), Path(record), int(seed)))
            except BaseException as exc:
                say(f"ERROR {os.getpid()} {exc!r}")
                status = 1
            os._exit(status)
        say(f"PID {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"EXIT {pid} {status}")


if __name__ == "__main__":
    serve()
