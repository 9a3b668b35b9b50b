"""Seen entry keys are forgotten in time, but never in a way that posts an entry twice."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

from bot.feeds.model import FeedSpec
from bot.feeds.polling import PollSettings
from tests.unit.feeds.conftest import NOW, Harness
from tests.unit.feeds.server import FeedServer, rss

DAY = 86400.0
RETENTION_DAYS = 90  # PollSettings() keeps seen keys max(90 days, 4 x 7 days)


def entry(n: int, *, days_ago: float | None = 200.0) -> dict[str, str]:
    """Entry ``n`` dated ``days_ago`` before the tests' start (undated when None)."""
    data = {"guid": f"item-{n}", "title": f"Paper {n}", "link": f"http://example.com/{n}"}
    if days_ago is not None:
        data["date"] = format_datetime(NOW - timedelta(days=days_ago))
    return data


class Feed:
    def __init__(self, server: FeedServer, items: list[dict[str, str]]) -> None:
        self.items = items
        self.url = server.document("/a.xml", lambda: rss(self.items))


async def remembers(harness: Harness, n: int) -> bool:
    return bool(await harness.store.seen_among(FeedSpec("a", "", "A"), [f"id:item-{n}"]))


async def start(server: FeedServer, harness: Harness, items: list[dict[str, str]]) -> Feed:
    feed = Feed(server, items)
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")  # first poll: everything is marked seen
    return feed


def test_retention_is_a_multiple_of_max_age_with_a_floor() -> None:
    assert PollSettings(max_age=timedelta(days=7)).seen_retention == timedelta(days=90)
    assert PollSettings(max_age=timedelta(days=60)).seen_retention == timedelta(days=240)


async def test_old_key_gone_from_the_feed_is_pruned(server: FeedServer, harness: Harness) -> None:
    feed = await start(server, harness, [entry(2), entry(1)])
    feed.items = [entry(2)]
    harness.clock.advance((RETENTION_DAYS + 1) * DAY)

    await harness.poll("a")

    assert not await remembers(harness, 1)
    assert await remembers(harness, 2)
    assert (await harness.status("a")).seen_count == 2  # id and title/link keys of entry 2


async def test_key_not_yet_past_retention_is_kept(server: FeedServer, harness: Harness) -> None:
    feed = await start(server, harness, [entry(2), entry(1)])
    feed.items = [entry(2)]
    harness.clock.advance((RETENTION_DAYS - 1) * DAY)

    await harness.poll("a")

    assert await remembers(harness, 1)


async def test_old_entry_first_seen_recently_is_kept_for_the_whole_retention(
    server: FeedServer, harness: Harness
) -> None:
    feed = await start(server, harness, [entry(2)])
    harness.clock.advance((RETENTION_DAYS + 1) * DAY)
    feed.items = [entry(2), entry(1, days_ago=400)]  # an old entry shows up late: quiet
    await harness.poll("a")
    feed.items = [entry(3, days_ago=-RETENTION_DAYS), entry(2)]  # a new one: HTTP 200
    harness.clock.advance(2 * DAY)

    await harness.poll("a")

    assert await remembers(harness, 1)


async def test_key_in_the_latest_fetch_is_kept_however_old(
    server: FeedServer, harness: Harness
) -> None:
    feed = await start(server, harness, [entry(1)])
    harness.clock.advance(3 * 365 * DAY)
    feed.items = [entry(2, days_ago=-3 * 365), entry(1)]  # entry 2 is new today

    outcome = await harness.poll("a")

    assert await remembers(harness, 1)
    assert [item.title for item in outcome.announced] == ["Paper 2"]


async def test_pruned_entry_that_reappears_with_its_old_date_is_not_announced(
    server: FeedServer, harness: Harness
) -> None:
    feed = await start(server, harness, [entry(2), entry(1)])
    feed.items = [entry(2)]
    harness.clock.advance((RETENTION_DAYS + 1) * DAY)
    await harness.poll("a")
    assert not await remembers(harness, 1)

    feed.items = [entry(1), entry(2)]
    outcome = await harness.poll("a")

    assert outcome.announced == []
    assert await harness.announced_titles() == []
    assert await remembers(harness, 1)  # marked seen again, quietly


