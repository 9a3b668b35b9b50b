"""A paged embed with Previous/Next buttons and a menu to jump, for any long listing.

Only the member who asked can turn the pages (everyone else gets a short private note,
so one person browsing never scrolls the channel for others). When the view times out,
its controls are disabled on the message itself, so nobody clicks a dead button.

Reuse: ``view = PagedView(pages, owner_id=interaction.user.id)``, then
``await view.send(interaction, ephemeral=...)``. A command that reads the database first
defers before the read; ``send`` then answers with a followup.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot import markup
from bot.discord.client import MLAudioBot
from bot.discord.logging import log_interaction
from bot.discord.replies import answer
from bot.discord.views import OwnerOnlyView

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 180.0


class PagedView(OwnerOnlyView):
    """Previous / page x of n / Next, plus a page menu when there is more than one page."""

    def __init__(
        self,
        pages: Sequence[discord.Embed],
        *,
        owner_id: int,
        labels: Sequence[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(owner_id=owner_id, timeout=timeout)
        if not pages:
            raise ValueError("PagedView needs at least one page")
        self.pages = list(pages)
        self.labels = list(labels) if labels else [f"Page {i + 1}" for i in range(len(pages))]
        self.index = 0
        # Where the controls live, to disable them later: the interaction's original response
        # (answered directly), or the followup message (answered after a defer).
        self._origin: discord.Interaction[discord.Client] | None = None
        self._message: discord.WebhookMessage | None = None
        self._retired = False
        self.jump: discord.ui.Select[PagedView] = discord.ui.Select(
            placeholder="Jump to page…", min_values=1, max_values=1, row=1
        )
        self.jump.callback = self._jump  # type: ignore[method-assign]
        self.add_item(self.jump)
        self._sync_controls()

    @property
    def page(self) -> discord.Embed:
        return self.pages[self.index]

    async def send(
        self, interaction: discord.Interaction[discord.Client], *, ephemeral: bool = False
    ) -> None:
        """Answer ``interaction`` with the first page (no controls when there is only one).

        Works whether or not the interaction was already deferred or answered: then the page
        goes out as a followup. After a defer, ``ephemeral`` should match the defer's.
        """
        if len(self.pages) == 1:
            self.stop()
            await answer(interaction, embed=self.page, ephemeral=ephemeral)
            return
        # A followup's message is the only handle for editing it later; a direct answer
        # is reached through its interaction.
        self._message = await answer(interaction, embed=self.page, view=self, ephemeral=ephemeral)
        if self._message is None:
            self._origin = interaction
        if isinstance(interaction.client, MLAudioBot):
            interaction.client.keep_view(self)

    # -- controls --------------------------------------------------------------------------

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary, row=0)
    async def previous_page(
        self,
        interaction: discord.Interaction[discord.Client],
        _button: discord.ui.Button[PagedView],
    ) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="Page", style=discord.ButtonStyle.secondary, disabled=True, row=0)
    async def position(
        self,
        interaction: discord.Interaction[discord.Client],
        _button: discord.ui.Button[PagedView],
    ) -> None:  # pragma: no cover - disabled, only shows the position
        await interaction.response.defer()

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary, row=0)
    async def next_page(
        self,
        interaction: discord.Interaction[discord.Client],
        _button: discord.ui.Button[PagedView],
    ) -> None:
        await self._show(interaction, self.index + 1)

    async def _jump(self, interaction: discord.Interaction[discord.Client]) -> None:
        await self._show(interaction, int(self.jump.values[0]))

    async def _show(self, interaction: discord.Interaction[discord.Client], index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_controls()
        await interaction.response.edit_message(embed=self.page, view=self)
        log_interaction(interaction, "ok", page=self.index + 1)

    def _sync_controls(self) -> None:
        count = len(self.pages)
        self.previous_page.disabled = self.index == 0
        self.next_page.disabled = self.index >= count - 1
        self.position.label = f"{self.index + 1} / {count}"
        # A menu holds 25 options: show the 25 pages around the current one.
        start = max(0, min(self.index - markup.SELECT_OPTIONS // 2, count - markup.SELECT_OPTIONS))
        self.jump.options = [
            discord.SelectOption(
                label=markup.truncate(self.labels[i], markup.SELECT_LABEL),
                value=str(i),
                default=i == self.index,
            )
            for i in range(start, min(count, start + markup.SELECT_OPTIONS))
        ]

    # -- rules -----------------------------------------------------------------------------

    def not_owner_message(self) -> str:
        return (
            f"Only <@{self.owner_id}> can turn these pages. Run the command yourself to "
            "browse on your own."
        )

    async def on_timeout(self) -> None:
        await self.retire()

    async def retire(self) -> None:
        """Disable the controls on the message (timeout, or the bot stopping); idempotent."""
        if self._retired:
            return
        self._retired = True
        self.stop()
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        try:
            if self._message is not None:
                await self._message.edit(view=self)
            elif self._origin is not None:
                await self._origin.edit_original_response(view=self)
        except discord.HTTPException as exc:
            # Deleted message or expired token: nothing left to disable.
            log.debug("could not disable the pager's controls: %s", exc)
