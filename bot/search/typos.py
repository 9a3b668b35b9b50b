"""Words a typo may stand for, found by dictionary lookups instead of a scan.

The symmetric-delete method: every known word is filed under itself and each form with one
character dropped. A query word one edit away (a letter missing, extra, wrong or two letters
swapped) shares one of those forms, so ``near`` costs ``len(word) + 1`` lookups whatever the
vocabulary size. rapidfuzz then scores the few candidates; a full rapidfuzz scan over all
words (``scan``) is left for when the quick path finds nothing.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from itertools import compress
from operator import itemgetter, not_

from rapidfuzz import fuzz, process

# Shorter words are one edit away from too many others to guess from.
MIN_WORD_CHARS = 4


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _file(forms: defaultdict[str, list[int]], keys: list[str], positions: list[int]) -> None:
    """Append each position to its key's list (``deque(maxlen=0)`` runs the map in C)."""
    deque(map(list.append, map(forms.__getitem__, keys), positions), maxlen=0)


class TypoTable:
    __slots__ = ("_forms", "_words")

    def __init__(self, words: Iterable[str]) -> None:
        self._words: list[str] = sorted({w for w in words if len(w) >= MIN_WORD_CHARS})
        forms: defaultdict[str, list[int]] = defaultdict(list)
        # File every word under itself, then under each form with its i-th character
        # dropped, for all words of a length at once: a list comprehension makes the forms
        # and C-level ``map`` files them, with no Python statement per form. A word with a
        # doubled letter is filed twice under one form; ``near`` takes a set anyway.
        by_length: defaultdict[int, list[int]] = defaultdict(list)
        for position, word in enumerate(self._words):
            by_length[len(word)].append(position)
        for length, positions in by_length.items():
            same = [self._words[p] for p in positions]
            _file(forms, same, positions)
            for i in range(length):
                _file(forms, [w[:i] + w[i + 1 :] for w in same], positions)
        # A form of one word (most of them) maps to that word's position; a form of several
        # to a tuple: tuples of ints, unlike lists, drop out of the garbage collector's
        # sight, and a full collection would otherwise walk every one of them in the middle
        # of a keystroke. Both split in C: ``compress`` picks each kind by its length.
        single = list(map((1).__eq__, map(len, forms.values())))
        self._forms: dict[str, int | tuple[int, ...]] = dict(
            compress(zip(forms.keys(), map(itemgetter(0), forms.values()), strict=True), single)
        )
        several = map(not_, single)
        pairs = zip(forms.keys(), map(tuple, forms.values()), strict=True)
        self._forms.update(compress(pairs, several))

    def __len__(self) -> int:
        return len(self._words)

    def near(self, word: str, *, cutoff: float) -> list[tuple[str, float]]:
        """Known words within one edit of ``word`` scoring at least ``cutoff`` (0-100)."""
        if len(word) < MIN_WORD_CHARS:
            return []
        positions: set[int] = set()
        for form in _deletes(word) | {word}:
            filed = self._forms.get(form, ())
            if isinstance(filed, int):
                positions.add(filed)
            else:
                positions.update(filed)
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
