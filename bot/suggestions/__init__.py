"""Community suggestions: members propose resources, vote, maintainers decide, export to YAML.

Core only (no discord import): ``service.SuggestionService`` holds the rules (those of
``proposing`` and ``reviewing``, on a shared ``base``), ``store.SuggestionStore`` the SQL,
``export`` the catalog YAML. The Discord side is ``bot/discord/suggestions/controller.py``
and ``cogs/suggestions.py``.

The names below are imported on first use (``bot.lazy``), so that registering
``ml-audio-bot suggestions`` for ``--help`` does not load aiosqlite or rapidfuzz.
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

if TYPE_CHECKING:
    from bot.suggestions.model import Draft, Status, Suggestion, Tally, Vote
    from bot.suggestions.service import SuggestionService, SuggestionSettings
    from bot.suggestions.store import StorageError, SuggestionStore

__all__ = [
    "Draft",
    "Status",
    "StorageError",
    "Suggestion",
    "SuggestionService",
    "SuggestionSettings",
    "SuggestionStore",
    "Tally",
    "Vote",
]

__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            ("Draft", "Status", "Suggestion", "Tally", "Vote"), "bot.suggestions.model"
        ),
        **dict.fromkeys(("SuggestionService", "SuggestionSettings"), "bot.suggestions.service"),
        **dict.fromkeys(("StorageError", "SuggestionStore"), "bot.suggestions.store"),
    },
)
