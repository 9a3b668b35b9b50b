"""``/suggest`` and ``/suggestions …``: members propose resources, maintainers review them.

Thin: each command parses the interaction, calls ``SuggestionService`` (the rules) or
``bot.discord.suggestions.controller.SuggestionsUI`` (forms, the submit and edit loops,
buttons, posting) and formats a reply.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import markup
from bot.discord.client import MLAudioBot, services_of
from bot.discord.format import section_choice
from bot.discord.logging import log_interaction
from bot.discord.paging import PagedView
from bot.discord.permissions import admit_home
from bot.discord.replies import answer, defer, refuse
from bot.discord.suggestions.controller import (
    COG_NAME,
    PRE_MODAL_READ_TIMEOUT,
    REVIEW_ACTION,
    SUGGEST_ACTION,
    SuggestionsUI,
)
from bot.discord.suggestions.messages import (
    BUSY_MESSAGE,
    jump_url,
    storage_message,
    suggestion_embed,
)
from bot.discord.suggestions.views import SuggestionButton
from bot.markup import escape_markdown
from bot.search import UnknownFilterError, match_sections
from bot.services import Services
from bot.suggestions import render
from bot.suggestions.model import Draft, Status
from bot.suggestions.outcomes import Refused
from bot.suggestions.service import SuggestionService
from bot.suggestions.store import StorageError
from bot.suggestions.validation import SUGGESTABLE_KINDS

log = logging.getLogger(__name__)

PER_PAGE = 10
LIST_MAX = 250  # newest suggestions a listing shows (25 pages)
StatusName = Literal["pending", "approved", "rejected", "duplicate", "withdrawn", "merged"]
BLOCKLIST_ACTION = "manage the suggestions blocklist"
KIND_CHOICES = [app_commands.Choice(name=kind, value=kind) for kind in SUGGESTABLE_KINDS][:25]


class Suggestions(commands.Cog, name=COG_NAME):
    """Holds the bot's ``SuggestionsUI`` as ``ui``; the buttons find it through ``ui_of``."""

    suggestions = app_commands.Group(
        name="suggestions",
        description="Your suggestions, the list, and maintainers' review tools",
        guild_only=True,
    )

    def __init__(self, bot: MLAudioBot, services: Services, service: SuggestionService) -> None:
        self.bot = bot
        self.services = services
        self.service = service
        self.ui = SuggestionsUI(bot, service)
        self._startup: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SuggestionButton)
        try:
            merged = await self.service.reconcile_with_catalog()
            await self.service.announce_backlog()
        except StorageError as exc:
            # The bot still starts: members get the same clear message on their next write.
            log.warning("suggestions: start-up bookkeeping skipped: %s", exc)
        else:
            for suggestion, entry in merged:
                log.info(
                    "suggestion #%d is in the catalog now (%s): merged", suggestion.id, entry.id
                )
        self._startup = asyncio.create_task(self._post_backlog(), name="suggestions-backlog")

    async def _post_backlog(self) -> None:
        await self.bot.wait_until_ready()
        try:
            posted = await self.ui.post_unposted()
        except Exception:
            log.exception("posting saved suggestions failed; they stay saved")
            return
        if posted:
            log.info("posted %d saved suggestion(s) that had no message yet", posted)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SuggestionButton)
        if self._startup is not None and not self._startup.done():
            self._startup.cancel()
        await self.ui.close()

    # -- /suggest ----------------------------------------------------------------------------

    @app_commands.command(name="suggest", description="Suggest a resource for the reading list")
    @app_commands.describe(
        section="Where it belongs (start typing to see the sections)",
        url="The link (you can also paste it in the form)",
        title="Its title (you can also type it in the form)",
        kind="What it is; guessed from the link when left out",
        anonymous="Hide your name on the suggestion (if the server allows it)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.guild_only()
    async def suggest(
        self,
        interaction: discord.Interaction[MLAudioBot],
        section: app_commands.Range[str, 1, 100],
        url: app_commands.Range[str, 1, 500] | None = None,
        title: app_commands.Range[str, 1, 200] | None = None,
        kind: app_commands.Choice[str] | None = None,
        anonymous: bool = False,
    ) -> None:
        if not await admit_home(interaction, SUGGEST_ACTION):
            return
        try:
            found = self.services.search.resolve_section(section)
        except UnknownFilterError as exc:
            hint = ", ".join(f"`{s}`" for s in exc.suggestions) if exc.suggestions else ""
            await refuse(
                interaction,
                f"There is no section called {escape_markdown(markup.truncate(section, 80))}."
                + (f" Did you mean {hint}?" if hint else "")
                + " Pick one from the list that appears while you type.",
                reason="unknown-section",
            )
            return
        anonymous_refused = self.service.anonymous_refusal(anonymous=anonymous)
        if anonymous_refused is not None:
            await refuse(interaction, anonymous_refused.message, reason="anonymous-off")
            return
        # A blocked member is told before typing anything; a modal cannot follow a defer,
        # so the read is bounded instead.
        try:
            async with asyncio.timeout(PRE_MODAL_READ_TIMEOUT):
                blocked = await self.service.blocked_refusal(
                    interaction.guild_id, interaction.user.id
                )
        except TimeoutError:
            await refuse(interaction, BUSY_MESSAGE, reason="busy")
            return
        if blocked is not None:
            await refuse(interaction, blocked.message, reason="blocked")
            return
        draft = Draft(title or "", url or "", found.id, "", kind.value if kind else "")
        await interaction.response.send_modal(self.ui.modal_for_new(draft, anonymous=anonymous))

    @suggest.autocomplete("section")
    async def section_autocomplete(
        self, interaction: discord.Interaction[MLAudioBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return section_choices(self.services, current)

    # -- /suggestions list | show ---------------------------------------------------------

    @suggestions.command(name="list", description="Suggestions of this server, newest first")
    @app_commands.describe(status="Only suggestions with this status (default: all)")
    async def list_(
        self, interaction: discord.Interaction[MLAudioBot], status: StatusName | None = None
    ) -> None:
        assert interaction.guild_id is not None
        chosen = Status(status) if status else None
        await defer(interaction)
        found, total = await self.service.page(interaction.guild_id, chosen, 0, LIST_MAX)
        heading = f"Suggestions ({status or 'all'})"
        if not found:
            await answer(
                interaction,
                f"No suggestions{f' with status {status}' if status else ''} yet. "
                "Propose one with `/suggest`.",
            )
            return
        pages = []
        for start in range(0, len(found), PER_PAGE):
            chunk = found[start : start + PER_PAGE]
            embed = discord.Embed(
                title=heading,
                description=markup.join_lines(
                    [render.list_line(s) for s in chunk], markup.EMBED_DESCRIPTION
                ),
                colour=render.STATUS_COLOURS[chosen or Status.PENDING],
            )
            shown = f"{min(total, LIST_MAX)} newest of {total}" if total > LIST_MAX else str(total)
            embed.set_footer(text=f"{shown} · /suggestions show <id> for details")
            pages.append(embed)
        view = PagedView(pages, owner_id=interaction.user.id)
        await view.send(interaction, ephemeral=True)

    @suggestions.command(name="show", description="One suggestion in full")
    @app_commands.describe(id="The suggestion's number (#12 → 12)")
    async def show(
        self, interaction: discord.Interaction[MLAudioBot], id: app_commands.Range[int, 1]
    ) -> None:
        await defer(interaction)
        found = await self.service.find(interaction.guild_id, id)
        if isinstance(found, Refused):
            await refuse(interaction, found.message, reason="not-found")
            return
        embed = suggestion_embed(self.service, found)
        where = jump_url(found, found.guild_id)
        if where:
            embed.add_field(name="Message", value=where, inline=False)
        elif found.message_deleted_at is not None:
            embed.add_field(
                name="Message",
                value=f"deleted {markup.timestamp(found.message_deleted_at, 'f')}; a "
                f"maintainer can bring it back with `/suggestions repost {found.id}`",
                inline=False,
            )
        if self.ui.maintainer(interaction):
            events = await self.service.audit_trail(found.id)
            lines = [
                f"{markup.timestamp(e.at, 'd')} <@{e.actor_id}> {e.action}"
                if e.actor_id
                else f"{markup.timestamp(e.at, 'd')} (bot) {e.action}"
                for e in events
            ]
            embed.add_field(
                name="Audit log (maintainers only)",
                value=markup.join_lines(lines, markup.FIELD_VALUE) or "empty",
                inline=False,
            )
        await answer(interaction, embed=embed)

    # -- /suggestions edit | withdraw ------------------------------------------------------

    @suggestions.command(name="edit", description="Change your own pending suggestion")
    @app_commands.describe(id="The suggestion's number", section="Move it to another section")
    async def edit(
        self,
        interaction: discord.Interaction[MLAudioBot],
        id: app_commands.Range[int, 1],
        section: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        # A modal cannot follow a defer, so the read before it is bounded instead.
        try:
            async with asyncio.timeout(PRE_MODAL_READ_TIMEOUT):
                found = await self.service.editable(interaction.guild_id, id, interaction.user.id)
        except TimeoutError:
            await refuse(interaction, BUSY_MESSAGE, reason="busy")
            return
        if isinstance(found, Refused):
            await refuse(interaction, found.message, reason="not-editable")
            return
        draft = found.draft
        if section:
            try:
                moved = self.services.search.resolve_section(section)
            except UnknownFilterError:
                await refuse(interaction, "Pick a section from the list.", reason="bad-section")
                return
            draft = Draft(draft.title, draft.url, moved.id, draft.reason, draft.kind)

        await interaction.response.send_modal(self.ui.modal_for_edit(id, draft))

    @edit.autocomplete("section")
    async def edit_section_autocomplete(
        self, interaction: discord.Interaction[MLAudioBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return section_choices(self.services, current)

    @suggestions.command(name="withdraw", description="Take back your own pending suggestion")
    @app_commands.describe(id="The suggestion's number")
    async def withdraw(
        self, interaction: discord.Interaction[MLAudioBot], id: app_commands.Range[int, 1]
    ) -> None:
        assert interaction.guild_id is not None
        await defer(interaction)
        try:
            outcome = await self.service.withdraw(interaction.guild_id, id, interaction.user.id)
        except StorageError as exc:
            await refuse(interaction, storage_message(exc), reason="storage")
            return
        if isinstance(outcome, Refused):
            await refuse(interaction, outcome.message, reason="not-withdrawable")
            return
        await answer(interaction, f"Suggestion #{id} is withdrawn.")
        self.ui.refresh_soon(id)

    # -- maintainers ----------------------------------------------------------------------

    @suggestions.command(name="voters", description="Maintainers: who voted on a suggestion")
    @app_commands.describe(id="The suggestion's number")
    async def voters(
        self, interaction: discord.Interaction[MLAudioBot], id: app_commands.Range[int, 1]
    ) -> None:
        if not await admit_home(interaction, REVIEW_ACTION):
            return
        await self.ui.show_voters(interaction, id)

    @suggestions.command(
        name="repost",
        description="Maintainers: post a suggestion again after its message was deleted",
    )
    @app_commands.describe(id="The suggestion's number")
    async def repost(
        self, interaction: discord.Interaction[MLAudioBot], id: app_commands.Range[int, 1]
    ) -> None:
        assert interaction.guild is not None
        if not await admit_home(interaction, REVIEW_ACTION):
            return
        await defer(interaction)
        try:
            allowed = await self.service.allow_repost(
                interaction.guild_id, id, interaction.user.id,
                is_maintainer=self.ui.maintainer(interaction),
            )  # fmt: skip
            if isinstance(allowed, Refused):
                await refuse(interaction, allowed.message, reason="refused")
                return
            problem = await self.ui.repost(interaction.guild, allowed)
        except StorageError as exc:
            await refuse(interaction, storage_message(exc), reason="storage")
            return
        if problem is not None:
            await refuse(
                interaction, f"Suggestion #{id} was not reposted: {problem}.", reason="not-reposted"
            )
            return
        reposted = await self.service.get(id)
        where = jump_url(reposted, interaction.guild.id) if reposted else None
        log_interaction(interaction, "ok", suggestion=id)
        await answer(
            interaction, f"Suggestion #{id} is posted again" + (f": {where}" if where else ".")
        )

    @suggestions.command(name="block", description="Maintainers: stop a member from suggesting")
    @app_commands.describe(member="Who", reason="Why (kept in the audit log and shown to them)")
    async def block(
        self,
        interaction: discord.Interaction[MLAudioBot],
        member: discord.Member,
        reason: app_commands.Range[str, 0, 200] = "",
    ) -> None:
        if not await admit_home(interaction, BLOCKLIST_ACTION):
            return
        assert interaction.guild_id is not None
        await defer(interaction)
        try:
            result = await self.service.block(
                interaction.guild_id,
                member.id,
                reason,
                interaction.user.id,
                is_maintainer=self.ui.maintainer(interaction),
            )
        except StorageError as exc:
            result = Refused(storage_message(exc))
        await self._report_result(interaction, result)

    @suggestions.command(name="unblock", description="Maintainers: let a member suggest again")
    @app_commands.describe(member="Who")
    async def unblock(
        self, interaction: discord.Interaction[MLAudioBot], member: discord.Member
    ) -> None:
        if not await admit_home(interaction, BLOCKLIST_ACTION):
            return
        assert interaction.guild_id is not None
        await defer(interaction)
        try:
            result = await self.service.unblock(
                interaction.guild_id,
                member.id,
                interaction.user.id,
                is_maintainer=self.ui.maintainer(interaction),
            )
        except StorageError as exc:
            result = Refused(storage_message(exc))
        await self._report_result(interaction, result)

    async def _report_result(
        self, interaction: discord.Interaction[MLAudioBot], result: str | Refused
    ) -> None:
        if isinstance(result, Refused):
            await refuse(interaction, result.message, reason="refused")
            return
        await answer(interaction, result)


def section_choices(services: Services, current: str) -> list[app_commands.Choice[str]]:
    """The sections matching what was typed, as ``/section`` offers them."""
    catalog = services.catalog
    return [section_choice(catalog, s) for s in match_sections(catalog, current, markup.CHOICES)]


async def setup(bot: commands.Bot) -> None:
    if not isinstance(bot, MLAudioBot):
        raise TypeError("cogs need an MLAudioBot (bot.discord.client.create_bot)")
    services = services_of(bot)
    if services.suggestions is None:
        raise RuntimeError("Services.suggestions is missing: build services with build_services")
    await bot.add_cog(Suggestions(bot, services, services.suggestions))
