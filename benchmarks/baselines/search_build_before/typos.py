"""PREVIOUS IMPLEMENTATION (a benchmark baseline, not used by the bot).

Words a typo may stand for, found by dictionary lookups instead of a scan.

The symmetric-delete method: every known word is filed under itself and each form with one
character dropped. A query word one edit away (a letter missing, extra, wrong or two letters
swapped) shares one of those forms, so ``near`` costs ``len(word) + 1`` lookups whatever the
vocabulary size. rapidfuzz then scores the few candidates; a full rapidfuzz scan over all
words (``scan``) is left for when the quick path finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

# Shorter words are one edit away from too many others to guess from.
MIN_WORD_CHARS = 4


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class TypoTable:
    __slots__ = ("_forms", "_words")

    def __init__(self, words: Iterable[str]) -> None:
        self._words: list[str] = sorted({w for w in words if len(w) >= MIN_WORD_CHARS})
        forms: dict[str, list[int]] = {}
        for position, word in enumerate(self._words):
            for form in _deletes(word) | {word}:
                forms.setdefault(form, []).append(position)
        # Tuples of ints, unlike lists, drop out of the garbage collector's sight: a full
        # collection would otherwise walk every one of them in the middle of a keystroke.
        self._forms: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in forms.items()}

    def __len__(self) -> int:
        return len(self._words)

    def near(self, word: str, *, cutoff: float) -> list[tuple[str, float]]:
        """Known words within one edit of ``word`` scoring at least ``cutoff`` (0-100)."""
        if len(word) < MIN_WORD_CHARS:
            return []
        positions: set[int] = set()
        for form in _deletes(word) | {word}:
            positions.update(self._forms.get(form, ()))
        found = []
        for position in sorted(positions):
            candidate = self._words[position]
            similarity = fuzz.ratio(word, candidate, score_cutoff=cutoff)
            if similarity and candidate != word:
                found.append((candidate, similarity))
        return found

    def scan(self, word: str, *, cutoff: float, limit: int) -> list[tuple[str, float]]:
        """The ``limit`` closest known words by a full rapidfuzz pass (slower, any distance)."""
        if len(word) < MIN_WORD_CHARS:
            return []
        return [
            (candidate, similarity)
            for candidate, similarity, _ in process.extract(
                word, self._words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit
            )
            if candidate != word
        ]
