"""Catalog data as Discord embeds. Every embed leaves through ``fit`` (Discord's limits).

The cogs decide *what* to answer; this module decides how it looks, so ``/resource``,
``/section`` and later features (suggestions, announcements) show an entry the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord
from discord import app_commands

from bot import markup
from bot.catalog.model import Catalog, Entry, Section
from bot.markup import escape_markdown
from bot.search import Hit

ACCENT = discord.Colour(0x5865F2)
NOT_FOUND = discord.Colour(0xED4245)
ENTRIES_PER_PAGE = 8
DESCRIPTION_PREVIEW = 160


def fit(embed: discord.Embed) -> discord.Embed:
    """The same embed with every text cut to Discord's limits (see ``bot.markup.fit_embed``)."""
    data = embed.to_dict()
    fitted = markup.fit_embed(data)
    return embed if fitted == data else discord.Embed.from_dict(fitted)


def entry_link(entry: Entry, *, limit: int = 200) -> str:
    """``[Title](url)`` (or the bare title), escaped and cut so Markdown never breaks."""
    title = escape_markdown(markup.truncate(markup.one_line(entry.title), limit))
    title = title.replace("]", "\\]").replace("[", "\\[")
    if entry.url and len(entry.url) <= 500:
        return f"[{title}]({entry.url})"
    return f"**{title}**"


def credits_line(entry: Entry) -> str | None:
    """``Aäron van den Oord, Sander Dieleman et al. · 2016 · arXiv 2016``."""
    parts = []
    if entry.authors:
        names = ", ".join(entry.authors[:3])
        if len(entry.authors) > 3:
            names += " et al."
        parts.append(names)
    if entry.year:
        parts.append(str(entry.year))
    if entry.venue and entry.venue != str(entry.year):
        parts.append(entry.venue)
    return " · ".join(parts) or None


def section_path(catalog: Catalog, section_id: str) -> str:
    """``Datasets › Speech`` for a sub-section, the title alone for a top-level one."""
    return " › ".join(section.title for section in catalog.path(section_id)) or section_id


def section_choice(catalog: Catalog, section: Section) -> app_commands.Choice[str]:
    """A section as an autocomplete choice: its path to read, its id sent back."""
    name = markup.truncate(section_path(catalog, section.id), markup.CHOICE_NAME)
    return app_commands.Choice(name=name, value=section.id)


def entry_embed(catalog: Catalog, entry: Entry, related: Sequence[Entry]) -> discord.Embed:
    """The answer to ``/resource``: the entry with its links, credits and related entries."""
    embed = discord.Embed(
        title=markup.truncate(markup.one_line(entry.title), markup.EMBED_TITLE),
        url=entry.url if entry.url and len(entry.url) <= markup.URL else None,
        description=escape_markdown(entry.description),
        colour=ACCENT,
    )
    embed.add_field(name="Section", value=section_path(catalog, entry.section), inline=True)
    embed.add_field(name="Kind", value=entry.kind, inline=True)
    credits = credits_line(entry)
    if credits:
        embed.add_field(name="By", value=escape_markdown(credits), inline=False)
    if entry.links:
        links = [
            f"[{escape_markdown(markup.one_line(link.title))}]({link.url})" for link in entry.links
        ]
        embed.add_field(
            name="Links", value=markup.join_lines(links, markup.FIELD_VALUE), inline=False
        )
    if related:
        lines = [f"• {entry_link(other, limit=120)}" for other in related]
        embed.add_field(
            name="Related", value=markup.join_lines(lines, markup.FIELD_VALUE), inline=False
        )
    embed.set_footer(text=f"id: {entry.id} · /section {entry.section} for more like this")
    return fit(embed)


def matches_embed(query: str, hits: Sequence[Hit]) -> discord.Embed:
    """When no single answer is clear: the best candidates and how to pick one."""
    lines = [
        f"{number}. {entry_link(hit.entry, limit=120)} — {hit.entry.kind}"
        + (f", {hit.entry.year}" if hit.entry.year else "")
        for number, hit in enumerate(hits, start=1)
    ]
    embed = discord.Embed(
        title=markup.truncate(f"Did you mean… ({markup.one_line(query)})", markup.EMBED_TITLE),
        description=markup.join_lines(lines, 3000),
        colour=ACCENT,
    )
    embed.set_footer(
        text="Several entries match about equally well. Pick one from the suggestions "
        "while typing /resource, or add a word (an author, a year)."
    )
    return fit(embed)


