"""What the suggestions feature says in Discord: the suggestion, vote replies, decision DMs.

Pure functions from suggestions and outcomes to text and embeds: no sending, no state. The
controller (``bot.discord.suggestions.controller``) decides when each is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import markup
from bot.markup import escape_markdown
from bot.suggestions import render
from bot.suggestions.model import Status, Suggestion, Vote
from bot.suggestions.outcomes import (
    AlreadySuggested,
    InCatalog,
    Invalid,
    Refused,
    SimilarTitles,
    Voted,
)
from bot.suggestions.service import SuggestionService
from bot.suggestions.store import StorageError

BUSY_MESSAGE = (
    "The bot's database is busy right now, so I could not check that in time. Nothing was "
    "changed; please try again in a moment."
)

# What a submission or an edit can be refused with (``refusal_text`` words each).
NotAccepted = Invalid | Refused | InCatalog | AlreadySuggested | SimilarTitles


def storage_message(error: StorageError) -> str:
    return (
        f"I couldn't save that: {error}. Nothing was changed; please try again in a minute "
        "(maintainers have been told in the log)."
    )


def suggestion_embed(service: SuggestionService, suggestion: Suggestion) -> discord.Embed:
    return discord.Embed.from_dict(
        render.suggestion_embed(suggestion, service.section_title(suggestion.section))
    )


def jump_url(suggestion: Suggestion, guild_id: int) -> str | None:
    """The link to the suggestion's message, if it has one."""
    if suggestion.channel_id is None or suggestion.message_id is None:
        return None
    return (
        f"https://discord.com/channels/{guild_id}/{suggestion.channel_id}/{suggestion.message_id}"
    )


def created_message(suggestion: Suggestion, where: str | None) -> str:
    return (
        f"Thanks! Your suggestion is #{suggestion.id}"
        + (f": {where}" if where else ".")
        + " Members can vote on it now; you can `/suggestions edit` or "
        "`/suggestions withdraw` it while it is open."
    )


def unposted_message(suggestion: Suggestion, problem: str) -> str:
    return (
        f"Your suggestion is saved as #{suggestion.id}, but I could not post it for "
        f"voting: {problem}. Nothing is lost: maintainers see it in `/suggestions list`, "
        "and it is posted as soon as the channel works again (at the bot's next start)."
    )


def refusal_text(outcome: NotAccepted, guild_id: int) -> str:
    """The sentence for a refused submission or edit."""
    if isinstance(outcome, Invalid | Refused):
        return outcome.message + (
            "\nPress **Fix and resubmit**: what you typed is kept."
            if isinstance(outcome, Invalid)
            else ""
        )
    if isinstance(outcome, InCatalog):
        entry = outcome.entry
        link = f" — <{entry.url}>" if entry.url else ""
        return (
            f"That link is already in the reading list as **{escape_markdown(entry.title)}** "
            f"(`{entry.id}`){link}. Try `/resource {entry.id}`."
        )
    if isinstance(outcome, AlreadySuggested):
        s = outcome.suggestion
        where = jump_url(s, guild_id)
        state = "is waiting for votes" if s.is_open else "was approved already"
        vote = " Vote for it there instead." if s.is_open else ""
        return (
            f"That link was suggested already: **#{s.id} {escape_markdown(s.title)}** {state}"
            f"{f' ({where})' if where else ''}.{vote}"
        )
    lines = []
    for c in outcome.candidates:
        if c.entry_id:
            lines.append(f"• reading list: **{escape_markdown(c.title)}** (`{c.entry_id}`)")
        else:
            lines.append(f"• suggestion #{c.suggestion_id}: **{escape_markdown(c.title)}**")
    return (
        "Something with a similar title exists:\n"
        + "\n".join(lines)
        + "\nIf yours is a different resource, press **Submit anyway**."
    )


def vote_message(outcome: Voted) -> str:
    counts = render.tally_text(outcome.tally)
    if outcome.current is None:
        return f"Your vote on #{outcome.suggestion_id} is removed (now {counts})."
    emoji = render.UP_EMOJI if outcome.current is Vote.UP else render.DOWN_EMOJI
    verb = "switched to" if outcome.previous is not None else "counted:"
    return f"Your vote on #{outcome.suggestion_id} is {verb} {emoji} (now {counts})."


def voters_embed(sid: int, voters: Sequence[tuple[int, Vote]]) -> discord.Embed:
    ups = [f"<@{user}>" for user, vote in voters if vote is Vote.UP]
    downs = [f"<@{user}>" for user, vote in voters if vote is Vote.DOWN]
    embed = discord.Embed(
        title=f"Who voted on #{sid}", colour=render.STATUS_COLOURS[Status.PENDING]
    )
    embed.add_field(
        name=f"{render.UP_EMOJI} {len(ups)}",
        value=markup.join_lines([" ".join(ups)] if ups else ["nobody"], markup.FIELD_VALUE),
        inline=False,
    )
    embed.add_field(
        name=f"{render.DOWN_EMOJI} {len(downs)}",
        value=markup.join_lines([" ".join(downs)] if downs else ["nobody"], markup.FIELD_VALUE),
        inline=False,
    )
    return embed


def decision_dm(suggestion: Suggestion) -> str:
    title = escape_markdown(markup.truncate(suggestion.title, 100))
    if suggestion.status is Status.APPROVED:
        return (
            f"Good news: your suggestion #{suggestion.id} **{title}** was approved. It will be "
            "added to the reading list with the next catalog update. Thank you!"
        )
    if suggestion.status is Status.REJECTED:
        return (
            f"Your suggestion #{suggestion.id} **{title}** was not accepted. "
            f"{render.describe_note(suggestion)}"
        )
    if suggestion.status is Status.DUPLICATE:
        return (
            f"Your suggestion #{suggestion.id} **{title}** was closed as a duplicate. "
            f"{render.describe_note(suggestion)}"
        )
    return f"Your suggestion #{suggestion.id} **{title}** is now {suggestion.status.value}."
