"""Demo scene of the feeds: a new arXiv item announced in #announcements and published once.

The demo never touches the internet: the scene serves an arXiv-style RSS listing from a
small HTTP server on 127.0.0.1 and polls it with the real poller, fetcher and outbox. The
SSRF guard allows 127.0.0.1 for this scene's poller only; the scene ends with a maintainer's
``/feeds test`` of an address inside the network, which the bot refuses.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from aiohttp import web

from bot.demo.session import DemoContext, DemoScene, show_outbox_posts
from bot.discord.sender import DiscordClock, DiscordSender
from bot.feeds.wiring import build_feeds
from bot.outbox import Outbox, OutboxWorker

FEED_ID = "arxiv-cs-sd-demo"
METADATA_URL = "http://169.254.169.254/latest/meta-data/"
# Made-up listings in arXiv's RSS shape (ids, links, authors, abstracts).
PAPERS = (
    ("2601.00011", "A Small Benchmark for Bird Sound Event Detection", "R. Okafor, L. Berg",
     "We release 40 hours of annotated field recordings and baselines for bird sound event "
     "detection."),
    ("2601.00012", "Pitch-Robust Speech Enhancement with Diffusion Priors", "M. Rossi, J. Tan",
     "A diffusion prior over clean speech that stays stable under large pitch shifts."),
    ("2601.00042", "Tiny Neural Codecs for Hearing Aids", "A. Lindqvist, P. Sharma, K. Ito",
     "<p>We train neural audio codecs under 100k parameters that run on hearing-aid "
     "hardware at 16 kHz with 5 ms latency, and compare them with Opus at 6 kbps.</p>"),
)  # fmt: skip


def _listing(papers: tuple[tuple[str, str, str, str], ...], now: datetime) -> bytes:
    items = []
    for age, (number, title, authors, abstract) in enumerate(reversed(papers)):
        items.append(
            "<item>"
            f"<title>{escape(title)}</title>"
            f"<link>https://arxiv.org/abs/{number}</link>"
            f"<description>{escape('arXiv:' + number + 'v1 Announce Type: new Abstract: ')}"
            f"{escape(abstract)}</description>"
            f'<guid isPermaLink="false">oai:arXiv.org:{number}v1</guid>'
            f"<dc:creator>{escape(authors)}</dc:creator>"
            f"<pubDate>{format_datetime(now - timedelta(hours=age))}</pubDate>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>cs.SD updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.SD</link>"
        "<description>cs.SD updates</description><ttl>60</ttl>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


@contextlib.asynccontextmanager
async def _arxiv_server(document: dict[str, bytes]) -> AsyncIterator[str]:
    async def listing(request: web.Request) -> web.Response:
        body = document["body"]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=body, content_type="application/rss+xml", charset="utf-8", headers={"ETag": etag}
        )

    app = web.Application()
    app.router.add_get("/rss/cs.SD", listing)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/rss/cs.SD"
    finally:
        await runner.cleanup()


async def arxiv_item_announced(context: DemoContext) -> None:
    world, transcript = context.world, context.transcript
    clock = DiscordClock()
    document = {"body": _listing(PAPERS[:2], clock.now())}
    async with _arxiv_server(document) as url:
        with tempfile.TemporaryDirectory() as folder:
            feeds_file = Path(folder) / "feeds.yaml"
            feeds_file.write_text(
                f"feeds:\n  - id: {FEED_ID}\n    title: arXiv cs.SD\n    url: {url}\n",
                encoding="utf-8",
            )
            config = context.services.config.with_overrides(
                feeds_file=feeds_file, feeds_allowed_hosts=("127.0.0.1",), feeds_enabled=False
            )
            outbox = context.services.outbox or Outbox(context.services.database, clock)
            await outbox.setup()
            # The bot delivers its outbox itself once it runs an outbox worker; otherwise
            # the scene runs one, so the announcement is really posted and published.
            delivering = getattr(context.bot, "_outbox_worker", None) is not None
            worker = None if delivering else OutboxWorker(outbox, DiscordSender(context.bot), clock)
            area = await build_feeds(
                config, context.services.database, clock, outbox=lambda: outbox
            )
            if worker is not None:
                await worker.start()
            try:
                transcript.note(
                    "an arXiv-style cs.SD listing is served by a small local server for the "
                    "demo; the bot polls it like https://rss.arxiv.org/rss/cs.SD"
                )
                first = await area.poller.poll_all()
                transcript.line()
                transcript.line(f"   first poll: {first[0].line()}")
                transcript.note(
                    f"{first[0].marked_seen} items were already listed: they count as seen, "
                    "nothing is posted for them"
                )
                document["body"] = _listing(PAPERS, clock.now())
                transcript.line()
                transcript.line("… a new paper appears in the listing …")
                second = await area.poller.poll_all()
                transcript.line(f"   next poll: {second[0].line()}")
                await context.env.advance_time(3)
                third = await area.poller.poll_all()
                transcript.line(f"   and the poll after: {third[0].line()}")
                await context.env.advance_time(3)
            finally:
                if worker is not None:
                    await worker.stop()
                await area.fetcher.close()
            await show_outbox_posts(context, world.announcements, "feed:", "new paper")
    # A feed URL pointing inside the network (here: the cloud metadata address) is refused.
    await context.slash(world.maintainer, world.general, "feeds test", url=METADATA_URL)


SCENES = (DemoScene("feed-arxiv", "A new arXiv paper, announced once", arxiv_item_announced),)
