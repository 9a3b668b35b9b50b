"""Discord messages as plain text, for the demo's transcript in a terminal.

Embeds become boxes, buttons ``[◀ Previous] [Next ▶]``, select menus ``[Jump to… ▾]``;
ephemeral replies are marked, because "only you can see this" is part of what a member
sees. Works on the dict forms Discord sends (``embed.to_dict()``, component payloads), so
the same code renders anything a scene shows.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

BOX_WIDTH = 70  # inside width: with the indent and borders a line fits 80 columns
CHOICE_WIDTH = BOX_WIDTH  # suggestion names are cut to keep the list within 80 columns
ACTION_ROW, BUTTON, STRING_SELECT = 1, 2, 3
LINK_STYLE = 5

# Markdown a terminal cannot show: links keep their text, emphasis and code lose their marks.
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(<?[^)>\s]+>?\)")
_EMPHASIS = re.compile(r"(\*\*|\*|`)(?=\S)(.+?)(?<=\S)\1")
_SUBTEXT = re.compile(r"^-# ", re.MULTILINE)
_UNEMBEDDED_URL = re.compile(r"<(https?://[^>\s]+)>")
# A backslash before a Markdown mark shows the mark itself (bot.markup.escape_markdown).
_ESCAPED = re.compile(r"\\([\\*_~|`>#\[\]()<-])")
# Escaped marks wait in the Private Use Area while the markup is read, then come back bare.
_HIDDEN = 0xE000
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_MENTION = re.compile(r"<(#|@!?|@&)(\d+)>")
_MENTION_KINDS = {"#": "channel", "@": "user", "@!": "user", "@&": "role"}

# (kind, id) -> name, for "<#123>" → "#general"; kind is "channel", "user" or "role".
NameResolver = Callable[[str, int], str | None]


@dataclass(frozen=True)
class TextStyle:
    """What turning Discord markup into terminal text needs to know.

    ``now`` makes relative timestamps (``<t:…:R>``) read "in 30 days" as the client shows
    them; ``names`` turns mentions into names. Without them both still read sensibly.
    """

    now: datetime | None = None
    names: NameResolver | None = None

    def plain(self, text: str) -> str:
        """Discord markdown as a terminal shows it: link text, no marks, dates, names."""
        text = _ESCAPED.sub(lambda match: chr(_HIDDEN + ord(match.group(1))), text)
        text = _MARKDOWN_LINK.sub(r"\1", text)
        text = _EMPHASIS.sub(r"\2", text)
        text = _SUBTEXT.sub("", text)
        text = _UNEMBEDDED_URL.sub(r"\1", text)
        text = _TIMESTAMP.sub(self._timestamp, text)
        text = _MENTION.sub(self._mention, text)
        return re.sub("[\ue000-\ue07f]", lambda hidden: chr(ord(hidden.group()) - _HIDDEN), text)

    def _timestamp(self, match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match.group(1)), UTC)
        style = match.group(2) or "f"
        if style == "R":
            return relative_time(moment, self.now) if self.now else _absolute(moment, "f")
        return _absolute(moment, style)

    def _mention(self, match: re.Match[str]) -> str:
        sigil, identifier = match.group(1), int(match.group(2))
        kind = _MENTION_KINDS[sigil]
        name = self.names(kind, identifier) if self.names else None
        prefix = "#" if kind == "channel" else "@"
        return f"{prefix}{name or kind}"


def _absolute(moment: datetime, style: str) -> str:
    formats = {
        "t": "%H:%M UTC",
        "T": "%H:%M:%S UTC",
        "d": "%Y-%m-%d",
        "D": "%d %B %Y",
        "f": "%d %B %Y %H:%M UTC",
        "F": "%A %d %B %Y %H:%M UTC",
    }
    return moment.strftime(formats.get(style, formats["f"]))


def relative_time(moment: datetime, now: datetime) -> str:
    """ "in 30 days", "2 months ago": the rounding Discord's client uses for ``<t:…:R>``."""
    seconds = (moment - now).total_seconds()
    distance = abs(seconds)
    minutes, hours, days = distance / 60, distance / 3600, distance / 86400
    if distance < 45:
        amount = "a few seconds"
    elif distance < 90:
        amount = "a minute"
    elif minutes < 45:
        amount = f"{round(minutes)} minutes"
    elif minutes < 90:
        amount = "an hour"
    elif hours < 22:
        amount = f"{round(hours)} hours"
    elif hours < 36:
        amount = "a day"
    elif days < 26:
        amount = f"{round(days)} days"
    elif days < 45:
        amount = "a month"
    elif days < 320:
        amount = f"{round(days / 30.4)} months"
    elif days < 548:
        amount = "a year"
    else:
        amount = f"{round(days / 365.25)} years"
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"


