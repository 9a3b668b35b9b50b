"""``/announcements follow|test``: other servers follow the bot's announcement channel.

Thin: Discord does the following (a channel follow webhook); this checks who may ask,
acknowledges before the REST call, and says what happened or what to fix.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import markup
from bot.discord.client import MLAudioBot, services_of
from bot.discord.permissions import admit_maintainer
from bot.discord.replies import answer, defer, refuse
from bot.services import Services

log = logging.getLogger(__name__)


class Announcements(commands.Cog):
    announcements = app_commands.Group(
        name="announcements", description="The bot's announcement channel", guild_only=True
    )

    def __init__(self, services: Services) -> None:
        self.services = services

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
        await defer(interaction)
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
        await answer(
            interaction,
            f"{channel.mention} now receives the announcements of {source.mention} "
            "(deadline reminders and news).",
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
        await defer(interaction)
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
            await answer(
                interaction,
                f"Posted in {source.mention}, but publishing failed: {error.text or error}.",
            )
            return
        await answer(interaction, f"Posted and published in {source.mention}.")

    def _announcement_channel(self, client: discord.Client) -> discord.TextChannel | None:
        channel_id = self.services.config.announcements_channel_id
        channel = client.get_channel(channel_id) if channel_id else None
        if isinstance(channel, discord.TextChannel) and channel.is_news():
            return channel
        return None


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Announcements(services_of(bot)))
