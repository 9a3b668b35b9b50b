"""arXiv announced right, on real cs.SD+eess.AS listings served from loopback.

One paper, one announcement across listings; replacements are not new papers; filters see
the raw "Announce Type"; digest feeds send one message per group and day, exactly once.
"""

from __future__ import annotations

import collections
from datetime import UTC, datetime, timedelta

from bot.feeds.digest import show_all_custom_id
from bot.feeds.model import FeedMode, FeedSpec
from bot.feeds.parse import parse_feed
from bot.feeds.polling import PollSettings
from tests.unit.feeds.arxiv_listing import ArxivEntry, entries, listing_rss
from tests.unit.feeds.conftest import NOW, Harness
from tests.unit.feeds.server import FeedServer, rss

JUNE = "2025-06-23"  # 38 entries: 15 new, 11 cross, 10 replace, 2 replace-cross
AUGUST = "2025-08-07"  # 34 entries: 17 new, 2 cross, 8 replace, 7 replace-cross


class Listing:
    """One arXiv listing URL whose items the test changes between polls."""

    def __init__(self, server: FeedServer, path: str, category: str = "cs.SD") -> None:
        self.items: list[ArxivEntry] = []
        self.dated: datetime | None = None
        self.url = server.document(
            path, lambda: listing_rss(self.items, category=category, dated=self.dated)
        )


def digest_spec(feed_id: str, url: str, **options: object) -> FeedSpec:
    values: dict[str, object] = {"mode": FeedMode.DIGEST, "digest_hour": 13, "max_posts": 25}
    values.update(options)
    return FeedSpec(feed_id, url, "arXiv audio", **values)  # type: ignore[arg-type]


def types_of(found: list[ArxivEntry]) -> collections.Counter[str]:
    return collections.Counter(e.announce_type for e in found)


async def started(harness: Harness, listing: Listing, spec: FeedSpec) -> None:
    await harness.add(spec)
    await harness.poll(spec.id)  # first poll of an empty listing: nothing to mark


def test_real_listing_rebuilt_as_rss_keeps_announce_types_ids_and_authors() -> None:
    june = entries(JUNE)
    feed = parse_feed(listing_rss(june))

    assert types_of(june) == {"new": 15, "cross": 11, "replace": 10, "replace-cross": 2}
    assert collections.Counter(i.announce_type for i in feed.items) == types_of(june)
    first = feed.items[0]
    assert first.key == f"arxiv:{june[0].arxiv_id}"  # no version
    assert first.authors[:2] == ("Tahitoa Leygue (DIASI)", "Astrid Sabourin (DIASI)")
    assert all(item.key.startswith("arxiv:") for item in feed.items)


async def test_replacements_of_old_papers_are_not_announced(
    server: FeedServer, harness: Harness
) -> None:
    listing = Listing(server, "/rss/cs.SD+eess.AS")
    await started(harness, listing, digest_spec("arxiv", listing.url))
    listing.items, listing.dated = entries(AUGUST), NOW - timedelta(hours=8)

    outcome = await harness.poll("arxiv")

    assert len(outcome.digested) == 17 + 2  # new + cross
    assert {i.announce_type for i in outcome.digested} == {"new", "cross"}
    assert "arxiv:2306.09106" not in {i.key for i in outcome.digested}  # a replace (v2)


async def test_a_feed_can_choose_its_announce_types(server: FeedServer, harness: Harness) -> None:
    listing = Listing(server, "/rss/cs.SD+eess.AS")
    spec = digest_spec("arxiv", listing.url, announce=("new", "cross", "replace"))
    await started(harness, listing, spec)
    listing.items = entries(JUNE)

    outcome = await harness.poll("arxiv")

    assert collections.Counter(i.announce_type for i in outcome.digested) == {
        "new": 15,
        "cross": 11,
        "replace": 10,
    }


async def test_exclude_sees_the_announce_type_of_the_raw_description(
    server: FeedServer, harness: Harness
) -> None:
    listing = Listing(server, "/rss/cs.SD+eess.AS")
    every_type = ("new", "cross", "replace", "replace-cross")
    spec = digest_spec("arxiv", listing.url, announce=every_type, exclude=("replace-cross",))
    await started(harness, listing, spec)
    listing.items = entries(JUNE)

    outcome = await harness.poll("arxiv")

    assert len(outcome.digested) == 38 - 2
    assert "replace-cross" not in {i.announce_type for i in outcome.digested}


