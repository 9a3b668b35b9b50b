"""Turn a fetched document into :class:`~bot.feeds.model.FeedItem` values with feedparser.

feedparser gets the bytes plus the response headers, so it decides the encoding from the
HTTP charset, the XML declaration and the BOM together, as the specs say. A *bozo* feed
(not well-formed) whose entries were still recovered is used, with the problem kept for
the log; a document with nothing that looks like a feed is a :class:`ParseError`.

Entity expansion ("billion laughs"): a document type with its own entity declarations is
dropped before parsing (feeds have no use for them; the entities then stay unexpanded and
the feed is bozo but usable). Expat's amplification limit would stop the attack too, but
only after seconds of work.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.feeds.html_text import html_to_text
from bot.feeds.model import FeedItem, ParsedFeed

# sy:updatePeriod in seconds (RSS syndication module).
_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 604800,
    "monthly": 2629800,
    "yearly": 31557600,
}
MAX_ITEMS = 500  # a feed with more entries than this is cut (newest first, usually)
_PROLOG_BYTES = 64 * 1024
# arXiv's RSS starts every description with this line; the embed shows the date already.
_ARXIV_PREFIX = re.compile(r"^arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)
_ARXIV_ANNOUNCE = re.compile(r"\bAnnounce Type:\s*([a-z-]+)", re.IGNORECASE)
# An arXiv id in a guid (oai:arXiv.org:2506.15754v1), a link (arxiv.org/abs/...) or the
# description ("arXiv:2506.15754v1"); new-style (2506.15754) or old-style (cs/0601001).
_ARXIV_ID = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|\barxiv:)"
    r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
# A comma between two authors, not one inside an affiliation in parentheses.
_AUTHOR_COMMA = re.compile(r",\s*(?![^()]*\))")
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.DOTALL | re.IGNORECASE)


class ParseError(Exception):
    """The document is not a feed (HTML page, empty body, garbage)."""


def parse_feed(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse ``body`` with feedparser; raise :class:`ParseError` when nothing usable is there."""
    body, dropped = _drop_entity_declarations(body)
    result = feedparser.parse(
        body,
        response_headers=dict(headers or {}),
        # Titles can carry markup (a script in an HTML title): the sanitiser removes it.
        sanitize_html=True,
        # Links inside summaries are dropped with the markup (html_to_text), so rewriting
        # them against the base would be wasted work. Entry links and ids are still
        # resolved: feedparser does that whatever this option says.
        resolve_relative_uris=False,
    )
    entries: list[Any] = list(result.get("entries") or [])
    version = str(result.get("version") or "")
    problem = _bozo_message(result) if result.get("bozo") else None
    if dropped:
        problem = "entity declarations in the document type were ignored" + (
            f"; {problem}" if problem else ""
        )
    if not entries and not version:
        raise ParseError(problem or "not an RSS or Atom feed")
    feed = result.get("feed") or {}
    items = tuple(
        item
        for position, entry in enumerate(entries[:MAX_ITEMS])
        if (item := entry_to_item(entry, position)) is not None
    )
    return ParsedFeed(
        title=str(feed.get("title") or "").strip(),
        items=items,
        problem=problem,
        min_interval_seconds=_min_interval(feed),
        version=version,
    )


def _drop_entity_declarations(body: bytes) -> tuple[bytes, bool]:
    match = _DOCTYPE_SUBSET.search(body, 0, _PROLOG_BYTES)
    if match is None or b"<!ENTITY" not in match.group(1).upper():
        return body, False
    return body[: match.start()] + body[match.end() :], True


def _bozo_message(result: Mapping[str, Any]) -> str:
    error = result.get("bozo_exception")
    name = type(error).__name__ if error is not None else "problem"
    return f"{name}: {error}"[:300]