PLAIN = TextStyle()


def render_message(
    author: str,
    content: str,
    embeds: Sequence[Mapping[str, Any]],
    components: Sequence[Mapping[str, Any]],
    *,
    ephemeral: bool = False,
    edited: bool = False,
    style: TextStyle = PLAIN,
) -> list[str]:
    """The lines of one message as a member sees it."""
    tags = []
    if ephemeral:
        tags.append("only you can see this")
    if edited:
        tags.append("edited")
    heading = f"{author}" + (f"  ({', '.join(tags)})" if tags else "")
    lines = [heading]
    # Outside boxes a long link stays whole, so it can still be copied from the terminal.
    lines += [f"  {line}" for line in _wrap(content, BOX_WIDTH, style, break_long=False)]
    for embed in embeds:
        lines += [f"  {line}" for line in render_embed(embed, style)]
    lines += [f"  {line}" for line in render_components(components)]
    return lines


def render_embed(embed: Mapping[str, Any], style: TextStyle = PLAIN) -> list[str]:
    """An embed as a box: author, title (and link), description, fields, footer."""
    body: list[str] = []
    author = (embed.get("author") or {}).get("name")
    if author:
        body.append(author)
    title = embed.get("title")
    if title:
        body += _wrap(f"■ {title}", BOX_WIDTH, style)
    url = embed.get("url")
    if url:
        body += _wrap(url, BOX_WIDTH, PLAIN)
    description = embed.get("description")
    if description:
        if body:
            body.append("")
        body += _wrap(description, BOX_WIDTH, style)
    fields = embed.get("fields") or []
    if fields:
        body.append("")
    for field in fields:
        name, value = style.plain(field.get("name", "")), style.plain(field.get("value", ""))
        joined = f"{name}: {value}"
        if field.get("inline") and "\n" not in value and len(joined) <= BOX_WIDTH:
            body.append(joined)
        else:
            body.append(f"{name}")
            body += [f"  {line}" for line in _wrap(value, BOX_WIDTH - 2, PLAIN)]
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        body.append("")
        body += _wrap(footer, BOX_WIDTH, style)
    return _box(body)


def render_components(components: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each action row on one line."""
    lines = []
    for row in components:
        children = row.get("components") if row.get("type") == ACTION_ROW else [row]
        shown = [_component(child) for child in children or ()]
        if shown:
            lines.append(" ".join(shown))
    return lines


def render_choices(choices: Iterable[Mapping[str, Any]]) -> list[str]:
    """Autocomplete suggestions as the list that opens above the message box."""
    return [
        "  › " + textwrap.shorten(str(choice.get("name", "")), CHOICE_WIDTH, placeholder="…")
        for choice in choices
    ]


def _component(component: Mapping[str, Any]) -> str:
    kind = component.get("type")
    disabled = " (disabled)" if component.get("disabled") else ""
    if kind == BUTTON:
        emoji = (component.get("emoji") or {}).get("name") or ""
        label = " ".join(part for part in (emoji, component.get("label") or "") if part) or "?"
        link = f" → {component['url']}" if component.get("style") == LINK_STYLE else ""
        return f"[{label}{disabled}]{link}"
    if kind == STRING_SELECT:
        placeholder = component.get("placeholder") or "Choose…"
        options = component.get("options") or []
        return f"[{placeholder} ▾ {len(options)} options{disabled}]"
    return f"[component type {kind}]"


def plain(text: str) -> str:
    """``TextStyle().plain``: markup to terminal text without names or a clock."""
    return PLAIN.plain(text)


def _wrap(text: str, width: int, style: TextStyle, *, break_long: bool = True) -> list[str]:
    lines: list[str] = []
    for paragraph in style.plain(text).splitlines():
        # Continuation lines keep the paragraph's indent, as the client's wrapping does.
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip())]
        if paragraph.lstrip().startswith(("• ", "- ")):
            indent += "  "  # a hanging indent under the bullet
        wrapped = textwrap.wrap(
            paragraph, width, subsequent_indent=indent, break_long_words=break_long
        )
        lines += wrapped or [""]
    return lines


def _box(lines: list[str]) -> list[str]:
    top = "┌" + "─" * (BOX_WIDTH + 2) + "┐"
    bottom = "└" + "─" * (BOX_WIDTH + 2) + "┘"
    middle = [f"│ {line.ljust(BOX_WIDTH)} │" for line in lines]
    return [top, *middle, bottom]
