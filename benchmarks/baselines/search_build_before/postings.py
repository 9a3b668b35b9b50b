"""PREVIOUS IMPLEMENTATION (a benchmark baseline, not used by the bot).

Compact owner tables: which entries a key belongs to, and in which field.

An index at 100 000 entries holds millions of (entry, field) pairs. As one ``dict[int, int]``
per key each pair costs a dict slot and an int object (~90 bytes) and every key a dict.
Here all pairs of a table sit in two flat arrays (entry ids as ``array('i')``, field codes
as ``bytes``), key by key, and each key maps to one int saying where its run starts and how
long it is: five bytes a pair, no per-key container, nothing for the garbage collector to
walk. Entries are indexed in catalog order, so each run is sorted: iteration keeps catalog
order (ties rely on it) and ``code_of`` is a binary search.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from itertools import chain, repeat

# Field codes fit in four bits: an (entry, field) pair is packed as ``entry << 4 | field``
# while building, one list append per pair.
_CODE_BITS = 4
_CODE_MASK = (1 << _CODE_BITS) - 1
# A key's run: ``start << 32 | length``.
_SPAN_BITS = 32
_SPAN_MASK = (1 << _SPAN_BITS) - 1


class OwnerTable:
    """Key → entries (ascending) with the best field code of each; immutable."""

    __slots__ = ("_codes", "_ids", "_spans")

    def __init__(self, packed: dict[str, list[int]]) -> None:
        spans: dict[str, int] = {}
        start = 0
        for key, values in packed.items():
            spans[key] = start << _SPAN_BITS | len(values)
            start += len(values)
        flat = list(chain.from_iterable(packed.values()))
        self._spans = spans
        self._ids = array("i", map(operator.rshift, flat, repeat(_CODE_BITS)))
        self._codes = bytes(map(operator.and_, flat, repeat(_CODE_MASK)))

    def __contains__(self, key: str) -> bool:
        return key in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def count(self, key: str) -> int:
        """How many entries have ``key`` (0 for an unknown key)."""
        return self._spans.get(key, 0) & _SPAN_MASK

    def runs(self, key: str) -> tuple[array[int], bytes]:
        """The entry ids of ``key`` and, position by position, their field codes."""
        span = self._spans.get(key, 0)
        start = span >> _SPAN_BITS
        end = start + (span & _SPAN_MASK)
        return self._ids[start:end], self._codes[start:end]

    def pairs(self, key: str) -> Iterator[tuple[int, int]]:
        """(entry, field code) in catalog order; nothing for an unknown key."""
        ids, codes = self.runs(key)
        return zip(ids, codes, strict=True)

    def code_of(self, key: str, i: int) -> int | None:
        """Entry ``i``'s field code under ``key``, or ``None`` when the key is not its."""
        span = self._spans.get(key, 0)
        start = span >> _SPAN_BITS
        end = start + (span & _SPAN_MASK)
        position = bisect_left(self._ids, i, start, end)
        if position < end and self._ids[position] == i:
            return self._codes[position]
        return None


class OwnersBuilder:
    """Collects, entry by entry in catalog order, the best (lowest) field code per key."""

    __slots__ = ("_packed",)

    def __init__(self) -> None:
        self._packed: defaultdict[str, list[int]] = defaultdict(list)

    def add_entry(self, i: int, codes: dict[str, int]) -> None:
        """Entry ``i``'s keys with their best field code; call once per entry, in order."""
        packed = self._packed
        base = i << _CODE_BITS
        for key, code in codes.items():
            packed[key].append(base | code)

    def freeze(self) -> OwnerTable:
        return OwnerTable(self._packed)


def keep_best(codes: dict[str, int], key: str, code: int) -> None:
    """Record ``key`` for the entry being built, keeping its strongest (lowest) field code."""
    if code < codes.get(key, _CODE_MASK + 1):
        codes[key] = code
