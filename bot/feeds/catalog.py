"""Read ``catalog/feeds.yaml``: the feeds the bot ships with, checked with ``file:line``.

    feeds:
      - id: arxiv-cs-sd
        title: arXiv cs.SD (Sound)
        url: https://rss.arxiv.org/rss/cs.SD
        channel: announcements      # a channel key of the config: <key>_channel_id
        include: [audio, speech]    # optional: announce only items naming one of these
        exclude: [withdrawn]        # optional: never items naming one of these
        max_posts: 5                # optional: per poll cycle, oldest first
        interval_minutes: 60        # optional: poll at most this often
        enabled: true               # optional
        group: arxiv-audio          # optional: feeds of a group announce an item once
        mode: digest                # optional: digest (default for arXiv) or items
        digest_hour: 6              # optional: the digest's hour of the day, UTC
        highlight: [separation]     # optional: items naming one come first in the digest
        announce: [new, cross]      # optional: arXiv announce types (default new, cross)

The YAML reading (line numbers, duplicate keys, no aliases) is ``bot.datafile``'s.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.datafile.fields import FieldReader, TextLimit
from bot.datafile.problems import FeedsFileError, Problem
from bot.datafile.yaml_reader import YamlMap, YamlScalar, describe, read_yaml
from bot.feeds.model import (
    ANNOUNCE_TYPES,
    DEFAULT_ANNOUNCE,
    DEFAULT_DIGEST_HOUR,
    DEFAULT_GROUP,
    FeedMode,
    FeedSpec,
)

FEEDS_FILE = "feeds.yaml"
FEED_KEYS = (
    "id",
    "title",
    "url",
    "channel",
    "include",
    "exclude",
    "max_posts",
    "interval_minutes",
    "enabled",
    "publish",
    "resource",
    "group",
    "mode",
    "digest_hour",
    "highlight",
    "announce",
)
#: Hosts of arXiv's listings: high-volume feeds whose default mode is the daily digest.
ARXIV_HOSTS = ("rss.arxiv.org", "export.arxiv.org", "arxiv.org")
#: Channel keys a feed may name; each is the ``<key>_channel_id`` setting of the config.
CHANNEL_KEYS = ("announcements", "log", "suggestions")
TITLE = TextLimit(100, "title limit")
KEYWORD = TextLimit(100, "keyword limit")
MAX_POSTS_LIMIT = 25
DEFAULT_MAX_POSTS = 5


@dataclass(frozen=True, slots=True)
class FeedCatalog:
    feeds: tuple[FeedSpec, ...]
    problems: tuple[Problem, ...]

    def raise_for_problems(self) -> None:
        if self.problems:
            raise FeedsFileError(self.problems)


def feeds_file(catalog_dir: Path) -> Path:
    return catalog_dir / FEEDS_FILE


def load_feeds(path: Path, known_resources: Collection[str] | None = None) -> FeedCatalog:
    """The feeds of ``path`` (a missing file means no feeds) and every problem found."""
    if not path.exists():
        return FeedCatalog((), ())
    root, problems = read_yaml(path, "write 'feeds:' followed by a list of feeds")
    if root is None:
        return FeedCatalog((), tuple(problems))
    file = str(path)
    if not isinstance(root, YamlMap):
        problems.append(Problem(file, root.line, "expected a mapping with 'feeds:'"))
        return FeedCatalog((), tuple(problems))
    top = FieldReader(file, root, FEEDS_FILE, problems, allowed=("feeds",), required=("feeds",))
    feeds: list[FeedSpec] = []
    first_line: dict[str, int] = {}
    for number, node in enumerate(top.items("feeds"), start=1):
        if not isinstance(node, YamlMap):
            problems.append(
                Problem(file, node.line, f"feed {number} must be a mapping, found {describe(node)}")
            )
            continue
        spec = _read_feed(file, node, number, problems, known_resources)
        if spec is None:
            continue
        if spec.id in first_line:
            problems.append(
                Problem(
                    file,
                    node.line,
                    f"feed id '{spec.id}' is used twice (first at line {first_line[spec.id]})",
                    "give each feed its own id",
                )
            )
            continue
        first_line[spec.id] = node.line
        feeds.append(spec)
    return FeedCatalog(tuple(feeds), tuple(problems))


def _read_feed(
    file: str,
    node: YamlMap,
    number: int,
    problems: list[Problem],
    known_resources: Collection[str] | None,
) -> FeedSpec | None:
    before = len(problems)
    id_field = node.fields.get("id")
    raw_id = id_field.value.value if id_field and isinstance(id_field.value, YamlScalar) else None
    shown_id = raw_id if isinstance(raw_id, str) else f"number {number}"
    reader = FieldReader(
        file,
        node,
        f"feed '{shown_id}'",
        problems,
        allowed=FEED_KEYS,
        required=("id", "title", "url"),
    )
    feed_id = reader.slug("id")
    title = reader.text("title", TITLE)
    url = reader.url("url")
    channel = reader.choice("channel", CHANNEL_KEYS) if reader.field("channel") else None
    include = reader.text_list("include", KEYWORD, unique=True)
    exclude = reader.text_list("exclude", KEYWORD, unique=True)
    max_posts = reader.integer("max_posts", 1, MAX_POSTS_LIMIT, example=5)
    interval = reader.integer("interval_minutes", 5, 7 * 24 * 60, example=60)
    enabled = reader.flag("enabled")
    # ``publish`` is still read so that older files load, but no longer decides anything:
    # every post in an announcement channel is published.
    reader.flag("publish")
    resource = reader.slug("resource")
    group = reader.slug("group")
    mode = reader.choice("mode", [m.value for m in FeedMode])
    digest_hour = reader.integer("digest_hour", 0, 23, example=DEFAULT_DIGEST_HOUR)
    highlight = reader.text_list("highlight", KEYWORD, unique=True)
    announce = _announce_types(reader)
    if resource is not None and known_resources is not None and resource not in known_resources:
        reader.problem(
            reader.line("resource"),
            f"resource '{resource}' of feed '{shown_id}' is not a catalog entry id",
            "use the id of an entry in catalog/entries, or remove the key",
        )
    if len(problems) > before or feed_id is None or title is None or url is None:
        return None
    return FeedSpec(
        id=feed_id,
        url=url,
        title=title,
        channel=channel or "announcements",
        include=include,
        exclude=exclude,
        max_posts=max_posts or DEFAULT_MAX_POSTS,
        enabled=True if enabled is None else enabled,
        interval_minutes=interval,
        resource=resource,
        group=group or DEFAULT_GROUP,
        mode=FeedMode(mode) if mode else default_mode(url),
        digest_hour=DEFAULT_DIGEST_HOUR if digest_hour is None else digest_hour,
        highlight=highlight,
        announce=announce,
    )


def default_mode(url: str) -> FeedMode:
    """arXiv listings (dozens of papers a day) default to the digest; other feeds to items."""
    host = (urlsplit(url).hostname or "").lower()
    return FeedMode.DIGEST if host in ARXIV_HOSTS else FeedMode.ITEMS


def _announce_types(reader: FieldReader) -> tuple[str, ...]:
    if reader.field("announce") is None:
        return DEFAULT_ANNOUNCE
    chosen = reader.slug_list("announce")
    for value in chosen:
        if value not in ANNOUNCE_TYPES:
            reader.problem(
                reader.line("announce"),
                f"unknown announce type '{value}' of {reader.what}",
                "use some of: " + ", ".join(ANNOUNCE_TYPES),
            )
    if not chosen:
        reader.problem(
            reader.line("announce"),
            f"announce of {reader.what} is empty: nothing would ever be announced",
            "list at least one of: " + ", ".join(ANNOUNCE_TYPES),
        )
    return chosen


__all__ = ["CHANNEL_KEYS", "FeedCatalog", "feeds_file", "load_feeds"]
