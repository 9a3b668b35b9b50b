"""Words a typo may stand for, found by lookups instead of a scan.

The symmetric-delete method: every known word is filed under itself and each form with one
character dropped. A query word one edit away (a letter missing, extra, wrong or two letters
swapped) shares one of those forms, so ``near`` costs ``len(word) + 1`` lookups whatever the
vocabulary size. rapidfuzz then scores the few candidates; a full rapidfuzz scan over all
words (``scan``) is left for when the quick path finds nothing.

Forms are filed by a 64-bit hash and never made into strings: there are about six per
word (560 000 for 90 000 words), and making each a string and a dict key was most of the
build. The hash is polynomial in the code points (``_hashes_of``), so that dropping a
character is arithmetic on one running sum: numpy hashes every form of a whole column of
words at once, and a query word's forms cost a few integer operations. Equal hashes do not
prove equal forms: ``near`` checks that each candidate really shares a form with the query,
so a collision can cost a comparison, never a wrong answer. The hashes are kept sorted in
an ``array.array`` with a bucket index (``_file``), not in a dict. numpy is imported by the
build alone: a built table holds a list and ``array.array`` objects, so a pickled one (the
CLI's cached index) loads without it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise
from operator import mul
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from bot.search.arrays import np

# Shorter words are one edit away from too many others to guess from.
MIN_WORD_CHARS = 4
_MASK = (1 << 64) - 1


class TypoTable:
    __slots__ = (
        "_buckets",
        "_filed",
        "_positions",
        "_shift",
        "_starts",
        "_top",
        "_values",
        "_words",
    )

    def __init__(self, words: Iterable[str]) -> None:
        # Sorting first and then dropping repeats keeps the sort nearly free: the callers
        # pass words already in order, which a set would scramble.
        kept = sorted([w for w in words if len(w) >= MIN_WORD_CHARS])
        self._words: list[str] = list(dict.fromkeys(kept))
        filed = _file(self._words)
        # _filed: every distinct hash shifted right by _shift, sorted; _values[k]: the
        # position of the one word filed under _filed[k] in _words, or ``~slot`` when
        # several words share it: they are ``_positions[_starts[slot]:_starts[slot + 1]]``.
        # _buckets[b]: where the hashes whose top bits (``hash >> _top``) are b begin.
        self._shift, self._top = filed.shift, filed.top
        self._filed, self._values, self._buckets = filed.hashes, filed.values, filed.buckets
        self._starts, self._positions = filed.starts, filed.positions

    def __len__(self) -> int:
        return len(self._words)

    def near(self, word: str, *, cutoff: float) -> list[tuple[str, float]]:
        """Known words within one edit of ``word`` scoring at least ``cutoff`` (0-100)."""
        if len(word) < MIN_WORD_CHARS or not self._words:
            return []
        filed, values, buckets = self._filed, self._values, self._buckets
        shift, top = self._shift, self._top
        starts = self._starts
        positions: set[int] = set()
        for form in _hashes_of(word):
            form >>= shift
            bucket = form >> top
            lo, hi = buckets[bucket], buckets[bucket + 1]
            if lo == hi:
                continue  # most forms of a typo: nothing shares the bucket
            k = bisect_left(filed, form, lo, hi)
            if k == hi or filed[k] != form:
                continue
            value = values[k]
            if value >= 0:
                positions.add(value)
            else:
                positions.update(self._positions[starts[~value] : starts[~value + 1]])
        found = []
        length = len(word)
        for position in sorted(positions):
            candidate = self._words[position]
            # fuzz.ratio is 100 * (1 - Indel distance / total length), so one distance
            # tells both whether the two really share a form (not only a hash: at most 2,
            # lengths at most one apart) and how alike they are.
            if candidate == word or abs(length - len(candidate)) > 1:
                continue
            distance = Indel.distance(word, candidate, score_cutoff=2)
            if distance > 2:
                continue  # only a hash matched
            similarity = 100 * (1.0 - distance / (length + len(candidate)))
            if similarity >= cutoff:
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


# ---------------------------------------------------------------------- the hash


# A polynomial hash: ``sum(ord(c) * BASE**(i + 1))`` over positions ``i``, modulo 2**64
# (from ``BASE**1``: a factor of 1 would leave the first character in the lowest bits, and
# the table keys by the highest).
_BASE = 0x9E3779B97F4A7C15  # odd, so that it has an inverse modulo 2**64
_INVERSE = pow(_BASE, -1, 1 << 64)


@lru_cache(maxsize=8)
def _powers(count: int) -> tuple[int, ...]:
    return tuple(pow(_BASE, i + 1, 1 << 64) for i in range(count))


def _powers_for(length: int) -> tuple[int, ...]:
    # Cached by powers of two, so that words of every length share a few tuples.
    return _powers(max(64, 1 << (length - 1).bit_length()))


def _hashes_of(word: str) -> list[int]:
    """The hash of ``word``, then of ``word`` with its i-th character dropped, for each i.

    With ``front[i]`` the sum over the characters before i and ``total`` the word's, the
    characters after i add ``total - front[i + 1]``; dropping i moves them one place down,
    which divides their share by the base: ``front[i] + (total - front[i + 1]) / BASE``.
    """
    front = [0, *accumulate(map(mul, map(ord, word), _powers_for(len(word))))]
    total = front[-1]
    return [
        total & _MASK,
        *[(before + _INVERSE * (total - upto)) & _MASK for before, upto in pairwise(front)],
    ]


# ---------------------------------------------------------------------- the build


@dataclass(frozen=True, slots=True)
class _Filed:
    """What ``TypoTable`` keeps of the filing (``hashes`` as its ``_filed``)."""

    shift: int
    top: int
    hashes: array[int]
    values: array[int]
    buckets: array[int]
    starts: array[int]
    positions: array[int]


def _file(words: list[str]) -> _Filed:
    """Every word (sorted, distinct) filed under the hashes of itself and its deletions.

    Sorted arrays with a bucket index, not a dict: a dict of 64-bit ints holds an int
    object and a slot per hash, and making it was most of this build (the index at
    100 000 entries keeps 16 MiB less this way); the arrays take 12 bytes a hash, and a
    lookup reads one bucket (usually empty, rarely more than two hashes).
    """
    if not words:
        return _Filed(0, 0, array("Q"), array("i"), array("I", [0, 0]), array("I", [0]), array("i"))
    from bot.search.arrays import np
    from bot.search.grouping import run_starts

    hashes, owners = _all_hashes(words)
    # Sort (hash, owner) packed into one uint64: the hash loses its lowest bits to the
    # owner, one plain sort of uint64s (numpy's fastest) groups equal hashes with their
    # owners ascending, and equal packed values are a word filing one form twice ("aab"
    # without either "a").
    shift = max(len(words).bit_length(), 1)
    packed = (hashes >> np.uint64(shift)) << np.uint64(shift)
    packed |= owners.astype(np.uint64)
    packed.sort()
    packed = packed[run_starts(packed)]
    filed = packed >> np.uint64(shift)
    owner_of = (packed & np.uint64((1 << shift) - 1)).astype(np.int32)
    group_start = np.flatnonzero(run_starts(filed))
    sizes = np.diff(group_start, append=len(filed))
    several = sizes > 1
    values = np.where(several, ~(np.cumsum(several) - 1), owner_of[group_start])
    starts = np.zeros(int(np.count_nonzero(several)) + 1, dtype=np.uint32)
    np.cumsum(sizes[several], out=starts[1:])
    positions = owner_of[np.repeat(several, sizes)]
    distinct = filed[group_start]
    # Four to eight buckets a hash, by the hash's top bits: most lookups of a typo's forms
    # find their bucket empty.
    bits = min(len(distinct).bit_length() + 2, 64 - shift)
    top = 64 - shift - bits
    counts = np.bincount((distinct >> np.uint64(top)).astype(np.intp), minlength=1 << bits)
    buckets = np.zeros(len(counts) + 1, dtype=np.uint32)
    np.cumsum(counts, out=buckets[1:])
    return _Filed(
        shift=shift,
        top=top,
        hashes=array("Q", distinct.astype("=u8").tobytes()),
        values=array("i", values.astype("=i4").tobytes()),
        buckets=array("I", buckets.astype("=u4").tobytes()),
        starts=array("I", starts.astype("=u4").tobytes()),
        positions=array("i", positions.astype("=i4").tobytes()),
    )


def _all_hashes(words: list[str]) -> tuple[NDArray[np.uint64], NDArray[np.intp]]:
    """The hashes of every word and of each of its deletions, with the word's position.

    Words are taken a length at a time, as rows of code points: no row is wider than its
    own word, so one very long word costs its own length, not every word's.
    """
    from bot.search.arrays import np

    lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
    by_length = np.argsort(lengths, kind="stable")
    bounds = np.flatnonzero(np.diff(lengths[by_length])) + 1
    hashes: list[NDArray[np.uint64]] = []
    owners: list[NDArray[np.intp]] = []
    for group in np.split(by_length, bounds):
        length = int(lengths[group[0]])
        # Code points as little-endian UCS-4, whatever the machine; a NUL in a word is a
        # code point like any other (it adds nothing to the hash: ``near`` checks).
        points = (
            np.array([words[k] for k in group.tolist()], dtype=f"<U{length}")
            .view("<u4")
            .reshape(len(group), length)
            .astype(np.uint64)
        )
        powers = np.array(_powers_for(length)[:length], dtype=np.uint64)
        # Integer arithmetic in numpy wraps modulo 2**64: exactly the hash's arithmetic.
        terms = points * powers
        front = np.cumsum(terms, axis=1, dtype=np.uint64)  # up to and with character i
        total = front[:, -1:]
        deletions = front - terms + np.uint64(_INVERSE) * (total - front)
        hashes += (front[:, -1], deletions.ravel())
        owners += (group, np.repeat(group, length))
    return np.concatenate(hashes), np.concatenate(owners)
