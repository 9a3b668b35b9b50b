"""Signs that an edition's data is another edition's or another event's, and source notes
whose HTML links must not leave "More info here." pointing nowhere."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.deadlines.importers.common import NOTE_LIMIT, plain_note
from bot.deadlines.plausibility import (
    early_deadline,
    foreign_link_year,
    link_years,
    shortened_link,
    workshop_at,
)


def test_a_deadline_a_year_and_a_half_early_is_another_editions() -> None:
    # DAFx 2021 in MTG/conferences: DAFx 2020's submission date.
    problem = early_deadline(date(2020, 3, 29), date(2021, 9, 7))
    assert problem is not None
    assert "2020-03-29 is more than a year before the conference starts (2021-09-07)" in problem


@pytest.mark.parametrize(
    ("deadline", "start", "early"),
    [
        (date(2026, 5, 16), date(2027, 5, 16), False),  # exactly a year: still possible
        (date(2026, 5, 15), date(2027, 5, 16), True),
        (date(2026, 9, 16), date(2027, 5, 16), False),
        (date(2027, 2, 28), date(2028, 2, 29), False),  # a start on 29 February
        (date(2027, 2, 27), date(2028, 2, 29), True),
    ],
)
def test_more_than_a_year_is_the_limit(deadline: date, start: date, early: bool) -> None:
    assert (early_deadline(deadline, start) is not None) is early


@pytest.mark.parametrize(
    ("link", "years"),
    [
        ("http://dafx2020.mdw.ac.at/", {2020}),
        ("https://icml.cc/Conferences/2024", {2024}),
        ("https://2027.ieeeicassp.org/", {2027}),
        # Edition numbers, not years.
        ("https://icsv27.org/", set()),
        ("http://depts.washington.edu/icmpc11/submit.html", set()),
        # A blog post's date is not the edition the page is about.
        ("http://nabmsa.org/2015/06/15/north-american-british-music-studies/", set()),
        ("https://waspaa.com/", set()),
    ],
)
def test_years_a_link_names(link: str, years: set[int]) -> None:
    assert link_years(link) == years


def test_a_link_for_another_year_is_reported_and_its_own_year_is_fine() -> None:
    problem = foreign_link_year("http://dafx2020.mdw.ac.at/", 2021)
    assert problem == "link http://dafx2020.mdw.ac.at/ is for the 2020 edition, not 2021"
    assert foreign_link_year("https://icml.cc/Conferences/2024", 2024) is None
    assert foreign_link_year("https://waspaa.com/", 2023) is None


def test_shortened_links_are_reported() -> None:
    problem = shortened_link("https://goo.gl/in2Djb")
    assert problem is not None
    assert "goo.gl" in problem
    assert shortened_link("https://www.ijcnn.org/") is None


@pytest.mark.parametrize(
    ("title", "series", "workshop"),
    [
        ("Deep Neural Audio Processing workshop at IJCNN2019", "IJCNN", True),
        ("Explainable AI for Speech and Audio Workshop (with ICASSP 2024)", "ICASSP", True),
        ("Workshop on Indian Music Analysis (satellite of ICASSP 2025)", "ICASSP", True),
        # Series that are workshops themselves, named in their own title.
        (
            "9th Workshop on Detection and Classification of Acoustic Scenes and Events",
            "DCASE",
            False,
        ),
        (
            "Workshop on Detection and Classification of Acoustic Scenes (DCASE 2020)",
            "DCASE",
            False,
        ),
        ("2009 IEEE Workshop on Applications of Signal Processing to Audio", "WASPAA", False),
        ("International Joint Conference on Neural Networks", "IJCNN", False),
    ],
)
def test_a_workshop_held_at_a_conference_is_not_the_conference(
    title: str, series: str, workshop: bool
) -> None:
    assert (workshop_at(title, series) is not None) is workshop


def test_html_link_in_a_note_is_kept_as_a_markdown_link() -> None:
    note = "Mandatory abstract deadline on Apr 10, 2020. More info <a href='https://ismir.github.io/ISMIR2020/cfp/'>here</a>."
    assert plain_note(note) == (
        "Mandatory abstract deadline on Apr 10, 2020. "
        "More info [here](https://ismir.github.io/ISMIR2020/cfp/)."
    )


def test_a_sentence_whose_link_cannot_be_kept_is_dropped_whole() -> None:
    note = "Deadline extended. More info <a href='javascript:alert(1)'>here</a>. Be quick!"
    assert plain_note(note) == "Deadline extended. Be quick!"


def test_other_markup_is_dropped_and_link_text_cannot_break_the_markdown() -> None:
    note = '<b>NOTE</b>: see <a href="https://x.org/a_(b)">the [call]</a>'
    assert plain_note(note) == "NOTE: see [the (call)](https://x.org/a_%28b%29)"


_WORDS = st.text(alphabet="abcdefgh ,", min_size=1, max_size=40)
_URL = st.sampled_from(["https://a.org/cfp", "ftp://b.org/x", "not a link", "http://c.net/"])


@given(st.lists(st.tuples(_WORDS, st.one_of(st.none(), st.tuples(_URL, _WORDS))), max_size=60))
def test_no_note_keeps_a_link_text_without_its_link(
    sentences: list[tuple[str, tuple[str, str] | None]],
) -> None:
    parts = []
    for words, link in sentences:
        if link is None:
            parts.append(f"{words}.")
        else:
            url, text = link
            parts.append(f"{words} <a href='{url}'>{text}</a>.")
    note = plain_note(" ".join(parts))
    assert "<" not in note
    assert ">" not in note
    assert "\x00" not in note
    assert len(note) <= NOTE_LIMIT
    # Every link text that survived is still attached to an http(s) link.
    assert note.count("](") == note.count("](http")
    kept_links = note.count("](http")
    good = sum(1 for _, link in sentences if link and link[0].startswith("http"))
    assert kept_links <= good
