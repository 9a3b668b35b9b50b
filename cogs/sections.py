"""``/section`` (browse one section page by page) and ``/sections`` (all of them)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import markup
from bot.discord.client import MLAudioBot, services_of
from bot.discord.format import (
    section_choice,
    section_pages,
    sections_embed,
    unknown_section_message,
)
from bot.discord.paging import PagedView
from bot.discord.replies import answer, refuse
from bot.search import UnknownFilterError, match_sections
from bot.services import Services


class Sections(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="section", description="Browse one section of the reading list")
    @app_commands.describe(
        name="The section to browse (start typing to see them)",
        private="Show the listing only to you",
    )
    async def section(
        self,
        interaction: discord.Interaction[MLAudioBot],
        name: app_commands.Range[str, 1, 100],
        private: bool = False,
    ) -> None:
        catalog = self.services.catalog
        try:
            section = self.services.search.resolve_section(name)
        except UnknownFilterError as exc:
            message = unknown_section_message(name, exc.suggestions)
            await refuse(interaction, message, reason="unknown-section")
            return
        pages, labels = section_pages(catalog, section)
        view = PagedView(pages, owner_id=interaction.user.id, labels=labels)
        await view.send(interaction, ephemeral=private)

    @section.autocomplete("name")
    async def section_autocomplete(
        self, interaction: discord.Interaction[MLAudioBot], current: str
    ) -> list[app_commands.Choice[str]]:
        catalog = self.services.catalog
        return [
            section_choice(catalog, s) for s in match_sections(catalog, current, markup.CHOICES)
        ]

    @app_commands.command(name="sections", description="List the sections with their entry counts")
    @app_commands.describe(private="Show the list only to you")
    async def sections(
        self, interaction: discord.Interaction[MLAudioBot], private: bool = False
    ) -> None:
        await answer(interaction, embed=sections_embed(self.services.catalog), ephemeral=private)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Sections(services_of(bot)))
