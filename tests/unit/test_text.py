"""Replies are cut to Discord's limits instead of being rejected."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import text

any_text = st.text(min_size=0, max_size=600)


@given(any_text, st.integers(min_value=0, max_value=700))
def test_truncate_never_exceeds_the_limit(value: str, limit: int) -> None:
    cut = text.truncate(value, limit)
    assert len(cut) <= limit


@given(any_text, st.integers(min_value=2, max_value=700))
def test_truncate_keeps_the_start_and_marks_the_cut(value: str, limit: int) -> None:
    cut = text.truncate(value, limit)
    if len(value) <= limit:
        assert cut == value
    else:
        assert cut.endswith(text.ELLIPSIS)
        assert value.startswith(cut[: -len(text.ELLIPSIS)])


def test_truncate_prefers_a_word_boundary() -> None:
    title = "WaveNet: a generative model for raw audio"
    assert text.truncate(title, 30) == "WaveNet: a generative model…"
    # A space far from the end would waste the room: cut inside the word instead.
    assert text.truncate(title, 20) == "WaveNet: a generati…"


def test_truncate_rejects_negative_limits() -> None:
    with pytest.raises(ValueError, match="negative"):
        text.truncate("x", -1)


@given(st.lists(st.text(max_size=80), max_size=60), st.integers(min_value=1, max_value=1500))
def test_join_lines_fits_and_keeps_whole_lines(lines: list[str], limit: int) -> None:
    joined = text.join_lines(lines, limit)
    assert len(joined) <= limit
    if len("\n".join(lines)) <= limit:
        assert joined == "\n".join(lines)


def test_join_lines_says_how_many_were_left_out() -> None:
    lines = [f"line number {i}" for i in range(100)]
    joined = text.join_lines(lines, 200)
    kept = joined.splitlines()
    assert kept[-1] == f"… and {100 - (len(kept) - 1)} more"
    assert kept[:-1] == lines[: len(kept) - 1]


def test_plural() -> None:
    assert text.plural(1, "entry", "entries") == "1 entry"
    assert text.plural(3, "entry", "entries") == "3 entries"
    assert text.plural(0, "section") == "0 sections"


def test_one_line_collapses_whitespace() -> None:
    assert text.one_line("  a\n b\t\tc ") == "a b c"


embed_texts = st.text(max_size=7000)
embeds = st.fixed_dictionaries(
    {},
    optional={
        "title": embed_texts,
        "description": st.text(max_size=9000),
        "url": st.text(max_size=3000),
        "footer": st.fixed_dictionaries({"text": embed_texts}),
        "author": st.fixed_dictionaries({"name": embed_texts}),
        "fields": st.lists(
            st.fixed_dictionaries(
                {"name": st.text(max_size=400), "value": st.text(max_size=1500)},
                optional={"inline": st.booleans()},
            ),
            max_size=30,
        ),
    },
)


@given(embeds)
def test_fit_embed_respects_every_discord_limit(embed: dict[str, Any]) -> None:
    fitted = text.fit_embed(embed)
    assert text.embed_length(fitted) <= text.EMBED_TOTAL
    assert len(fitted.get("title", "")) <= text.EMBED_TITLE
    assert len(fitted.get("description", "")) <= text.EMBED_DESCRIPTION
    assert len(fitted.get("url", "")) <= text.URL
    assert len(fitted.get("footer", {}).get("text", "")) <= text.FOOTER_TEXT
    assert len(fitted.get("author", {}).get("name", "")) <= text.AUTHOR_NAME
    assert len(fitted.get("fields", [])) <= text.EMBED_FIELDS
    for field in fitted.get("fields", []):
        assert 1 <= len(field["name"]) <= text.FIELD_NAME
        assert 1 <= len(field["value"]) <= text.FIELD_VALUE


def test_fit_embed_leaves_a_small_embed_alone() -> None:
    embed = {"title": "WaveNet", "description": "A model.", "fields": [{"name": "a", "value": "b"}]}
    assert text.fit_embed(embed) == embed


def test_fit_embed_shrinks_the_description_before_dropping_fields() -> None:
    embed = {
        "title": "T",
        "description": "d" * 4096,
        "fields": [{"name": "n", "value": "v" * 1000} for _ in range(3)],
    }
    fitted = text.fit_embed(embed)
    assert len(fitted["fields"]) == 3
    assert fitted["description"].endswith(text.ELLIPSIS)
    assert text.embed_length(fitted) <= text.EMBED_TOTAL
