"""``/feeds list`` and ``/feeds test`` as text lines (Discord Markdown, no discord import)."""

from __future__ import annotations

from datetime import datetime

from bot import markup
from bot.feeds.model import FeedItem, FeedState, FeedStatus
from bot.feeds.parse import display_summary
from bot.markup import defuse_mentions

STATE_MARKS = {
    FeedState.NEW: "🆕",
    FeedState.OK: "✅",
    FeedState.ERROR: "⚠️",
    FeedState.PAUSED: "⏸️",
    FeedState.DISABLED: "⛔",
    FeedState.REMOVED: "🗑️",
}


def stamp(moment: datetime | None, style: markup.TimestampStyle = "R") -> str:
    return "never" if moment is None else markup.timestamp(moment, style)


def status_lines(status: FeedStatus, channel: str) -> list[str]:
    """The block of one feed in ``/feeds list``: state, target, times, last error."""
    spec = status.spec
    state = status.state.value
    if not spec.enabled:
        state = "off (enabled: false in feeds.yaml)"
    head = (
        f"{STATE_MARKS[status.state]} **{markup.truncate(defuse_mentions(spec.title), 80)}** "
        f"`{spec.id}` → {channel} · {state}"
    )
    lines = [head]
    details = [f"last success {stamp(status.last_success)}"]
    if status.state in (FeedState.NEW, FeedState.OK, FeedState.ERROR) and spec.enabled:
        details.append(f"next poll {stamp(status.next_poll)}")
    if status.backlog:
        details.append("more items waiting")
    lines.append("  " + " · ".join(details))
    if status.last_error:
        since = f" (failing since {stamp(status.error_since)})" if status.error_since else ""
        error = markup.truncate(defuse_mentions(markup.one_line(status.last_error)), 200)
        lines.append(f"  last error: {error}{since}")
    if status.url != spec.url:
        lines.append(f"  moved to <{markup.truncate(status.url, 200)}>")
    return lines


def item_line(item: FeedItem) -> str:
    """One item of ``/feeds test``: linked title, date, authors, the start of the summary."""
    title = markup.truncate(defuse_mentions(markup.one_line(item.title)), 200)
    title = title.replace("[", "(").replace("]", ")")
    head = f"**[{title}]({item.link})**" if item.link else f"**{title}**"
    meta = []
    if item.published is not None:
        meta.append(stamp(item.published, "D"))
    if item.authors:
        meta.append(markup.truncate(defuse_mentions(", ".join(item.authors)), 120))
    lines = [head]
    if meta:
        lines.append(" · ".join(meta))
    summary = display_summary(item)
    if summary:
        lines.append(markup.truncate(defuse_mentions(markup.one_line(summary)), 250))
    return "\n".join(lines)
