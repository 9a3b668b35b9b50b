"""Which sections match what a member is typing: the one rule every section picker uses.

``/section`` and ``/suggest`` (and anything later that asks for a section) offer the same
choices in the same order, so a section found in one box is found the same way in another.
"""

from __future__ import annotations

from bot.catalog.model import Catalog, Section
from bot.search import normalise as norm
from bot.search.fields import MAX_CHOICES


def match_sections(catalog: Catalog, typed: str, limit: int = MAX_CHOICES) -> list[Section]:
    """Sections whose title or id starts with ``typed``, then those containing it.

    Case, accents and repeated spaces are ignored; each group keeps the reading list's
    ``order``. Nothing typed lists every section in that order. At most ``limit``.
    """
    ordered = sorted(catalog.sections, key=lambda section: section.order)
    wanted = _key(typed)
    if wanted:
        starts = [s for s in ordered if any(key.startswith(wanted) for key in _keys(s))]
        inside = [s for s in ordered if s not in starts and any(wanted in k for k in _keys(s))]
        ordered = starts + inside
    return ordered[: max(limit, 0)]


def _keys(section: Section) -> tuple[str, str]:
    return _key(section.title), _key(section.id)


def _key(text: str) -> str:
    return " ".join(norm.fold(text).split())