async def test_undated_entry_is_never_forgotten_so_it_cannot_return_as_new(
    server: FeedServer, harness: Harness
) -> None:
    # Without a date the maximum age cannot stop a forgotten entry, so its keys stay.
    feed = await start(server, harness, [entry(2), entry(1, days_ago=None)])
    feed.items = [entry(2)]
    harness.clock.advance(3 * 365 * DAY)
    await harness.poll("a")
    assert await remembers(harness, 1)

    feed.items = [entry(1, days_ago=None), entry(2)]
    outcome = await harness.poll("a")

    assert outcome.announced == []
    assert await harness.announced_titles() == []


async def test_entry_dated_in_the_future_is_kept_until_that_date_is_old(
    server: FeedServer, harness: Harness
) -> None:
    # Forgetting it earlier would let it through the maximum age when it returns.
    feed = await start(server, harness, [entry(2), entry(1, days_ago=-365)])
    feed.items = [entry(2)]
    harness.clock.advance((RETENTION_DAYS + 1) * DAY)

    await harness.poll("a")

    assert await remembers(harness, 1)


async def test_pruning_runs_at_most_once_a_day_per_feed(
    server: FeedServer, harness: Harness
) -> None:
    feed = await start(server, harness, [entry(3), entry(2), entry(1)])
    harness.clock.advance((RETENTION_DAYS + 1) * DAY)
    feed.items = [entry(3), entry(2)]
    await harness.poll("a")  # prunes entry 1
    assert not await remembers(harness, 1)

    harness.clock.advance(23 * 3600)
    feed.items = [entry(3)]
    await harness.poll("a")  # entry 2 could go, but the feed was pruned less than a day ago
    assert await remembers(harness, 2)

    harness.clock.advance(3600)
    feed.items = [entry(4, days_ago=-RETENTION_DAYS - 2), entry(3)]
    await harness.poll("a")
    assert not await remembers(harness, 2)
    assert await remembers(harness, 3)


async def test_a_dry_run_prunes_nothing(server: FeedServer, harness: Harness) -> None:
    feed = await start(server, harness, [entry(2), entry(1)])
    feed.items = [entry(2)]
    harness.clock.advance((RETENTION_DAYS + 1) * DAY)

    await harness.poller.poll(await harness.status("a"), dry_run=True)

    assert await remembers(harness, 1)


async def test_keys_stored_without_a_date_get_it_while_their_entry_is_in_the_feed(
    server: FeedServer, harness: Harness
) -> None:
    # Keys stored before entry dates were kept: an entry still listed gets its date back
    # (and can be forgotten later); one already gone stays remembered for good.
    feed = await start(server, harness, [entry(3), entry(2), entry(1)])
    await harness.db.execute("UPDATE feed_seen SET published = NULL")
    harness.clock.advance(DAY)
    feed.items = [entry(3), entry(2)]
    await harness.poll("a")

    harness.clock.advance((RETENTION_DAYS + 1) * DAY)
    feed.items = [entry(3)]
    await harness.poll("a")

    assert not await remembers(harness, 2)
    assert await remembers(harness, 1)
    assert await remembers(harness, 3)


async def test_one_prune_deletes_at_most_its_limit_oldest_first(
    server: FeedServer, harness: Harness
) -> None:
    await start(server, harness, [entry(3), entry(2), entry(1)])
    harness.clock.advance((RETENTION_DAYS + 1) * DAY)
    await harness.db.execute(
        "UPDATE feed_seen SET seen_at = ? WHERE entry_key = 'id:item-3'",
        ((NOW - timedelta(days=1)).isoformat(),),
    )

    async with harness.store.transaction() as db:
        deleted = await harness.store.prune_seen(
            db,
            FeedSpec("a", "", "A"),
            [],
            harness.clock.now(),
            retention=timedelta(days=RETENTION_DAYS),
            limit=1,
        )

    assert deleted == 1
    assert not await remembers(harness, 3)
    assert await remembers(harness, 2)
