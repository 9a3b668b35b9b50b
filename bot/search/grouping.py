"""Grouping millions of (key, entry, field) triples into owner tables, in numpy.

The index build states what each entry has column by column (every description's words at
once, every title's keys once per distinct title); the triples are then sorted as one
``int64`` array and the strongest field of each (key, entry) kept. numpy sorts 3.4 million
such triples (100 000 entries) in about 0.15 s; the same grouping with one dict-of-lists
append per triple took seconds. Only the build imports this module: the tables it returns
hold ``array.array``, ``bytes`` and ``list`` objects, so a cached index loads without numpy.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Sequence, Sized
from itertools import chain, islice
from typing import Any, TypeVar

from bot.search.arrays import np, npt
from bot.search.postings import OwnerTable

Ints = npt.NDArray[np.int64]
_K = TypeVar("_K", bound=Hashable)

# A triple packed into one int64: key rank, entry, field code (codes fit in four bits).
_CODE_BITS = 4
_ENTRY_BITS = 32
_KEY_SHIFT = _CODE_BITS + _ENTRY_BITS


class Interner(dict[_K, int]):
    """Each new key gets the next id, in first-seen order.

    ``ids`` turns a column of keys into ids in C (``map`` over the dict's own lookup): only
    a key met for the first time runs Python code (``__missing__``). Measured faster than
    numbering the new keys in bulk first, which hashes every key once more.
    """

    __slots__ = ()

    def __missing__(self, key: _K) -> int:
        value = self[key] = len(self)
        return value

    def ids(self, keys: Iterable[_K]) -> Ints:
        # Straight from the iterator: numpy 2's ``fromiter`` fills the array ~10 % faster
        # than it converts a list made first (which also costs a list of int objects).
        count = len(keys) if isinstance(keys, Sized) else -1
        return np.fromiter(map(self.__getitem__, keys), dtype=np.int64, count=count)


class Vocabulary(Interner[str]):
    """Every key of every table of one build, numbered once, sorted once (``order``).

    Tables share most keys (a title's squashed spelling is a phrase, a title key and an
    autocomplete key), so one vocabulary hashes and sorts each of them once.
    """

    __slots__ = ("_order",)

    def __init__(self) -> None:
        super().__init__()
        self._order: tuple[Ints, list[str]] | None = None

    def order(self) -> tuple[Ints, list[str]]:
        """Each key id's place in sorted order, and the keys sorted; ask after the last key
        has been added."""
        if self._order is None or len(self._order[1]) != len(self):
            ordered = sorted(self)
            ranks = np.empty(len(ordered), dtype=np.int64)
            ranks[self.ids(ordered)] = np.arange(len(ordered), dtype=np.int64)
            self._order = ranks, ordered
        return self._order


def ints(values: Iterable[int]) -> Ints:
    """``values`` as an int64 array."""
    if isinstance(values, list):
        return np.array(values, dtype=np.int64)
    return np.fromiter(values, dtype=np.int64)


def rows_of(lengths: Sequence[int] | Ints) -> Ints:
    """The row of each item of a flattened column: row r repeated ``lengths[r]`` times."""
    counts = np.asarray(lengths, dtype=np.int64)
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


class Pieces:
    """Keys of distinct names (a title, an author, a tag…), each analysed once.

    Piece p owns ``keys[starts[p]:starts[p + 1]]`` with their values (field codes, or key
    kinds for autocomplete); a key may repeat within a piece, the tables keep its best.
    ``expand`` hands each entry the keys of its pieces.
    """

    __slots__ = ("_keys", "_lengths", "_starts", "_values")

    def __init__(self, count: int, pieces: Ints, keys: Ints, values: Ints) -> None:
        order = np.argsort(pieces, kind="stable")
        self._keys = keys[order]
        self._values = values[order]
        self._lengths = np.bincount(pieces, minlength=count)
        self._starts = np.concatenate(([0], np.cumsum(self._lengths)))

    def expand(self, pieces: Ints, entries: Ints) -> tuple[Ints, Ints, Ints]:
        """(key, entry, value) for every key of ``pieces[j]``, owned by ``entries[j]``."""
        counts = self._lengths[pieces]
        firsts = np.cumsum(counts) - counts  # where each piece's keys start in the output
        # Output position k of piece j reads the piece's own key k - firsts[j].
        offsets = np.repeat(self._starts[pieces] - firsts, counts)
        taken = np.arange(int(counts.sum()), dtype=np.int64) + offsets
        return self._keys[taken], np.repeat(entries, counts), self._values[taken]


class _Columns:
    """Three int columns of equal length, gathered in parts and joined once."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        # The third column of a part may be one int for all its rows.
        self._parts: list[tuple[Ints, Ints, Ints | int]] = []

    def _append(self, first: Ints, second: Ints, third: Ints | int) -> None:
        self._parts.append((first, second, third))

    def _joined(self) -> tuple[Ints, Ints, Ints]:
        if not self._parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        first, second, third = zip(*self._parts, strict=True)
        return (
            np.concatenate(first),
            np.concatenate(second),
            np.concatenate([_column(t, len(f)) for f, t in zip(first, third, strict=True)]),
        )


class PieceKeys(_Columns):
    """The keys of distinct names for one table, gathered in any order, then ``freeze``."""

    __slots__ = ("interner",)

    def __init__(self, interner: Vocabulary) -> None:
        super().__init__()
        self.interner = interner

    def add(self, pieces: Ints, keys: Ints, values: Ints | int) -> None:
        self._append(pieces, keys, values)

    def add_dicts(self, pieces: Sequence[int], per_piece: Sequence[dict[str, int]]) -> None:
        """Piece ``pieces[j]`` has the keys of ``per_piece[j]`` with their values."""
        self.add(
            np.repeat(ints(pieces), ints(map(len, per_piece))),
            self.interner.ids(chain.from_iterable(per_piece)),
            ints(chain.from_iterable(map(dict.values, per_piece))),
        )

    def freeze(self, count: int) -> Pieces:
        return Pieces(count, *self._joined())


def _column(values: Ints | int, count: int) -> Ints:
    return np.full(count, values, dtype=np.int64) if isinstance(values, int) else values


class Triples(_Columns):
    """(key, entry, field code) triples of one owner table, added column by column."""

    __slots__ = ("keys",)

    def __init__(self, keys: Vocabulary) -> None:
        super().__init__()
        self.keys = keys

    def add(self, keys: Ints, entries: Ints, codes: Ints | int) -> None:
        self._append(keys, entries, codes)

    def add_lists(self, per_row: Sequence[Sequence[str]], rows: Ints, code: int) -> None:
        """Row j's keys ``per_row[j]``, owned by entry ``rows[j]``, all in field ``code``."""
        lengths = ints(map(len, per_row))
        self.add(self.keys.ids(chain.from_iterable(per_row)), np.repeat(rows, lengths), code)

    def add_pieces(self, pieces: Pieces, piece_ids: Ints, entries: Ints) -> None:
        self.add(*pieces.expand(piece_ids, entries))

    def table(self) -> OwnerTable:
        """The owner table: keys sorted, entries ascending, each (key, entry) at its
        strongest (lowest) code."""
        ranks, keys = self.keys.order()
        # Each part packed straight into its place: no joined copy of the three columns
        # (at 100 000 entries each would be some 30 MB).
        packed = np.empty(sum(len(part[0]) for part in self._parts), dtype=np.int64)
        end = 0
        for key_ids, entries, codes in self._parts:
            start, end = end, end + len(key_ids)
            place = packed[start:end]
            np.take(ranks, key_ids, out=place)
            place <<= _KEY_SHIFT
            place |= entries << _CODE_BITS
            place |= codes
        kept = _smallest_of_each(packed, _CODE_BITS)  # each (key, entry)'s lowest code
        key_ranks = kept >> _KEY_SHIFT
        counts = np.bincount(key_ranks, minlength=len(keys))
        present = np.flatnonzero(counts)
        starts = np.concatenate(([0], np.cumsum(counts[present])))
        return OwnerTable(
            keys=list(map(keys.__getitem__, present.tolist())),
            starts=array("I", starts.astype(np.uint32).tobytes()),
            ids=array(
                "i", ((kept >> _CODE_BITS) & ((1 << _ENTRY_BITS) - 1)).astype(np.int32).tobytes()
            ),
            codes=(kept & ((1 << _CODE_BITS) - 1)).astype(np.uint8).tobytes(),
        )


def _smallest_of_each(packed: Ints, group_shift: int) -> Ints:
    """``packed`` sorted, keeping the first (smallest) of each group of values that agree
    above bit ``group_shift``."""
    packed.sort()
    kept: Ints = packed[run_starts(packed >> group_shift)]
    return kept


def run_starts(values: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.bool_]:
    """Where each run of equal values begins, in an array sorted (or grouped) by them."""
    starts = np.ones(len(values), dtype=np.bool_)
    starts[1:] = values[1:] != values[:-1]
    return starts


def owners(keys: list[str], key_ids: Ints, rows: Ints) -> dict[str, tuple[int, ...]]:
    """Each key's rows (ascending, repeats kept): row ``rows[j]`` owns ``keys[key_ids[j]]``.

    Tuples, not lists: the garbage collector stops tracking tuples of ints.
    """
    counts = np.bincount(key_ids, minlength=len(keys)).tolist()
    grouped = iter(rows[np.argsort(key_ids, kind="stable")].tolist())
    return {
        key: tuple(islice(grouped, count)) for key, count in zip(keys, counts, strict=True) if count
    }


def smallest_per_key(
    vocabulary: Vocabulary, keys: Sequence[Ints], values: Sequence[Ints]
) -> tuple[list[str], array[int]]:
    """Each key present (sorted) with the smallest value given for it (values < 2**36)."""
    ranks, sorted_keys = vocabulary.order()
    if not keys:
        return [], array("q")
    packed = np.concatenate(
        [(ranks[k] << _KEY_SHIFT) | v for k, v in zip(keys, values, strict=True)]
    )
    kept = _smallest_of_each(packed, _KEY_SHIFT)
    smallest = kept & ((1 << _KEY_SHIFT) - 1)
    return list(map(sorted_keys.__getitem__, (kept >> _KEY_SHIFT).tolist())), array(
        "q", smallest.tobytes()
    )
