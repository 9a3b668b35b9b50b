"""Compact owner tables: which entries a key belongs to, and in which field.

An index at 100 000 entries holds millions of (entry, field) pairs and hundreds of thousands
of keys. Here a table is four flat sequences: its keys sorted (a list, which doubles as the
vocabulary the search scans for prefixes), where each key's run starts (``array('I')``),
and the runs themselves: entry ids (``array('i')``) and field codes (``bytes``). Five bytes
a pair, twelve a key, and no per-key container or dictionary slot for memory or the garbage
collector. A key is found by binary search. Entries are indexed in catalog order, so each
run is sorted: iteration keeps catalog order (ties rely on it) and ``code_in`` bisects.

Building never loops in Python per pair (``owner_table``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain, repeat

# Field codes are below this; ``keep_best`` treats a missing key as worse than any code.
_NO_CODE = 16


class OwnerTable:
    """Key → entries (ascending) with the best field code of each; immutable."""

    __slots__ = ("_codes", "_ids", "_keys", "_starts")

    def __init__(self, keys: list[str], starts: array[int], ids: array[int], codes: bytes) -> None:
        # Use ``owner_table``: ``keys`` sorted, run k is ``starts[k]:starts[k + 1]``.
        self._keys = keys
        self._starts = starts
        self._ids = ids
        self._codes = codes

    @property
    def keys(self) -> list[str]:
        """Every key, sorted (for prefix ranges with ``bisect``); do not modify."""
        return self._keys

    def _find(self, key: str) -> int:
        """The position of ``key`` among the keys, or -1."""
        position = bisect_left(self._keys, key)
        if position < len(self._keys) and self._keys[position] == key:
            return position
        return -1

    def __contains__(self, key: str) -> bool:
        return self._find(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def count(self, key: str) -> int:
        """How many entries have ``key`` (0 for an unknown key)."""
        k = self._find(key)
        return 0 if k < 0 else self._starts[k + 1] - self._starts[k]

    def runs(self, key: str) -> tuple[array[int], bytes]:
        """The entry ids of ``key`` and, position by position, their field codes."""
        k = self._find(key)
        if k < 0:
            return self._ids[:0], b""
        start, end = self._starts[k], self._starts[k + 1]
        return self._ids[start:end], self._codes[start:end]

    def pairs(self, key: str) -> Iterator[tuple[int, int]]:
        """(entry, field code) in catalog order; nothing for an unknown key."""
        ids, codes = self.runs(key)
        return zip(ids, codes, strict=True)

    def span(self, key: str) -> tuple[int, int]:
        """Where ``key``'s run lies, for ``code_in`` (empty for an unknown key)."""
        k = self._find(key)
        return (0, 0) if k < 0 else (self._starts[k], self._starts[k + 1])

    def code_in(self, span: tuple[int, int], i: int) -> int | None:
        """Entry ``i``'s field code in the run ``span`` of a key (``span(key)``: one search
        per key), or ``None`` when the key is not its."""
        start, end = span
        position = bisect_left(self._ids, i, start, end)
        if position < end and self._ids[position] == i:
            return self._codes[position]
        return None


class OwnersBuilder:
    """Flat (key, code) lists of entries added in catalog order, grouped once by ``freeze``."""

    __slots__ = ("_codes", "_keys", "_sizes")

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._codes = bytearray()
        self._sizes: list[int] = []

    def add(self, per_entry: Sequence[dict[str, int]]) -> None:
        """The next entries' keys with their best field code, in catalog order."""
        self._keys += chain.from_iterable(per_entry)
        self._codes += bytes(chain.from_iterable(map(dict.values, per_entry)))
        self._sizes += map(len, per_entry)

    def freeze(self) -> OwnerTable:
        return _group(self._keys, self._codes, self._sizes)


def owner_table(per_entry: Sequence[dict[str, int]]) -> OwnerTable:
    """The table of entry i's keys with their best field code, ``per_entry[i]``."""
    return _group(
        list(chain.from_iterable(per_entry)),
        bytes(chain.from_iterable(map(dict.values, per_entry))),
        list(map(len, per_entry)),
    )


def _group(keys: list[str], codes: bytes | bytearray, sizes: list[int]) -> OwnerTable:
    """Pairs flattened entry by entry (entry i has ``sizes[i]`` of them) grouped by key.

    Grouping never loops in Python per pair: C-level ``map`` chains append each pair's
    entry to its key's list and each code to its key's bytes (``deque(maxlen=0)`` runs a
    map to its end), entries staying in catalog order.
    """
    # The entry of each pair: entry i repeated once per key it has.
    entries = chain.from_iterable(map(repeat, range(len(sizes)), sizes))
    owners: defaultdict[str, list[int]] = defaultdict(list)
    deque(map(list.append, map(owners.__getitem__, keys), entries), maxlen=0)
    code_runs: defaultdict[str, bytearray] = defaultdict(bytearray)
    deque(map(bytearray.append, map(code_runs.__getitem__, keys), codes), maxlen=0)
    ordered = sorted(owners)
    runs = list(map(owners.__getitem__, ordered))
    return OwnerTable(
        keys=ordered,
        starts=array("I", accumulate(map(len, runs), initial=0)),
        ids=array("i", chain.from_iterable(runs)),
        codes=b"".join(map(code_runs.__getitem__, ordered)),
    )


def keep_best(codes: dict[str, int], key: str, code: int) -> None:
    """Record ``key`` for the entry being built, keeping its strongest (lowest) field code."""
    if code < codes.get(key, _NO_CODE):
        codes[key] = code
