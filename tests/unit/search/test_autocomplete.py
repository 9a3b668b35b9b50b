"""Autocomplete: what Discord shows while the user types, within Discord's limits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog.model import Catalog, Entry, Section
from bot.search import MAX_CHOICE_CHARS, MAX_CHOICES, Choice, SearchIndex


def values(choices: list[Choice]) -> list[str]:
    return [choice.value for choice in choices]


def test_a_prefix_lists_every_title_starting_with_it(small_index: SearchIndex) -> None:
    found = values(small_index.autocomplete("wave"))
    assert found[:4] == ["wavenet", "wavernn", "wave-u-net", "wavegan-demo"]


def test_prefix_matching_ignores_case_spacing_and_punctuation(small_index: SearchIndex) -> None:
    assert values(small_index.autocomplete("Wave-U"))[0] == "wave-u-net"
    assert values(small_index.autocomplete("waveu"))[0] == "wave-u-net"


def test_later_words_authors_and_accents_complete_too(small_index: SearchIndex) -> None:
    assert values(small_index.autocomplete("neural audio")) == ["wavernn", "pons-few-data"]
    assert values(small_index.autocomplete("jordi")) == ["pons-few-data"]
    assert values(small_index.autocomplete("Stö")) == ["audio-ml-twitter"]


def test_a_typo_with_no_prefix_falls_back_to_search(small_index: SearchIndex) -> None:
    assert values(small_index.autocomplete("wavnet"))[0] == "wavenet"


def test_a_name_typed_in_full_comes_first(small_index: SearchIndex) -> None:
    assert values(small_index.autocomplete("ismir"))[0] == "ismir"


def test_empty_box_shows_a_mix_of_kinds(small_index: SearchIndex) -> None:
    choices = small_index.autocomplete("")
    assert 0 < len(choices) <= MAX_CHOICES
    kinds = [small_index.catalog.entry(c.value).kind for c in choices[:3]]  # type: ignore[union-attr]
    assert kinds == ["paper", "library", "dataset"]


def test_names_say_what_the_entry_is(small_index: SearchIndex) -> None:
    (choice,) = small_index.autocomplete("wavenet", limit=1)
    assert choice == Choice("WaveNet: A Generative Model for Raw Audio (paper, 2016)", "wavenet")


def test_limit_is_capped_at_discords_25(small_index: SearchIndex) -> None:
    assert len(small_index.autocomplete("", limit=100)) <= MAX_CHOICES
    assert len(small_index.autocomplete("a", limit=3)) <= 3
    assert small_index.autocomplete("a", limit=0) == []


def _many(count: int, title: str) -> Catalog:
    entries = tuple(
        Entry(id=f"entry-{n:03d}", title=f"{title} {n}", section="s", kind="paper", description="d")
        for n in range(count)
    )
    return Catalog((Section("s", "S", 1),), entries)


def test_never_more_than_25_even_when_everything_matches() -> None:
    index = SearchIndex.build(_many(300, "Spectrogram"))
    assert len(index.autocomplete("s")) == MAX_CHOICES
    assert len(index.autocomplete("spectrogram")) == MAX_CHOICES
    assert len(index.autocomplete("")) == MAX_CHOICES


def test_long_titles_are_cut_to_100_characters() -> None:
    index = SearchIndex.build(_many(1, "A very long title " * 20))
    (choice,) = index.autocomplete("a very")
    # Cut between words (bot.markup.truncate), close to the limit, the details kept.
    assert MAX_CHOICE_CHARS - 10 <= len(choice.name) <= MAX_CHOICE_CHARS
    assert choice.name.endswith("title… (paper)")


def test_entries_whose_id_discord_cannot_carry_are_not_offered() -> None:
    entries = (
        Entry(id="x" * 101, title="Overlong id", section="s", kind="paper", description="d"),
        Entry(id="fine", title="Overlong too", section="s", kind="paper", description="d"),
    )
    index = SearchIndex.build(Catalog((Section("s", "S", 1),), entries))
    assert values(index.autocomplete("overlong")) == ["fine"]
    assert values(index.autocomplete("")) == ["fine"]


unicode_text = st.text(min_size=0, max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    titles=st.lists(unicode_text, min_size=1, max_size=8),
    ids=st.lists(st.text(min_size=0, max_size=140), min_size=8, max_size=8),
    typed=unicode_text,
)
def test_choices_stay_within_discord_limits_for_any_unicode(
    titles: list[str], ids: list[str], typed: str
) -> None:
    entries = tuple(
        Entry(id=f"{ids[n]}{n}", title=title, section="s", kind="tool", description=title)
        for n, title in enumerate(titles)
    )
    index = SearchIndex.build(Catalog((Section("s", "S", 1),), entries))
    for text in (typed, "", typed[:1], titles[0][:3]):
        choices = index.autocomplete(text)
        assert len(choices) <= MAX_CHOICES
        for choice in choices:
            assert 1 <= len(choice.name) <= MAX_CHOICE_CHARS
            assert 1 <= len(choice.value) <= MAX_CHOICE_CHARS
            assert index.catalog.entry(choice.value) is not None
