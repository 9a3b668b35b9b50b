"""Whatever is typed, search answers without crashing and within its limit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search import SearchIndex

queries = st.one_of(
    st.text(max_size=400),
    st.text(alphabet="wavenet -./:0123456789", max_size=40),
    st.from_regex(r"https?://[a-z.]{1,20}/[a-z0-9/]{0,20}", fullmatch=True),
)


@settings(max_examples=200, deadline=None)
@given(query=queries, limit=st.integers(min_value=-2, max_value=30))
def test_any_text_gives_at_most_limit_hits(
    small_index: SearchIndex, query: str, limit: int
) -> None:
    hits = small_index.search(query, limit=limit)
    assert len(hits) <= max(limit, 0)
    assert all(0 <= hit.score <= 100 for hit in hits)
    assert len({hit.entry.id for hit in hits}) == len(hits)


@settings(max_examples=200, deadline=None)
@given(text=queries, limit=st.integers(min_value=-2, max_value=60))
def test_any_text_gives_at_most_25_choices(small_index: SearchIndex, text: str, limit: int) -> None:
    choices = small_index.autocomplete(text, limit=limit)
    assert len(choices) <= min(max(limit, 0), 25)


@settings(max_examples=100, deadline=None)
@given(query=st.text(max_size=100))
def test_search_is_deterministic(small_index: SearchIndex, query: str) -> None:
    assert small_index.search(query) == small_index.search(query)
