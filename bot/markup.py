"""Discord markup, in one place: limits, cutting to fit, timestamps, escaping, mentions.

Pure text, no discord import, so the core renders messages and tests them without Discord;
the adapter (``bot.discord``) and the cogs use the same functions.

Discord rejects a whole reply with ``400 Bad Request`` when one field is a character too
long, so every reply is cut here first: long text ends with an ellipsis instead of failing.
The numbers are from ``../shared/data/discord/LIMITS.md`` (docs and OpenAPI spec; where they
disagree, the smaller one).

``fit_embed`` works on an embed's dict form (``discord.Embed.to_dict()``), so the core
can test it without discord; ``bot.discord.format.fit`` applies it to a ``discord.Embed``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Literal

ELLIPSIS: Final = "…"

CONTENT: Final = 2000
EMBEDS_PER_MESSAGE: Final = 10
EMBED_TITLE: Final = 256
EMBED_DESCRIPTION: Final = 4096
EMBED_FIELDS: Final = 25
FIELD_NAME: Final = 256
FIELD_VALUE: Final = 1024
FOOTER_TEXT: Final = 2048
AUTHOR_NAME: Final = 256
EMBED_TOTAL: Final = 6000
URL: Final = 2048
LINK_BUTTON_URL: Final = 512
CHOICES: Final = 25
CHOICE_NAME: Final = 100
CHOICE_VALUE: Final = 100
SELECT_OPTIONS: Final = 25
SELECT_LABEL: Final = 100
SELECT_VALUE: Final = 100
SELECT_DESCRIPTION: Final = 100
SELECT_PLACEHOLDER: Final = 150
BUTTON_LABEL: Final = 80
CUSTOM_ID: Final = 100


#: ``<t:…:STYLE>``: t/T time, d/D date, f/F date and time, R relative ("in 3 days").
TimestampStyle = Literal["t", "T", "d", "D", "f", "F", "R"]


def timestamp(moment: datetime, style: TimestampStyle = "f") -> str:
    """A Discord timestamp: every reader sees ``moment`` in their own timezone and language."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def timestamp_and_countdown(moment: datetime, style: TimestampStyle = "F") -> str:
    """``<t:…:F> (<t:…:R>)``: the date and time, then "in 3 days", both in the reader's zone."""
    return f"{timestamp(moment, style)} ({timestamp(moment, 'R')})"


# ASCII marks Discord's Markdown reacts to anywhere in a line (emphasis, code, spoilers,
# masked and <…> links), and those it reads only at a line's start (headings, lists,
# quotes, subtext). A backslash before any of them shows the mark itself.
_INLINE_MARKS = re.compile(r"([\\*_~|`\[\]()<])")
_LINE_START_MARKS = re.compile(r"^(\s*)([#>-])", re.MULTILINE)
# Bare links stay as they are: a backslash inside one would change where it points.
_BARE_LINK = re.compile(r"https?://[^\s<>]+")
_ZERO_WIDTH_SPACE: Final = "\u200b"
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """``text`` shown literally in Discord: Markdown escaped (bare links kept whole) and
    mentions made inert, so text from a member or a feed can neither format nor ping."""
    parts: list[str] = []
    start = 0
    for link in _BARE_LINK.finditer(text):
        parts.append(_INLINE_MARKS.sub(r"\\\1", text[start : link.start()]))
        parts.append(link.group(0))
        start = link.end()
    parts.append(_INLINE_MARKS.sub(r"\\\1", text[start:]))
    escaped = _LINE_START_MARKS.sub(r"\1\\\2", "".join(parts))
    return defuse_mentions(escaped)


def defuse_mentions(text: str) -> str:
    """``text`` with every Discord mention (``@everyone``, ``<@123>``, ``<#1>``) made inert
    by a zero-width space, for places where Markdown should still work."""

    def defuse(match: re.Match[str]) -> str:
        if match.group(1):
            return "@" + _ZERO_WIDTH_SPACE + match.group(1)
        return (
            "<" + match.group(2)[0] + _ZERO_WIDTH_SPACE + match.group(2)[1:] + match.group(3) + ">"
        )

    return _MENTION.sub(defuse, text)


