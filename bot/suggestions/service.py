"""The rules of community suggestions: who may propose, vote, edit and decide, and when.

The Discord layer calls these methods with plain ids and flags (``is_maintainer`` is
worked out from roles and permissions there) and renders the outcome. Every change runs
in one transaction with its audit row, so a crash or a refused write leaves the database
as it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.catalog.model import Catalog, Entry
from bot.catalog.urls import normalize_url
from bot.clock import Clock
from bot.markup import escape_markdown, timestamp, truncate
from bot.suggestions import render
from bot.suggestions.duplicates import CatalogIndex, similar_titles
from bot.suggestions.model import AuditEvent, Draft, Status, Suggestion, Vote
from bot.suggestions.outcomes import (
    AlreadySuggested,
    Created,
    Decided,
    Edited,
    EditOutcome,
    InCatalog,
    Invalid,
    Refused,
    ReviewOutcome,
    SimilarTitles,
    SubmitOutcome,
    Voted,
    VoteOutcome,
)
from bot.suggestions.store import NewSuggestion, SuggestionStore
from bot.suggestions.validation import Checked, check_draft, guess_kind

log = logging.getLogger(__name__)

SYSTEM_ACTOR = 0  # audit rows written by the command line or by catalog reconciliation
REJECT_REASON_MAX = 500
_SUGGESTION_REF = re.compile(r"^#?(\d{1,18})$")
_ENTRY_REF = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class SuggestionSettings:
    max_pending_per_user: int = 5
    max_per_day_per_user: int = 10
    allow_anonymous: bool = False


@dataclass(frozen=True, slots=True)
class Announcement:
    """A message for the announcement channel; ``key`` makes it go out once, ever."""

    key: str
    content: str
    embed: dict[str, object]


# Given an announcement, store it for sending (the outbox); False if the key was known.
Announcer = Callable[[Announcement], Awaitable[bool]]


class SuggestionService:
    def __init__(
        self,
        store: SuggestionStore,
        clock: Clock,
        catalog: Callable[[], Catalog],
        settings: SuggestionSettings | None = None,
        announcer: Announcer | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self._catalog = catalog
        self.settings = settings or SuggestionSettings()
        self.announcer = announcer
        self._index: CatalogIndex | None = None

    async def setup(self) -> None:
        await self.store.setup()

    # -- the catalog ---------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self._catalog()

    def index(self) -> CatalogIndex:
        catalog = self._catalog()
        if self._index is None or self._index.catalog is not catalog:
            self._index = CatalogIndex(catalog)
        return self._index

    def section_title(self, section_id: str) -> str | None:
        section = self.catalog.section(section_id)
        return section.title if section else None

    # -- proposing -----------------------------------------------------------------------

    def check(self, draft: Draft) -> Checked:
        return check_draft(draft, {s.id for s in self.catalog.sections})

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
            # Checked again inside the transaction: two submissions racing each other must
            # not both slip under a limit.
            refusal = await self._author_refusal(guild_id, author_id, now)
            if refusal is not None:
                return refusal
            existing = await store.open_with_url(guild_id, key)
            if existing is not None:
                return AlreadySuggested(existing, clean)
            new = NewSuggestion(
                guild_id, author_id, anonymous, clean.title, clean.url, key,
                clean.section, clean.kind, clean.reason,
            )  # fmt: skip
            suggestion_id = await store.insert(new, now)
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
            # Read again inside the transaction: a vote that lands meanwhile locks the link.
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

    # -- reading ------------------------------------------------------------------------

    async def find(self, guild_id: int | None, suggestion_id: int) -> Suggestion | Refused:
        """The suggestion, if it exists and belongs to ``guild_id`` (another guild's is refused)."""
        if guild_id is None:
            return Refused("Suggestions live in a server; use this command there.")
        suggestion = await self.store.get(suggestion_id)
        if suggestion is None:
            return Refused(f"There is no suggestion #{suggestion_id}.")
        if suggestion.guild_id != guild_id:
            return Refused(f"Suggestion #{suggestion_id} belongs to another server.")
        return suggestion

    async def get(self, suggestion_id: int) -> Suggestion | None:
        """The suggestion as stored now, whatever its guild (for the bot's own bookkeeping)."""
        return await self.store.get(suggestion_id)

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

    # -- voting -------------------------------------------------------------------------

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

    # -- review -------------------------------------------------------------------------

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

    @staticmethod
    def _already_decided(suggestion: Suggestion) -> str:
        label = render.STATUS_LABELS[suggestion.status].lower()
        by = f" by <@{suggestion.decided_by}>" if suggestion.decided_by else ""
        return f"Suggestion #{suggestion.id} is already {label}{by}; nothing was changed."

    async def _transition(
        self,
        current: Suggestion,
        status: Status,
        actor_id: int,
        action: str,
        *,
        note: str | None,
        verb: str,
        then: Callable[[Suggestion], Awaitable[None]] | None = None,
    ) -> ReviewOutcome:
        now = self.clock.now()
        async with self.store.atomic() as store:
            moved = await store.set_status(
                current.id, status, actor_id=actor_id, now=now, note=note
            )
            if moved:
                await store.audit(current.guild_id, current.id, actor_id, action, note or "", now)
                if then is not None:
                    decided = await store.get(current.id)
                    assert decided is not None
                    await then(decided)
        latest = await self.store.get(current.id)
        assert latest is not None
        if not moved:
            # Someone else decided between our read and our write: report their decision.
            return Refused(self._already_decided(latest))
        log.info("suggestion #%d %s by %d", current.id, verb, actor_id)
        return Decided(latest)

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

    # -- blocklist ----------------------------------------------------------------------

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

    # -- announcements, merging -----------------------------------------------------------

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
