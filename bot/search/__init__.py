"""Fuzzy search over the catalog (imports no discord).

Build once per catalog with ``SearchIndex.build(catalog)``, then call ``search``,
``autocomplete``, ``is_confident`` and ``related`` as often as needed.
``match_sections`` is what every section picker offers for what was typed.

The names below are imported on first use (``bot.lazy``), so that importing
``bot.search.cli`` for ``ml-audio-bot --help`` does not load rapidfuzz.
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

if TYPE_CHECKING:
    from bot.search.fields import MAX_CHOICE_CHARS, MAX_CHOICES
    from bot.search.index import SearchIndex
    from bot.search.results import Choice, Hit, UnknownFilterError
    from bot.search.sections import match_sections

__all__ = [
    "MAX_CHOICES",
    "MAX_CHOICE_CHARS",
    "Choice",
    "Hit",
    "SearchIndex",
    "UnknownFilterError",
    "match_sections",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "MAX_CHOICES": "bot.search.fields",
        "MAX_CHOICE_CHARS": "bot.search.fields",
        "Choice": "bot.search.results",
        "Hit": "bot.search.results",
        "SearchIndex": "bot.search.index",
        "UnknownFilterError": "bot.search.results",
        "match_sections": "bot.search.sections",
    },
)
