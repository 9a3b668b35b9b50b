"""feedparser on feedparser's own test files and on real captured feeds (../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.feeds.parse import ParseError, parse_feed
from tests.shared_data import shared_path


def real(*parts: str) -> Path:
    return shared_path("feeds", "real", *parts)


def test_arxiv_audio_feed_items_have_ids_links_authors_dates() -> None:
    feed = parse_feed(real("arxiv-cs.SD-eess.AS-filtered", "feed_2025-06-23.xml").read_bytes())

    assert len(feed.items) == 4
    first = feed.items[0]
    assert first.key == "arxiv:2506.16020"
    assert first.announce_type == "new"
    assert first.link is not None
    assert first.link.startswith("http")
    assert first.published is not None
    assert first.published.year == 2025
    assert "<" not in first.summary


def test_empty_channel_is_a_feed_with_no_items() -> None:
    feed = parse_feed(
        real("arxiv-cs.SD-eess.AS-filtered", "feed_2025-08-07_empty-channel.xml").read_bytes()
    )
    assert feed.items == ()


def test_github_releases_atom_is_usable_and_bozo_is_reported() -> None:
    clean = parse_feed(real("github-releases-atom", "s3-manager_releases.atom").read_bytes())
    altered = parse_feed(real("github-releases-atom", "simplepie-ng_releases.atom").read_bytes())

    assert len(clean.items) == 10
    assert clean.problem is None
    assert len(altered.items) == 6
    assert altered.problem is not None


@pytest.mark.slow
def test_every_real_feed_sample_parses_with_stable_keys() -> None:
    index = real("INDEX.md").read_text(encoding="utf-8")
    rows = [line.split("|") for line in index.splitlines() if line.startswith("| `")]
    checked = 0
    for row in rows:
        name, version, entries = row[1].strip().strip("`"), row[3].strip(), row[4].strip()
        if not entries.isdigit() or version in ("-", ""):
            continue
        body = real(*name.split("/")).read_bytes()
        first, again = parse_feed(body), parse_feed(body)
        assert len(first.items) == int(entries), name
        assert [i.keys for i in first.items] == [i.keys for i in again.items], name
        checked += 1
    assert checked >= 25


def test_arxiv_api_error_document_is_a_feed_with_one_entry() -> None:
    feed = parse_feed(
        real("arxiv-api-atom", "id_abc_s0_m100_b79c8dcf6bc3.body.atom.xml").read_bytes()
    )
    assert [i.title for i in feed.items] == ["Error"]


def test_json_feed_is_not_a_feed_for_feedparser() -> None:
    with pytest.raises(ParseError):
        parse_feed(real("feedjira", "json_feed.json").read_bytes())


def test_declared_charset_in_http_headers_is_used() -> None:
    folder = shared_path("feeds", "feedparser-tests", "tests")
    body = (folder / "encoding" / "http_text_xml_bogus_charset.xml").read_bytes()
    # Header from the file's own 'Header:' line; its 'Expect:' is "not bozo".
    bogus = parse_feed(body, {"content-type": "text/xml;"})
    assert bogus.problem is None
    assert bogus.version == "rss20"
    # A Latin-1 document read right only thanks to the charset in the HTTP header.
    latin = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Café Ünïcode</title>'
        "<item><title>Crème brûlée</title><guid>1</guid></item></channel></rss>"
    ).encode("latin-1")
    told = parse_feed(latin, {"content-type": "application/xml; charset=iso-8859-1"})
    assert told.title == "Café Ünïcode"
    assert [item.title for item in told.items] == ["Crème brûlée"]
    assert told.problem is None
    guessed = parse_feed(latin, {"content-type": "application/xml"})
    assert guessed.problem is not None  # without the header it is a guess, and says so


@pytest.mark.parametrize(
    ("name", "title", "well_formed"),
    [
        ("encoding/big5.xml", "", True),
        ("encoding/euc-kr.xml", "\ub144", True),
        ("encoding/utf-16le-bom.xml", "", True),
        ("encoding/utf-8-bom.xml", "", True),
        ("encoding/bozo_linenoise.xml", "", False),
        (
            "encoding/bozo_invalid-bytes-with-bom.xml",
            "Valid UTF8: \u00d1\u00a8Invalid UTF8: Espa",
            False,
        ),
    ],
)
def test_feedparser_encoding_cases_decode_as_feedparser_expects(
    name: str, title: str, well_formed: bool
) -> None:
    path = shared_path("feeds", "feedparser-tests", "tests", *name.split("/"))
    feed = parse_feed(path.read_bytes())
    assert feed.title.startswith(title)
    assert (feed.problem is None) is well_formed


def test_script_in_titles_is_sanitised() -> None:
    path = shared_path(
        "feeds", "feedparser-tests", "tests", "wellformed", "sanitize", "entry_title_script.xml"
    )
    [entry] = parse_feed(path.read_bytes()).items
    assert entry.title == "safe description"


def test_ttl_and_update_period_give_a_polling_floor() -> None:
    feed = parse_feed(real("feedjira", "TechCrunch.xml").read_bytes())
    assert feed.min_interval_seconds == 3600


def test_relative_entry_links_and_ids_resolve_against_the_feed_url() -> None:
    # Relative links inside summaries are not rewritten (the markup is dropped anyway), but
    # an entry's own link and permalink id must still become absolute: the link is what
    # the announcement points to, the id is the entry's seen key.
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        b"<item><guid>posts/7</guid><title>Seven</title><link>/posts/7.html</link>"
        b'<description>&lt;a href="/x"&gt;more&lt;/a&gt; words</description></item>'
        b"</channel></rss>"
    )
    headers = {"content-location": "https://blog.example.org/feed/index.xml"}

    [item] = parse_feed(body, headers).items

    assert item.link == "https://blog.example.org/posts/7.html"
    assert item.keys[0] == "id:https://blog.example.org/feed/posts/7"
    assert item.summary == "more words"
