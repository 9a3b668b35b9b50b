"""Replies are cut to Discord's limits instead of being rejected."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import markup

any_text = st.text(min_size=0, max_size=600)


@given(any_text, st.integers(min_value=0, max_value=700))
def test_truncate_never_exceeds_the_limit(value: str, limit: int) -> None:
    cut = markup.truncate(value, limit)
    assert len(cut) <= limit


@given(any_text, st.integers(min_value=2, max_value=700))
def test_truncate_keeps_the_start_and_marks_the_cut(value: str, limit: int) -> None:
    cut = markup.truncate(value, limit)
    if len(value) <= limit:
        assert cut == value
    else:
        assert cut.endswith(markup.ELLIPSIS)
        assert value.startswith(cut[: -len(markup.ELLIPSIS)])


def test_truncate_prefers_a_word_boundary() -> None:
    title = "WaveNet: a generative model for raw audio"
    assert markup.truncate(title, 30) == "WaveNet: a generative model…"
    # A space far from the end would waste the room: cut inside the word instead.
    assert markup.truncate(title, 20) == "WaveNet: a generati…"


def test_truncate_rejects_negative_limits() -> None:
    with pytest.raises(ValueError, match="negative"):
        markup.truncate("x", -1)


@given(st.lists(st.text(max_size=80), max_size=60), st.integers(min_value=1, max_value=1500))
def test_join_lines_fits_and_keeps_whole_lines(lines: list[str], limit: int) -> None:
    joined = markup.join_lines(lines, limit)
    assert len(joined) <= limit
    if len("\n".join(lines)) <= limit:
        assert joined == "\n".join(lines)


def test_join_lines_says_how_many_were_left_out() -> None:
    lines = [f"line number {i}" for i in range(100)]
    joined = markup.join_lines(lines, 200)
    kept = joined.splitlines()
    assert kept[-1] == f"… and {100 - (len(kept) - 1)} more"
    assert kept[:-1] == lines[: len(kept) - 1]


def test_plural() -> None:
    assert markup.plural(1, "entry", "entries") == "1 entry"
    assert markup.plural(3, "entry", "entries") == "3 entries"
    assert markup.plural(0, "section") == "0 sections"


def test_one_line_collapses_whitespace() -> None:
    assert markup.one_line("  a\n b\t\tc ") == "a b c"


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
    fitted = markup.fit_embed(embed)
    assert markup.embed_length(fitted) <= markup.EMBED_TOTAL
    assert len(fitted.get("title", "")) <= markup.EMBED_TITLE
    assert len(fitted.get("description", "")) <= markup.EMBED_DESCRIPTION
    assert len(fitted.get("url", "")) <= markup.URL
    assert len(fitted.get("footer", {}).get("text", "")) <= markup.FOOTER_TEXT
    assert len(fitted.get("author", {}).get("name", "")) <= markup.AUTHOR_NAME
    assert len(fitted.get("fields", [])) <= markup.EMBED_FIELDS
    for field in fitted.get("fields", []):
        assert 1 <= len(field["name"]) <= markup.FIELD_NAME
        assert 1 <= len(field["value"]) <= markup.FIELD_VALUE


def test_fit_embed_leaves_a_small_embed_alone() -> None:
    embed = {"title": "WaveNet", "description": "A model.", "fields": [{"name": "a", "value": "b"}]}
    assert markup.fit_embed(embed) == embed


def test_fit_embed_shrinks_the_description_before_dropping_fields() -> None:
    embed = {
        "title": "T",
        "description": "d" * 4096,
        "fields": [{"name": "n", "value": "v" * 1000} for _ in range(3)],
    }
    fitted = markup.fit_embed(embed)
    assert len(fitted["fields"]) == 3
    assert fitted["description"].endswith(markup.ELLIPSIS)
    assert markup.embed_length(fitted) <= markup.EMBED_TOTAL


def test_escape_markdown_shows_text_literally_and_keeps_bare_links_whole() -> None:
    from bot.markup import escape_markdown

    assert escape_markdown("**bold** _it_ `code` ~~s~~ ||spoiler||") == (
        "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~ \\|\\|spoiler\\|\\|"
    )
    # A masked link and a <…> link are broken; a bare link keeps its underscores.
    assert escape_markdown("[x](https://e.vil) <https://a.b> https://x.org/a_b") == (
        "\\[x\\]\\(https://e.vil) \\<https://a.b> https://x.org/a_b"
    )
    # Headings, lists and quotes only count at a line's start; mid-line they stay bare.
    assert escape_markdown("# h\n- item\n> quote\nWave-U-Net #1 a > b") == (
        "\\# h\n\\- item\n\\> quote\nWave-U-Net #1 a > b"
    )
    assert "@everyone" not in escape_markdown("hi @everyone")


def test_timestamps_are_discord_timestamps() -> None:
    from datetime import UTC, datetime

    from bot.markup import timestamp, timestamp_and_countdown

    moment = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert timestamp(moment) == "<t:1796299200:f>"
    assert timestamp_and_countdown(moment) == "<t:1796299200:F> (<t:1796299200:R>)"
