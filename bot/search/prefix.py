"""A sorted prefix table: which entries have a key starting with what the user typed so far.

Discord autocomplete cannot be deferred, so lookups here are a binary search plus a bounded
scan. Each key carries a sort value ``kind_of_key * n + rank``: smaller is better, so "the
title starts with it" beats "a later word starts with it", and popular entries come first.
Prefixes so common that their range is long (``"s"``, ``"spe"``) get their best values
precomputed at build time, so no lookup ever walks a large slice.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Sequence

# Ranges up to this many keys are scanned; longer ones use precomputed or partial results.
SCAN_LIMIT = 256
# Prefixes up to this length have their long ranges precomputed.
PRECOMPUTED_DEPTH = 3
# Sort values kept per precomputed prefix: enough for 25 distinct entries in practice.
PRECOMPUTED_WIDTH = 200
# Longer keys add nothing for autocomplete (Discord sends at most 100 characters) but cost memory.
MAX_KEY_CHARS = 48
# Above any character a folded key can hold (word characters only), closing a prefix range.
_HIGHEST = "\U0010ffff"


class PrefixTable:
    """Keys sorted once; ``best(prefix)`` returns the smallest sort values whose key has it."""

    __slots__ = ("_keys", "_precomputed", "_values")

    def __init__(self, keys: list[str], values: array[int]) -> None:
        """``keys`` sorted (each at most ``MAX_KEY_CHARS`` long), ``values[k]`` the smallest
        sort value of ``keys[k]``; an ``array('q')`` keeps no int object per key."""
        self._keys: list[str] = keys
        self._values = values
        self._precomputed: dict[str, tuple[int, ...]] = self._precompute()

    def __len__(self) -> int:
        return len(self._keys)

    def exact(self, key: str) -> int | None:
        """The sort value of a key typed in full, which outranks mere prefixes."""
        key = key[:MAX_KEY_CHARS]
        position = bisect_left(self._keys, key)
        if position < len(self._keys) and self._keys[position] == key:
            return self._values[position]
        return None

    def best(self, prefix: str, count: int) -> Sequence[int]:
        """At least the ``count`` smallest sort values of keys starting with ``prefix``, sorted.

        Values may repeat an entry (one entry has several keys), so callers ask for more
        than they show and deduplicate.
        """
        prefix = prefix[:MAX_KEY_CHARS]
        if not prefix:
            return []
        lo = bisect_left(self._keys, prefix)
        hi = bisect_left(self._keys, prefix + _HIGHEST, lo)
        if hi - lo <= SCAN_LIMIT:
            return sorted(self._values[lo:hi])
        precomputed = self._precomputed.get(prefix)
        if precomputed is not None and len(precomputed) >= count:
            return precomputed
        return heapq.nsmallest(max(count, PRECOMPUTED_WIDTH), self._values[lo:hi])

    def _precompute(self) -> dict[str, tuple[int, ...]]:
        # Only a build runs this (an unpickled table keeps its result): numpy is imported
        # here, not with the module, so that loading a cached index does not pay for it.
        from bot.search.arrays import np

        values = np.frombuffer(self._values, dtype=np.int64)
        # Tuples, not lists: the garbage collector stops tracking tuples of ints.
        table: dict[str, tuple[int, ...]] = {}
        keys = self._keys
        for depth in range(1, PRECOMPUTED_DEPTH + 1):
            # Each distinct prefix of this depth once: jump from the start of its range to
            # the next (keys are sorted), rather than collecting every key's prefix.
            lo = 0
            while lo < len(keys):
                if len(keys[lo]) < depth:
                    lo += 1
                    continue
                prefix = keys[lo][:depth]
                hi = bisect_left(keys, prefix + _HIGHEST, lo)
                if hi - lo > SCAN_LIMIT:
                    # The smallest PRECOMPUTED_WIDTH values, sorted: a partition, then a
                    # sort of those few, in C.
                    found = values[lo:hi]
                    if len(found) > PRECOMPUTED_WIDTH:
                        found = np.partition(found, PRECOMPUTED_WIDTH - 1)[:PRECOMPUTED_WIDTH]
                    table[prefix] = tuple(np.sort(found).tolist())
                lo = hi
        return table
