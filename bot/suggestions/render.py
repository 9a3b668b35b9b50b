"""How a suggestion looks: embed dicts and reply sentences (core: no discord import).

Everything a member typed is Markdown-escaped before it goes into an embed or a reply,
so ``**``, backticks, headings or masked links in a title show literally instead of
breaking the layout. Embeds are plain dicts (``discord.Embed.from_dict`` takes them) cut
to Discord's limits by ``bot.markup.fit_embed``.
"""

from __future__ import annotations

from typing import Any

from bot.markup import EMBED_TITLE, escape_markdown, fit_embed, timestamp, truncate
from bot.suggestions.links import host_with_punycode, mixed_scripts, shown_url
from bot.suggestions.model import Status, Suggestion, Tally

STATUS_COLOURS: dict[Status, int] = {
    Status.PENDING: 0x5865F2,
    Status.APPROVED: 0x57F287,
    Status.REJECTED: 0xED4245,
    Status.DUPLICATE: 0x99AAB5,
    Status.WITHDRAWN: 0x99AAB5,
    Status.MERGED: 0x9B59B6,
}
STATUS_LABELS: dict[Status, str] = {
    Status.PENDING: "Open for votes",
    Status.APPROVED: "Approved",
    Status.REJECTED: "Rejected",
    Status.DUPLICATE: "Duplicate",
    Status.WITHDRAWN: "Withdrawn by the author",
    Status.MERGED: "Added to the catalog",
}
UP_EMOJI = "👍"
DOWN_EMOJI = "👎"


def marker(suggestion_id: int) -> str:
    """Footer text that identifies the bot's own message for this suggestion."""
    return f"suggestion #{suggestion_id}"


def tally_text(tally: Tally) -> str:
    return f"{UP_EMOJI} {tally.up} · {DOWN_EMOJI} {tally.down}"


def author_text(suggestion: Suggestion) -> str:
    return "anonymous member" if suggestion.anonymous else f"<@{suggestion.author_id}>"


def decision_text(suggestion: Suggestion) -> str:
    label = STATUS_LABELS[suggestion.status]
    if suggestion.status is Status.PENDING:
        return label
    parts = [label]
    if suggestion.decided_by and suggestion.status is not Status.WITHDRAWN:
        parts.append(f"by <@{suggestion.decided_by}>")
    if suggestion.decided_at:
        # An absolute date: the message stays up for months, "2 minutes ago" would not age well.
        parts.append("on " + timestamp(suggestion.decided_at, "f"))
    line = " ".join(parts)
    if suggestion.decision_note:
        line += "\n" + describe_note(suggestion)
    return line


def describe_note(suggestion: Suggestion) -> str:
    note = suggestion.decision_note or ""
    if suggestion.status is Status.DUPLICATE:
        kind, _, target = note.partition(":")
        if kind == "entry":
            return f"Duplicate of catalog entry `{escape_markdown(target)}`"
        if kind == "suggestion":
            return f"Duplicate of suggestion #{target}"
    if suggestion.status is Status.REJECTED:
        return f"Reason: {escape_markdown(note)}"
    return escape_markdown(note)


LOOKALIKE_WARNING = "⚠ possible look-alike domain"


def link_text(url: str, *, flag_lookalike: bool) -> str:
    """The link as Discord shows it, safely; an IDN host spelled out, a look-alike flagged.

    Only :func:`links.shown_url` goes inside ``<…>``: it cannot end the link syntax, so
    nothing after it can become a second, clickable link.
    """
    lines = [f"<{shown_url(url)}>"]
    host = host_with_punycode(url)
    if host is not None:
        lines.append(f"Host: {host}")
    scripts = mixed_scripts(url) if flag_lookalike else ()
    if scripts:
        mixed = " and ".join(script.title() for script in scripts)
        lines.append(f"{LOOKALIKE_WARNING}: its name mixes {mixed} letters (maintainers, check)")
    return "\n".join(lines)


def status_text(suggestion: Suggestion) -> str:
    """The decision line, and when the author last edited the text."""
    line = decision_text(suggestion)
    if suggestion.edited_at is not None:
        line += f"\nedited by the author {timestamp(suggestion.edited_at, 'f')}"
    return line


def suggestion_embed(suggestion: Suggestion, section_title: str | None = None) -> dict[str, Any]:
    title = truncate(f"#{suggestion.id} · {escape_markdown(suggestion.title)}", EMBED_TITLE)
    embed: dict[str, Any] = {
        "title": title,
        "url": shown_url(suggestion.url),
        "description": escape_markdown(suggestion.reason),
        "color": STATUS_COLOURS[suggestion.status],
        "fields": [
            {
                "name": "Link",
                "value": link_text(suggestion.url, flag_lookalike=True),
                "inline": False,
            },
            {
                "name": "Section",
                "value": escape_markdown(section_title or suggestion.section),
                "inline": True,
            },
            {"name": "Kind", "value": suggestion.kind, "inline": True},
            {"name": "Votes", "value": tally_text(suggestion.tally), "inline": True},
            {"name": "Suggested by", "value": author_text(suggestion), "inline": True},
            {"name": "Status", "value": status_text(suggestion), "inline": False},
        ],
        "footer": {"text": marker(suggestion.id)},
        "timestamp": suggestion.created_at.isoformat(),
    }
    return fit_embed(embed)


def announcement_embed(suggestion: Suggestion, section_title: str | None = None) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": truncate(f"New resource: {escape_markdown(suggestion.title)}", EMBED_TITLE),
        "url": shown_url(suggestion.url),
        "description": escape_markdown(suggestion.reason),
        "color": STATUS_COLOURS[Status.APPROVED],
        "fields": [
            {"name": "Link", "value": link_text(suggestion.url, flag_lookalike=False)},
            {"name": "Section", "value": escape_markdown(section_title or suggestion.section)},
            {"name": "Suggested by", "value": author_text(suggestion), "inline": True},
            {"name": "Community votes", "value": tally_text(suggestion.tally), "inline": True},
        ],
        "footer": {"text": f"approved {marker(suggestion.id)}"},
    }
    return fit_embed(embed)


def list_line(suggestion: Suggestion) -> str:
    return (
        f"**#{suggestion.id}** {escape_markdown(truncate(suggestion.title, 80))} · "
        f"{STATUS_LABELS[suggestion.status].lower()} · {tally_text(suggestion.tally)}"
    )
