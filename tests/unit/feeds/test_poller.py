"""The poller against a real HTTP server on loopback: dedup, ordering, states, validators."""

from __future__ import annotations

from email.utils import format_datetime

from aiohttp import web

from bot.feeds.model import FeedSpec, FeedState
from tests.unit.feeds.conftest import CHANNEL, LOG_CHANNEL, NOW, Harness
from tests.unit.feeds.server import FeedServer, rss


def item(n: int, *, hours_ago: float = 1.0, **extra: str) -> dict[str, str]:
    from datetime import timedelta

    moment = NOW - timedelta(hours=hours_ago)
    data = {
        "guid": f"item-{n}",
        "title": f"Paper {n}",
        "link": f"http://example.com/{n}",
        "date": format_datetime(moment),
        "description": f"<p>About paper {n}</p>",
    }
    data.update(extra)
    return data


class Feed:
    """A mutable document on the test server."""

    def __init__(self, server: FeedServer, path: str, items: list[dict[str, str]]) -> None:
        self.items = items
        self.url = server.document(path, lambda: rss(self.items))


async def test_first_poll_marks_everything_seen_and_posts_nothing(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1), item(2)])
    await harness.add(FeedSpec("a", feed.url, "A"))

    outcome = await harness.poll("a")

    assert outcome.state is FeedState.OK
    assert outcome.marked_seen == 2
    assert await harness.queued() == []
    assert (await harness.status("a")).seen_count >= 2


async def test_new_items_are_announced_once_oldest_first(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1, hours_ago=5)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")
    # Newest first in the document, as real feeds do.
    feed.items = [item(3, hours_ago=1), item(2, hours_ago=2), item(1, hours_ago=5)]

    await harness.poll("a")
    await harness.poll("a")  # same document again (304): nothing new

    assert await harness.announced_titles() == ["Paper 2", "Paper 3"]
    queued = await harness.queued()
    assert all(q.key.startswith("feed:feeds:") for q in queued)  # the default group


