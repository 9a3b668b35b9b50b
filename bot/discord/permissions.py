"""The gateway intents and server permissions the bot asks for, each with its reason.

Least privilege: no privileged intent (members, presences, message content), because
every feature works through slash commands and components, and only the permissions a
feature uses. Adding a feature that needs more? Add a line to ``PERMISSIONS`` with the
reason; the invite URL, ``ml-audio-bot invite-url`` and the README table follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import discord

from bot import maintainers, markup
from bot.discord.replies import refuse

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


@runtime_checkable
class KnowsHome(Protocol):
    """A client that knows its home server (``bot.discord.client.MLAudioBot``)."""

    def home_guild_id(self) -> int | None: ...


def home_guild_id(client: discord.Client) -> int | None:
    """The home server of ``client``: its setting, else the only server it is in."""
    if isinstance(client, KnowsHome):
        return client.home_guild_id()
    return maintainers.resolve_home(None, [guild.id for guild in client.guilds])


def home_name(client: discord.Client, guild_id: int | None) -> str | None:
    """The home server's name for messages (markdown escaped), if the bot sees it."""
    guild = client.get_guild(guild_id) if guild_id is not None else None
    return markup.escape_markdown(guild.name) if guild is not None else None


def standing(
    interaction: discord.Interaction[discord.Client], maintainer_role_ids: Iterable[int]
) -> maintainers.Standing:
    """``bot.maintainers.standing`` for the member behind ``interaction``.

    Manage Server comes from the permissions Discord sent with the interaction (an
    Administrator has every bit); they only count in the home server.
    """
    user = interaction.user
    permissions = interaction.permissions
    in_server = isinstance(user, discord.Member)
    return maintainers.standing(
        interaction.guild_id if in_server else None,
        home_guild_id(interaction.client),
        (role.id for role in user.roles) if isinstance(user, discord.Member) else (),
        in_server and (permissions.manage_guild or permissions.administrator),
        maintainer_role_ids,
    )


def is_maintainer(
    interaction: discord.Interaction[discord.Client], maintainer_role_ids: Iterable[int]
) -> bool:
    """True for a maintainer acting in the home server (see ``bot.maintainers``)."""
    return standing(interaction, maintainer_role_ids) is maintainers.Standing.MAINTAINER


def home_refusal(interaction: discord.Interaction[discord.Client], action: str) -> str | None:
    """Why ``action`` is refused here because this is not the home server, or None.

    For actions whose own refusals (non-maintainers of the home server) come from
    elsewhere, e.g. the suggestions service, and for ``/suggest``.
    """
    home = home_guild_id(interaction.client)
    if interaction.guild_id is not None and interaction.guild_id == home:
        return None
    return maintainers.home_only(action, home, home_name(interaction.client, home))


async def admit_home(interaction: discord.Interaction[discord.Client], action: str) -> bool:
    """True in the home server; elsewhere refuse ephemerally, naming the home server."""
    message = home_refusal(interaction, action)
    if message is None:
        return True
    await refuse(interaction, message, reason="not-home-server")
    return False


async def admit_maintainer(
    interaction: discord.Interaction[discord.Client],
    maintainer_role_ids: Iterable[int],
    action: str,
) -> bool:
    """True for a maintainer; otherwise refuse ephemerally, saying who may ``action`` where."""
    wanted = tuple(maintainer_role_ids)
    found = standing(interaction, wanted)
    home = home_guild_id(interaction.client)
    message = maintainers.refusal_for(
        found, action, wanted, home, home_name(interaction.client, home)
    )
    if message is None:
        return True
    reason = "not-maintainer" if found is maintainers.Standing.MEMBER else "not-home-server"
    await refuse(interaction, message, reason=reason)
    return False
