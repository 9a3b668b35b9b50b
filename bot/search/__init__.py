"""Fuzzy search over the catalog (imports no discord).

Build once per catalog with ``SearchIndex.build(catalog)``, then call ``search``,
``autocomplete``, ``is_confident`` and ``related`` as often as needed.
``match_sections`` is what every section picker offers for what was typed.
"""

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
