"""Posting: once per key, in enqueue order per channel, through retries, crashes and failures."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.outbox import (
    Outbox,
    OutboxProblem,
    OutgoingMessage,
    PermanentFailure,
    RetryLater,
    State,
)
from bot.storage import Storage
from tests.unit.outbox.fakes import FakeDiscord, drain

NEWS, OTHER = 111, 222


def note(key: str, channel: int = NEWS, **extra: object) -> OutgoingMessage:
    return OutgoingMessage(key, channel, content=f"text of {key}", **extra)  # type: ignore[arg-type]


async def test_the_same_key_is_stored_and_posted_once(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    assert await outbox.enqueue(note("suggestion-approved:42")) is True
    assert await outbox.enqueue(note("suggestion-approved:42")) is False
    await drain(outbox, discord, clock)
    assert await outbox.enqueue(note("suggestion-approved:42")) is False
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of suggestion-approved:42"]


async def test_enqueue_many_counts_only_new_keys(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    assert await outbox.enqueue_many([note("a"), note("b")]) == 2
    assert await outbox.enqueue_many([note("b"), note("c")]) == 1
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of a", "text of b", "text of c"]


async def test_a_waiting_message_holds_back_its_channel_but_not_others(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    for key in ("first", "second", "third"):
        await outbox.enqueue(note(key))
    await outbox.enqueue(note("elsewhere", OTHER))
    discord.fail("post", RetryLater(30.0, "429 Too Many Requests"))

    await outbox.process_due(discord)
    assert discord.texts() == ["text of elsewhere"]
    first = await outbox.get("first")
    assert first is not None
    assert first.state is State.POSTING
    assert first.next_attempt_at == clock.now() + timedelta(seconds=30)

    clock.advance(29)
    assert (await outbox.process_due(discord)).actions == 0  # retry_after is honoured
    clock.advance(1)
    await drain(outbox, discord, clock)
    assert discord.texts(NEWS) == ["text of first", "text of second", "text of third"]


async def test_server_errors_back_off_and_the_copy_is_not_posted_twice(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    await outbox.enqueue(note("reminder"))
    discord.fail("post", RetryLater(None, "502 Bad Gateway"), RetryLater(None, "503"))
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of reminder"]
    item = await outbox.get("reminder")
    assert item is not None
    assert item.state is State.DONE
    assert item.attempts == 3
    # After a failed send the outbox looked in the channel before sending again.
    assert [op for op, _ in discord.calls] == ["post", "find", "post", "find", "post"]


async def test_every_attempt_carries_the_same_nonce(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    nonces: list[str] = []
    real_post = discord.post

    async def spy(channel_id: int, payload: object, *, nonce: str) -> int:
        nonces.append(nonce)
        return await real_post(channel_id, payload, nonce=nonce)  # type: ignore[arg-type]

    discord.post = spy  # type: ignore[method-assign]
    await outbox.enqueue(note("x"))
    discord.fail("post", RetryLater(1.0), RetryLater(1.0))
    await drain(outbox, discord, clock)
    assert len(nonces) == 3
    assert len(set(nonces)) == 1
    assert 1 <= len(nonces[0]) <= 25


async def test_a_send_that_reached_discord_before_a_crash_is_adopted(
    db: Storage, outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    discord.announcement_channels.add(NEWS)
    await outbox.enqueue(note("deadline:icassp-2027:paper:7d"))
    discord.post_then_crash = True
    with pytest.raises(KeyboardInterrupt):
        await outbox.process_due(discord)

    # A new process on the same file: it must find the message, not send it again.
    discord.post_then_crash = False
    restarted = Outbox(db, clock)
    await restarted.setup()
    await drain(restarted, discord, clock)
    assert discord.texts() == ["text of deadline:icassp-2027:paper:7d"]
    assert discord.crossposts == [discord.messages[0].id]
    item = await restarted.get("deadline:icassp-2027:paper:7d")
    assert item is not None
    assert item.state is State.DONE
    assert item.message_id == discord.messages[0].id


async def test_a_crash_between_post_and_publish_publishes_after_restart(
    db: Storage, outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    discord.announcement_channels.add(NEWS)
    await outbox.enqueue(note("feed:arxiv:1"))
    await outbox.process_due(discord)  # posts; the publication is the next pass
    assert discord.crossposts == []
    restarted = Outbox(db, clock)
    await restarted.setup()
    await drain(restarted, discord, clock)
    assert discord.crossposts == [discord.messages[0].id]
    assert len(discord.messages) == 1


async def test_not_before_delays_only_that_message(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    later = clock.now() + timedelta(hours=2)
    await outbox.enqueue(note("later", not_before=later))
    await outbox.enqueue(note("now"))
    await drain(outbox, discord, clock, until=later - timedelta(seconds=1))
    assert discord.texts() == ["text of now"]
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of now", "text of later"]
    assert clock.now() >= later


async def test_expired_messages_are_kept_but_never_sent(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock, problems: list[OutboxProblem]
) -> None:
    await outbox.enqueue(note("stale", expires_at=clock.now() + timedelta(minutes=5)))
    discord.broken[("post", NEWS)] = RetryLater(None, "502")
    await drain(outbox, discord, clock, until=clock.now() + timedelta(minutes=4))
    del discord.broken[("post", NEWS)]
    # It was attempted, so it may be in Discord: it is not dropped but looked for.
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of stale"]

    await outbox.enqueue(note("too-late", expires_at=clock.now() + timedelta(minutes=5)))
    clock.advance(600)
    await drain(outbox, discord, clock)
    item = await outbox.get("too-late")
    assert item is not None
    assert item.state is State.EXPIRED
    assert discord.texts() == ["text of stale"]
    assert [p.kind for p in problems] == ["message_expired"]


async def test_cancel_withdraws_only_unsent_messages(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    await outbox.enqueue(note("replanned", not_before=clock.now() + timedelta(days=7)))
    await outbox.enqueue(note("sent"))
    await drain(outbox, discord, clock, until=clock.now())
    assert await outbox.cancel("replanned") is True
    assert await outbox.cancel("sent") is False
    assert await outbox.cancel("unknown") is False
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of sent"]
    # A cancelled key stays taken: re-planning uses a new key.
    assert await outbox.enqueue(note("replanned")) is False


async def test_a_gone_channel_is_blocked_and_kept_while_others_flow(
    outbox: Outbox,
    discord: FakeDiscord,
    clock: FakeClock,
    problems: list[OutboxProblem],
    caplog: pytest.LogCaptureFixture,
) -> None:
    discord.broken[("post", NEWS)] = PermanentFailure("Unknown Channel (10003)")
    for key in ("a", "b", "c"):
        await outbox.enqueue(note(key))
    await outbox.enqueue(note("other", OTHER))
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await drain(outbox, discord, clock)

    assert discord.texts() == ["text of other"]
    assert [(p.kind, p.channel_id, p.waiting) for p in problems] == [("channel_blocked", NEWS, 3)]
    assert "Unknown Channel (10003)" in problems[0].describe()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"outbox unblock {NEWS}" in errors[0]
    [blocked] = await outbox.blocked_channels()
    assert (blocked.channel_id, blocked.waiting) == (NEWS, 3)

    # Nothing more is tried there until a maintainer unblocks it; then all arrive in order.
    calls = len(discord.calls)
    await outbox.enqueue(note("d"))
    clock.advance(3600)
    await drain(outbox, discord, clock)
    assert len(discord.calls) == calls
    del discord.broken[("post", NEWS)]
    assert await outbox.unblock(NEWS) is True
    assert await outbox.unblock(NEWS) is False
    await drain(outbox, discord, clock)
    assert discord.texts(NEWS) == ["text of a", "text of b", "text of c", "text of d"]
    assert await outbox.blocked_channels() == []


async def test_a_hook_that_fails_does_not_stop_delivery(
    db: Storage, discord: FakeDiscord, clock: FakeClock
) -> None:
    async def broken_hook(problem: OutboxProblem) -> None:
        raise RuntimeError("log channel unreachable")

    box = Outbox(db, clock, on_problem=broken_hook)
    await box.setup()
    discord.broken[("post", NEWS)] = PermanentFailure("Missing Access (50001)")
    await box.enqueue(note("a"))
    await box.enqueue(note("b", OTHER))
    await drain(box, discord, clock)
    assert discord.texts() == ["text of b"]


async def test_unexpected_sender_errors_are_retried(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    await outbox.enqueue(note("a"))
    discord.fail("post", OSError("connection reset"))
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of a"]


async def test_enqueue_inside_a_rolled_back_transaction_leaves_nothing(
    db: Storage, outbox: Outbox, discord: FakeDiscord, clock: FakeClock
) -> None:
    worker_pass: asyncio.Task[object] | None = None
    with pytest.raises(RuntimeError, match="approval failed"):
        async with db.transaction():
            await outbox.enqueue(note("suggestion-approved:7"))
            # The worker runs while the transaction is open: it sees the row on the
            # shared connection, but must not act on it before the outcome is known.
            worker_pass = asyncio.create_task(outbox.process_due(discord))
            await asyncio.sleep(0.05)
            raise RuntimeError("approval failed")
    assert worker_pass is not None
    await worker_pass
    await drain(outbox, discord, clock)
    assert discord.messages == []
    assert await outbox.get("suggestion-approved:7") is None

    async with db.transaction():
        await outbox.enqueue(note("suggestion-approved:8"))
    await drain(outbox, discord, clock)
    assert discord.texts() == ["text of suggestion-approved:8"]
