"""The "Show all" button of a feed digest: every item of that day, privately, in pages.

The button is posted by the outbox long before anyone clicks it, possibly by another
process: a ``DynamicItem`` matches its custom id (``fd:all:<group>:<YYYY-MM-DD>``) and reads
the digest from the database, so it works across restarts.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot import markup
from bot.discord.errors import report_failure
from bot.discord.paging import PagedView
from bot.discord.replies import answer, defer
from bot.feeds.digest import SHOW_ALL_PREFIX, entry_line, headline, ordered
from bot.feeds.digest_store import Digest

log = logging.getLogger(__name__)

ENTRIES_PER_PAGE = 10
COLOUR = discord.Colour(0xB31B1B)


def digest_pages(digest: Digest) -> list[discord.Embed]:
    """The digest's entries, highlighted first, ``ENTRIES_PER_PAGE`` to a page."""
    entries = ordered(digest.entries)
    papers = any(e.item.key.startswith("arxiv:") for e in entries)
    title = headline(digest.title, digest.day, len(entries), papers=papers)
    chunks = [
        entries[start : start + ENTRIES_PER_PAGE]
        for start in range(0, len(entries), ENTRIES_PER_PAGE)
    ] or [[]]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        lines = [entry_line(e) for e in chunk] or ["Nothing in this digest."]
        embed = discord.Embed(
            title=markup.truncate(title, markup.EMBED_TITLE),
            description=markup.join_lines(lines, markup.EMBED_DESCRIPTION - 100),
            colour=COLOUR,
        )
        embed.set_footer(text=f"Page {number} of {len(chunks)}")
        pages.append(embed)
    return pages


class DigestButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(SHOW_ALL_PREFIX) + r":(?P<digest>[a-z0-9-]{1,64}:\d{4}-\d{2}-\d{2})",
):
    """ "Show all" under a digest message; survives restarts through its custom id."""

    def __init__(self, digest_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show all",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{SHOW_ALL_PREFIX}:{digest_id}",
            )
        )
        self.digest_id = digest_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> DigestButton:
        return cls(match["digest"])

    async def interaction_check(self, interaction: discord.Interaction[discord.Client], /) -> bool:
        from bot.discord.client import admit

        return await admit(interaction)

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        try:
            # Before the database read: Discord gives 3 s for the first answer.
            await defer(interaction)
            feeds = getattr(getattr(interaction.client, "services", None), "feeds", None)
            digest = await feeds.digest(self.digest_id) if feeds is not None else None
            if digest is None:
                await answer(
                    interaction, "This digest is no longer kept (digests are kept for 30 days)."
                )
                return
            view = PagedView(digest_pages(digest), owner_id=interaction.user.id)
            await view.send(interaction, ephemeral=True)
        except Exception as exc:
            await report_failure(interaction, exc)
