"""What the suggestion rules share: their store, clock, catalog and settings, the lookup
of one suggestion and the status transition every decision goes through.

``SuggestionService`` (``bot.suggestions.service``) is assembled from this base, the
proposing rules (``proposing``) and the voting and reviewing rules (``reviewing``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.catalog.model import Catalog
from bot.clock import Clock
from bot.suggestions import render
from bot.suggestions.duplicates import CatalogIndex
from bot.suggestions.model import Draft, Status, Suggestion
from bot.suggestions.outcomes import Decided, Refused, ReviewOutcome
from bot.suggestions.store import SuggestionStore
from bot.suggestions.validation import Checked, check_draft

log = logging.getLogger(__name__)

SYSTEM_ACTOR = 0  # audit rows written by the command line or by catalog reconciliation


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


class ServiceBase:
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

    # -- checking and finding --------------------------------------------------------

    def check(self, draft: Draft) -> Checked:
        return check_draft(draft, {s.id for s in self.catalog.sections})

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

    # -- deciding --------------------------------------------------------------------

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
