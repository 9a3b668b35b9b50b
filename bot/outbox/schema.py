"""Tables of the outbox (component ``outbox`` in ``schema_migrations``).

Times are stored as ISO-8601 UTC text with microseconds (``bot.outbox.records.to_text``),
one fixed format, so that text order is time order in SQL comparisons.
"""

from __future__ import annotations

from bot.storage import Migration

COMPONENT = "outbox"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "outbox items, publication window, blocked channels",
        """
        CREATE TABLE outbox_items (
            id               INTEGER PRIMARY KEY,  -- enqueue order, kept per channel
            key              TEXT    NOT NULL UNIQUE,
            channel_id       INTEGER NOT NULL,
            payload          TEXT    NOT NULL,     -- JSON, marker included: sent as stored
            publish          INTEGER NOT NULL DEFAULT 0,
            state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN (
                'pending', 'posting', 'posted', 'done', 'failed', 'expired', 'cancelled')),
            nonce            TEXT    NOT NULL,
            marker           TEXT    NOT NULL,
            not_before       TEXT,
            expires_at       TEXT,
            next_attempt_at  TEXT    NOT NULL,
            attempts         INTEGER NOT NULL DEFAULT 0,
            message_id       INTEGER,
            last_error       TEXT,
            created_at       TEXT    NOT NULL,
            first_attempt_at TEXT,
            posted_at        TEXT,
            published_at     TEXT,
            updated_at       TEXT    NOT NULL
        );
        CREATE INDEX outbox_items_active ON outbox_items (state, channel_id, id);
        -- One row per publication attempt that may have reached Discord: the sliding
        -- window of the per-channel publish budget survives restarts.
        CREATE TABLE outbox_publications (
            item_id    INTEGER PRIMARY KEY REFERENCES outbox_items (id) ON DELETE CASCADE,
            channel_id INTEGER NOT NULL,
            at         TEXT    NOT NULL
        );
        CREATE INDEX outbox_publications_window ON outbox_publications (channel_id, at);
        CREATE TABLE outbox_blocked_channels (
            channel_id INTEGER PRIMARY KEY,
            reason     TEXT    NOT NULL,
            blocked_at TEXT    NOT NULL
        );
        """,
    ),
)
