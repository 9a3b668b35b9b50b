"""Words a typo may stand for, found by dictionary lookups instead of a scan.

The symmetric-delete method: every known word is filed under itself and each form with one
character dropped. A query word one edit away (a letter missing, extra, wrong or two letters
swapped) shares one of those forms, so ``near`` costs ``len(word) + 1`` lookups whatever the
vocabulary size. rapidfuzz then scores the few candidates; a full rapidfuzz scan over all
words (``scan``) is left for when the quick path finds nothing.

Building the table files every word about six times over (560 000 filings for 90 000
words), too many for one Python statement each: numpy makes and groups the forms as rows of
small integers, and only the distinct forms become Python strings. numpy is imported by the
build alone; a built table holds only a dict and two ``array.array``, so a pickled one (the
CLI's cached index) loads without it.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    # form → where its words are: a position in the sorted word list when it is one word's
    # form (most are), else ``~slot``: its words are ``positions[starts[slot]:starts[slot+1]]``.
    Filed = tuple[dict[str, int], array[int], array[int]]

# Shorter words are one edit away from too many others to guess from.
MIN_WORD_CHARS = 4
# Characters (forms × width of the longest word) the numpy filing may lay out: 256 MB of
# four-byte code points at most, about 25 times what 100 000 catalog entries need.
MAX_NUMPY_CELLS = 64_000_000

# Odd 64-bit multipliers that hash a form's row of codes, one per 8 bytes of the row.
HASH_MULTIPLIERS = (
    0x9E3779B97F4A7C15,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0xD6E8FEB86659FD93,
    0xFF51AFD7ED558CCD,
    0xC4CEB9FE1A85EC53,
    0x94D049BB133111EB,
    0xBF58476D1CE4E5B9,
)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class TypoTable:
    __slots__ = ("_forms", "_positions", "_starts", "_words")

    def __init__(self, words: Iterable[str]) -> None:
        # Sorting first and then dropping repeats keeps the sort nearly free: the callers
        # pass words already in order, which a set would scramble.
        kept = sorted([w for w in words if len(w) >= MIN_WORD_CHARS])
        self._words: list[str] = list(dict.fromkeys(kept))
        self._forms, self._starts, self._positions = _file_forms(self._words)

    def __len__(self) -> int:
        return len(self._words)

    def near(self, word: str, *, cutoff: float) -> list[tuple[str, float]]:
        """Known words within one edit of ``word`` scoring at least ``cutoff`` (0-100)."""
        if len(word) < MIN_WORD_CHARS:
            return []
        forms, starts = self._forms, self._starts
        positions: set[int] = set()
        for form in _deletes(word) | {word}:
            filed = forms.get(form)
            if filed is None:
                continue
            if filed >= 0:
                positions.add(filed)
            else:
                slot = ~filed
                positions.update(self._positions[starts[slot] : starts[slot + 1]])
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


def _file_forms(words: list[str]) -> Filed:
    """Every word (sorted, distinct) filed under itself and its one-deletion forms."""
    if not words:
        return {}, array("I", [0]), array("i")
    import numpy as np

    lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
    longest = int(lengths.max())
    # Every form is a row as wide as the longest word: one very long word (a pasted hash,
    # a run of digits and letters) would make them all wide. Past a bound the table is
    # filed word by word instead, slower but in memory proportional to the words.
    if int(lengths.sum()) * longest > MAX_NUMPY_CELLS:
        return _file_forms_in_python(words)
    # Code points, NUL-padded to the longest word. A real NUL would read as padding (and
    # numpy drops trailing ones from strings): such words take the plain Python way.
    # Explicitly little-endian on both sides, so that code points read right on any machine.
    points = np.array(words, dtype=f"<U{longest}").view("<u4").reshape(len(words), longest)
    if int(np.count_nonzero(points)) != int(lengths.sum()):
        return _file_forms_in_python(words)
    return _file_forms_with_numpy(words, lengths, points)


def _file_forms_in_python(words: list[str]) -> Filed:
    """The same table, one word at a time (for vocabularies numpy cannot hold exactly)."""
    filed: defaultdict[str, list[int]] = defaultdict(list)
    for position, word in enumerate(words):
        for form in _deletes(word) | {word}:
            filed[form].append(position)
    forms: dict[str, int] = {}
    starts, positions = array("I", [0]), array("i")
    for form, owners in filed.items():
        if len(owners) == 1:
            forms[form] = owners[0]
        else:
            forms[form] = ~(len(starts) - 1)
            positions.extend(owners)
            starts.append(len(positions))
    return forms, starts, positions


def _file_forms_with_numpy(
    words: list[str], lengths: NDArray[np.intp], points: NDArray[np.uint32]
) -> Filed:
    import numpy as np

    n, longest = points.shape
    # Each distinct code point gets a small code (NUL, the padding, stays 0), so that a row
    # takes one byte per character for most vocabularies, not four.
    present = np.zeros(int(points.max()) + 1, dtype=np.bool_)
    present[points.ravel()] = True
    present[0] = True
    alphabet = np.flatnonzero(present).astype("<u4")
    dtype = (
        np.uint8
        if len(alphabet) <= 1 << 8
        else np.uint16
        if len(alphabet) <= 1 << 16
        else np.uint32
    )
    code_of = (np.cumsum(present) - 1).astype(dtype)
    # Rows padded to whole 8-byte words, so that a row reads as a few uint64s.
    width = -(-longest * np.dtype(dtype).itemsize // 8) * 8 // np.dtype(dtype).itemsize

    # Longest words first: the words longer than i, which have an i-th character to drop,
    # are then a prefix, and each form is two slice copies for all of them at once.
    by_length = np.argsort(-lengths, kind="stable")
    codes = np.zeros((n, width + 1), dtype=dtype)
    codes[:, :longest] = code_of[points[by_length]]
    longer = (
        n - np.searchsorted(lengths[by_length][::-1], np.arange(longest), side="right")
    ).tolist()
    total = n + sum(longer)
    rows = np.empty((total, width), dtype=dtype)
    owner = np.empty(total, dtype=np.int32)
    # The words themselves first: a form that is also a word is then keyed by that word's
    # own string rather than a copy of it.
    rows[:n] = codes[:, :width]
    owner[:n] = by_length
    at = n
    for i, count in enumerate(longer):
        block = rows[at : at + count]
        block[:, :i] = codes[:count, :i]
        block[:, i:] = codes[:count, i + 1 :]
        owner[at : at + count] = by_length[:count]
        at += count

    # Group equal rows by sorting on a hash with the row number in its low bits: one plain
    # sort of uint64s (numpy's fastest) instead of an argsort, and each group's first row
    # is its lowest-numbered one. Rows are then compared whole, so a hash collision can
    # never merge two forms: it only costs an exact (slower) lexicographic sort.
    words64 = rows.view(np.uint64)
    # Rows wider than the multipliers (words over 64 letters) reuse them, each round made
    # different by an even mask that keeps them odd.
    multipliers = np.array(
        [
            HASH_MULTIPLIERS[k % len(HASH_MULTIPLIERS)] ^ (k // len(HASH_MULTIPLIERS) << 1)
            for k in range(words64.shape[1])
        ],
        dtype=np.uint64,
    )
    hashed = words64 @ multipliers
    low_bits = np.uint64(max(total.bit_length(), 1))
    keys = (hashed >> low_bits) << low_bits
    keys |= np.arange(total, dtype=np.uint64)
    keys.sort()
    order = (keys & np.uint64((1 << int(low_bits)) - 1)).astype(np.intp)
    group_start = _row_changes(words64, order)
    # Rows equal ⇒ hashes equal, so as many hash groups as row groups means no collision.
    if len(group_start) != 1 + int(np.count_nonzero(np.diff(keys >> low_bits))):
        # lexsort is stable: each group's first row is still its lowest-numbered one.
        order = np.lexsort(words64.T[::-1])
        group_start = _row_changes(words64, order)
    sizes = np.diff(group_start, append=total)
    owners = owner[order]
    first_row = order[group_start]

    single = sizes == 1
    several = ~single
    value = np.where(single, owners[group_start], ~(np.cumsum(several) - 1))
    starts = np.zeros(int(np.count_nonzero(several)) + 1, dtype=np.uint32)
    np.cumsum(sizes[several], out=starts[1:])
    positions = owners[np.repeat(several, sizes)].astype(np.int32)

    is_word = first_row < n
    word_keys = list(map(words.__getitem__, owners[group_start[is_word]].tolist()))
    form_rows = rows[first_row[~is_word], :longest]
    form_keys = alphabet[form_rows].view(f"<U{longest}").ravel().tolist()
    # One int object per distinct value, shared by all its forms (as a word's position is
    # shared by its forms), rather than one per form.
    lowest = int(value.min())
    shared = list(range(lowest, n)).__getitem__
    forms = dict(zip(word_keys, map(shared, (value[is_word] - lowest).tolist()), strict=True))
    forms.update(zip(form_keys, map(shared, (value[~is_word] - lowest).tolist()), strict=True))
    return forms, array("I", starts.tobytes()), array("i", positions.tobytes())


def _row_changes(words64: NDArray[np.uint64], order: NDArray[np.intp]) -> NDArray[np.intp]:
    """Where, in ``order``, each run of equal rows begins."""
    import numpy as np

    changes = np.zeros(len(order), dtype=np.bool_)
    changes[0] = True
    for k in range(words64.shape[1]):
        column = words64[:, k][order]
        changes[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(changes)