async def test_conditional_get_sends_the_stored_validators(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")
    second = await harness.poll("a")

    assert second.status == 304
    last = server.hits("/a.xml")[-1]
    assert last.headers.get("If-None-Match", "").startswith('"')
    assert "If-Modified-Since" in last.headers
    assert "gzip" in last.headers.get("Accept-Encoding", "")


async def test_edited_entries_and_bumped_updated_dates_are_not_announced_again(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")
    feed.items = [item(2), item(1)]
    await harness.poll("a")
    # Every entry edited and re-dated to "now", as some feeds do on every build.
    feed.items = [
        item(2, hours_ago=0, title="Paper 2 (v2)", description="edited"),
        item(1, hours_ago=0, title="Paper 1 (v2)"),
    ]
    await harness.poll("a")

    assert await harness.announced_titles() == ["Paper 2"]


async def test_ids_that_change_on_every_poll_do_not_repeat_items(
    server: FeedServer, harness: Harness
) -> None:
    counter = {"n": 0}

    def document() -> bytes:
        counter["n"] += 1
        items = [item(1, guid=f"random-{counter['n']}-1"), item(2, guid=f"random-{counter['n']}-2")]
        if counter["n"] >= 3:
            items.insert(0, item(3, guid=f"random-{counter['n']}-3", hours_ago=0.5))
        return rss(items)

    url = server.document("/churn.xml", document)
    await harness.add(FeedSpec("churn", url, "Churn"))
    for _ in range(4):
        await harness.poll("churn")

    assert await harness.announced_titles() == ["Paper 3"]


async def test_max_posts_per_cycle_keeps_the_rest_for_the_next_cycle(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [])
    await harness.add(FeedSpec("a", feed.url, "A", max_posts=2))
    await harness.poll("a")
    feed.items = [item(n, hours_ago=10 - n) for n in range(1, 6)]

    first = await harness.poll("a")
    assert first.waiting == 3
    assert (await harness.status("a")).backlog
    second = await harness.poll("a")  # no validators sent: a 304 must not hide the rest
    third = await harness.poll("a")

    assert second.status == 200
    assert third.status == 200
    assert await harness.announced_titles() == [f"Paper {n}" for n in range(1, 6)]
    assert not (await harness.status("a")).backlog


async def test_old_items_and_filtered_items_are_not_announced(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [])
    spec = FeedSpec("a", feed.url, "A", include=("audio",), exclude=("withdrawn",))
    await harness.add(spec)
    await harness.poll("a")
    feed.items = [
        item(1, title="Audio tagging"),
        item(2, title="Vision transformers"),
        item(3, title="Audio paper (withdrawn)"),
        item(4, title="Old audio paper", hours_ago=24 * 30),
    ]

    await harness.poll("a")

    assert await harness.announced_titles() == ["Audio tagging"]


async def test_announcement_embed_has_link_authors_timestamp_and_plain_summary(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [])
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")
    feed.items = [
        item(
            1,
            author="ada@example.com (Ada Lovelace)",
            description="<p>Hello <b>@everyone</b></p><script>alert(1)</script><p>Second</p>",
        )
    ]

    await harness.poll("a")

    [queued] = await harness.queued()
    embed = queued.payload["embeds"][0]
    assert embed["url"] == "http://example.com/1"
    assert "Ada Lovelace" in embed["description"]
    assert "<t:" in embed["description"]
    assert "@\u200beveryone" in embed["description"]
    assert "alert" not in embed["description"]
    assert "<b>" not in embed["description"]
    assert queued.channel_id == CHANNEL


async def test_permanent_redirect_updates_the_stored_url(
    server: FeedServer, harness: Harness
) -> None:
    new_url = Feed(server, "/new.xml", [item(1)]).url

    async def moved(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(new_url)

    old_url = server.route("/old.xml", moved)
    await harness.add(FeedSpec("a", old_url, "A"))

    outcome = await harness.poll("a")

    assert outcome.moved_to == new_url
    assert (await harness.status("a")).url == new_url
    await harness.poll("a")
    assert len(server.hits("/old.xml")) == 1


async def test_temporary_redirect_keeps_the_url(server: FeedServer, harness: Harness) -> None:
    target = Feed(server, "/t.xml", [item(1)]).url

    async def found(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(target)

    url = server.route("/tmp.xml", found)
    await harness.add(FeedSpec("a", url, "A"))
    await harness.poll("a")

    assert (await harness.status("a")).url == url


async def test_gone_disables_the_feed_and_tells_the_log_channel(
    server: FeedServer, harness: Harness
) -> None:
    async def gone(request: web.Request) -> web.StreamResponse:
        return web.Response(status=410)

    url = server.route("/gone.xml", gone)
    await harness.add(FeedSpec("a", url, "A"))

    outcome = await harness.poll("a")

    assert outcome.state is FeedState.DISABLED
    [notice] = await harness.queued()
    assert notice.channel_id == LOG_CHANNEL
    assert "410" in notice.payload["content"]
    assert not [s for s in await harness.poller.due() if s.spec.id == "a"]


async def test_throttled_feed_waits_for_retry_after(server: FeedServer, harness: Harness) -> None:
    async def busy(request: web.Request) -> web.StreamResponse:
        return web.Response(status=429, headers={"Retry-After": "7200"})

    url = server.route("/busy.xml", busy)
    await harness.add(FeedSpec("a", url, "A"))

    outcome = await harness.poll("a")

    assert outcome.state is FeedState.ERROR
    assert outcome.next_poll is not None
    assert (outcome.next_poll - NOW).total_seconds() == 7200


async def test_failures_back_off_exponentially_then_disable_after_days(
    server: FeedServer, harness: Harness
) -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500)

    url = server.route("/broken.xml", broken)
    await harness.add(FeedSpec("a", url, "A"))
    waits: list[float] = []
    outcome = await harness.poll("a")
    while outcome.state is FeedState.ERROR and len(waits) < 40:
        assert outcome.next_poll is not None
        waits.append((outcome.next_poll - harness.clock.now()).total_seconds())
        harness.clock.advance(waits[-1])
        outcome = await harness.poll("a")

    assert outcome.state is FeedState.DISABLED
    assert waits[3] > waits[0] * 2  # grows
    assert max(waits) <= 12 * 3600
    notices = [q for q in await harness.queued() if q.channel_id == LOG_CHANNEL]
    assert len(notices) == 1
    assert "failing for" in notices[0].payload["content"]


async def test_ttl_is_a_floor_for_the_next_poll(server: FeedServer, harness: Harness) -> None:
    url = server.document("/ttl.xml", rss([item(1)], extra="<ttl>240</ttl>"))
    await harness.add(FeedSpec("a", url, "A", interval_minutes=10))

    outcome = await harness.poll("a")

    assert outcome.next_poll is not None
    assert (outcome.next_poll - NOW).total_seconds() >= 240 * 60


async def test_not_a_feed_puts_the_feed_in_error_state(
    server: FeedServer, harness: Harness
) -> None:
    url = server.document(
        "/page.html", b"<html><body>Hello</body></html>", content_type="text/html"
    )
    await harness.add(FeedSpec("a", url, "A"))

    outcome = await harness.poll("a")
    status = await harness.status("a")

    assert outcome.state is FeedState.ERROR
    assert status.state is FeedState.ERROR
    assert status.last_error is not None
    assert "not a feed" in status.last_error


async def test_dry_run_changes_nothing(server: FeedServer, harness: Harness) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")
    feed.items = [item(2), item(1)]

    outcome = await harness.poller.poll(await harness.status("a"), dry_run=True)

    assert outcome is not None
    assert [i.title for i in outcome.announced] == ["Paper 2"]
    assert await harness.queued() == []
    assert (await harness.poll("a")).announced[0].title == "Paper 2"
