"""What users see when a command or button fails, and what the log keeps.

Every failure ends the same way: the user gets a short ephemeral message saying what
happened and what to do; expected refusals (a check, a cooldown) are logged as such; a
bug is logged with its traceback, the command, user, guild and an error reference that the
user's message repeats, so a maintainer can find the log line a user reports. Nothing
here raises: the process keeps running whatever a handler did.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.discord.logging import describe_interaction, log_interaction
from bot.discord.replies import tell

log = logging.getLogger(__name__)


class UserFacingError(app_commands.AppCommandError):
    """Raise from deep inside a command with a message meant for the user.

    The tree's error handler shows it ephemerally and logs ``outcome=refused``. In a command
    body itself prefer ``await refuse(interaction, "...")`` (``bot.discord.replies``) and
    return: an exception also reaches SimCord's error capture, so tests would have to
    acknowledge it.
    """


def error_reference() -> str:
    """A short id shown to the user and written to the log next to the traceback."""
    return secrets.token_hex(4)


def describe_failure(error: BaseException) -> tuple[str, str, bool]:
    """``(user message, outcome, is a bug)`` for an error raised while handling."""
    original = getattr(error, "original", None)
    cause = original if isinstance(original, BaseException) else error
    if isinstance(error, UserFacingError):
        return str(error), "refused", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return (
            f"Slow down a little: try again in {error.retry_after:.0f} s.",
            "cooldown",
            False,
        )
    if isinstance(error, app_commands.MissingAnyRole | app_commands.MissingRole):
        return "Only maintainers can use this command.", "refused", False
    if isinstance(error, app_commands.MissingPermissions):
        return "You don't have the permissions this command needs.", "refused", False
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return (
            f"I'm missing permissions in this channel ({missing}); ask a server admin.",
            "refused",
            False,
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server.", "refused", False
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", "refused", False
    if isinstance(error, app_commands.TransformerError):
        return (
            f"I couldn't understand {error.value!r}; pick one of the suggestions.",
            "bad-input",
            False,
        )
    if isinstance(cause, discord.HTTPException) and cause.status >= 500:
        return (
            "Discord had a problem delivering my answer. Please try again in a moment.",
            "discord-error",
            False,
        )
    if isinstance(cause, discord.Forbidden):
        return (
            "Discord refused my reply here (missing permissions?); ask a server admin.",
            "forbidden",
            False,
        )
    return "Something went wrong on my side.", "error", True


async def report_failure(
    interaction: discord.Interaction[discord.Client],
    error: BaseException,
) -> None:
    """Log ``error`` with context and tell the user, ephemerally; never raises."""
    message, outcome, is_bug = describe_failure(error)
    reference = None
    if is_bug:
        reference = error_reference()
        message += f" It has been logged (reference `{reference}`); please try again later."
        log.error(
            "command failed: %s user=%s guild=%s channel=%s reference=%s",
            describe_interaction(interaction),
            interaction.user.id,
            interaction.guild_id,
            interaction.channel_id,
            reference,
            exc_info=error,
        )
    elif outcome == "discord-error":
        log.warning("Discord failed on %s: %s", describe_interaction(interaction), error)
    log_interaction(
        interaction,
        outcome,
        level=logging.ERROR if is_bug else logging.INFO,
        reference=reference,
    )
    await tell(interaction, message)
