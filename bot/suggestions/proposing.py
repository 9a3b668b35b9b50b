"""Proposing: submitting a suggestion, the limits on who may, editing and withdrawing it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.catalog.urls import normalize_url
from bot.markup import timestamp
from bot.suggestions.base import ServiceBase
from bot.suggestions.duplicates import similar_titles
from bot.suggestions.model import Draft, Status, Suggestion
from bot.suggestions.outcomes import (
    AlreadySuggested,
    Created,
    Edited,
    EditOutcome,
    InCatalog,
    Invalid,
    Refused,
    ReviewOutcome,
    SimilarTitles,
    SubmitOutcome,
)
from bot.suggestions.store import NewSuggestion
from bot.suggestions.validation import guess_kind


class Proposing(ServiceBase):
    async def submit(
        self,
        guild_id: int,
        author_id: int,
        draft: Draft,
        *,
        anonymous: bool = False,
        confirm_similar: bool = False,
    ) -> SubmitOutcome:
        """Validate, look for duplicates, apply limits, store. Refusals change nothing."""
        refusal = self.anonymous_refusal(anonymous=anonymous)
        if refusal is not None:
            return refusal
        checked = self.check(draft)
        if not checked.ok:
            return Invalid(checked.draft, checked.problems)
        clean = checked.draft
        if not clean.kind:
            clean = Draft(
                clean.title, clean.url, clean.section, clean.reason, guess_kind(clean.url)
            )
        entry = self.index().entry_for_url(clean.url)
        if entry is not None:
            return InCatalog(entry, clean)
        key = normalize_url(clean.url)
        existing = await self.store.open_with_url(guild_id, key)
        if existing is not None:
            return AlreadySuggested(existing, clean)
        if not confirm_similar:
            candidates = similar_titles(
                clean.title, self.catalog.entries, await self.store.pending_titles(guild_id)
            )
            if candidates:
                return SimilarTitles(candidates, clean)

        now = self.clock.now()
        async with self.store.atomic() as store:
            # The limits are counted inside the transaction, which the database serialises
            # against every other writer (any process): two submissions racing each other
            # cannot both slip under a limit.
            refusal = await self._author_refusal(guild_id, author_id, now)
            if refusal is not None:
                return refusal
            new = NewSuggestion(
                guild_id, author_id, anonymous, clean.title, clean.url, key,
                clean.section, clean.kind, clean.reason,
            )  # fmt: skip
            suggestion_id = await store.insert(new, now)
            if suggestion_id is None:
                # Someone suggested this link since the check above; the unique index kept
                # it to one open suggestion.
                existing = await store.open_with_url(guild_id, key)
                assert existing is not None
                return AlreadySuggested(existing, clean)
            await store.audit(
                guild_id, suggestion_id, author_id, "created",
                f"{'anonymous ' if anonymous else ''}{clean.title} <{clean.url}>", now,
            )  # fmt: skip
        created = await self.store.get(suggestion_id)
        assert created is not None
        return Created(created)

    def anonymous_refusal(self, *, anonymous: bool) -> Refused | None:
        """Why an anonymous suggestion is refused here, or None; asked before the form opens."""
        if anonymous and not self.settings.allow_anonymous:
            return Refused(
                "Anonymous suggestions are turned off on this server; "
                "run /suggest again without `anonymous`."
            )
        return None

    async def blocked_refusal(
        self, guild_id: int | None, user_id: int, verb: str = "make"
    ) -> Refused | None:
        """Why a blocked member cannot ``verb`` suggestions, or None; asked before any form."""
        if guild_id is None:
            return None
        blocked = await self.store.blocked(guild_id, user_id)
        if blocked is None:
            return None
        return Refused(
            f"You cannot {verb} suggestions on this server"
            + (f" ({blocked.reason})" if blocked.reason else "")
            + ". Ask a maintainer if you think this is a mistake."
        )

    async def _author_refusal(self, guild_id: int, author_id: int, now: datetime) -> Refused | None:
        blocked = await self.blocked_refusal(guild_id, author_id)
        if blocked is not None:
            return blocked
        limit = self.settings.max_pending_per_user
        if await self.store.count_pending_by(guild_id, author_id) >= limit:
            return Refused(
                f"You already have {limit} suggestions waiting for review, the most allowed. "
                "Withdraw one (`/suggestions withdraw`) or wait until maintainers decide."
            )
        day_limit = self.settings.max_per_day_per_user
        recent = await self.store.created_since(guild_id, author_id, now - timedelta(days=1))
        if len(recent) >= day_limit:
            next_slot = recent[len(recent) - day_limit] + timedelta(days=1)
            return Refused(
                f"You have made {day_limit} suggestions in the last 24 hours, the most "
                f"allowed. You can suggest again {timestamp(next_slot, 'R')}."
            )
        return None

    async def edit(
        self, guild_id: int, suggestion_id: int, user_id: int, draft: Draft
    ) -> EditOutcome:
        current = await self._owned_pending(guild_id, suggestion_id, user_id, "edit")
        if isinstance(current, Refused):
            return current
        checked = self.check(draft)
        if not checked.ok:
            return Invalid(checked.draft, checked.problems)
        clean = checked.draft
        kind = clean.kind or current.kind
        entry = self.index().entry_for_url(clean.url)
        if entry is not None:
            return InCatalog(entry, clean)
        key = normalize_url(clean.url)
        now = self.clock.now()
        async with self.store.atomic() as store:
            # Read again inside the transaction: a maintainer may have blocked the author
            # meanwhile (from any process), and a vote that lands meanwhile locks the link.
            blocked = await self.blocked_refusal(guild_id, user_id, "edit")
            if blocked is not None:
                return blocked
            stored = await store.get(suggestion_id)
            if (
                stored is not None
                and clean.url != stored.url
                and stored.tally.up + stored.tally.down
            ):
                return Refused(
                    f"Suggestion #{suggestion_id} already has votes, so its link cannot change: "
                    "people voted for that link. You can still edit the title and the reason; "
                    "for a different link, withdraw this one and `/suggest` the new link."
                )
            other = await store.open_with_url(guild_id, key)
            if other is not None and other.id != suggestion_id:
                return AlreadySuggested(other, clean)
            changed = await store.update_content(
                suggestion_id, title=clean.title, url=clean.url, normalized_url=key,
                section=clean.section, kind=kind, reason=clean.reason, now=now,
            )  # fmt: skip
            if not changed:
                return Refused("This suggestion was decided meanwhile; it can no longer be edited.")
            await store.audit(
                guild_id, suggestion_id, user_id, "edited",
                f"was: {current.title} <{current.url}> [{current.section}]", now,
            )  # fmt: skip
        edited = await self.store.get(suggestion_id)
        assert edited is not None
        return Edited(edited)

    async def editable(
        self, guild_id: int | None, suggestion_id: int, user_id: int
    ) -> Suggestion | Refused:
        """The suggestion if ``user_id`` may edit it now (asked before the form opens)."""
        return await self._owned_pending(guild_id, suggestion_id, user_id, "edit")

    async def withdraw(self, guild_id: int, suggestion_id: int, user_id: int) -> ReviewOutcome:
        current = await self._owned_pending(guild_id, suggestion_id, user_id, "withdraw")
        if isinstance(current, Refused):
            return current
        return await self._transition(
            current, Status.WITHDRAWN, user_id, "withdrawn", note=None, verb="withdrawn"
        )

    async def _owned_pending(
        self, guild_id: int | None, suggestion_id: int, user_id: int, verb: str
    ) -> Suggestion | Refused:
        found = await self.find(guild_id, suggestion_id)
        if isinstance(found, Refused):
            return found
        if found.author_id != user_id:
            return Refused(f"Only the author can {verb} suggestion #{suggestion_id}.")
        if not found.is_open:
            return Refused(
                f"Suggestion #{suggestion_id} is {found.status.value}; only pending ones can "
                f"be {'edited' if verb == 'edit' else 'withdrawn'}."
            )
        if verb == "edit":
            # Withdrawing stays possible: it takes the member's text down, never adds to it.
            blocked = await self.blocked_refusal(guild_id, user_id, "edit")
            if blocked is not None:
                return blocked
        return found
