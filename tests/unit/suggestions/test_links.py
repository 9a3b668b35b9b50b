"""Links that try to break out: refused at the form, and harmless wherever one is shown.

Every place a suggestion's link appears (its message, the approval announcement, the list,
the export) is fed hostile URLs, including rows stored before the checks were strict, and
may show exactly one clickable link: the suggestion's own.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.suggestions.export import item_text
from bot.suggestions.links import host_with_punycode, mixed_scripts, shown_url
from bot.suggestions.model import Status, Suggestion, Tally
from bot.suggestions.render import announcement_embed, list_line, suggestion_embed
from bot.suggestions.validation import check_url

CYRILLIC_ARXIV = "https://\u0430rxiv.org/abs/1"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.com/x>[click](https://evil)", "write \\> as %3E"),
        ("https://a.com/<b>", "write \\< as %3C, \\> as %3E"),
        ("https://a.com/ x", "cannot contain spaces"),
        ("https://a.com/\nx", "cannot contain spaces"),
        ("javascript:alert(1)", "only http:// and https://"),
        ("https://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("https://[::1]/", "::1 is a loopback address"),
        ("https://[::ffff:127.0.0.1]/", "127.0.0.1 is a loopback address"),
        ("https://10.0.0.1", "10.0.0.1 is a private address"),
        ("https://169.254.169.254/latest", "169.254.169.254 is a link-local address"),
        ("https://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("https://240.0.0.1/", "240.0.0.1 is a reserved address"),
        ("https://localhost/", "`localhost` is the computer you type on"),
        ("https://docs.localhost/", "`localhost` is the computer you type on"),
        ("https://intranet/", "`intranet` is a single-word host name"),
        ("https://127.1/", "write an IP address as four numbers"),
        ("https://0x7f.0.0.1/", "write an IP address as four numbers"),
    ],
)
def test_hostile_links_are_refused_with_what_to_fix(url: str, expected: str) -> None:
    (problem,) = check_url(url)
    assert problem.field == "url"
    assert expected in problem.message


@pytest.mark.parametrize(
    "url",
    ["https://a.com/%0a", "https://8.8.8.8/", "https://[2606:4700::1111]/", CYRILLIC_ARXIV,
     "https://例え.jp/"],
)  # fmt: skip
def test_public_and_encoded_links_are_accepted(url: str) -> None:
    assert check_url(url) == []


def test_a_host_outside_ascii_is_shown_with_its_punycode() -> None:
    assert host_with_punycode("https://例え.jp/") == "例え.jp (xn--r8jz45g.jp)"
    assert host_with_punycode("https://xn--r8jz45g.jp/") == "例え.jp (xn--r8jz45g.jp)"
    assert host_with_punycode("https://arxiv.org/abs/1") is None


def test_only_a_label_that_mixes_scripts_is_a_look_alike() -> None:
    assert mixed_scripts(CYRILLIC_ARXIV) == ("CYRILLIC", "LATIN")
    assert mixed_scripts("https://xn--rxiv-43d.org/") == ("CYRILLIC", "LATIN")
    assert mixed_scripts("https://\u03b1pple.com/") == ("GREEK", "LATIN")
    assert mixed_scripts("https://例え.jp/") == ()  # kanji and kana belong together
    assert mixed_scripts("https://пример.рф/") == ()
    assert mixed_scripts("https://arxiv.org/") == ()


def make(url: str) -> Suggestion:
    moment = datetime(2026, 11, 25, tzinfo=UTC)
    return Suggestion(
        id=7, guild_id=1, author_id=2, anonymous=False, title="Plain title", url=url,
        normalized_url=url, section="books", kind="book", reason="Plain reason here.",
        status=Status.PENDING, created_at=moment, updated_at=moment, tally=Tally(1, 0),
    )  # fmt: skip


_AUTOLINK = re.compile(r"<(https?://[^>\s]*)>")
_MASKED = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((\S+?)\)")
_BARE = re.compile(r"https?://\S+")


def clickable(text: str) -> list[str]:
    """The links Discord would make clickable in ``text``: <autolinks>, [masked](…), bare."""
    found = _AUTOLINK.findall(text)
    rest = _AUTOLINK.sub(" ", text)
    found += _MASKED.findall(rest)
    rest = _MASKED.sub(" ", rest)
    return found + _BARE.findall(rest)


# Rows stored before the checks were strict may hold any of these; rendering must hold.
STORED_HOSTILE = [
    "https://a.com/x>[click](https://evil.example)",
    "https://a.com/ x [click](https://evil.example)",
    "https://a.com/\n[click](https://evil.example)",
    "https://a.com/%0a",
    "https://a.com/x>\u202e<https://evil.example>",
    CYRILLIC_ARXIV,
    "https://例え.jp/ü",
]


@pytest.mark.parametrize("url", STORED_HOSTILE)
def test_every_place_a_link_is_shown_offers_exactly_that_one_link(url: str) -> None:
    suggestion = make(url)
    expected = shown_url(url)
    assert expected.isascii()
    assert "evil.example>" not in expected
    for embed in (suggestion_embed(suggestion), announcement_embed(suggestion)):
        assert embed["url"] == expected
        texts = [embed["title"], embed["description"]] + [f["value"] for f in embed["fields"]]
        targets = [link for value in texts for link in clickable(value)]
        assert targets == [expected]
        link_field = next(f["value"] for f in embed["fields"] if f["name"] == "Link")
        assert link_field.splitlines()[0] == f"<{expected}>"
    assert clickable(list_line(suggestion)) == []


@pytest.mark.parametrize("url", STORED_HOSTILE)
def test_the_export_keeps_the_link_as_one_yaml_value(url: str) -> None:
    (entry,) = yaml.safe_load(item_text(make(url), "plain-title", ""))
    assert entry["url"] == url
    assert set(entry) == {"id", "title", "url", "kind", "description"}


def test_a_look_alike_is_flagged_on_the_suggestion_but_not_in_the_announcement() -> None:
    suggestion = make(CYRILLIC_ARXIV)
    link = next(f["value"] for f in suggestion_embed(suggestion)["fields"] if f["name"] == "Link")
    assert link.splitlines()[1:] == [
        "Host: \u0430rxiv.org (xn--rxiv-43d.org)",
        "⚠ possible look-alike domain: its name mixes Cyrillic and Latin letters "
        "(maintainers, check)",
    ]
    announced = announcement_embed(replace(suggestion, status=Status.APPROVED))
    assert "look-alike" not in str(announced)


@given(st.text(max_size=60))
def test_a_shown_url_never_holds_what_ends_a_link_or_starts_markdown(path: str) -> None:
    shown = shown_url("https://a.com/" + path)
    assert shown.isascii()
    assert not any(char in shown for char in '<>[]`"\\')
    assert not any(c.isspace() for c in shown)
    assert shown.startswith("https://a.com/")
