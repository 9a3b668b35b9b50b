"""TypoTable: the numpy build finds exactly the words the plain symmetric-delete table did.

The reference below is the table as it was before the numpy build (a dict filed one form
at a time), copied here so that the comparison does not depend on the code under test.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from bot.search import typos
from bot.search.index import SearchIndex
from bot.search.typos import MIN_WORD_CHARS, TypoTable
from tests.unit.search.real_catalog import load_real_catalog


class ReferenceTable:
    """Every word filed under itself and each form with one character dropped."""

    def __init__(self, words: list[str]) -> None:
        self.words = sorted({w for w in words if len(w) >= MIN_WORD_CHARS})
        self.forms: defaultdict[str, set[int]] = defaultdict(set)
        for position, word in enumerate(self.words):
            for form in _forms(word):
                self.forms[form].add(position)

    def near(self, word: str, *, cutoff: float) -> list[tuple[str, float]]:
        if len(word) < MIN_WORD_CHARS:
            return []
        positions = set().union(*(self.forms.get(form, set()) for form in _forms(word)))
        found = []
        for position in sorted(positions):
            candidate = self.words[position]
            similarity = fuzz.ratio(word, candidate, score_cutoff=cutoff)
            if similarity and candidate != word:
                found.append((candidate, similarity))
        return found


def _forms(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _edits(word: str) -> list[str]:
    """Queries one edit from ``word``: each letter dropped, doubled, replaced, swapped."""
    found = [word]
    for i in range(len(word)):
        found.append(word[:i] + word[i + 1 :])
        found.append(word[:i] + word[i] + word[i:])
        found.append(word[:i] + "é" + word[i + 1 :])
        found.append(word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :])
    return found


def assert_same_answers(words: list[str], queries: list[str]) -> None:
    table, reference = TypoTable(words), ReferenceTable(words)
    assert len(table) == len(reference.words)
    for query in queries + [edit for word in words for edit in _edits(word)]:
        for cutoff in (0, 80):
            assert table.near(query, cutoff=cutoff) == reference.near(query, cutoff=cutoff), query


# Few letters, so that words share forms; doubled letters, accents, a letter beyond the
# Basic Multilingual Plane (four bytes in every encoding).
letters = st.sampled_from("aabbeéßn𝄞")
short_words = st.text(letters, min_size=1, max_size=9)


@settings(max_examples=150, deadline=None)
@given(words=st.lists(short_words, max_size=40), queries=st.lists(short_words, max_size=10))
def test_near_finds_what_the_reference_finds(words: list[str], queries: list[str]) -> None:
    assert_same_answers(words, queries)


@settings(max_examples=50, deadline=None)
@given(words=st.lists(st.text(min_size=1, max_size=30), max_size=30))
def test_any_characters_even_nul_are_filed_exactly(words: list[str]) -> None:
    assert_same_answers(words, ["\x00abc", "abc\x00", "\x00\x00\x00\x00"])


def test_words_with_nul_characters_keep_them() -> None:
    words = ["abc\x00", "abcd", "a\x00bcd", "abcde\x00", "\x00\x00\x00\x00"]
    assert_same_answers(words, ["abc", "abc\x00\x00", "\x00\x00\x00", "a\x00bc"])


def test_doubled_letters_and_words_of_exactly_the_shortest_length() -> None:
    words = ["book", "boook", "bok", "keep", "kep", "peek", "abba", "abbba", "aaaa", "aaaaa"]
    assert_same_answers(words, ["boko", "bokk", "aaa", "aaaaaa", "kepe", "pkee"])
    table = TypoTable(words)
    assert table.near("boook", cutoff=0) == [("book", pytest.approx(88.888, abs=0.01))]
    assert [w for w, _ in table.near("aaaa", cutoff=0)] == ["aaaaa"]
    assert table.near("bok", cutoff=0) == []  # shorter than MIN_WORD_CHARS


def test_more_than_256_distinct_letters_still_match_exactly() -> None:
    letters = [chr(0x4E00 + i) for i in range(600)]
    words = ["".join(letters[i : i + 5]) for i in range(0, 600, 3)]
    assert_same_answers(words, [words[0][:4], words[1] + "x"])


def test_hash_collisions_never_change_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Base 1: a form's hash is the sum of its code points, so anagrams and many more
    # collide. Only the words that really share a form with the query may be found.
    monkeypatch.setattr(typos, "_BASE", 1)
    monkeypatch.setattr(typos, "_INVERSE", 1)
    monkeypatch.setattr(typos, "_powers_for", lambda length: (1,) * max(64, length))
    words = ["wavenet", "wavnet", "wavenets", "netwave", "melgan", "lemgan", "hifigan"]
    assert_same_answers(words, ["wavenetz", "mlegan", "hifgan", "tenevaw", "nagelm"])
    assert TypoTable(words).near("melgn", cutoff=0) == [("melgan", pytest.approx(90.909, abs=0.01))]


def test_one_very_long_word_among_short_ones() -> None:
    words = ["wavenet", "melgan", "x" * 5000 + "long", "y" * 3000]
    assert_same_answers([*words[:2], "x" * 40 + "long"], ["wavenett", "x" * 39 + "long"])
    table = TypoTable(words)
    assert [w for w, _ in table.near("x" * 4999 + "long", cutoff=0)] == ["x" * 5000 + "long"]
    assert [w for w, _ in table.near("y" * 2999 + "z", cutoff=0)] == ["y" * 3000]
    assert table.near("wavenett", cutoff=0) == [("wavenet", pytest.approx(93.333, abs=0.01))]


def test_words_longer_than_the_hash_multipliers_reach() -> None:
    words = ["a" * 70 + "wavenet", "b" * 200, "a" * 69 + "wavenet", "melgan"]
    assert_same_answers(words, ["a" * 70 + "wavnet", "b" * 199])


def test_an_empty_vocabulary_finds_nothing() -> None:
    table = TypoTable(["abc", "xy"])
    assert len(table) == 0
    assert table.near("abcd", cutoff=0) == []
    assert table.scan("abcd", cutoff=0, limit=5) == []


def test_scan_ranks_the_whole_vocabulary() -> None:
    table = TypoTable(["wavenet", "wavernn", "melgan"])
    assert [w for w, _ in table.scan("wavenett", cutoff=50, limit=2)] == ["wavenet", "wavernn"]


def test_a_pickled_table_loads_and_answers_without_numpy() -> None:
    words = ["wavenet", "wavnet", "melgan", "hifigan", "conformer"]
    table = TypoTable(words)
    probe = (
        "import pickle, sys\n"
        f"table = pickle.loads({pickle.dumps(table)!r})\n"
        "print(table.near('wavenett', cutoff=0), 'numpy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    expected = ReferenceTable(words).near("wavenett", cutoff=0)
    assert done.stdout.strip() == f"{expected} False"


def test_distinct_forms_of_a_real_vocabulary_get_distinct_keys() -> None:
    # Collisions cost only time, so nothing else would notice a hash that lumps forms
    # together (one whose first character reached only the lowest bits once did).
    index = SearchIndex.build(load_real_catalog())
    for table in (index._word_typos, index._title_typos):
        forms = {form for word in table._words for form in _forms(word)}
        assert len(forms) > 1000
        assert len(table._filed) == len(forms)
