"""``OwnerOnlyView``: controls that only the member who asked may use.

A pager and a suggestion draft belong to one member: anyone else who clicks gets a short
private note (``not_owner_message``) and nothing changes. The view also goes through the
bot's admission (``admit``) like every component, and a failure in a callback reaches the
member as the usual clear message (``report_failure``).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.discord.client import admit
from bot.discord.errors import report_failure
from bot.discord.replies import refuse


class OwnerOnlyView(discord.ui.View):
    """A view whose controls answer only ``owner_id``; subclasses say what others are told."""

    def __init__(self, *, owner_id: int, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    def not_owner_message(self) -> str:
        """What a member who is not the owner reads after clicking."""
        return "These controls belong to someone else."

    async def interaction_check(self, interaction: discord.Interaction[discord.Client], /) -> bool:
        if not await admit(interaction):
            return False
        if interaction.user.id == self.owner_id:
            return True
        await refuse(interaction, self.not_owner_message(), reason="not-owner")
        return False

    async def on_error(
        self,
        interaction: discord.Interaction[discord.Client],
        error: Exception,
        item: discord.ui.Item[Any],
        /,
    ) -> None:
        await report_failure(interaction, error)
