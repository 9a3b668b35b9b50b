"""The announcement of one feed item: an outbox message with one embed.

Title linked to the article, authors, the publication time as a Discord timestamp (each
reader sees it in their own timezone), and the summary as plain text within Discord's
limits. Embeds never ping, and mentions in the text are defused anyway. The outbox key
``feed:<feed group>:<hash of the entry key>`` makes the announcement exactly-once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import markup
from bot.feeds.model import FeedItem, FeedSpec
from bot.feeds.parse import display_summary, entry_key_hash
from bot.markup import defuse_mentions
from bot.outbox.message import OutgoingMessage

SUMMARY_LIMIT = 700  # a teaser, not the article: long embeds push the channel away
AUTHORS_SHOWN = 6
COLOUR = 0xE67E22


def outbox_key(group: str, item: FeedItem) -> str:
    # Per group, like the seen keys: one item is announced once across the group's feeds.
    return f"feed:{group}:{entry_key_hash(item.key)}"


def item_embed(spec: FeedSpec, item: FeedItem, feed_title: str = "") -> dict[str, Any]:
    """The embed as Discord API JSON (the outbox stores and sends dicts)."""
    embed: dict[str, Any] = {
        "type": "rich",
        "title": markup.truncate(defuse_mentions(markup.one_line(item.title)), markup.EMBED_TITLE),
        "color": COLOUR,
    }
    if item.link and len(item.link) <= markup.URL:
        embed["url"] = item.link
    summary = defuse_mentions(display_summary(item))
    lines: list[str] = []
    if item.authors:
        names = list(item.authors[:AUTHORS_SHOWN])
        more = len(item.authors) - len(names)
        shown = ", ".join(names) + (f" and {more} more" if more > 0 else "")
        lines.append(markup.truncate(defuse_mentions(shown), 300))
    if item.published is not None:
        lines.append(markup.timestamp_and_countdown(item.published, "f"))
    if summary:
        lines.append("")
        lines.append(markup.truncate(summary, SUMMARY_LIMIT))
    description = "\n".join(lines).strip()
    if description:
        embed["description"] = markup.truncate(description, markup.EMBED_DESCRIPTION)
    source = feed_title or spec.title
    embed["footer"] = {"text": markup.truncate(defuse_mentions(markup.one_line(source)), 200)}
    if item.published is not None:
        embed["timestamp"] = item.published.isoformat()
    return embed


def item_message(
    spec: FeedSpec, item: FeedItem, channel_id: int, *, feed_title: str = ""
) -> OutgoingMessage:
    return OutgoingMessage(
        key=outbox_key(spec.group, item),
        channel_id=channel_id,
        embeds=(item_embed(spec, item, feed_title),),
    )


def disabled_notice(spec: FeedSpec, reason: str, now: datetime, channel: int) -> OutgoingMessage:
    """The log channel's notice that ``spec`` was disabled, and how to bring it back."""
    content = markup.truncate(
        f"Feed **{markup.one_line(spec.title)}** (`{spec.id}`) was disabled: {reason}. "
        f"Fix the URL or the server, then `/feeds resume {spec.id}`.",
        1500,
    )
    return OutgoingMessage(
        key=f"feed-disabled:{spec.id}:{now.isoformat()}", channel_id=channel, content=content
    )