async def test_a_paper_in_two_listings_is_announced_once(
    server: FeedServer, harness: Harness
) -> None:
    sound = Listing(server, "/rss/cs.SD", "cs.SD")
    speech = Listing(server, "/rss/eess.AS", "eess.AS")
    for listing, feed_id in ((sound, "cs-sd"), (speech, "eess-as")):
        await started(harness, listing, FeedSpec(feed_id, listing.url, feed_id, max_posts=25))
    june = entries(JUNE)
    sound.items, speech.items = june[:26], june[13:]  # 13 papers in both listings

    first = await harness.poll("cs-sd")
    second = await harness.poll("eess-as")
    rest = await harness.poll("cs-sd")  # max_posts 25: one paper waited for this poll

    titles = await harness.announced_titles()
    wanted = [e for e in june if e.announce_type in ("new", "cross")]
    assert len(titles) == len(set(titles)) == len(wanted)
    assert len(first.announced) + len(second.announced) + len(rest.announced) == len(wanted)


async def test_feeds_of_different_groups_each_announce_the_paper(
    server: FeedServer, harness: Harness
) -> None:
    sound = Listing(server, "/rss/cs.SD", "cs.SD")
    speech = Listing(server, "/rss/eess.AS", "eess.AS")
    for listing, feed_id in ((sound, "cs-sd"), (speech, "eess-as")):
        spec = FeedSpec(feed_id, listing.url, feed_id, group=feed_id, max_posts=25)
        await started(harness, listing, spec)
    paper = [e for e in entries(JUNE) if e.announce_type == "new"][:1]
    sound.items = speech.items = paper

    await harness.poll("cs-sd")
    await harness.poll("eess-as")

    assert len(await harness.announced_titles()) == 2


async def test_daily_digest_goes_out_once_at_its_hour_with_highlights_first(
    server: FeedServer, harness: Harness
) -> None:
    listing = Listing(server, "/rss/cs.SD+eess.AS")
    await started(harness, listing, digest_spec("arxiv", listing.url, highlight=("emotion",)))
    listing.items = entries(JUNE)
    await harness.poll("arxiv")

    assert await harness.poller.send_due_digests() == NOW.replace(hour=13)  # not yet
    assert await harness.queued() == []
    harness.clock.advance(3600)
    next_due = await harness.poller.send_due_digests()
    again = await harness.poller.send_due_digests()

    [message] = await harness.queued()
    assert message.key == "feed-digest:feeds:2025-06-23"
    assert message.payload["content"] == "**arXiv audio, 23 June 2025: 26 new papers**"
    [embed] = message.payload["embeds"]
    assert embed["title"] == "Matching your keywords: 3"  # "emotion" in three abstracts
    assert embed["description"].startswith("⭐ **[Explainable speech emotion recognition")
    assert len(embed["description"]) <= 4096
    [row] = message.payload["components"]
    assert row["components"][0]["custom_id"] == show_all_custom_id("feeds:2025-06-23")
    assert next_due == again == datetime(2025, 6, 24, 13, tzinfo=UTC)
    digest = await harness.poller.digests.digest("feeds:2025-06-23")
    assert digest is not None
    assert len(digest.entries) == 26


async def test_items_found_after_the_hour_wait_for_the_next_digest(
    server: FeedServer, harness: Harness
) -> None:
    listing = Listing(server, "/rss/cs.SD+eess.AS")
    await started(harness, listing, digest_spec("arxiv", listing.url, digest_hour=6))
    listing.items = entries(JUNE)
    await harness.poll("arxiv")  # 12:00, after today's 06:00

    await harness.poller.send_due_digests()
    assert await harness.queued() == []
    harness.clock.advance(18 * 3600)  # 06:00 the next day
    await harness.poller.send_due_digests()

    [message] = await harness.queued()
    assert message.key == "feed-digest:feeds:2025-06-24"


async def test_a_dropped_key_whose_item_returns_with_an_old_date_is_not_announced(
    server: FeedServer, harness: Harness
) -> None:
    def entry(n: int, days_ago: float) -> dict[str, str]:
        moment = harness.clock.now() - timedelta(days=days_ago)
        return {
            "guid": f"item-{n}",
            "title": f"Paper {n}",
            "link": f"http://example.com/{n}",
            "date": moment.strftime("%a, %d %b %Y %H:%M:%S +0000"),
        }

    harness.poller.settings = PollSettings(max_seen_keys=6)  # 3 items: id and title/link keys
    old = [entry(3, 1), entry(2, 2), entry(1, 3)]
    items = list(old)
    url = server.document("/a.xml", lambda: rss(items))
    await harness.add(FeedSpec("a", url, "A", max_posts=25))
    await harness.poll("a")
    harness.clock.advance(86400 + 1)  # the daily prune is due again
    items[:] = [entry(6, 0.1), entry(5, 0.2), entry(4, 0.3)]
    await harness.poll("a")
    assert (await harness.status("a")).seen_count == 6  # the keys of 1-3 were dropped

    items[:] = [entry(7, 0.05), *old]  # 1-3 come back with their old dates
    await harness.poll("a")

    assert await harness.announced_titles() == ["Paper 4", "Paper 5", "Paper 6", "Paper 7"]
