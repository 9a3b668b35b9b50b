"""The suggestions' tables (component ``suggestions`` in ``schema_migrations``)."""

from __future__ import annotations

from bot.storage import Migration

COMPONENT = "suggestions"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "suggestions, votes and the audit log",
        """
        CREATE TABLE suggestions (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id       INTEGER NOT NULL,
            author_id      INTEGER NOT NULL,
            anonymous      INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
            title          TEXT    NOT NULL,
            url            TEXT    NOT NULL,
            normalized_url TEXT    NOT NULL,
            section        TEXT    NOT NULL,
            reason         TEXT    NOT NULL,
            status         TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN
                ('pending', 'approved', 'rejected', 'duplicate', 'withdrawn', 'merged')),
            decided_by     INTEGER,
            decided_at     TEXT,
            decision_note  TEXT,
            created_at     TEXT    NOT NULL,
            updated_at     TEXT    NOT NULL
        );
        CREATE INDEX suggestions_by_status ON suggestions (guild_id, status, id);
        CREATE INDEX suggestions_by_author ON suggestions (guild_id, author_id, created_at);
        CREATE TABLE suggestion_votes (
            suggestion_id INTEGER NOT NULL REFERENCES suggestions (id) ON DELETE CASCADE,
            user_id       INTEGER NOT NULL,
            value         INTEGER NOT NULL CHECK (value IN (1, -1)),
            voted_at      TEXT    NOT NULL,
            PRIMARY KEY (suggestion_id, user_id)
        ) WITHOUT ROWID;
        CREATE TABLE suggestion_audit (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id      INTEGER NOT NULL,
            suggestion_id INTEGER REFERENCES suggestions (id),
            actor_id      INTEGER NOT NULL,
            action        TEXT    NOT NULL,
            detail        TEXT    NOT NULL DEFAULT '',
            at            TEXT    NOT NULL
        );
        CREATE INDEX suggestion_audit_by_suggestion ON suggestion_audit (suggestion_id, id);
        """,
    ),
    Migration(
        2,
        "where each suggestion is posted (message and discussion thread)",
        """
        ALTER TABLE suggestions ADD COLUMN channel_id INTEGER;
        ALTER TABLE suggestions ADD COLUMN message_id INTEGER;
        ALTER TABLE suggestions ADD COLUMN thread_id INTEGER;
        """,
    ),
    Migration(
        3,
        "entry kind, one open suggestion per URL, maintainers' blocklist",
        """
        ALTER TABLE suggestions ADD COLUMN kind TEXT NOT NULL DEFAULT 'reference';
        CREATE UNIQUE INDEX suggestions_open_url
            ON suggestions (guild_id, normalized_url) WHERE status IN ('pending', 'approved');
        CREATE TABLE suggestion_blocklist (
            guild_id INTEGER NOT NULL,
            user_id  INTEGER NOT NULL,
            reason   TEXT    NOT NULL DEFAULT '',
            added_by INTEGER NOT NULL,
            added_at TEXT    NOT NULL,
            PRIMARY KEY (guild_id, user_id)
        );
        """,
    ),
    Migration(
        4,
        "when the author last edited, and messages deleted by a moderator",
        """
        ALTER TABLE suggestions ADD COLUMN edited_at TEXT;
        ALTER TABLE suggestions ADD COLUMN message_deleted_at TEXT;
        UPDATE suggestions SET edited_at = (
            SELECT MAX(a.at) FROM suggestion_audit a
            WHERE a.suggestion_id = suggestions.id AND a.action = 'edited'
        );
        """,
    ),
)
