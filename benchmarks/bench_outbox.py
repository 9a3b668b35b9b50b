"""Outbox drain through SimCord: 1 000 announcements, injected 429s and 5xx, none lost or doubled.

A minimal discord.py client runs the real outbox worker and ``DiscordSender`` against
SimCord. Announcements are enqueued in hourly batches into five announcement channels,
each batch with fresh faults (502 and 503 on posts, 429 and 500 on crossposts); virtual
time runs until every message is posted and published within the hourly budget.
Duplicates and lost messages are counted from what the channels show (the marker of
each key), not from the outbox's own bookkeeping.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import discord
import simcord

from bot.discord.sender import DiscordClock, DiscordSender
from bot.outbox import Outbox, OutboxWorker, OutgoingMessage, State, marker_for
from bot.storage import Database

CHANNELS = 5
BATCHES = 20


class _OutboxClient(discord.Client):
    """Just enough bot to own the worker task, as the real bot's ``setup_hook`` does."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__(intents=discord.Intents.none())
        self.outbox = outbox
        self.worker: OutboxWorker | None = None

    async def setup_hook(self) -> None:
        clock = DiscordClock()
        # A long idle nap: every idle wake-up costs a SimCord settle in real time.
        self.worker = OutboxWorker(
            self.outbox, DiscordSender(self), clock, batch_size=100, idle_seconds=3600
        )
        await self.worker.start()


def _announcement(number: int, channel_id: int) -> OutgoingMessage:
    embed = discord.Embed(title=f"Reminder {number}", description="A deadline is coming.")
    embed.set_footer(text="Deadline reminder")
    return OutgoingMessage(f"bench:{number}", channel_id, embeds=(embed.to_dict(),))


def _inject_faults(env: simcord.Env) -> int:
    faults = [
        ("POST", "/channels/*/messages", 502, 2),
        ("POST", "/channels/*/messages", 503, 1),
        ("POST", "/channels/*/messages/*/crosspost", 429, 2),
        ("POST", "/channels/*/messages/*/crosspost", 500, 1),
    ]
    for method, path, status, times in faults:
        env.inject_error(method, path, status=status, times=times)
    return sum(times for *_, times in faults)


async def _drain(total: int, batches: int, folder: Path) -> dict[str, Any]:
    db = await Database.open(folder / "bench.sqlite3")
    outbox = Outbox(db, DiscordClock())
    await outbox.setup()
    client = _OutboxClient(outbox)
    started = time.perf_counter()
    hours = 0
    injected = 0
    try:
        async with simcord.run(client, settle_timeout=60.0) as env:
            guild = env.create_guild("Bench")
            channels = [guild.create_news_channel(f"announcements-{n}") for n in range(CHANNELS)]
            per_batch = max(1, total // batches)
            for start in range(0, total, per_batch):
                injected += _inject_faults(env)
                await outbox.enqueue_many(
                    _announcement(n, channels[n % CHANNELS].id)
                    for n in range(start, min(total, start + per_batch))
                )
                await env.advance_time(3600)
                hours += 1
            for _ in range(10 * total):  # bounded: the budget needs total/(10*CHANNELS) hours
                counts = await outbox.counts()
                if counts[State.DONE] + counts[State.FAILED] == total:
                    break
                await env.advance_time(3600)
                hours += 1
            elapsed = time.perf_counter() - started
            messages = [m for channel in channels for m in channel.history()]
            post_requests = sum(
                1 for r in env.http_requests if r.method == "POST" and r.path.endswith("/messages")
            )
            env.backend.faults.clear()
    finally:
        await client.close()
        await db.close()

    markers = Counter(
        embed.footer.text.rsplit(" · ", 1)[-1]
        for message in messages
        for embed in message.embeds[-1:]
        if embed.footer.text
    )
    expected = {marker_for(f"bench:{n}") for n in range(total)}
    published = sum(1 for m in messages if m.flags.crossposted or m.flags.is_crossposted)
    counts = await _final_counts(folder / "bench.sqlite3")
    return {
        "announcements": total,
        "seconds": round(elapsed, 2),
        "posts_per_s": round(len(messages) / elapsed, 1) if elapsed else 0.0,
        "post_requests": post_requests,
        "faults_injected": injected,
        "visible": len(messages),
        "published": published,
        "duplicates": sum(n - 1 for n in markers.values() if n > 1),
        "lost": len(expected - set(markers)),
        "failed": counts[State.FAILED],
        "virtual_hours": hours,
    }


async def _final_counts(path: Path) -> dict[State, int]:
    async with await Database.open(path) as db:
        return await Outbox(db, DiscordClock()).counts()


def run(quick: bool) -> list[dict[str, Any]]:
    total, batches = (100, 4) if quick else (1000, BATCHES)
    logging.getLogger("bot.outbox").setLevel(logging.ERROR)  # the retries are the point
    logging.getLogger("discord").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        row = asyncio.run(_drain(total, batches, Path(folder)))
    if row["duplicates"] or row["lost"]:
        # Not a slow run but a broken promise: make `make bench` fail loudly.
        raise AssertionError(f"outbox drain broke exactly-once: {row}")
    return [row]


if __name__ == "__main__":
    print(run(quick=True))
