"""The demo's servers: "ML-Audio Study Group" (home) and "Partner Lab", with their channels,
roles and members, and the bot's settings pointed at them. The e2e tests build the same
servers with these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import discord
import simcord
from simcord import (
    ChannelHandle,
    GuildHandle,
    MemberActor,
    RoleHandle,
)

from bot.config import Config

# A pinned id keeps the transcript and the preview the same from run to run.
DEMO_GUILD_ID = 1_100_000_000_000_000_001
DEMO_GUILD_NAME = "ML-Audio Study Group"
# SimCord names every bot "TestBot"; a real deployment names the application in the portal.
DEMO_BOT_NAME = "ML-Audio Bot"
SCENE_RULE_WIDTH = 80


@dataclass(frozen=True)
class DemoWorld:
    """The demo server: channels, the maintainer role and the members who act in scenes."""

    guild: GuildHandle
    general: ChannelHandle
    suggestions: ChannelHandle
    announcements: ChannelHandle  # an announcement (news) channel, so posts can be published
    maintainers: RoleHandle
    members: Mapping[str, MemberActor]

    @property
    def newcomer(self) -> MemberActor:
        """Someone new to ML-audio, asking for reading: the main actor of the scenes."""
        return self.members["alice"]

    @property
    def maintainer(self) -> MemberActor:
        """A member with the Maintainers role (reviews suggestions, manages the catalog)."""
        return self.members["maya"]


def create_world(env: simcord.Env) -> DemoWorld:
    """Build the demo server in ``env``: #general, #suggestions, #announcements, roles, members."""
    guild = env.create_guild(DEMO_GUILD_NAME, id=DEMO_GUILD_ID)
    general = guild.create_text_channel("general", topic="Talk about ML for audio")
    suggestions = guild.create_text_channel(
        "suggestions", topic="Suggest papers, courses and tools for the reading list"
    )
    announcements = guild.create_news_channel("announcements")
    maintainers = guild.create_role(
        "Maintainers", permissions=discord.Permissions(manage_messages=True)
    )
    members = {
        "alice": guild.add_member(env.create_user("alice", global_name="Alice")),
        "bob": guild.add_member(env.create_user("bob", global_name="Bob")),
        "maya": guild.add_member(env.create_user("maya", global_name="Maya"), roles=[maintainers]),
    }
    return DemoWorld(guild, general, suggestions, announcements, maintainers, members)


@dataclass(frozen=True)
class PartnerWorld:
    """A second server the bot is in: it follows the announcements; it is not home."""

    guild: GuildHandle
    general: ChannelHandle
    suggestions: ChannelHandle  # the same name as the home server's: the default channel
    news: ChannelHandle  # where Partner Lab receives the followed announcements
    admin: MemberActor  # Administrator and Manage Server, in Partner Lab only
    member: MemberActor


PARTNER_GUILD_NAME = "Partner Lab"


def create_partner(env: simcord.Env) -> PartnerWorld:
    """Build "Partner Lab" in ``env``: its own #general, #suggestions, #ml-audio-news, an admin."""
    guild = env.create_guild(PARTNER_GUILD_NAME)
    general = guild.create_text_channel("general")
    suggestions = guild.create_text_channel("suggestions")
    news = guild.create_text_channel("ml-audio-news")
    admins = guild.create_role(
        "Admins", permissions=discord.Permissions(administrator=True, manage_guild=True)
    )
    admin = guild.add_member(env.create_user("pat", global_name="Pat"), roles=[admins])
    member = guild.add_member(env.create_user("sam", global_name="Sam"))
    return PartnerWorld(guild, general, suggestions, news, admin, member)


def demo_config(base: Config, world: DemoWorld) -> Config:
    """The bot's settings pointed at the demo server's channels and role."""
    return base.with_overrides(
        # Partner Lab joins in a later scene: name the home server rather than infer it.
        home_guild_id=world.guild.id,
        announcements_channel_id=world.announcements.id,
        suggestions_channel_id=world.suggestions.id,
        maintainer_role_ids=(world.maintainers.id,),
    )
