"""Where a suggestion is posted and how an earlier post of it is found again.

Discord mechanics only: picking the channel, sending the message or forum post, opening
its thread, and searching for the suggestion's marker so nothing is posted twice. When to
post (and the locks that keep one suggestion from being posted twice at once) is the
controller's business.
"""

from __future__ import annotations

import logging

import discord

from bot import markup
from bot.config import Config
from bot.suggestions import render
from bot.suggestions.model import Suggestion

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100
# Markers searched in the channel before re-posting an unposted suggestion (crash safety).
HISTORY_SEARCH_LIMIT = 50

Channel = discord.abc.GuildChannel
Location = tuple[int, int, int | None]  # (channel, message, thread)


def target_channel(guild: discord.Guild, config: Config) -> tuple[Channel | None, str | None]:
    """Where suggestions of ``guild`` go, or why there is no such place."""
    for channel_id in (config.suggestions_forum_channel_id, config.suggestions_channel_id):
        if channel_id:
            channel = guild.get_channel(channel_id)
            if channel is not None:
                return channel, None
    if config.suggestions_forum_channel_id or config.suggestions_channel_id:
        return None, "the suggestions channel no longer exists"
    fallback = discord.utils.get(guild.text_channels, name="suggestions")
    if fallback is None:
        return None, "no suggestions channel is configured"
    return fallback, None


def thread_name(suggestion: Suggestion) -> str:
    return markup.truncate(markup.one_line(f"#{suggestion.id} {suggestion.title}"), THREAD_NAME_MAX)


async def send_post(
    channel: Channel,
    suggestion: Suggestion,
    embed: discord.Embed,
    view: discord.ui.View,
    *,
    threads: bool,
) -> Location | str:
    """Post the suggestion in ``channel``: where it went, or the problem to tell the member."""
    name = thread_name(suggestion)
    try:
        if isinstance(channel, discord.ForumChannel):
            created = await channel.create_thread(name=name, embed=embed, view=view)
            return created.thread.id, created.message.id, created.thread.id
        if not isinstance(channel, discord.TextChannel):
            return "the configured suggestions channel is not a text or forum channel"
        message = await channel.send(embed=embed, view=view)
    except discord.Forbidden:
        log.warning("suggestion #%d: no permission to post in %s", suggestion.id, channel.id)
        return "I am not allowed to post in the suggestions channel"
    except discord.HTTPException as exc:
        log.warning("suggestion #%d: posting failed: %s", suggestion.id, exc)
        return "Discord did not accept the message right now"
    thread_id = await open_thread(message, name) if threads else None
    return channel.id, message.id, thread_id


async def open_thread(message: discord.Message, name: str) -> int | None:
    try:
        thread = await message.create_thread(name=name, auto_archive_duration=10080)
    except discord.HTTPException as exc:
        # Threads off in this channel, or no permission: voting works without one.
        log.info("no discussion thread for message %s: %s", message.id, exc)
        return None
    return thread.id


async def find_posted(
    me: discord.abc.Snowflake | None, channel: Channel | None, suggestion_id: int
) -> Location | None:
    """Where a post of ``me`` carrying the suggestion's marker is, if there is one."""
    marker = render.marker(suggestion_id)
    try:
        if isinstance(channel, discord.TextChannel):
            message = await _find_marker(me, channel, marker)
            if message is None:
                return None
            thread = message.thread
            return channel.id, message.id, thread.id if thread is not None else None
        if isinstance(channel, discord.ForumChannel):
            return await _find_forum_post(me, channel, suggestion_id, marker)
    except discord.HTTPException as exc:
        log.info("suggestion #%d: could not look for an earlier post: %s", suggestion_id, exc)
    return None


async def _find_marker(
    me: discord.abc.Snowflake | None, channel: discord.TextChannel, marker: str
) -> discord.Message | None:
    async for message in channel.history(limit=HISTORY_SEARCH_LIMIT):
        if me is not None and message.author.id != me.id:
            continue
        if any(embed.footer.text == marker for embed in message.embeds):
            return message
    return None


async def _find_forum_post(
    me: discord.abc.Snowflake | None,
    forum: discord.ForumChannel,
    suggestion_id: int,
    marker: str,
) -> Location | None:
    # A forum post is a thread named "#<id> <title>" whose first message carries the
    # marker; the name narrows the search, the marker decides.
    prefix = f"#{suggestion_id} "
    threads = {t.id: t for t in forum.threads}
    if not threads:
        active = await forum.guild.active_threads()
        threads = {t.id: t for t in active if t.parent_id == forum.id}
    for thread in threads.values():
        if not thread.name.startswith(prefix):
            continue
        if me is not None and thread.owner_id != me.id:
            continue
        async for starter in thread.history(limit=1, oldest_first=True):
            if any(embed.footer.text == marker for embed in starter.embeds):
                return thread.id, starter.id, thread.id
    return None


async def message_exists(
    client: discord.Client, channel_id: int | None, message_id: int | None
) -> bool:
    if channel_id is None or message_id is None:
        return False
    channel = client.get_partial_messageable(channel_id)
    try:
        await channel.fetch_message(message_id)
    except discord.NotFound:
        return False
    except discord.HTTPException as exc:
        # Unsure: assume it is there rather than risk a second copy.
        log.info("could not check message %d: %s", message_id, exc)
        return True
    return True
