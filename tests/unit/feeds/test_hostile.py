"""Hostile servers and documents: each ends in a documented state and the poller goes on.

Every test polls with the real aiohttp client against a loopback server, then checks the
feed's stored state, that nothing was announced twice or lost, and that a well-behaved
feed polled in the same cycle still works (the bot keeps running).
"""

from __future__ import annotations

import functools
import gzip

import pytest
from aiohttp import web

from bot.feeds.model import FeedSpec, FeedState
from bot.feeds.parse import parse_feed
from tests.unit.feeds.conftest import Harness
from tests.unit.feeds.server import FeedServer, huge_body, rss, slow_body
from tests.unit.feeds.test_poller import Feed, item


async def poll_with_a_good_neighbour(
    server: FeedServer, harness: Harness, hostile_url: str
) -> FeedState:
    """Poll the hostile feed and a good one in one cycle; return the hostile one's state."""
    good = Feed(server, "/good.xml", [item(1)])
    await harness.add(FeedSpec("good", good.url, "Good"))
    await harness.add(FeedSpec("bad", hostile_url, "Bad"))
    await harness.poller.poll_all()
    good.items = [item(2), item(1)]
    outcomes = {o.feed_id: o for o in await harness.poller.poll_all()}
    assert outcomes["good"].state is FeedState.OK
    assert await harness.announced_titles() == ["Paper 2"]
    return (await harness.status("bad")).state


@pytest.mark.slow
async def test_fifty_megabyte_body_is_cut_at_the_cap(server: FeedServer, harness: Harness) -> None:
    url = server.route("/huge.xml", huge_body)

    state = await poll_with_a_good_neighbour(server, harness, url)

    status = await harness.status("bad")
    assert state is FeedState.ERROR
    assert status.last_error is not None
    assert "limit" in status.last_error
    assert harness.fetcher.bytes_received < 2 * 6 * 1024 * 1024


async def test_declared_oversized_body_is_refused_before_reading(
    server: FeedServer, harness: Harness
) -> None:
    async def declared(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"x" * (6 * 1024 * 1024), content_type="application/rss+xml")

    url = server.route("/declared.xml", declared)
    assert await poll_with_a_good_neighbour(server, harness, url) is FeedState.ERROR


async def test_gzip_bomb_is_counted_after_decompression(
    server: FeedServer, harness: Harness
) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * (8 * 1024 * 1024))

    async def compressed(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
        )

    url = server.route("/bomb.xml", compressed)
    assert await poll_with_a_good_neighbour(server, harness, url) is FeedState.ERROR
    assert "limit" in str((await harness.status("bad")).last_error)


@pytest.mark.slow
async def test_one_byte_per_second_ends_in_a_timeout(server: FeedServer, harness: Harness) -> None:
    url = server.route("/slow.xml", functools.partial(slow_body, total_bytes=60, delay=0.5))

    state = await poll_with_a_good_neighbour(server, harness, url)

    assert state is FeedState.ERROR
    assert "too long" in str((await harness.status("bad")).last_error)


async def test_malformed_xml_with_usable_entries_is_used_and_the_problem_kept(
    server: FeedServer, harness: Harness
) -> None:
    good_part = rss([item(1)]).decode().replace("</channel></rss>", "")
    broken = Feed(server, "/broken.xml", [])
    await harness.add(FeedSpec("broken", broken.url, "Broken"))
    await harness.poll("broken")
    server.document("/broken.xml", (good_part + "<item><title>unclosed").encode())

    outcome = await harness.poll("broken")

    assert outcome.state is FeedState.OK
    assert outcome.problem is not None
    assert await harness.announced_titles() == ["Paper 1"]
    assert "usable despite" in str((await harness.status("broken")).last_error)


async def test_garbage_is_an_error_state(server: FeedServer, harness: Harness) -> None:
    url = server.document("/garbage.xml", b"\x00\xff\x10 not xml at all <<<")
    assert await poll_with_a_good_neighbour(server, harness, url) is FeedState.ERROR


