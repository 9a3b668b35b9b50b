"""Is this suggestion already listed, already suggested, or suspiciously close to something?

URLs are compared through ``bot.catalog.urls.normalize_url`` (``http``/``https``, ``www.``,
trailing slash, arXiv ``pdf``/``abs`` all count as one page). Titles are compared fuzzily
with rapidfuzz; a close title is only a warning, since two resources can share a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from bot.catalog.model import Catalog, Entry
from bot.catalog.urls import normalize_url

SIMILAR_TITLE_SCORE = 85.0
# token_set_ratio is 100 whenever one title's words are a subset of the other's, which is
# meaningful for "Deep Learning for Audio" but noise for a one-word title like "Audio".
_SUBSET_MIN_WORDS = 3
MAX_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something with a close title: a catalog entry (``entry_id``) or a suggestion."""

    title: str
    score: float
    entry_id: str | None = None
    suggestion_id: int | None = None
    url: str | None = None


class CatalogIndex:
    """Catalog URLs by normalised form, built once per loaded catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_url: dict[str, Entry] = {}
        for entry in catalog.entries:
            for url in entry.all_urls:
                self._by_url.setdefault(normalize_url(url), entry)

    def entry_for_url(self, url: str) -> Entry | None:
        return self._by_url.get(normalize_url(url))

    def entry_for_normalized(self, key: str) -> Entry | None:
        return self._by_url.get(key)


def title_similarity(a: str, b: str) -> float:
    """0–100: near-identical spellings score high, and so does one title inside the other.

    "inside" means every word of the shorter title (of at least three words) occurs in the
    longer one; sharing a phrase such as "learning for signal processing" is not enough.
    """
    left, right = utils.default_process(a), utils.default_process(b)
    if not left or not right:
        return 0.0
    score = float(fuzz.token_sort_ratio(left, right))
    shorter, longer = sorted((set(left.split()), set(right.split())), key=len)
    if len(shorter) >= _SUBSET_MIN_WORDS and shorter <= longer:
        score = max(score, 90.0)
    return score


def similar_titles(
    title: str,
    entries: Iterable[Entry],
    suggestions: Iterable[tuple[int, str, str]],
    *,
    limit: int = MAX_CANDIDATES,
) -> Sequence[Candidate]:
    """Catalog entries (title and aliases) and ``(id, title, url)`` suggestions near ``title``."""
    found: list[Candidate] = []
    for entry in entries:
        best = max(title_similarity(title, name) for name in (entry.title, *entry.aliases))
        if best >= SIMILAR_TITLE_SCORE:
            found.append(Candidate(entry.title, best, entry_id=entry.id, url=entry.url))
    for suggestion_id, other_title, url in suggestions:
        score = title_similarity(title, other_title)
        if score >= SIMILAR_TITLE_SCORE:
            found.append(Candidate(other_title, score, suggestion_id=suggestion_id, url=url))
    found.sort(key=lambda c: -c.score)
    return found[:limit]
