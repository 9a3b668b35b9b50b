"""The catalog: the reading list as validated, structured data.

The names below are imported on first use (``bot.lazy``): registering ``ml-audio-bot
catalog`` for ``--help`` needs none of them.
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

if TYPE_CHECKING:
    from bot.catalog.model import KINDS, Catalog, Entry, Link, Section

__all__ = ["KINDS", "Catalog", "Entry", "Link", "Section"]

__getattr__ = lazy_exports(__name__, dict.fromkeys(__all__, "bot.catalog.model"))