@pytest.mark.parametrize(
    ("declared_http", "declared_xml", "actual"),
    [
        ("utf-8", "utf-8", "latin-1"),  # both lie: recovered as windows-1252, bozo
        ("iso-8859-1", "utf-8", "latin-1"),  # HTTP is right and wins
        ("utf-8", "iso-8859-1", "utf-8"),  # the XML declaration is wrong; HTTP wins
    ],
)
async def test_wrong_declared_encodings_still_give_the_right_text(
    server: FeedServer, harness: Harness, declared_http: str, declared_xml: str, actual: str
) -> None:
    def document(title: str) -> bytes:
        text = (
            f'<?xml version="1.0" encoding="{declared_xml}"?><rss version="2.0"><channel>'
            f"<title>t</title><item><guid>x-{title}</guid><title>{title}</title></item>"
            "</channel></rss>"
        )
        return text.encode(actual)

    body = {"doc": document("Old")}
    url = server.document(
        "/enc.xml",
        lambda: body["doc"],
        content_type=f"application/rss+xml; charset={declared_http}",
    )
    await harness.add(FeedSpec("enc", url, "Enc"))
    await harness.poll("enc")
    body["doc"] = document("Résumé café")

    await harness.poll("enc")

    assert await harness.announced_titles() == ["Résumé café"]


async def test_entity_expansion_does_not_expand(server: FeedServer, harness: Harness) -> None:
    entities = "".join(f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" * 10) + '">' for i in range(1, 10))
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{entities}]>'
        '<rss version="2.0"><channel><title>t</title>'
        "<item><guid>1</guid><title>&lol9;</title></item></channel></rss>"
    ).encode()
    url = server.document("/laughs.xml", laughs)

    state = await poll_with_a_good_neighbour(server, harness, url)

    assert state is FeedState.OK  # usable: expat refuses the amplification, entries recovered
    assert (await harness.status("bad")).seen_count >= 1
    [laughing] = parse_feed(laughs).items
    assert len(laughing.title) < 100


async def test_redirect_loop_is_an_error(server: FeedServer, harness: Harness) -> None:
    async def to_b(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/loop-b.xml")

    async def to_a(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/loop-a.xml")

    url = server.route("/loop-a.xml", to_b)
    server.route("/loop-b.xml", to_a)

    assert await poll_with_a_good_neighbour(server, harness, url) is FeedState.ERROR
    assert "loop" in str((await harness.status("bad")).last_error)
    assert len(server.hits("/loop-a.xml")) + len(server.hits("/loop-b.xml")) <= 6


async def test_too_many_redirects_is_an_error(server: FeedServer, harness: Harness) -> None:
    async def onwards(request: web.Request) -> web.StreamResponse:
        n = int(request.query.get("n", "0"))
        raise web.HTTPFound(f"/chain.xml?n={n + 1}")

    url = server.route("/chain.xml", onwards)

    assert await poll_with_a_good_neighbour(server, harness, url) is FeedState.ERROR
    assert "redirects" in str((await harness.status("bad")).last_error)


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed.xml",
        "http://[::1]/feed.xml",
        "http://localhost:{port}/good.xml",  # a name that resolves to loopback
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_a_private_address_is_blocked(
    server: FeedServer, harness: Harness, target: str
) -> None:
    async def sneaky(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(target.format(port=server.port))

    url = server.route("/sneaky.xml", sneaky)
    before = len(server.hits("/good.xml"))

    assert await poll_with_a_good_neighbour(server, harness, url) is FeedState.ERROR
    assert "refused" in str((await harness.status("bad")).last_error) or "only http" in str(
        (await harness.status("bad")).last_error
    )
    # Only the two polls of the good feed itself reached /good.xml, never the redirect.
    assert len(server.hits("/good.xml")) - before == 2


async def test_not_modified_without_validators_keeps_ours(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")
    stored = await harness.status("a")

    async def bare_304(request: web.Request) -> web.StreamResponse:
        return web.Response(status=304)

    server.route("/a.xml", bare_304)
    outcome = await harness.poll("a")

    after = await harness.status("a")
    assert outcome.state is FeedState.OK
    assert (after.etag, after.last_modified) == (stored.etag, stored.last_modified)


async def test_not_modified_on_a_first_poll_keeps_the_feed_new(
    server: FeedServer, harness: Harness
) -> None:
    async def bare_304(request: web.Request) -> web.StreamResponse:
        return web.Response(status=304)

    url = server.route("/never.xml", bare_304)
    await harness.add(FeedSpec("a", url, "A"))
    await harness.poll("a")
    server.document("/never.xml", rss([item(1)]))

    await harness.poll("a")  # the real first poll: marks seen, posts nothing

    assert await harness.queued() == []
    assert (await harness.status("a")).state is FeedState.OK


async def test_a_huge_http_reason_phrase_is_capped(server: FeedServer, harness: Harness) -> None:
    async def chatty(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500, reason="Overloaded " + "x" * 5000)

    await harness.add(FeedSpec("a", server.route("/chatty.xml", chatty), "A"))
    await harness.poll("a")
    status = await harness.status("a")
    assert status.state is FeedState.ERROR
    assert status.last_error is not None
    assert "HTTP 500 Overloaded x" in status.last_error
    assert len(status.last_error) < 200
