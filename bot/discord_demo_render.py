"""Discord messages as plain text, for the demo's transcript in a terminal.

Embeds become boxes, buttons ``[◀ Previous] [Next ▶]``, select menus ``[Jump to… ▾]``;
ephemeral replies are marked, because "only you can see this" is part of what a member
sees. Works on the dict forms Discord sends (``embed.to_dict()``, component payloads), so
the same code renders anything a scene shows.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

BOX_WIDTH = 70  # inside width: with the indent and borders a line fits 80 columns
ACTION_ROW, BUTTON, STRING_SELECT = 1, 2, 3
LINK_STYLE = 5

# Markdown a terminal cannot show: links keep their text, emphasis and code lose their marks.
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(<?[^)>\s]+>?\)")
_EMPHASIS = re.compile(r"(\*\*|\*|`)(?=\S)(.+?)(?<=\S)\1")


def render_message(
    author: str,
    content: str,
    embeds: Sequence[Mapping[str, Any]],
    components: Sequence[Mapping[str, Any]],
    *,
    ephemeral: bool = False,
    edited: bool = False,
) -> list[str]:
    """The lines of one message as a member sees it."""
    tags = []
    if ephemeral:
        tags.append("only you can see this")
    if edited:
        tags.append("edited")
    heading = f"{author}" + (f"  ({', '.join(tags)})" if tags else "")
    lines = [heading]
    lines += [f"  {line}" for line in _wrap(content, BOX_WIDTH)]
    for embed in embeds:
        lines += [f"  {line}" for line in render_embed(embed)]
    lines += [f"  {line}" for line in render_components(components)]
    return lines


def render_embed(embed: Mapping[str, Any]) -> list[str]:
    """An embed as a box: author, title (and link), description, fields, footer."""
    body: list[str] = []
    author = (embed.get("author") or {}).get("name")
    if author:
        body.append(author)
    title = embed.get("title")
    if title:
        body += _wrap(f"■ {title}", BOX_WIDTH)
    url = embed.get("url")
    if url:
        body += _wrap(url, BOX_WIDTH)
    description = embed.get("description")
    if description:
        if body:
            body.append("")
        body += _wrap(description, BOX_WIDTH)
    fields = embed.get("fields") or []
    if fields:
        body.append("")
    for field in fields:
        name, value = field.get("name", ""), field.get("value", "")
        joined = f"{name}: {value}"
        if field.get("inline") and "\n" not in value and len(joined) <= BOX_WIDTH:
            body.append(joined)
        else:
            body.append(f"{name}")
            body += [f"  {line}" for line in _wrap(value, BOX_WIDTH - 2)]
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        body.append("")
        body += _wrap(footer, BOX_WIDTH)
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
    return [f"  › {choice.get('name', '')}" for choice in choices]


def _component(component: Mapping[str, Any]) -> str:
    kind = component.get("type")
    disabled = " (disabled)" if component.get("disabled") else ""
    if kind == BUTTON:
        label = component.get("label") or (component.get("emoji") or {}).get("name") or "?"
        link = f" → {component['url']}" if component.get("style") == LINK_STYLE else ""
        return f"[{label}{disabled}]{link}"
    if kind == STRING_SELECT:
        placeholder = component.get("placeholder") or "Choose…"
        options = component.get("options") or []
        return f"[{placeholder} ▾ {len(options)} options{disabled}]"
    return f"[component type {kind}]"


def plain(text: str) -> str:
    """Discord markdown as a terminal shows it: link text without the URL, no emphasis marks."""
    text = _MARKDOWN_LINK.sub(r"\1", text)
    return _EMPHASIS.sub(r"\2", text)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in plain(text).splitlines():
        lines += textwrap.wrap(paragraph, width) or [""]
    return lines


def _box(lines: list[str]) -> list[str]:
    top = "┌" + "─" * (BOX_WIDTH + 2) + "┐"
    bottom = "└" + "─" * (BOX_WIDTH + 2) + "┘"
    middle = [f"│ {line.ljust(BOX_WIDTH)} │" for line in lines]
    return [top, *middle, bottom]
