"""Compact owner lists: which entries a key belongs to, and in which field, as two arrays.

An index at 100 000 entries holds millions of (entry, field) pairs. As ``dict[int, int]``
per key each pair costs a dict slot plus an int object (~90 bytes); here it costs five
bytes (an ``array('i')`` id and a field code byte), and neither array is tracked by the
garbage collector. Entries are indexed in catalog order, so every id array is sorted:
iteration keeps catalog order (ties rely on it) and ``code_of`` is a binary search.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from typing import TypeAlias

# Field codes fit in four bits: an (entry, field) pair is packed as ``entry * 16 + field``
# while building, one list append per pair.
_CODE_BITS = 4
_CODE_MASK = (1 << _CODE_BITS) - 1

# Entry ids (sorted) and, at the same positions, the best field code of each.
# (A string: ``array`` takes a type argument only from Python 3.12 on.)
Owners: TypeAlias = "tuple[array[int], bytes]"
NO_OWNERS: Owners = (array("i"), b"")


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
            packed[key].append(base + code)

    def freeze(self) -> dict[str, Owners]:
        return {key: _unpack(values) for key, values in self._packed.items()}


def _unpack(values: list[int]) -> Owners:
    return array("i", [v >> _CODE_BITS for v in values]), bytes([v & _CODE_MASK for v in values])


def keep_best(codes: dict[str, int], key: str, code: int) -> None:
    """Record ``key`` for the entry being built, keeping its strongest (lowest) field code."""
    if code < codes.get(key, _CODE_MASK + 1):
        codes[key] = code


def pairs(owners: Owners) -> Iterator[tuple[int, int]]:
    """(entry, field code) in catalog order."""
    return zip(owners[0], owners[1], strict=True)


def code_of(owners: Owners, i: int) -> int | None:
    """Entry ``i``'s field code under this key, or ``None`` when the key is not its."""
    ids = owners[0]
    position = bisect_left(ids, i)
    if position < len(ids) and ids[position] == i:
        return owners[1][position]
    return None