def not_found_message(query: str) -> str:
    shown = markup.truncate(markup.one_line(query), 100)
    return markup.truncate(
        f"Nothing in the reading list matches **{escape_markdown(shown)}**.\n"
        "Tips: check the spelling, try a shorter or more general word (`wavenet`, "
        "`source separation`, `dataset`), an author's name, or an arXiv id like "
        "`1609.03499`. `/sections` lists everything by topic.",
        markup.CONTENT,
    )


def unknown_section_message(name: str, closest: Sequence[str]) -> str:
    """``/section`` with a name no section has: the name as typed (never as Markdown), the
    closest section ids, and where to see them all."""
    shown = escape_markdown(markup.truncate(markup.one_line(name), 80))
    hint = f" Did you mean {', '.join(f'`{section_id}`' for section_id in closest)}?"
    return (
        f"There is no section called **{shown}**."
        + (hint if closest else "")
        + " `/sections` lists them all."
    )


def section_pages(
    catalog: Catalog, section: Section, *, per_page: int = ENTRIES_PER_PAGE
) -> tuple[list[discord.Embed], list[str]]:
    """The paged listing of ``/section``: one embed per page (at least one), and a label
    per page for the jump menu ("Page 2: WaveNet: A Generative…")."""
    listing = catalog.listing(section.id)
    chunks = [listing[i : i + per_page] for i in range(0, len(listing), per_page)] or [[]]
    title = markup.truncate(section_path(catalog, section.id), markup.EMBED_TITLE)
    pages = []
    labels = []
    for number, chunk in enumerate(chunks, start=1):
        first = f": {markup.one_line(chunk[0].entry.title)}" if chunk else ""
        labels.append(markup.truncate(f"Page {number}{first}", markup.SELECT_LABEL))
        lines: list[str] = []
        if number == 1 and section.blurb:
            lines.append(f"*{escape_markdown(markup.one_line(section.blurb))}*\n")
        current: Section | None = None
        for item in chunk:
            if item.subsection is not None and item.subsection != current:
                current = item.subsection
                lines.append(f"__{escape_markdown(current.title)}__")
            lines.append(listing_line(item.entry))
        if not chunk:
            lines.append("No entries in this section yet.")
        embed = discord.Embed(
            title=title,
            description=markup.join_lines(lines, markup.EMBED_DESCRIPTION),
            colour=ACCENT,
        )
        embed.set_footer(
            text=f"Page {number}/{len(chunks)} · {markup.plural(len(listing), 'entry', 'entries')}"
            " · /resource <name> for details"
        )
        pages.append(fit(embed))
    return pages, labels


def listing_line(entry: Entry) -> str:
    details = entry.kind + (f", {entry.year}" if entry.year else "")
    preview = escape_markdown(
        markup.truncate(markup.one_line(entry.description), DESCRIPTION_PREVIEW)
    )
    return f"**•** {entry_link(entry, limit=150)} ({details})\n  {preview}"


def sections_embed(catalog: Catalog) -> discord.Embed:
    """``/sections``: every section in reading order with its number of entries."""
    lines = []
    for section in sorted(catalog.sections, key=lambda s: s.order):
        if section.parent is not None:
            continue
        lines.append(_section_line(catalog, section, depth=0))
        for child in sorted(catalog.children(section.id), key=lambda s: s.order):
            lines.append(_section_line(catalog, child, depth=1))
    embed = discord.Embed(
        title="Sections of the reading list",
        description=markup.join_lines(lines, markup.EMBED_DESCRIPTION),
        colour=ACCENT,
    )
    embed.set_footer(
        text=f"{markup.plural(len(catalog), 'entry', 'entries')} in "
        f"{markup.plural(len(catalog.sections), 'section')} · /section <name> to browse one"
    )
    return fit(embed)


def _section_line(catalog: Catalog, section: Section, *, depth: int) -> str:
    count = catalog.entry_count(section.id)
    indent = "  ↳ " if depth else "• "
    return f"{indent}**{escape_markdown(section.title)}** — {count} · `{section.id}`"


def format_date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "unknown"
