"""The gateway intents and server permissions the bot asks for, each with its reason.

Least privilege: no privileged intent (members, presences, message content), because
every feature works through slash commands and components, and only the permissions a
feature uses. Adding a feature that needs more? Add a line to ``PERMISSIONS`` with the
reason; the invite URL, ``ml-audio-bot invite-url`` and the README table follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from bot import maintainers
from bot.discord.errors import refuse

INTENT_REASONS: tuple[tuple[str, str], ...] = (
    (
        "guilds",
        "know the server's channels and roles (announcement channel, maintainer roles)",
    ),
)

PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "see the channels it answers and posts in"),
    ("send_messages", "post announcements, deadline reminders and feed items"),
    ("embed_links", "show resources as embeds with links"),
    ("read_message_history", "find its own earlier posts so nothing is posted twice"),
    ("send_messages_in_threads", "answer and post inside threads"),
    ("create_public_threads", "open a discussion thread under a suggestion"),
    ("manage_messages", "publish (crosspost) its posts in announcement channels"),
    ("manage_webhooks", "let other servers follow the announcement channel"),
)

SCOPES: tuple[str, ...] = ("bot", "applications.commands")


def intents() -> discord.Intents:
    """Only ``guilds``: slash commands and buttons arrive as interactions without intents."""
    enabled = discord.Intents.none()
    for name, _reason in INTENT_REASONS:
        setattr(enabled, name, True)
    return enabled


def required_permissions() -> discord.Permissions:
    return discord.Permissions(**{name: True for name, _reason in PERMISSIONS})


def invite_url(application_id: int) -> str:
    """The OAuth2 URL a server admin opens to add the bot with exactly these permissions."""
    return discord.utils.oauth_url(
        application_id, permissions=required_permissions(), scopes=SCOPES
    )


def is_maintainer(
    interaction: discord.Interaction[Any], maintainer_role_ids: Iterable[int]
) -> bool:
    """``bot.maintainers.is_maintainer`` for the member behind ``interaction``.

    Manage Server comes from the permissions Discord sent with the interaction (an
    Administrator has every bit). Outside a server nobody maintains anything.
    """
    user = interaction.user
    if not isinstance(user, discord.Member):
        return False
    permissions = interaction.permissions
    return maintainers.is_maintainer(
        (role.id for role in user.roles),
        permissions.manage_guild or permissions.administrator,
        maintainer_role_ids,
    )


async def admit_maintainer(
    interaction: discord.Interaction[Any], maintainer_role_ids: Iterable[int], action: str
) -> bool:
    """True for a maintainer; otherwise refuse ephemerally, saying who may ``action``."""
    wanted = tuple(maintainer_role_ids)
    if is_maintainer(interaction, wanted):
        return True
    await refuse(interaction, maintainers.refusal(action, wanted), reason="not-maintainer")
    return False
