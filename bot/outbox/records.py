"""Stored outbox rows as typed values, and the time format they use."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from bot.storage import leases

if TYPE_CHECKING:
    from bot.storage.interface import Row


class State(enum.StrEnum):
    PENDING = "pending"  # stored, never sent
    POSTING = "posting"  # a send may have reached Discord: look before sending again
    POSTED = "posted"  # Discord confirmed the post; the crosspost is still to do
    DONE = "done"  # posted (and published when asked): finished
    FAILED = "failed"  # impossible for this message alone; kept with the reason
    EXPIRED = "expired"  # not posted before its expires_at; kept, never sent
    CANCELLED = "cancelled"  # withdrawn by the feature before any attempt


ACTIVE_STATES = (State.PENDING, State.POSTING, State.POSTED)


def to_text(moment: datetime) -> str:
    """One fixed format, so that comparing the text compares the times."""
    if moment.tzinfo is None:
        raise ValueError("outbox times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One stored message and where it is in its life."""

    id: int
    key: str
    channel_id: int
    payload: dict[str, Any]
    publish: bool
    state: State
    nonce: str
    marker: str
    not_before: datetime | None
    expires_at: datetime | None
    next_attempt_at: datetime
    attempts: int
    message_id: int | None
    last_error: str | None
    created_at: datetime
    posted_at: datetime | None
    published_at: datetime | None
    # Who is delivering it right now, and until when (``bot.storage.leases``).
    lease_holder: str | None = None
    lease_until: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> OutboxItem:
        next_attempt = from_text(row["next_attempt_at"])
        created = from_text(row["created_at"])
        assert next_attempt is not None  # NOT NULL columns
        assert created is not None
        return cls(
            id=int(row["id"]),
            key=str(row["key"]),
            channel_id=int(row["channel_id"]),
            payload=json.loads(row["payload"]),
            publish=bool(row["publish"]),
            state=State(row["state"]),
            nonce=str(row["nonce"]),
            marker=str(row["marker"]),
            not_before=from_text(row["not_before"]),
            expires_at=from_text(row["expires_at"]),
            next_attempt_at=next_attempt,
            attempts=int(row["attempts"]),
            message_id=None if row["message_id"] is None else int(row["message_id"]),
            last_error=row["last_error"],
            created_at=created,
            posted_at=from_text(row["posted_at"]),
            published_at=from_text(row["published_at"]),
            lease_holder=row["lease_holder"],
            # Written by the lease convention (milliseconds), so read by it too.
            lease_until=leases.parse(row["lease_until"]),
        )


@dataclass(frozen=True, slots=True)
class BlockedChannel:
    channel_id: int
    reason: str
    blocked_at: datetime
    waiting: int  # active messages kept for this channel


@dataclass(frozen=True, slots=True)
class OutboxProblem:
    """Handed to the ``on_problem`` hook, so the runtime can tell the log channel."""

    kind: Literal["channel_blocked", "message_failed", "message_expired"]
    channel_id: int
    reason: str
    key: str | None = None
    waiting: int = 0

    def describe(self) -> str:
        if self.kind == "channel_blocked":
            return (
                f"Stopped posting to <#{self.channel_id}>: {self.reason}. "
                f"{self.waiting} message(s) are kept in the outbox; fix the channel or the "
                f"bot's permissions, then run `ml-audio-bot outbox unblock {self.channel_id}`."
            )
        if self.kind == "message_failed":
            return (
                f"Could not deliver `{self.key}` to <#{self.channel_id}>: {self.reason}. "
                f"It is kept as failed; `ml-audio-bot outbox retry {self.key}` tries again."
            )
        return f"Dropped `{self.key}` for <#{self.channel_id}>: {self.reason}."


@dataclass(frozen=True, slots=True)
class PassResult:
    """What one drain pass did: ``actions`` sends/lookups/publishes, and when to look again."""

    actions: int
    next_due: datetime | None