def truncate(text: str, limit: int, *, placeholder: str = ELLIPSIS) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and ``placeholder``.

    Cuts at the last space of the final fifth when there is one, so words stay whole,
    and drops whitespace before the ellipsis (Discord trims it and would count it).
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    if len(text) <= limit:
        return text
    if limit <= len(placeholder):
        return placeholder[:limit]
    room = limit - len(placeholder)
    cut = text[:room]
    space = cut.rfind(" ")
    if space >= room * 4 // 5:
        cut = cut[:space]
    cut = cut.rstrip()
    return cut + placeholder if cut else text[:room] + placeholder


def one_line(text: str) -> str:
    """Collapse newlines and runs of whitespace: for labels, choices and list items."""
    return " ".join(text.split())


def join_lines(lines: Iterable[str], limit: int, *, more: str = "… and {n} more") -> str:
    """Join whole lines while they fit in ``limit``; end with how many were left out.

    Lines are never cut in the middle (a half Markdown link renders as garbage), except a
    first line that alone is longer than ``limit``.
    """
    items = list(lines)
    full = "\n".join(items)
    if len(full) <= limit:
        return full
    # prefix[k] = length of the first k lines joined by newlines.
    prefix = [0]
    for index, line in enumerate(items):
        prefix.append(prefix[-1] + len(line) + (1 if index else 0))
    for kept in range(len(items) - 1, 0, -1):
        notice = more.format(n=len(items) - kept)
        if prefix[kept] + 1 + len(notice) <= limit:
            return "\n".join([*items[:kept], notice])
    return truncate(items[0], limit)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def fit_embed(embed: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an embed dict with every text cut to Discord's limits, 6000 in total.

    When the total is too long, the description shrinks first, then the fields from the
    last one up, then the footer: the title and the first fields carry the answer.
    """
    out: dict[str, Any] = dict(embed)
    for key, limit in (("title", EMBED_TITLE), ("description", EMBED_DESCRIPTION)):
        if isinstance(out.get(key), str):
            out[key] = truncate(out[key].strip(), limit)
    if isinstance(out.get("url"), str) and len(out["url"]) > URL:
        del out["url"]  # a cut URL points nowhere; better no link than a wrong one
    if isinstance(out.get("footer"), Mapping):
        footer = dict(out["footer"])
        footer["text"] = truncate(str(footer.get("text", "")).strip(), FOOTER_TEXT)
        out["footer"] = footer
    if isinstance(out.get("author"), Mapping):
        author = dict(out["author"])
        author["name"] = truncate(str(author.get("name", "")).strip(), AUTHOR_NAME)
        out["author"] = author
    if isinstance(out.get("fields"), list):
        fitted = []
        for item in out["fields"][:EMBED_FIELDS]:
            entry = dict(item)
            entry["name"] = truncate(str(entry.get("name", "")).strip(), FIELD_NAME) or "\u200b"
            entry["value"] = truncate(str(entry.get("value", "")).strip(), FIELD_VALUE) or "\u200b"
            fitted.append(entry)
        out["fields"] = fitted
    _shrink_to_total(out, EMBED_TOTAL)
    return out


def embed_length(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts towards the 6000 total of one embed."""
    total = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    for item in embed.get("fields") or []:
        total += len(str(item.get("name") or "")) + len(str(item.get("value") or ""))
    footer = embed.get("footer")
    if isinstance(footer, Mapping):
        total += len(str(footer.get("text") or ""))
    author = embed.get("author")
    if isinstance(author, Mapping):
        total += len(str(author.get("name") or ""))
    return total


def _shrink_to_total(embed: dict[str, Any], limit: int) -> None:
    excess = embed_length(embed) - limit
    if excess <= 0:
        return
    description = embed.get("description")
    if isinstance(description, str) and description:
        keep = max(0, len(description) - excess)
        embed["description"] = truncate(description, keep) if keep else ""
        if not embed["description"]:
            del embed["description"]
        excess = embed_length(embed) - limit
    fields_ = embed.get("fields") or []
    while excess > 0 and fields_:
        fields_.pop()
        excess = embed_length(embed) - limit
    footer = embed.get("footer")
    if excess > 0 and isinstance(footer, dict):
        footer["text"] = truncate(footer["text"], max(0, len(footer["text"]) - excess))
        excess = embed_length(embed) - limit
    if excess > 0 and isinstance(embed.get("title"), str):
        embed["title"] = truncate(embed["title"], max(1, len(embed["title"]) - excess))
