"""What the index answers with: hits, autocomplete choices, and unknown-filter errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import markup
from bot.catalog.model import Entry
from bot.search import normalise as norm
from bot.search.fields import MAX_CHOICE_CHARS

# "Did you mean" for an unknown section or kind: good enough, and close to the best.
SUGGESTION_MIN_SCORE = 50.0
SUGGESTION_SPREAD = 10.0


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result. ``field`` says why it matched; ``term`` is the indexed word or phrase."""

    entry: Entry
    score: float
    field: str
    term: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """One autocomplete suggestion: what Discord shows (``name``) and sends back (``value``)."""

    name: str
    value: str


class UnknownFilterError(ValueError):
    """A section or kind that the catalog does not have, with the closest ones it does."""

    def __init__(self, what: str, given: str, suggestions: Sequence[str]) -> None:
        self.what = what
        self.given = given
        self.suggestions = tuple(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {what} {given!r}.{hint}")


def closest(text: str, names: dict[str, str], limit: int = 3) -> list[str]:
    """Ids whose id or title is closest to ``text``, best first, without repeats."""
    if not names:
        return []
    labels = list(names)
    found = process.extract(
        norm.fold(text), [norm.fold(label) for label in labels], scorer=fuzz.WRatio, limit=limit * 2
    )
    if not found:
        return []
    # Only the near-best: "jounals" should suggest "journals", not every loose partial match.
    floor = max(SUGGESTION_MIN_SCORE, found[0][1] - SUGGESTION_SPREAD)
    ids = norm.unique(names[labels[position]] for _, score, position in found if score >= floor)
    return ids[:limit]


def choice_name(entry: Entry) -> str:
    """``"WaveNet (paper, 2016)"``, cut to Discord's 100 characters, never empty."""
    title = " ".join(entry.title.split()) or entry.id
    details = entry.kind + (f", {entry.year}" if entry.year else "")
    suffix = f" ({details})"
    if len(suffix) > MAX_CHOICE_CHARS // 2:
        suffix = ""
    name = markup.truncate(title, MAX_CHOICE_CHARS - len(suffix)) + suffix
    return name[:MAX_CHOICE_CHARS] or entry.id[:MAX_CHOICE_CHARS] or "?"
