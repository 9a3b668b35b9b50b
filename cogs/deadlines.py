"""``/deadlines``, ``/deadline`` and ``/announcements follow|test``.

Thin: the lists, estimates and calendar come from ``bot.deadlines``; this only parses the
interaction and shapes embeds. Times are Discord timestamps, so every member reads them in
their own timezone; the organisers' own time ("23:59 AoE") is shown beside them.
"""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import markup
from bot.deadlines.calendar import build_calendar
from bot.deadlines.listing import (
    DeadlineFilter,
    FilterError,
    disagreement_lines,
    edition_details,
    format_row,
    parse_filter,
    upcoming_rows,
)
from bot.discord.client import MLAudioBot, services_of
from bot.discord.errors import refuse
from bot.discord.paging import PagedView
from bot.discord.permissions import admit_maintainer
from bot.services import Services

log = logging.getLogger(__name__)

ROWS_PER_PAGE = 8
COLOUR = discord.Colour.orange()


class Deadlines(commands.Cog):
    announcements = app_commands.Group(
        name="announcements", description="The bot's announcement channel", guild_only=True
    )

    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="deadlines", description="Upcoming conference deadlines")
    @app_commands.describe(
        filter="A conference (icassp), a tag (audio, ml, speech, music), a period (30d), "
        "or 'ics' for a calendar file",
        private="Show the list only to you",
    )
    async def deadlines(
        self,
        interaction: discord.Interaction[MLAudioBot],
        filter: app_commands.Range[str, 0, 100] = "",
        private: bool = False,
    ) -> None:
        book = self.services.deadlines
        now = self.services.clock.now()
        try:
            wanted = parse_filter(filter, book)
        except FilterError as error:
            await refuse(interaction, f"{error}.", reason="unknown-deadline-filter")
            return
        if wanted.wants_calendar:
            await self._send_calendar(interaction, wanted, private)
            return
        rows = [format_row(row) for row in upcoming_rows(book, now, wanted)]
        title = "Upcoming deadlines" + (f" · {markup.truncate(filter, 60)}" if filter else "")
        if not rows:
            rows = ["Nothing ahead that matches. Try `/deadlines` without a filter."]
        pages = []
        for start in range(0, len(rows), ROWS_PER_PAGE):
            embed = discord.Embed(
                title=title,
                description=markup.join_lines(rows[start : start + ROWS_PER_PAGE], 4000),
                colour=COLOUR,
            )
            embed.set_footer(
                text="Times are shown in your timezone. Estimates are not announced dates."
            )
            pages.append(embed)
        await PagedView(pages, owner_id=interaction.user.id).send(interaction, ephemeral=private)

    async def _send_calendar(
        self,
        interaction: discord.Interaction[MLAudioBot],
        wanted: DeadlineFilter,
        private: bool,
    ) -> None:
        book = self.services.deadlines
        data = build_calendar(book, self.services.clock.now(), conference=wanted.conference)
        name = f"deadlines-{wanted.conference}.ics" if wanted.conference else "deadlines.ics"
        await interaction.response.send_message(
            "Upcoming deadlines as a calendar file (times in UTC; import it, or re-import to "
            "update: events keep their ids).",
            file=discord.File(io.BytesIO(data), filename=name),
            ephemeral=private,
        )

    @app_commands.command(name="deadline", description="One conference's deadlines and details")
    @app_commands.describe(conference="The conference (start typing to see them)")
    async def deadline(
        self,
        interaction: discord.Interaction[MLAudioBot],
        conference: app_commands.Range[str, 1, 100],
        private: bool = False,
    ) -> None:
        book = self.services.deadlines
        try:
            wanted = parse_filter(conference, book)
        except FilterError as error:
            await refuse(interaction, f"{error}.", reason="unknown-conference")
            return
        series = book.get(wanted.conference) if wanted.conference else None
        if series is None:
            await refuse(interaction, "Name one conference, e.g. `icassp`.", reason="no-conference")
            return
        edition, lines = edition_details(series, self.services.clock.now())
        if edition is not None:  # before the source line: what upstream sources say instead
            found = self.services.deadline_layer.disagreements
            lines[-1:-1] = disagreement_lines(series, edition, found)
        embed = discord.Embed(
            title=edition.title if edition else series.name,
            url=edition.link if edition and edition.link else None,
            description=markup.join_lines(lines, 4000),
            colour=COLOUR,
        )
        await interaction.response.send_message(embed=embed, ephemeral=private)

    @deadline.autocomplete("conference")
    async def conference_autocomplete(
        self, interaction: discord.Interaction[MLAudioBot], current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.casefold().strip()
        found = [
            s
            for s in self.services.deadlines.series
            if not typed or typed in s.name.casefold() or typed in s.id
        ]
        return [
            app_commands.Choice(name=markup.truncate(s.name, markup.CHOICE_NAME), value=s.id)
            for s in found[: markup.CHOICES]
        ]

    @announcements.command(name="follow", description="Receive the bot's announcements here")
    @app_commands.describe(channel="Your channel that should receive the announcements")
    async def follow(
        self, interaction: discord.Interaction[MLAudioBot], channel: discord.TextChannel
    ) -> None:
        # The rights that count are the caller's in the followed channel, not in the one
        # the command was typed in (``interaction.permissions``). No default_permissions:
        # Discord ignores them on a subcommand, so the check here is the only one.
        user = interaction.user
        if not (isinstance(user, discord.Member) and channel.permissions_for(user).manage_webhooks):
            await refuse(
                interaction,
                f"You need the Manage Webhooks permission in {channel.mention} to make it "
                "follow the announcements.",
                reason="follow-needs-manage-webhooks",
            )
            return
        source = self._announcement_channel(interaction.client)
        if source is None:
            await refuse(
                interaction,
                "This bot has no announcement channel configured, so there is nothing to follow.",
                reason="no-announcement-channel",
            )
            return
        # Creating the follow is a REST call that may wait out a rate limit for longer
        # than Discord's 3 s to answer: acknowledge first so the outcome can still be told.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await source.follow(destination=channel, reason=f"requested by {interaction.user.id}")
        except discord.Forbidden:
            await refuse(
                interaction,
                f"I cannot create the follow webhook in {channel.mention}: give me the "
                "Manage Webhooks permission there and try again.",
                reason="follow-forbidden",
            )
            return
        except discord.HTTPException as error:
            log.warning("follow of %s into %s failed: %s", source.id, channel.id, error)
            why = markup.truncate(error.text or str(error), 200)
            await refuse(
                interaction,
                f"Discord did not create the follow in {channel.mention} ({why}). "
                "Nothing was changed; please try again in a minute.",
                reason="follow-failed",
            )
            return
        await interaction.followup.send(
            f"{channel.mention} now receives the announcements of {source.mention} "
            "(deadline reminders and news).",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @announcements.command(name="test", description="Post a test announcement (maintainers)")
    async def test(self, interaction: discord.Interaction[MLAudioBot]) -> None:
        if not await admit_maintainer(
            interaction, self.services.config.maintainer_role_ids, "post a test announcement"
        ):
            return
        source = self._announcement_channel(interaction.client)
        if source is None:
            await refuse(
                interaction,
                "No announcement channel is configured.",
                reason="no-announcement-channel",
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            message = await source.send(
                "📣 Test announcement: servers that follow this channel should see this message.",
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as error:
            # Not "my reply here failed": the announcement channel is what needs fixing.
            log.warning("test announcement not posted in %s: %s", source.id, error)
            why = markup.truncate(error.text or str(error), 200)
            await refuse(
                interaction,
                f"I could not post in {source.mention} ({why}). "
                "Give me View Channel and Send Messages there, then try again.",
                reason="announcement-channel-refused",
            )
            return
        try:
            await message.publish()
        except discord.HTTPException as error:
            log.warning("test announcement posted but not published: %s", error)
            await interaction.followup.send(
                f"Posted in {source.mention}, but publishing failed: {error.text or error}.",
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            f"Posted and published in {source.mention}.", ephemeral=True
        )

    def _announcement_channel(self, client: discord.Client) -> discord.TextChannel | None:
        channel_id = self.services.config.announcements_channel_id
        channel = client.get_channel(channel_id) if channel_id else None
        if isinstance(channel, discord.TextChannel) and channel.is_news():
            return channel
        return None


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Deadlines(services_of(bot)))
