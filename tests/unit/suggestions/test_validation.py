"""Hostile input to /suggest: each case names the exact message a member gets."""

from __future__ import annotations

import pytest

from bot.suggestions.model import Draft
from bot.suggestions.validation import check_draft, guess_kind
from tests.unit.suggestions.conftest import draft

SECTIONS = {"key-papers", "tutorials", "books"}


def problems_of(d: Draft) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in check_draft(d, SECTIONS).problems]


def test_a_good_draft_passes_cleaned() -> None:
    checked = check_draft(
        draft(title="  Cafe\u0301   audio   notes ", reason="Line one.\r\n\r\n\r\n\r\nLine two."),
        SECTIONS,
    )
    assert checked.ok
    assert checked.draft.title == "Café audio notes"  # NFC and single spaces
    assert checked.draft.reason == "Line one.\n\nLine two."


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "javascript:alert(1)",
            "only http:// and https:// links are accepted (this one is javascript)",
        ),
        (
            "data:text/html;base64,PHNjcmlwdD4=",
            "only http:// and https:// links are accepted (this one is data)",
        ),
        (
            "ftp://example.org/file",
            "only http:// and https:// links are accepted (this one is ftp)",
        ),
        ("JaVaScRiPt:alert(1)", "(this one is javascript)"),
        ("www.example.org/page", "(this one is no scheme)"),
        ("https://user:pw@example.org/", "remove the `user@` part"),
        ("https://example.org/a b", "cannot contain spaces"),
        ("https://exa\u200bmple.org/", "cannot contain spaces or invisible characters"),
        ("https://", "host name is missing"),
        ("https://localhost/", "`localhost` is the computer you type on"),
        ("https://-bad-.org/", "host name is missing or not valid"),
        ("https://example.org:99999/", "not a valid link"),
        ("", "paste the link"),
    ],
)
def test_only_plain_http_links_to_a_named_host(url: str, expected: str) -> None:
    found = problems_of(draft(url=url))
    assert [field for field, _ in found] == ["url"]
    assert expected in found[0][1]


def test_a_ten_thousand_character_text_is_refused_with_its_length() -> None:
    found = problems_of(
        draft(title="a" * 10_000, reason="b" * 10_000, url="https://x.org/" + "c" * 10_000)
    )
    assert ("title", "Title: at most 200 characters, you wrote 10000.") in found
    assert ("reason", "Why it helps: at most 1000 characters, you wrote 10000.") in found
    assert ("url", "URL: at most 500 characters, yours has 10014.") in found


@pytest.mark.parametrize(
    ("title", "what"),
    [
        ("Great paper @everyone", "@everyone/@here"),
        ("Great paper @HERE look", "@everyone/@here"),
        ("Ping <@&123456789012345678> now", "a role mention"),
        ("Hey <@123456789012345678>", "a member mention"),
        ("Hey <@!123456789012345678>", "a member mention"),
    ],
)
def test_mentions_are_refused_because_suggestions_cannot_ping(title: str, what: str) -> None:
    assert problems_of(draft(title=title)) == [
        ("title", f"Title: remove {what}; suggestions cannot ping.")
    ]


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u200b", "U+200B (ZERO WIDTH SPACE)"),
        ("\u200d", "U+200D (ZERO WIDTH JOINER)"),
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
        ("\u3164", "U+3164 (HANGUL FILLER)"),
        ("\x07", "U+0007 (unnamed character)"),
    ],
)
def test_invisible_and_direction_characters_are_named_with_their_position(
    char: str, name: str
) -> None:
    found = problems_of(draft(title=f"Wave{char}Net paper"))
    assert found == [
        ("title", f"Title: remove the invisible or text-direction character {name} at position 5.")
    ]


def test_rlo_in_the_reason_is_refused_too() -> None:
    found = problems_of(draft(reason="Good intro \u202egnp.exe for everyone"))
    assert [f for f, _ in found] == ["reason"]
    assert "U+202E" in found[0][1]


def test_title_must_be_one_line_but_reason_may_have_paragraphs() -> None:
    assert problems_of(draft(title="Two\nlines")) == [("title", "Title: keep it on one line.")]
    assert problems_of(draft(reason="First paragraph here.\n\nSecond one.")) == []


def test_too_short_fields_say_how_long_they_must_be() -> None:
    found = problems_of(draft(title=" a ", reason="ok"))
    assert ("title", "Title: write at least 3 characters.") in found
    assert ("reason", "Why it helps: write at least 10 characters.") in found


def test_unknown_section_and_kind_are_refused() -> None:
    found = problems_of(draft(section="not-a-section", kind="person"))
    assert [f for f, _ in found] == ["section", "kind"]
    assert "`not-a-section` is not a section of the reading list" in found[0][1]


def test_every_problem_is_reported_at_once() -> None:
    found = problems_of(Draft("@everyone", "javascript:x", "nope", "\u202e", ""))
    assert {f for f, _ in found} == {"title", "url", "section", "reason"}


def test_markdown_is_not_a_validation_error() -> None:
    # Markdown is shown literally (escaped) when rendered; it is not refused.
    assert problems_of(draft(title="**bold** `code` [link](https://evil.example) # h")) == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://arxiv.org/abs/1609.03499", "paper"),
        ("https://www.youtube.com/watch?v=x", "talk"),
        ("https://github.com/librosa/librosa", "library"),
        ("https://huggingface.co/datasets/x", "dataset"),
        ("https://example.org/", "reference"),
    ],
)
def test_kind_is_guessed_from_the_link(url: str, kind: str) -> None:
    assert guess_kind(url) == kind
