"""How a running bot builds the suggestions service; approvals are announced via the outbox.

The outbox and the channel are looked up when an announcement is made, not when the
service is built, so the runtime may wire them in any order (and tests may point the
channel elsewhere after the server exists).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.catalog.model import Catalog
from bot.clock import Clock
from bot.config import Config
from bot.outbox import Outbox, OutgoingMessage
from bot.storage import Storage
from bot.suggestions.service import (
    Announcement,
    Announcer,
    SuggestionService,
    SuggestionSettings,
)
from bot.suggestions.store import SuggestionStore

log = logging.getLogger(__name__)


def outbox_announcer(
    outbox: Callable[[], Outbox | None], channel_id: Callable[[], int | None]
) -> Announcer:
    """An ``Announcer`` that stores the message in the outbox (same transaction as the caller)."""

    async def announce(announcement: Announcement) -> bool:
        box, channel = outbox(), channel_id()
        if box is None or channel is None:
            log.info("no outbox or announcement channel: %s not announced", announcement.key)
            return False
        return await box.enqueue(
            OutgoingMessage(
                key=announcement.key,
                channel_id=channel,
                content=announcement.content,
                embeds=(dict(announcement.embed),),
            )
        )

    return announce


async def build_service(
    config: Config,
    database: Storage,
    clock: Clock,
    catalog: Callable[[], Catalog],
    outbox: Callable[[], Outbox | None],
    announcement_channel: Callable[[], int | None],
) -> SuggestionService:
    """The suggestions service of a running bot, its tables migrated."""
    service = SuggestionService(
        SuggestionStore(database),
        clock,
        catalog,
        SuggestionSettings(
            max_pending_per_user=config.suggestions_max_pending,
            max_per_day_per_user=config.suggestions_max_per_day,
            allow_anonymous=config.suggestions_allow_anonymous,
        ),
        announcer=outbox_announcer(outbox, announcement_channel),
    )
    await service.setup()
    return service
