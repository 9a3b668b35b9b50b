"""The rules of community suggestions: who may propose, vote, edit and decide, and when.

The Discord layer calls these methods with plain ids and flags (``is_maintainer`` is
worked out from roles and permissions there) and renders the outcome. Every change runs
in one transaction with its audit row, so a crash or a refused write leaves the database
as it was.

The rules are split by responsibility: ``base`` (shared state, lookups, the status
transition), ``proposing`` (submit, edit, withdraw) and ``reviewing`` (votes, decisions,
blocklist, announcements); this module adds reading, message bookkeeping and merging.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.catalog.model import Entry
from bot.suggestions.base import (
    SYSTEM_ACTOR,
    Announcement,
    Announcer,
    SuggestionSettings,
)
from bot.suggestions.model import AuditEvent, Status, Suggestion, Vote
from bot.suggestions.outcomes import Refused
from bot.suggestions.proposing import Proposing
from bot.suggestions.reviewing import REJECT_REASON_MAX, Reviewing

log = logging.getLogger(__name__)

__all__ = [
    "REJECT_REASON_MAX",
    "SYSTEM_ACTOR",
    "Announcement",
    "Announcer",
    "SuggestionService",
    "SuggestionSettings",
]


class SuggestionService(Proposing, Reviewing):
    # -- reading ---------------------------------------------------------------------

    async def unposted(self) -> list[Suggestion]:
        """Pending suggestions with no message yet, oldest first: posting failed or was cut off."""
        found, _ = await self.store.page(None, (Status.PENDING,), unposted_only=True)
        return found[::-1]

    async def audit_trail(self, suggestion_id: int) -> list[AuditEvent]:
        """What happened to one suggestion, oldest first (shown to maintainers)."""
        return await self.store.audit_log(suggestion_id=suggestion_id)

    async def page(
        self, guild_id: int, status: Status | None, page: int, per_page: int = 10
    ) -> tuple[list[Suggestion], int]:
        statuses = (status,) if status else ()
        return await self.store.page(
            guild_id, statuses, offset=max(0, page) * per_page, limit=per_page
        )

    async def voters(
        self, guild_id: int, suggestion_id: int, *, is_maintainer: bool
    ) -> list[tuple[int, Vote]] | Refused:
        if not is_maintainer:
            return Refused("Only maintainers can see who voted.")
        found = await self.find(guild_id, suggestion_id)
        if isinstance(found, Refused):
            return found
        return await self.store.voters(suggestion_id)

    # -- where its message is --------------------------------------------------------

    async def set_location(
        self, suggestion: Suggestion, channel_id: int | None, message_id: int | None,
        thread_id: int | None,
    ) -> None:  # fmt: skip
        now = self.clock.now()
        async with self.store.atomic() as store:
            await store.set_location(suggestion.id, channel_id, message_id, thread_id)
            detail = (
                f"channel {channel_id} message {message_id} thread {thread_id}"
                if message_id
                else "message no longer posted"
            )
            await store.audit(
                suggestion.guild_id, suggestion.id, SYSTEM_ACTOR, "posted", detail, now
            )

    async def mark_message_deleted(self, suggestion: Suggestion) -> None:
        """Its message is gone (a moderator deleted it): remember that, do not post it again."""
        now = self.clock.now()
        async with self.store.atomic() as store:
            if await store.mark_message_deleted(suggestion.id, now):
                await store.audit(
                    suggestion.guild_id, suggestion.id, SYSTEM_ACTOR, "message deleted",
                    f"message {suggestion.message_id} was deleted; /suggestions repost brings "
                    "it back",
                    now,
                )  # fmt: skip
        log.info("suggestion #%d: its message was deleted; not reposted", suggestion.id)

    async def allow_repost(
        self, guild_id: int | None, suggestion_id: int, actor_id: int, *, is_maintainer: bool
    ) -> Suggestion | Refused:
        """A maintainer brings back a deleted message: the suggestion, cleared to be posted."""
        if not is_maintainer:
            return Refused("Only maintainers can repost a suggestion. Nothing was changed.")
        found = await self.find(guild_id, suggestion_id)
        if isinstance(found, Refused):
            return found
        now = self.clock.now()
        async with self.store.atomic() as store:
            await store.clear_message_deleted(suggestion_id)
            await store.audit(found.guild_id, suggestion_id, actor_id, "repost", "", now)
        current = await self.store.get(suggestion_id)
        assert current is not None
        return current

    # -- export and merging ----------------------------------------------------------

    async def exportable(self) -> list[Suggestion]:
        """Approved suggestions not merged yet, oldest first: what ``export`` writes."""
        return await self.store.in_order((Status.APPROVED,))

    async def mark_merged(
        self, suggestion_ids: Sequence[int], actor_id: int = SYSTEM_ACTOR
    ) -> list[tuple[int, str]]:
        """Close approved suggestions as merged; one line of result per id, in one transaction."""
        results: list[tuple[int, str]] = []
        now = self.clock.now()
        async with self.store.atomic() as store:
            for suggestion_id in suggestion_ids:
                current = await store.get(suggestion_id)
                if current is None:
                    results.append((suggestion_id, "no such suggestion"))
                elif current.status is Status.MERGED:
                    results.append((suggestion_id, "already merged"))
                elif await store.set_status(
                    suggestion_id, Status.MERGED, actor_id=actor_id, now=now,
                    note=current.decision_note, expected=(Status.APPROVED,),
                ):  # fmt: skip
                    await store.audit(current.guild_id, suggestion_id, actor_id, "merged", "", now)
                    results.append((suggestion_id, "merged"))
                else:
                    results.append(
                        (suggestion_id, f"is {current.status.value}; only approved ones merge")
                    )
        return results

    async def reconcile_with_catalog(self) -> list[tuple[Suggestion, Entry]]:
        """Close pending or approved suggestions whose URL the catalog now lists, as merged."""
        index = self.index()
        found: list[tuple[Suggestion, Entry]] = []
        for suggestion in await self.store.in_order((Status.PENDING, Status.APPROVED)):
            entry = index.entry_for_normalized(suggestion.normalized_url)
            if entry is None:
                entry = index.entry_for_url(suggestion.url)
            if entry is not None:
                found.append((suggestion, entry))
        if not found:
            return []
        now = self.clock.now()
        async with self.store.atomic() as store:
            for suggestion, entry in found:
                if await store.set_status(
                    suggestion.id, Status.MERGED, actor_id=SYSTEM_ACTOR, now=now,
                    note=f"entry:{entry.id}", expected=(Status.PENDING, Status.APPROVED),
                ):  # fmt: skip
                    await store.audit(
                        suggestion.guild_id, suggestion.id, SYSTEM_ACTOR, "merged",
                        f"catalog entry {entry.id} has this URL", now,
                    )  # fmt: skip
        for suggestion, entry in found:
            log.info(
                "suggestion #%d is in the catalog as %s: marked merged", suggestion.id, entry.id
            )
        return found
