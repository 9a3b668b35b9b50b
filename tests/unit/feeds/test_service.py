"""The /feeds commands' core: ids, tombstones for catalog feeds, resume after disable."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.feeds.model import FeedSpec, FeedState
from bot.feeds.parse import parse_feed
from bot.feeds.service import FeedCommandError, FeedService, _unique_id
from tests.unit.feeds.conftest import Harness
from tests.unit.feeds.server import FeedServer, rss
from tests.unit.feeds.test_poller import Feed, item


def service_of(harness: Harness) -> FeedService:
    return FeedService(
        harness.store, harness.poller, harness.fetcher, harness.clock, lambda: harness.specs
    )


def test_ids_come_from_the_url_and_stay_unique() -> None:
    taken = {"github-com-librosa-librosa-releases-atom"}
    made = _unique_id("https://github.com/librosa/librosa/releases.atom", taken)
    assert made == "github-com-librosa-librosa-releases-atom-2"
    assert _unique_id("https://www.example.com/Feed.XML", set()) == "example-com-feed-xml"


async def test_removing_a_catalog_feed_survives_a_restart(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    service = service_of(harness)

    await service.remove("a")
    await harness.store.sync_catalog(harness.specs, harness.clock.now())  # the bot restarts

    assert "a" not in await service.ids()
    assert [s for s in await harness.poller.due() if s.spec.id == "a"] == []
    with pytest.raises(FeedCommandError, match="There is no feed"):
        await service.pause("a")


async def test_resume_re_enables_a_disabled_feed_with_a_clean_slate(
    server: FeedServer, harness: Harness
) -> None:
    async def gone(request: web.Request) -> web.StreamResponse:
        return web.Response(status=410)

    url = server.route("/gone.xml", gone)
    await harness.add(FeedSpec("a", url, "A"))
    await harness.poll("a")
    server.document("/gone.xml", rss([item(1)]))
    service = service_of(harness)

    resumed = await service.resume("a")

    assert resumed.state is FeedState.NEW
    assert resumed.failures == 0
    assert (await harness.poll("a")).state is FeedState.OK
    with pytest.raises(FeedCommandError, match="not paused or disabled"):
        await service.resume("a")


async def test_preview_shows_the_newest_three(server: FeedServer, harness: Harness) -> None:
    url = Feed(server, "/p.xml", [item(n, hours_ago=n) for n in range(1, 6)]).url
    preview = await service_of(harness).preview(url)
    assert [i.title for i in preview.items] == ["Paper 1", "Paper 2", "Paper 3"]
    assert preview.total == 5
    assert await harness.queued() == []


def test_update_period_is_a_floor() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0" '
        b'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>t</title>'
        b"<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>"
        b"</channel></rss>"
    )
    assert parse_feed(body).min_interval_seconds == 43200


async def test_autocomplete_names_come_from_memory_and_follow_add_and_remove(
    server: FeedServer, harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("arxiv-sd", feed.url, "arXiv cs.SD"))
    service = service_of(harness)
    await service.setup()
    assert service.names("sd", 25) == [("arxiv-sd", "arXiv cs.SD")]

    await service.remove("arxiv-sd")
    statuses = harness.store.statuses

    async def database_busy(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("autocomplete waited for the database")

    monkeypatch.setattr(harness.store, "statuses", database_busy)
    assert service.names("", 25) == []  # removed: offered no more, without a query
    monkeypatch.setattr(harness.store, "statuses", statuses)
