"""``/feeds list|add|remove|pause|resume|test`` for maintainers.

Thin: ``bot.feeds.service`` does the work; this parses the interaction, checks that the
caller maintains the server, and shapes the replies (always ephemeral: feed admin is not
channel chatter).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import markup
from bot.discord.client import MLAudioBot, services_of
from bot.discord.feeds import DigestButton
from bot.discord.permissions import admit_maintainer
from bot.discord.replies import answer, defer, refuse
from bot.feeds.listing import item_line, status_lines
from bot.feeds.model import FeedSpec, FeedState
from bot.feeds.service import FeedCommandError, FeedService
from bot.services import Services

COLOUR = discord.Colour.dark_teal()


class Feeds(commands.Cog):
    feeds = app_commands.Group(
        name="feeds",
        description="Feed announcements (maintainers)",
        guild_only=True,
        # No default_permissions: it could only hide /feeds behind a permission bit, which
        # would hide it from role-based maintainers. bot.maintainers decides per call.
    )

    def __init__(
        self, services: Services, service: FeedService, bot: commands.Bot | None = None
    ) -> None:
        self.services = services
        self.service = service
        self.bot = bot

    async def cog_unload(self) -> None:
        if self.bot is not None:
            self.bot.remove_dynamic_items(DigestButton)

    # -- helpers --------------------------------------------------------------------------

    async def _admit(self, interaction: discord.Interaction[MLAudioBot]) -> bool:
        return await admit_maintainer(
            interaction, self.services.config.maintainer_role_ids, "manage feeds"
        )

    def _channel_label(self, spec: FeedSpec) -> str:
        target = self.service.channel_for(spec)
        if target is None:
            return f"{spec.channel_key} (not configured: set {spec.channel_key}_channel_id)"
        return f"<#{target}>"

    async def _feed_choices(
        self, interaction: discord.Interaction[MLAudioBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(
                name=markup.truncate(f"{title} ({feed_id})", markup.CHOICE_NAME), value=feed_id
            )
            for feed_id, title in self.service.names(current, markup.CHOICES)
        ]

    # -- commands -------------------------------------------------------------------------

    @feeds.command(name="list", description="Every feed: state, last success, last error")
    async def list_feeds(self, interaction: discord.Interaction[MLAudioBot]) -> None:
        if not await self._admit(interaction):
            return
        await defer(interaction)
        statuses = [s for s in await self.service.statuses() if s.state is not FeedState.REMOVED]
        blocks = ["\n".join(status_lines(s, self._channel_label(s.spec))) for s in statuses]
        if not blocks:
            blocks = ["No feeds yet. Add one with `/feeds add` or in catalog/feeds.yaml."]
        embed = discord.Embed(
            title=f"Feeds ({len(statuses)})",
            description=markup.join_lines(blocks, markup.EMBED_DESCRIPTION - 100),
            colour=COLOUR,
        )
        embed.set_footer(text="Times are in your timezone · /feeds test <url> previews a feed")
        await answer(interaction, embed=embed)

    @feeds.command(name="add", description="Announce a new RSS/Atom feed in a channel")
    @app_commands.describe(
        url="The feed's URL (RSS or Atom), not the web page",
        channel="Where new items are announced",
        title="Name shown in announcements (default: the feed's own title)",
    )
    async def add(
        self,
        interaction: discord.Interaction[MLAudioBot],
        url: app_commands.Range[str, 8, 2000],
        channel: discord.TextChannel,
        title: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        if not await self._admit(interaction):
            return
        await defer(interaction)
        try:
            status, preview = await self.service.add(url, channel.id, title=title)
        except FeedCommandError as error:
            await refuse(interaction, str(error), reason="feed-add")
            return
        embed = discord.Embed(
            title=f"Feed added: {markup.truncate(status.spec.title, 200)}",
            description=(
                f"`{status.spec.id}` → {channel.mention}"
                + (" (published to followers)" if channel.is_news() else "")
                + f"\n{preview.total} items are there now; they count as seen. "
                "New ones are announced from the next poll on."
            ),
            colour=COLOUR,
        )
        await answer(interaction, embed=embed)

    @feeds.command(name="remove", description="Stop announcing a feed and forget it")
    @app_commands.describe(feed="The feed's id (see /feeds list)")
    async def remove(self, interaction: discord.Interaction[MLAudioBot], feed: str) -> None:
        if not await self._admit(interaction):
            return
        await defer(interaction)
        try:
            status = await self.service.remove(feed)
        except FeedCommandError as error:
            await refuse(interaction, str(error), reason="feed-unknown")
            return
        note = (
            " It is listed in catalog/feeds.yaml: delete it there too, or it stays removed "
            "only in this bot's database."
            if status.source == "catalog"
            else ""
        )
        await answer(interaction, f"Removed `{status.spec.id}`.{note}")

    @feeds.command(name="pause", description="Stop polling a feed until resumed")
    @app_commands.describe(feed="The feed's id (see /feeds list)")
    async def pause(self, interaction: discord.Interaction[MLAudioBot], feed: str) -> None:
        if not await self._admit(interaction):
            return
        await defer(interaction)
        try:
            status = await self.service.pause(feed)
        except FeedCommandError as error:
            await refuse(interaction, str(error), reason="feed-pause")
            return
        await answer(
            interaction,
            f"Paused `{status.spec.id}`. `/feeds resume {status.spec.id}` starts it again.",
        )

    @feeds.command(name="resume", description="Poll a paused or disabled feed again")
    @app_commands.describe(feed="The feed's id (see /feeds list)")
    async def resume(self, interaction: discord.Interaction[MLAudioBot], feed: str) -> None:
        if not await self._admit(interaction):
            return
        await defer(interaction)
        try:
            status = await self.service.resume(feed)
        except FeedCommandError as error:
            await refuse(interaction, str(error), reason="feed-resume")
            return
        await answer(interaction, f"Resumed `{status.spec.id}`; it is polled again shortly.")

    @feeds.command(
        name="test", description="Fetch a feed and show its newest 3 items (posts nothing)"
    )
    @app_commands.describe(url="The feed's URL")
    async def test(
        self, interaction: discord.Interaction[MLAudioBot], url: app_commands.Range[str, 8, 2000]
    ) -> None:
        if not await self._admit(interaction):
            return
        await defer(interaction)
        try:
            preview = await self.service.preview(url)
        except FeedCommandError as error:
            await refuse(interaction, str(error), reason="feed-test")
            return
        lines = [item_line(item) for item in preview.items] or ["The feed has no items."]
        if preview.problem:
            lines.append(f"-# Not well-formed but usable: {markup.truncate(preview.problem, 200)}")
        embed = discord.Embed(
            title=markup.truncate(preview.title or "Untitled feed", markup.EMBED_TITLE),
            url=preview.url if len(preview.url) <= markup.URL else None,
            description=markup.join_lines(
                lines, markup.EMBED_DESCRIPTION - 100, more="… and {n} more"
            ),
            colour=COLOUR,
        )
        embed.set_footer(text=f"{preview.total} items in the feed · nothing was posted")
        await answer(interaction, embed=embed)

    remove.autocomplete("feed")(_feed_choices)
    pause.autocomplete("feed")(_feed_choices)
    resume.autocomplete("feed")(_feed_choices)


async def setup(bot: commands.Bot) -> None:
    services = services_of(bot)
    if services.feeds is None:
        raise RuntimeError("Services.feeds is missing: build services with build_services")
    await bot.add_cog(Feeds(services, services.feeds, bot))
    # Digest messages carry a "Show all" button; clicks on old messages land here too.
    bot.add_dynamic_items(DigestButton)
