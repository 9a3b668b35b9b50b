"""A real arXiv listing polled from loopback becomes one published digest message a day.

The feeds file names a digest feed served by the loopback server with a real cs.SD+eess.AS
listing (rebuilt as arXiv RSS). The test polls, runs the daily digest step twice (as a
worker would, and again after a "restart"), and clicks "Show all" as a member.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import simcord

from bot.config import Config
from bot.feeds.digest import long_date
from bot.services import Services
from tests.e2e.conftest import DemoGuild, make_config
from tests.e2e.feeds.test_feeds import (  # noqa: F401 (fixtures)
    feed_server,
    feeds_of,
    maintained,
    published,
    simcord_bot,
)
from tests.unit.feeds.arxiv_listing import entries, listing_rss
from tests.unit.feeds.server import FeedServer

pytestmark = pytest.mark.e2e


class Listing:
    def __init__(self, server: FeedServer) -> None:
        self.items = entries("2025-06-23")[:0]
        self.dated = datetime.now(UTC) - timedelta(hours=1)
        self.url = server.document(
            "/rss/cs.SD+eess.AS", lambda: listing_rss(self.items, dated=self.dated)
        )


@pytest.fixture
def listing(feed_server: FeedServer) -> Listing:  # noqa: F811 (the imported fixture)
    return Listing(feed_server)


@pytest.fixture
def bot_config(tmp_path: Path, listing: Listing) -> Config:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        "feeds:\n"
        "  - id: arxiv-audio\n"
        "    title: arXiv audio\n"
        f"    url: {listing.url}\n"
        "    mode: digest\n"
        "    digest_hour: 0\n"
        "    highlight: [emotion]\n",
        encoding="utf-8",
    )
    return make_config(
        tmp_path, feeds_file=feeds, feeds_allowed_hosts=("127.0.0.1",), feeds_enabled=False
    )


async def test_a_day_of_arxiv_is_one_published_digest_with_show_all(
    simcord_env: simcord.Env,
    maintained: DemoGuild,  # noqa: F811
    services: Services,
    listing: Listing,
) -> None:
    poller = feeds_of(services).poller
    await poller.poll_all()  # first poll: an empty listing
    listing.items = entries("2025-06-23")
    await poller.poll_all()
    tomorrow = datetime.now(UTC) + timedelta(days=1)  # digest_hour 0: due at its midnight

    await poller.send_due_digests(tomorrow)
    await poller.send_due_digests(tomorrow)  # a re-run (or a restart) sends nothing more
    await simcord_env.advance_time(5)

    [message] = maintained.announcements.history()
    assert message.content == f"**arXiv audio, {long_date(tomorrow.date())}: 26 new papers**"
    assert published(message)
    [embed] = message.embeds
    assert embed.title == "Matching your keywords: 3"
    assert embed.description is not None
    assert "Explainable speech emotion recognition" in embed.description

    shown = await maintained.alice.click(message, label="Show all 26")

    simcord.assert_responded(shown, ephemeral=True)
    answers = ([shown.response] if shown.response else []) + list(shown.followups)
    pages = [e for m in answers for e in m.embeds]
    assert pages[0].title == f"arXiv audio, {long_date(tomorrow.date())}: 26 new papers"
    assert pages[0].footer.text == "Page 1 of 3"
    assert "⭐" in (pages[0].description or "")
