"""``/resource``: one entry of the reading list, found by name, alias, author or arXiv id."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import markup
from bot.discord.client import MLAudioBot, services_of
from bot.discord.format import entry_embed, matches_embed, not_found_message
from bot.discord.logging import log_interaction
from bot.discord.replies import answer
from bot.services import Services

RELATED = 3
CANDIDATES = 5


class Resources(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="resource", description="Find a resource of the reading list")
    @app_commands.describe(
        query="A title, alias, author or arXiv id; pick a suggestion for an exact match",
        private="Show the answer only to you (default: everyone in the channel sees it)",
    )
    async def resource(
        self,
        interaction: discord.Interaction[MLAudioBot],
        query: app_commands.Range[str, 1, 200],
        private: bool = False,
    ) -> None:
        catalog, search = self.services.catalog, self.services.search
        # A suggestion picked from autocomplete sends the entry id: answer exactly that.
        entry = catalog.entry(query.strip())
        if entry is None:
            hits = search.search(query, limit=CANDIDATES)
            if not hits:
                await answer(interaction, not_found_message(query))
                log_interaction(interaction, "not-found")
                return
            if not search.is_confident(hits):
                await answer(interaction, embed=matches_embed(query, hits))
                log_interaction(interaction, "ambiguous", candidates=len(hits))
                return
            entry = hits[0].entry
        embed = entry_embed(catalog, entry, search.related(entry, limit=RELATED))
        await answer(interaction, embed=embed, ephemeral=private)

    @resource.autocomplete("query")
    async def resource_autocomplete(
        self, interaction: discord.Interaction[MLAudioBot], current: str
    ) -> list[app_commands.Choice[str]]:
        # Answered from memory: Discord gives autocomplete no time to defer.
        return [
            app_commands.Choice(
                name=markup.truncate(choice.name, markup.CHOICE_NAME),
                value=choice.value[: markup.CHOICE_VALUE],
            )
            for choice in self.services.search.autocomplete(current, limit=markup.CHOICES)
        ]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Resources(services_of(bot)))
