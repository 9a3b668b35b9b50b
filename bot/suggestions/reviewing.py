"""Voting and reviewing: votes, maintainers' decisions, the blocklist, the announcement."""

from __future__ import annotations

import re

from bot.markup import escape_markdown, truncate
from bot.suggestions import render
from bot.suggestions.base import Announcement, ServiceBase
from bot.suggestions.model import Status, Suggestion, Vote
from bot.suggestions.outcomes import Refused, ReviewOutcome, Voted, VoteOutcome

REJECT_REASON_MAX = 500
_SUGGESTION_REF = re.compile(r"^#?(\d{1,18})$")
_ENTRY_REF = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Reviewing(ServiceBase):
    # -- voting ----------------------------------------------------------------------

    async def vote(
        self, guild_id: int | None, suggestion_id: int, user_id: int, vote: Vote
    ) -> VoteOutcome:
        """Toggle: the same vote again removes it, the other one replaces it."""
        if guild_id is None:
            return Refused("Suggestions live in a server; use this command there.")
        now = self.clock.now()
        # Everything inside one transaction with as few statements as possible: a burst of
        # votes is the heaviest load this feature sees.
        async with self.store.atomic() as store:
            context = await store.vote_context(suggestion_id, user_id)
            if context is None:
                return Refused(f"There is no suggestion #{suggestion_id}.")
            if context.guild_id != guild_id:
                return Refused(f"Suggestion #{suggestion_id} belongs to another server.")
            if context.author_id == user_id:
                return Refused("This is your own suggestion; your vote would not count.")
            if context.status is not Status.PENDING:
                return Refused(
                    f"Voting on #{suggestion_id} is closed "
                    f"({render.STATUS_LABELS[context.status].lower()})."
                )
            previous = context.previous
            if previous == vote:
                await store.remove_vote(suggestion_id, user_id)
                result: Vote | None = None
            else:
                await store.put_vote(suggestion_id, user_id, vote, now)
                result = vote
            tally = await store.tally(suggestion_id)
        return Voted(suggestion_id, tally, result, previous)

    # -- review ----------------------------------------------------------------------

    async def approve(
        self, guild_id: int | None, suggestion_id: int, actor_id: int, *, is_maintainer: bool
    ) -> ReviewOutcome:
        current = await self._reviewable(guild_id, suggestion_id, is_maintainer, "approve")
        if isinstance(current, Refused):
            return current
        # The announcement is queued in the approval's own transaction: both or neither.
        return await self._transition(
            current, Status.APPROVED, actor_id, "approved", note=None, verb="approved",
            then=self._announce,
        )  # fmt: skip

    async def reject(
        self,
        guild_id: int | None,
        suggestion_id: int,
        actor_id: int,
        reason: str,
        *,
        is_maintainer: bool,
    ) -> ReviewOutcome:
        current = await self._reviewable(guild_id, suggestion_id, is_maintainer, "reject")
        if isinstance(current, Refused):
            return current
        reason = " ".join(reason.split())
        if not reason:
            return Refused("Give a reason for the rejection; the author will read it.")
        reason = truncate(reason, REJECT_REASON_MAX)
        return await self._transition(
            current, Status.REJECTED, actor_id, "rejected", note=reason, verb="rejected"
        )

    async def mark_duplicate(
        self,
        guild_id: int | None,
        suggestion_id: int,
        actor_id: int,
        target: str,
        *,
        is_maintainer: bool,
    ) -> ReviewOutcome:
        """``target`` is a catalog entry id (``wavenet``) or a suggestion (``#12`` / ``12``)."""
        current = await self._reviewable(guild_id, suggestion_id, is_maintainer, "mark")
        if isinstance(current, Refused):
            return current
        note = await self._duplicate_target(current, target.strip())
        if isinstance(note, Refused):
            return note
        return await self._transition(
            current, Status.DUPLICATE, actor_id, "duplicate", note=note, verb="marked duplicate"
        )

    async def _duplicate_target(self, current: Suggestion, target: str) -> str | Refused:
        match = _SUGGESTION_REF.match(target)
        if match:
            other_id = int(match[1])
            if other_id == current.id:
                return Refused("A suggestion cannot be a duplicate of itself.")
            other = await self.find(current.guild_id, other_id)
            if isinstance(other, Refused):
                return other
            return f"suggestion:{other_id}"
        if _ENTRY_REF.match(target) and self.catalog.entry(target) is not None:
            return f"entry:{target}"
        return Refused(
            f"`{escape_markdown(truncate(target, 60))}` is neither a catalog entry id nor a "
            "suggestion number (#12)."
        )

    async def review_refusal(
        self, guild_id: int | None, suggestion_id: int, *, is_maintainer: bool
    ) -> Refused | None:
        """Why this member may not review this suggestion now, or None if they may."""
        found = await self._reviewable(guild_id, suggestion_id, is_maintainer, "review")
        return found if isinstance(found, Refused) else None

    async def _reviewable(
        self, guild_id: int | None, suggestion_id: int, is_maintainer: bool, verb: str
    ) -> Suggestion | Refused:
        if not is_maintainer:
            return Refused(
                "Only maintainers can review suggestions (a maintainer role or Manage Server). "
                "Nothing was changed."
            )
        found = await self.find(guild_id, suggestion_id)
        if isinstance(found, Refused):
            return found
        if not found.is_open:
            return Refused(self._already_decided(found))
        return found

    # -- blocklist -------------------------------------------------------------------

    async def block(
        self, guild_id: int, user_id: int, reason: str, actor_id: int, *, is_maintainer: bool
    ) -> str | Refused:
        if not is_maintainer:
            return Refused("Only maintainers can manage the suggestions blocklist.")
        now = self.clock.now()
        reason = truncate(" ".join(reason.split()), 200)
        async with self.store.atomic() as store:
            added = await store.block(guild_id, user_id, reason, actor_id, now)
            if added:
                await store.audit(
                    guild_id, None, actor_id, "blocked", f"user {user_id}: {reason}", now
                )
        return (
            f"<@{user_id}> can no longer make suggestions."
            if added
            else (f"<@{user_id}> was already on the blocklist.")
        )

    async def unblock(
        self, guild_id: int, user_id: int, actor_id: int, *, is_maintainer: bool
    ) -> str | Refused:
        if not is_maintainer:
            return Refused("Only maintainers can manage the suggestions blocklist.")
        now = self.clock.now()
        async with self.store.atomic() as store:
            removed = await store.unblock(guild_id, user_id)
            if removed:
                await store.audit(guild_id, None, actor_id, "unblocked", f"user {user_id}", now)
        return (
            f"<@{user_id}> may make suggestions again."
            if removed
            else (f"<@{user_id}> was not on the blocklist.")
        )

    # -- announcements ---------------------------------------------------------------

    def announcement(self, suggestion: Suggestion) -> Announcement:
        return Announcement(
            key=f"suggestion-approved:{suggestion.id}",
            content="",
            embed=render.announcement_embed(suggestion, self.section_title(suggestion.section)),
        )

    async def _announce(self, suggestion: Suggestion) -> None:
        if self.announcer is not None:
            await self.announcer(self.announcement(suggestion))

    async def announce_backlog(self) -> int:
        """Queue the announcement of every approved suggestion (the outbox drops known keys)."""
        if self.announcer is None:
            return 0
        queued = 0
        for suggestion in await self.store.in_order((Status.APPROVED,)):
            queued += bool(await self.announcer(self.announcement(suggestion)))
        return queued
