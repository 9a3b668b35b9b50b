"""Normalisation: both sides of every comparison must agree on spelling-independent keys."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search import normalise as norm


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Stöter", "stoter"),
        ("Jürgen Schmidhuber", "jurgen schmidhuber"),
        ("Straße", "strasse"),
        ("Łukasz Dvořák", "lukasz dvorak"),
        ("Øresund", "oresund"),
        ("Élodie", "elodie"),
        ("WaveNet", "wavenet"),
    ],
)
def test_fold_drops_case_and_accents(text: str, folded: str) -> None:
    assert norm.fold(text) == folded


def test_fold_keeps_non_latin_scripts() -> None:
    assert norm.words("Привет, мир! 音楽") == ["привет", "мир", "音楽"]


def test_german_spelling_is_a_second_variant() -> None:
    assert norm.fold_variants("Stöter") == ("stoter", "stoeter")
    assert norm.fold_variants("Stoter") == ("stoter",)


@pytest.mark.parametrize(
    "text", ["Wave-U-Net", "wave u net", "waveunet", "WAVE_U_NET", "wave.u.net"]
)
def test_squash_gives_one_key_for_every_spacing(text: str) -> None:
    assert norm.squash(text) == "waveunet"


@pytest.mark.parametrize(
    ("word", "stem"),
    [("datasets", "dataset"), ("libraries", "library"), ("class", "class"), ("gans", "gan")],
)
def test_plurals_meet_their_singular(word: str, stem: str) -> None:
    assert norm.stem(word) == stem


def test_stop_words_are_dropped_unless_nothing_else_is_left() -> None:
    assert norm.content_tokens("the source of the data") == ["source", "data"]
    assert norm.content_tokens("the of") == ["the", "of"]


def test_acronyms_cover_whole_titles_and_runs_of_words() -> None:
    assert "mir" in norm.acronyms("Notes on Music Information Retrieval")
    found = norm.acronyms("Advanced Digital Signal Processing")
    assert {"adsp", "dsp"} <= found
    assert "ds" not in found  # two-letter runs would match far too much


def test_arxiv_ids_come_out_of_urls_and_queries() -> None:
    assert norm.arxiv_ids("https://arxiv.org/pdf/1609.03499v2.pdf") == ["1609.03499"]
    assert norm.arxiv_ids("see 1806.03185") == ["1806.03185"]
    assert norm.arxiv_ids("version 1.2.3") == []


def test_url_tokens_keep_the_meaningful_parts() -> None:
    tokens = norm.url_tokens("https://www.github.com/iver56/audiomentations?tab=readme")
    assert tokens == ["github", "iver56", "audiomentation"]


def test_url_key_ignores_scheme_www_query_and_final_slash() -> None:
    assert norm.url_key("https://www.Example.org/a/b/?x=1#top") == "example.org/a/b"
    assert norm.url_key("example.org/a/b") == "example.org/a/b"


def test_looks_like_url() -> None:
    assert norm.looks_like_url("github.com/iver56")
    assert norm.looks_like_url("tf.signal")
    assert not norm.looks_like_url("source separation")
    assert not norm.looks_like_url("1609.03499")  # digits only: an arXiv id, not a host


# The arXiv pattern as first written: the id not preceded by a digit or a dot.
PLAIN_ARXIV = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="0123456789.v/ax", max_size=30))
def test_arxiv_ids_are_found_as_the_plain_pattern_finds_them(text: str) -> None:
    assert norm.arxiv_ids(text) == PLAIN_ARXIV.findall(text)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.v/ax\n٣", max_size=25), max_size=6))
def test_a_column_of_texts_gives_each_text_its_own_ids(texts: list[str]) -> None:
    # Digits next to the line breaks the texts are joined with, a version running up to
    # the next text, an Arabic-Indic digit (``\d`` is any decimal digit).
    expected = [(j, found) for j, text in enumerate(texts) for found in norm.arxiv_ids(text)]
    assert norm.arxiv_ids_in(texts) == expected


def test_a_column_of_addresses_names_each_id_once_per_mention() -> None:
    texts = [
        "https://arxiv.org/abs/1609.03499v2",
        "no id 12345.6789",
        "1703.10135\n1804.00001",
        "",
        "x/2001.00001v3.2002.00002",
        "1111.2222v3333.4444",  # the version's last four digits are no id's first part
    ]
    assert norm.arxiv_ids_in(texts) == [
        (0, "1609.03499"),
        (2, "1703.10135"),
        (2, "1804.00001"),
        (4, "2001.00001"),
        (5, "1111.2222"),
    ]


def test_arxiv_ids_in_addresses() -> None:
    assert norm.arxiv_ids("https://arxiv.org/abs/1609.03499v2") == ["1609.03499"]
    assert norm.arxiv_ids("https://x.org/21609.03499 and 1.1609.03499") == []
    assert norm.arxiv_ids("1609.03499 1703.10135") == ["1609.03499", "1703.10135"]
