"""Plain data of community suggestions. No I/O and no Discord here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum


class Status(StrEnum):
    """Where a suggestion is in its life. Only ``pending`` ones take votes or edits."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class Vote(IntEnum):
    """A member's opinion; summed in SQL, so the values are +1 and -1."""

    UP = 1
    DOWN = -1


@dataclass(frozen=True, slots=True)
class Draft:
    """What a member typed, before or after cleaning. Kept whole so nothing typed is lost."""

    title: str
    url: str
    section: str
    reason: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Tally:
    up: int = 0
    down: int = 0

    @property
    def score(self) -> int:
        return self.up - self.down


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: int
    guild_id: int
    author_id: int
    anonymous: bool
    title: str
    url: str
    normalized_url: str
    section: str
    kind: str
    reason: str
    status: Status
    created_at: datetime
    updated_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None
    # Rejection reason, or what this duplicates ("entry:<id>" / "suggestion:<id>").
    decision_note: str | None = None
    channel_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None
    tally: Tally = Tally()
    # When the author last changed the text (shown as "edited" on the message).
    edited_at: datetime | None = None
    # Set when the message was found deleted (by a moderator): it is not posted again
    # until a maintainer asks for it (``/suggestions repost``).
    message_deleted_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is Status.PENDING

    @property
    def draft(self) -> Draft:
        return Draft(self.title, self.url, self.section, self.reason, self.kind)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    guild_id: int
    suggestion_id: int | None
    actor_id: int
    action: str
    detail: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BlockedUser:
    guild_id: int
    user_id: int
    reason: str
    added_by: int
    added_at: datetime
