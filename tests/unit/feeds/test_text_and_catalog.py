"""HTML to text, mention defusing, and the feeds.yaml reader (file:line problems)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config
from bot.datafile import CatalogError, FeedsFileError
from bot.feeds.catalog import load_feeds
from bot.feeds.html_text import html_to_text
from bot.feeds.wiring import load_catalog_feeds
from bot.markup import defuse_mentions
from tests.shared_data import REPO_ROOT


def test_html_becomes_paragraphs_of_plain_text() -> None:
    html = "<p>First &amp; <b>bold</b></p><ul><li>one</li><li>two</li></ul><script>x()</script>"
    assert html_to_text(html) == "First & bold\n\n• one\n\n• two"


def test_mentions_are_defused() -> None:
    text = defuse_mentions("hi @everyone and @here, <@123> <@!4> <@&5> <#6>")
    assert "@everyone" not in text
    assert "@here" not in text
    assert "<@123>" not in text
    assert "<@&5>" not in text
    assert "<#6>" not in text


def test_the_shipped_feeds_file_is_valid() -> None:
    catalog = load_feeds(REPO_ROOT / "catalog" / "feeds.yaml")
    assert catalog.problems == ()
    ids = {feed.id for feed in catalog.feeds}
    assert "arxiv-audio" in ids
    assert all(feed.url.startswith("https://") for feed in catalog.feeds)


def test_mistakes_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n"
        "  - id: ok\n"
        "    title: Fine\n"
        "    url: https://example.com/feed.xml\n"
        "  - id: Bad Id\n"
        "    title: x\n"
        "    url: ftp://example.com/\n"
        "    max_posts: 0\n"
        "    chanel: announcements\n"
        "  - id: ok\n"
        "    title: Again\n"
        "    url: https://example.com/other.xml\n",
        encoding="utf-8",
    )
    catalog = load_feeds(path)
    shown = [problem.format() for problem in catalog.problems]
    assert [feed.id for feed in catalog.feeds] == ["ok"]
    assert any(":5:" in line and "id" in line for line in shown)
    assert any(":7:" in line and "url" in line for line in shown)
    assert any(":8:" in line and "max_posts" in line for line in shown)
    assert any(":9:" in line and "did you mean 'channel'" in line for line in shown)
    assert any(":10:" in line and "twice" in line for line in shown)


def test_missing_file_means_no_feeds(tmp_path: Path) -> None:
    assert load_feeds(tmp_path / "feeds.yaml").feeds == ()


def test_the_shipped_feeds_file_matches_its_json_schema() -> None:
    import json

    import jsonschema
    import yaml

    schema = json.loads((REPO_ROOT / "catalog" / "schema" / "feeds.schema.json").read_text())
    data = yaml.safe_load((REPO_ROOT / "catalog" / "feeds.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)


def test_resources_named_by_feeds_are_catalog_entries() -> None:
    from bot.catalog.loader import load_catalog

    catalog = load_catalog(REPO_ROOT / "catalog")
    known = {entry.id for entry in catalog.entries}
    assert load_feeds(REPO_ROOT / "catalog" / "feeds.yaml", known).problems == ()


def test_arxiv_announce_prefix_is_dropped_from_shown_summaries_only() -> None:
    from bot.feeds.parse import display_summary, parse_feed
    from tests.unit.feeds.server import rss

    body = rss(
        [
            {
                "guid": "oai:arXiv.org:2601.00001v1",
                "title": "T",
                "description": "arXiv:2601.00001v1 Announce Type: new \nAbstract: We study sound.",
            }
        ]
    )
    [item] = parse_feed(body).items
    assert display_summary(item) == "We study sound."
    assert "Announce Type: new" in item.filter_text  # the keyword filters read it


def test_a_broken_feeds_file_raises_the_feeds_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - id: arxiv\n    title: arXiv\n    url: https://example.com/rss\n"
        "    enabled: 'yes'\n",
        encoding="utf-8",
    )

    with pytest.raises(FeedsFileError) as raised:
        load_catalog_feeds(Config(catalog_path=tmp_path))

    assert not isinstance(raised.value, CatalogError)
    assert str(raised.value) == (
        f"feeds file has 1 problem: {tmp_path / 'feeds.yaml'}:5: enabled of feed 'arxiv' "
        "must be true or false, found text (write enabled: true or enabled: false)"
    )
