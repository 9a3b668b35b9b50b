"""Real arXiv cs.SD+eess.AS daily listings, rebuilt as the RSS documents arXiv publishes.

``../shared/data/feeds/real/arxiv-cs.SD-eess.AS-filtered/`` keeps two real listings only as
feedparser-normalised JSON. :func:`listing_rss` writes them back in arXiv's item format
(rss.arxiv.org): ``<guid>oai:arXiv.org:ID</guid>``, ``<arxiv:announce_type>``,
``<dc:creator>``, ``<dc:rights>`` and the description "arXiv:ID Announce Type: TYPE
\\nAbstract: ...", which the JSON summaries carry verbatim. The announce type element is
taken from that description line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from tests.shared_data import shared_path

FOLDER = "arxiv-cs.SD-eess.AS-filtered"
DAYS = ("2025-06-23", "2025-08-07")
_TYPE = re.compile(r"^arXiv:(\S+) Announce Type: (\S+)")


@dataclass(frozen=True)
class ArxivEntry:
    raw: dict[str, Any]
    versioned_id: str  # 2506.15754v1
    announce_type: str

    @property
    def arxiv_id(self) -> str:
        return self.versioned_id.rsplit("v", 1)[0]


def entries(day: str) -> list[ArxivEntry]:
    """The entries of the real listing of ``day`` (one of ``DAYS``), in listing order."""
    path = shared_path("feeds", "real", FOLDER, f"rss_cache_cs.SD+eess.AS_{day}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for raw in data["https://rss.arxiv.org/rss/cs.SD+eess.AS"]["entries"]:
        match = _TYPE.match(raw["summary"])
        assert match is not None, raw["id"]
        found.append(ArxivEntry(raw, match.group(1), match.group(2)))
    return found


def listing_rss(
    items: list[ArxivEntry],
    *,
    title: str = "cs.SD, eess.AS updates on arXiv.org",
    category: str = "cs.SD",
    dated: datetime | None = None,
) -> bytes:
    """An RSS 2.0 document as rss.arxiv.org publishes it; ``dated`` re-dates every item."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">',
        "<channel>",
        f"<title>{escape(title)}</title>",
        "<link>http://rss.arxiv.org/rss/cs.SD+eess.AS</link>",
        f"<description>{escape(title)}</description>",
        "<docs>http://www.rssboard.org/rss-specification</docs>",
        "<language>en-us</language>",
        "<managingEditor>rss-help@arxiv.org</managingEditor>",
        "<skipDays><day>Saturday</day><day>Sunday</day></skipDays>",
    ]
    for entry in items:
        raw = entry.raw
        date = format_datetime(dated) if dated is not None else raw["published"]
        parts += [
            "<item>",
            f"<title>{escape(raw['title'])}</title>",
            f"<link>{escape(raw['link'])}</link>",
            f"<description>{escape(raw['summary'])}</description>",
            f'<guid isPermaLink="false">{escape(raw["id"])}</guid>',
            f"<category>{category}</category>",
            f"<pubDate>{date}</pubDate>",
            f"<arxiv:announce_type>{entry.announce_type}</arxiv:announce_type>",
            "<dc:rights>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</dc:rights>",
            f"<dc:creator>{escape(raw['author'])}</dc:creator>",
            "</item>",
        ]
    parts += ["</channel>", "</rss>"]
    return "\n".join(parts).encode("utf-8")
