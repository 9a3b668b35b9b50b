"""Community suggestions: members propose resources, vote, maintainers decide, export to YAML.

Core only (no discord import): ``service.SuggestionService`` holds the rules (those of
``proposing`` and ``reviewing``, on a shared ``base``), ``store.SuggestionStore`` the SQL,
``export`` the catalog YAML. The Discord side is ``bot/discord/suggestions/controller.py``
and ``cogs/suggestions.py``.
"""

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
