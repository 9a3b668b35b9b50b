"""An in-memory Discord for outbox tests: channels of messages, nonces, crossposts, faults."""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import FakeClock
from bot.outbox import Outbox, PassResult
from bot.outbox.message import Payload, payload_has_marker


@dataclass
class FakeMessage:
    id: int
    channel_id: int
    payload: dict[str, Any]
    nonce: str
    crossposted: bool = False


@dataclass
class FakeDiscord:
    """Implements the ``Sender`` protocol; queue exceptions with ``fail(op, exc)``."""

    messages: list[FakeMessage] = field(default_factory=list)
    crossposts: list[int] = field(default_factory=list)
    calls: list[tuple[str, int]] = field(default_factory=list)
    faults: dict[str, deque[BaseException]] = field(default_factory=lambda: defaultdict(deque))
    # (op, channel) -> exception raised on every call, e.g. a deleted channel
    broken: dict[tuple[str, int], BaseException] = field(default_factory=dict)
    post_then_crash: bool = False
    # Posts in these are published (the one rule); every other channel is a plain one.
    announcement_channels: set[int] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def fail(self, op: str, *errors: BaseException) -> None:
        self.faults[op].extend(errors)

    def _maybe_fail(self, op: str, channel_id: int) -> None:
        self.calls.append((op, channel_id))
        if (op, channel_id) in self.broken:
            raise self.broken[(op, channel_id)]
        if self.faults[op]:
            raise self.faults[op].popleft()

    async def post(self, channel_id: int, payload: Payload, *, nonce: str) -> int:
        self._maybe_fail("post", channel_id)
        message = FakeMessage(next(self._ids), channel_id, dict(payload), nonce)
        self.messages.append(message)
        if self.post_then_crash:
            # The request reached Discord, then the process died before the reply.
            raise KeyboardInterrupt("crash after post")
        return message.id

    async def find_posted(self, channel_id: int, marker: str, *, limit: int) -> int | None:
        self._maybe_fail("find", channel_id)
        recent = [m for m in self.messages if m.channel_id == channel_id][-limit:]
        for message in reversed(recent):
            if payload_has_marker(message.payload, marker):
                return message.id
        return None

    async def announces(self, channel_id: int) -> bool:
        # Not recorded in ``calls``: the real sender answers from its channel cache.
        return channel_id in self.announcement_channels

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        self._maybe_fail("crosspost", channel_id)
        message = next(m for m in self.messages if m.id == message_id)
        if not message.crossposted:
            message.crossposted = True
            self.crossposts.append(message_id)

    # -- what a user would see --------------------------------------------------------

    def texts(self, channel_id: int | None = None) -> list[str]:
        """First line of each message (the marker line hidden), or its first embed title."""
        return [
            first_line(str(m.payload.get("content") or ""))
            or str(m.payload["embeds"][0].get("title", ""))
            for m in self.messages
            if channel_id is None or m.channel_id == channel_id
        ]

    def published_texts(self) -> list[str]:
        by_id = {m.id: m for m in self.messages}
        return [first_line(str(by_id[i].payload.get("content"))) for i in self.crossposts]


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


async def drain(
    outbox: Outbox, sender: FakeDiscord, clock: FakeClock, *, until: datetime | None = None
) -> PassResult:
    """Run passes, jumping the fake clock to each next due time (never beyond ``until``)."""
    result = PassResult(0, None)
    for _ in range(1000):
        result = await outbox.process_due(sender, limit=25)
        if result.actions:
            continue
        if result.next_due is None or (until is not None and result.next_due > until):
            break
        clock.advance(max(0.0, (result.next_due - clock.now()).total_seconds()))
    else:
        raise AssertionError("outbox did not settle in 1000 passes")
    if until is not None and clock.now() < until:
        clock.advance((until - clock.now()).total_seconds())
    return result
