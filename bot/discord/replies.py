"""The one way the bot answers an interaction: ``answer``, ``defer``, ``tell``, ``refuse``.

Every cog and component replies through these, so the rules hold everywhere:

* ``answer`` works whether or not the interaction was deferred or answered already (then
  it is a followup); content is cut to Discord's limit instead of being refused with a 400.
* ``defer`` acknowledges within Discord's 3 seconds (the member sees "thinking…") before
  slow work; ``answer`` then replaces the "thinking…".
* ``tell`` is a short private notice (a refusal, a failure) in whatever state the
  interaction is; it never raises, because it is also the last thing an error path does.
* ``refuse`` is ``tell`` plus the log line saying the interaction was refused.

Nothing sent here pings anyone (user text may contain ``@everyone`` or role mentions):
``answer`` says so on every message, and the bot's client sends no mentions by default.

The helpers take an interaction of any client (``Interaction`` is covariant in its client,
so the bot's ``Interaction[MLAudioBot]`` fits): views of plain clients use them too.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot import markup
from bot.discord.logging import describe_interaction, log_interaction

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


async def defer(
    interaction: discord.Interaction[discord.Client], *, ephemeral: bool = True
) -> None:
    """Acknowledge now (the member sees "thinking…"); the answer follows via ``answer``."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)


async def answer(
    interaction: discord.Interaction[discord.Client],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    ephemeral: bool = True,
) -> discord.WebhookMessage | None:
    """Reply, privately unless ``ephemeral=False``, whether or not the interaction was deferred.

    Returns the followup message when the answer was one (the only handle for editing a
    followup later, e.g. to disable its buttons); ``None`` for the interaction's own
    response, which ``interaction.edit_original_response`` reaches. After a defer,
    ``ephemeral`` should match the defer's: Discord keeps the deferred visibility.
    """
    # Only what is given is passed on: the followup API does not take None for these.
    extra: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": NO_MENTIONS}
    if content is not None:
        extra["content"] = markup.truncate(content, markup.CONTENT)
    if embed is not None:
        extra["embed"] = embed
    if view is not None:
        extra["view"] = view
    if file is not None:
        extra["file"] = file
    if interaction.response.is_done():
        return await interaction.followup.send(wait=True, **extra)
    await interaction.response.send_message(**extra)
    return None


async def tell(interaction: discord.Interaction[discord.Client], message: str) -> None:
    """Send ``message`` only to the caller, whatever state the interaction is in; never raises."""
    # Error text may quote remote servers or user input: Discord refuses the whole
    # reply (400) past 2000 characters, and then the user would learn nothing.
    message = markup.truncate(message, markup.CONTENT)
    # No allowed_mentions here: the bot's client sends none by default, and this also runs
    # for interactions the bot refuses while stopping, before anything else is set up.
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True)
        elif interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            # The user is looking at "thinking…": replace it rather than leave it spinning.
            await interaction.edit_original_response(content=message, embed=None, view=None)
        else:
            await interaction.followup.send(message, ephemeral=True)
    except discord.HTTPException as exc:
        # Discord itself is failing or the token expired; the log is all that is left.
        log.warning(
            "could not tell the user about a failure on %s: %s",
            describe_interaction(interaction),
            exc,
        )


async def refuse(
    interaction: discord.Interaction[discord.Client], message: str, **fields: Any
) -> None:
    """Answer only the caller with what to fix, and log the interaction as refused."""
    log_interaction(interaction, "refused", **fields)
    await tell(interaction, message)
