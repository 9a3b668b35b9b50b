"""``/deadlines`` and ``/deadline``.

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
from bot.deadlines.age import age_line
from bot.deadlines.calendar import build_calendar
from bot.deadlines.listing import (
    DeadlineFilter,
    FilterError,
    disagreement_lines,
    edition_details,
    listing_lines,
    parse_filter,
)
from bot.discord.client import MLAudioBot, services_of
from bot.discord.paging import PagedView
from bot.discord.replies import answer, refuse
from bot.services import Services

log = logging.getLogger(__name__)

ROWS_PER_PAGE = 8
COLOUR = discord.Colour.orange()


class Deadlines(commands.Cog):
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
        age = self.services.deadlines_age
        rows = listing_lines(book, now, wanted, age)
        title = "Upcoming deadlines" + (f" · {markup.truncate(filter, 60)}" if filter else "")
        pages = []
        for start in range(0, len(rows), ROWS_PER_PAGE):
            # Discord shows <t:…> timestamps in descriptions, not footers: the age goes here.
            page = [*rows[start : start + ROWS_PER_PAGE], age_line(age)]
            embed = discord.Embed(
                title=title,
                description=markup.join_lines(page, 4000),
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
        age = self.services.deadlines_age
        data = build_calendar(
            book, self.services.clock.now(), conference=wanted.conference, age=age
        )
        name = f"deadlines-{wanted.conference}.ics" if wanted.conference else "deadlines.ics"
        await answer(
            interaction,
            "Every known deadline, past and coming, as a calendar file (import it, or "
            "subscribe and re-import to update: events keep their ids).\n" + age_line(age),
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
        edition, lines = edition_details(
            series, self.services.clock.now(), self.services.deadlines_age
        )
        if edition is not None:  # before the source and age lines: what upstream says instead
            found = self.services.deadline_layer.disagreements
            at = len(lines) - (2 if edition.source else 1)
            lines[at:at] = disagreement_lines(series, edition, found)
        embed = discord.Embed(
            title=edition.title if edition else series.name,
            url=edition.link if edition and edition.link else None,
            description=markup.join_lines(lines, 4000),
            colour=COLOUR,
        )
        await answer(interaction, embed=embed, ephemeral=private)

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


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Deadlines(services_of(bot)))
