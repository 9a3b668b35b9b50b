"""``/catalog reload``: a maintainer publishes catalog changes without restarting the bot."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import markup
from bot.discord.client import MLAudioBot, services_of
from bot.discord.format import ACCENT, NOT_FOUND, fit
from bot.discord.permissions import admit_maintainer
from bot.discord.replies import answer, defer
from bot.reload.reloader import ReloadResult
from bot.services import Services


class CatalogCommands(commands.Cog):
    catalog = app_commands.Group(
        name="catalog",
        description="The reading list's catalog (maintainers)",
        guild_only=True,
        # No default_permissions: role-based maintainers must see it; bot.maintainers decides.
    )

    def __init__(self, services: Services) -> None:
        self.services = services

    @catalog.command(
        name="reload", description="Apply catalog/ changes now, if they are valid (maintainers)"
    )
    async def reload(self, interaction: discord.Interaction[MLAudioBot]) -> None:
        if not await admit_maintainer(
            interaction, self.services.config.maintainer_role_ids, "reload the catalog"
        ):
            return
        reloader = self.services.reloader
        if reloader is None:
            raise RuntimeError("Services.reloader is missing: build services with build_services")
        # Reading, checking and indexing the whole folder can take longer than 3 seconds.
        await defer(interaction)
        result = await reloader.reload(f"{interaction.user.mention} (/catalog reload)")
        await answer(interaction, embed=reload_embed(result, self.services))


def reload_embed(result: ReloadResult, services: Services) -> discord.Embed:
    """What changed, or every ``file:line`` to fix while the old catalog keeps serving."""
    lines = result.summary(services.config.catalog_path.parent)
    title, *details = lines
    return fit(
        discord.Embed(
            title=title if result.ok else "Catalog not reloaded",
            description=markup.join_lines(
                (discord.utils.escape_markdown(line) for line in (details if result.ok else lines)),
                markup.EMBED_DESCRIPTION,
            ),
            colour=ACCENT if result.ok else NOT_FOUND,
        )
    )


async def setup(bot: commands.Bot) -> None:
    if not isinstance(bot, MLAudioBot):
        raise TypeError("cogs need an MLAudioBot (bot.discord.client.create_bot)")
    await bot.add_cog(CatalogCommands(services_of(bot)))