def entry_to_item(entry: Mapping[str, Any], position: int) -> FeedItem | None:
    """The item of one feedparser entry, or ``None`` when it has no identity at all."""
    title = " ".join(str(entry.get("title") or "").split())
    link = _link(entry)
    published = _moment(entry.get("published_parsed")) or _moment(entry.get("updated_parsed"))
    guid = str(entry.get("id") or "").strip()
    summary_html = str(entry.get("summary") or "")
    if not summary_html and entry.get("content"):
        summary_html = str(entry["content"][0].get("value") or "")
    summary = html_to_text(summary_html)
    arxiv_id = arxiv_id_of(guid, link or "")
    if arxiv_id:
        # Every listing and every version of a paper answers to its id without version.
        primary = "arxiv:" + arxiv_id
    elif guid:
        primary = "id:" + guid
    elif link:
        primary = "link:" + link
    elif title:
        primary = "hash:" + _digest(title, published.isoformat() if published else "")
    else:
        return None
    keys = [primary]
    if guid and primary != "id:" + guid:
        keys.append("id:" + guid)
    if title and link:
        # Same article under a new id (feeds that regenerate ids on every request).
        fingerprint = "tl:" + _digest(title.casefold(), link)
        if fingerprint != primary:
            keys.append(fingerprint)
    authors = tuple(
        name
        for author in entry.get("authors") or ()
        if (name := " ".join(str(author.get("name") or "").split()))
    )
    if not authors and entry.get("author"):
        authors = (" ".join(str(entry["author"]).split()),)
    if arxiv_id and len(authors) == 1:
        # arXiv's dc:creator is one "A, B (Lab, City), C" string.
        authors = tuple(name.strip() for name in _AUTHOR_COMMA.split(authors[0]) if name.strip())
    return FeedItem(
        keys=tuple(keys),
        title=title or "(untitled)",
        link=link,
        authors=authors,
        published=published,
        summary=summary,
        position=position,
        announce_type=_announce_type(entry, summary) if arxiv_id else None,
        categories=_categories(entry),
    )


def arxiv_id_of(*texts: str) -> str | None:
    """The arXiv id without version in the first of ``texts`` that has one."""
    for value in texts:
        match = _ARXIV_ID.search(value)
        if match:
            return match.group(1)
    return None


def _announce_type(entry: Mapping[str, Any], summary: str) -> str | None:
    """``arxiv:announce_type`` of the entry, else the description's "Announce Type:" line."""
    value = str(entry.get("arxiv_announce_type") or "").strip().lower()
    if not value:
        match = _ARXIV_ANNOUNCE.search(summary[:300])
        value = match.group(1).lower() if match else ""
    return value or None


def _categories(entry: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        term[:100]
        for tag in (entry.get("tags") or ())[:20]
        if (term := " ".join(str(tag.get("term") or "").split()))
    )


def display_summary(item: FeedItem) -> str:
    """The summary as readers should see it: without arXiv's "Announce Type" line."""
    return _ARXIV_PREFIX.sub("", item.summary)


def _link(entry: Mapping[str, Any]) -> str | None:
    link = str(entry.get("link") or "").strip()
    if link.lower().startswith(("http://", "https://")):
        return link
    return None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time | tuple) or len(value) < 6:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(tuple(value)), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def _min_interval(feed: Mapping[str, Any]) -> float | None:
    """``ttl`` (minutes) or ``sy:updatePeriod`` / ``sy:updateFrequency`` as seconds."""
    floors: list[float] = []
    ttl = str(feed.get("ttl") or "").strip()
    if ttl.isdigit() and int(ttl) > 0:
        floors.append(int(ttl) * 60.0)
    period = str(feed.get("sy_updateperiod") or "").strip().lower()
    if period in _PERIODS:
        frequency = str(feed.get("sy_updatefrequency") or "1").strip()
        times = int(frequency) if frequency.isdigit() and int(frequency) > 0 else 1
        floors.append(_PERIODS[period] / times)
    return max(floors) if floors else None


def entry_key_hash(key: str) -> str:
    """A short stable hash of an entry key, for outbox keys (ids can be long URLs)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
