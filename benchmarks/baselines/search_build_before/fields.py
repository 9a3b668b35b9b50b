"""PREVIOUS IMPLEMENTATION (a benchmark baseline, not used by the bot).

What the index and the queries agree on: field codes and weights, key kinds, limits."""

from __future__ import annotations

from bot import markup
from bot.catalog.model import Entry

# Fields in decreasing weight; a posting stores the index of its best field.
FIELDS: tuple[str, ...] = (
    "title",
    "alias",
    "arxiv id",
    "acronym",
    "author",
    "tag",
    "venue",
    "section",
    "kind",
    "description",
    "link",
    "url",
)
FIELD_WEIGHTS: tuple[float, ...] = (1.0, 1.0, 1.0, 0.9, 0.9, 0.8, 0.75, 0.7, 0.7, 0.6, 0.55, 0.5)
FIELD = {name: code for code, name in enumerate(FIELDS)}

# Discord's limits for an autocomplete answer (bot.markup holds every Discord limit).
MAX_CHOICES = markup.CHOICES
MAX_CHOICE_CHARS = markup.CHOICE_NAME

# Titles longer than this are matched word by word only, never as one misspelt phrase.
MAX_TYPO_TITLE_CHARS = 24

# Autocomplete key kinds (smaller ranks first).
KEY_TITLE, KEY_ALIAS, KEY_WORD, KEY_OTHER = 0, 1, 2, 3
KEY_KINDS = 4

# Kinds that rank last in autocomplete: they are credits and advice, not resources.
LOW_KINDS = frozenset({"person", "tip"})


def offerable(entry: Entry) -> bool:
    """Discord sends a choice's value back, and takes only 1 to 100 characters."""
    return 1 <= len(entry.id) <= MAX_CHOICE_CHARS
