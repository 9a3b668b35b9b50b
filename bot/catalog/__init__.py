"""The catalog: the reading list as validated, structured data."""

from bot.catalog.model import KINDS, Catalog, Entry, Link, Section

__all__ = ["KINDS", "Catalog", "Entry", "Link", "Section"]
