"""``/about`` (what this bot is and how fresh its catalog is) and ``/help`` (every command)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__, markup
from bot.discord.client import MLAudioBot, services_of
from bot.discord.format import ACCENT, fit, format_date
from bot.discord.replies import answer, defer
from bot.services import CatalogInfo, Services

SEED_LIST_URL = "https://github.com/drscotthawley/ml-audio-start"


class Meta(commands.Cog):
    def __init__(self, bot: MLAudioBot, services: Services) -> None:
        self.bot = bot
        self.services = services

    @app_commands.command(name="about", description="What this bot is, its version and catalog")
    async def about(self, interaction: discord.Interaction[MLAudioBot]) -> None:
        # Reading the database may wait on disk: acknowledge within Discord's 3 seconds first.
        await defer(interaction)
        schema = await self.services.schema_versions()
        info = self.services.catalog_info
        uptime = self.services.clock.now() - self.services.started_at
        embed = discord.Embed(
            title="ML-Audio reading list bot",
            url=self.services.config.source_url,
            description=(
                "The community reading list [Getting Started in ML-Audio]"
                f"({SEED_LIST_URL}) inside Discord: find a resource with `/resource`, "
                "browse with `/section`. `/help` lists every command."
            ),
            colour=ACCENT,
        )
        embed.add_field(
            name="Version", value=f"{__version__} (discord.py {discord.__version__})", inline=True
        )
        embed.add_field(
            name="Catalog",
            value=f"{markup.plural(info.entries, 'entry', 'entries')} in "
            f"{markup.plural(info.sections, 'section')}\nupdated {format_date(info.updated)}"
            f"\n{_loaded(info)}",
            inline=True,
        )
        embed.add_field(name="Uptime", value=_duration(uptime), inline=True)
        embed.add_field(
            name="Storage",
            value=", ".join(f"{name} v{version}" for name, version in schema.items()) or "empty",
            inline=True,
        )
        embed.add_field(
            name="Source",
            value=f"[{self.services.config.source_url}]({self.services.config.source_url})",
        )
        home_warning = self.bot.home_warning()
        if home_warning is not None:
            embed.add_field(name="⚠️ Maintainers locked out", value=home_warning, inline=False)
        await answer(interaction, embed=fit(embed))

    @app_commands.command(name="help", description="List the bot's commands")
    async def help(self, interaction: discord.Interaction[MLAudioBot]) -> None:
        lines = [
            f"`{usage}` — {description}" for usage, description in command_lines(self.bot.tree)
        ]
        embed = discord.Embed(
            title="Commands",
            description=markup.join_lines(lines, markup.EMBED_DESCRIPTION),
            colour=ACCENT,
        )
        embed.set_footer(text="<required> [optional] · answers are public unless private:True")
        await answer(interaction, embed=fit(embed))


def command_lines(tree: app_commands.CommandTree[Any]) -> Iterator[tuple[str, str]]:
    """``("/resource <query> [private]", "Find a resource…")`` for every slash command.

    Read from the command tree, so a new cog's commands appear without editing this.
    """
    for command in sorted(tree.get_commands(type=discord.AppCommandType.chat_input), key=_name):
        yield from _walk(command)


def _walk(
    command: app_commands.Command[Any, ..., Any] | app_commands.Group,
) -> Iterator[tuple[str, str]]:
    if isinstance(command, app_commands.Group):
        for sub in sorted(command.commands, key=_name):
            yield from _walk(sub)
        return
    options = " ".join(
        f"<{p.display_name}>" if p.required else f"[{p.display_name}]" for p in command.parameters
    )
    usage = f"/{command.qualified_name}" + (f" {options}" if options else "")
    yield usage, command.description


def _name(command: Any) -> str:
    return str(command.name)


def _loaded(info: CatalogInfo) -> str:
    """``version 3f2a1bc, loaded <t:…:f>``: which catalog answers, since when (Discord
    shows the timestamp in the reader's own time zone)."""
    version = f"version {info.version}" if info.version else "version unknown"
    if info.version_from == "files":
        version += " (hash of the files)"  # not a commit: edited since, or no git
    if info.loaded_at is None:
        return version
    return f"{version}, loaded {discord.utils.format_dt(info.loaded_at, 'f')}"


def _duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


async def setup(bot: commands.Bot) -> None:
    if not isinstance(bot, MLAudioBot):
        raise TypeError("cogs need an MLAudioBot (bot.discord.client.create_bot)")
    await bot.add_cog(Meta(bot, services_of(bot)))
