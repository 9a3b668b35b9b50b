"""``db copy`` of the bot's real components (``bot.schemas``) from SQLite to PostgreSQL, with
rows in every table: a new table or a component without ``postgres_sql`` fails here."""

from __future__ import annotations

from pathlib import Path

from bot.schemas import components, known_schema_versions, lacking_postgres
from bot.storage import Storage, open_storage
from bot.storage.tables import MIGRATIONS_TABLE, read_tables
from bot.storage.transfer import copy_database, migrate_all, table_checksum

SNOWFLAKE = 1_100_000_000_000_000_000
AT = "2026-12-03T10:00:00.000000+00:00"

# One or more rows per table, written as the stores would (column names, not positions:
# columns added by later migrations keep their defaults).
ROWS: dict[str, list[tuple[str, tuple[object, ...]]]] = {
    "command_sync": [
        (
            "INSERT INTO command_sync (application_id, scope, tree_hash, synced_at)"
            " VALUES (?, ?, ?, ?)",
            (SNOWFLAKE, "global", "abc123", AT),
        )
    ],
    "outbox_items": [
        (
            "INSERT INTO outbox_items (id, key, channel_id, payload, publish, state, nonce,"
            " marker, next_attempt_at, attempts, message_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 1, 'done', ?, ?, ?, 1, ?, ?, ?)",
            (
                41,
                "feed:x:1",
                SNOWFLAKE + 1,
                '{"content": "hi"}',
                "n1",
                "ref 1",
                AT,
                SNOWFLAKE + 2,
                AT,
                AT,
            ),
        ),
        (
            "INSERT INTO outbox_items (id, key, channel_id, payload, nonce, marker,"
            " next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (42, "deadline:icassp", SNOWFLAKE + 1, "{}", "n2", "ref 2", AT, AT, AT),
        ),
    ],
    "outbox_publications": [
        (
            "INSERT INTO outbox_publications (item_id, channel_id, at) VALUES (?, ?, ?)",
            (41, SNOWFLAKE + 1, AT),
        )
    ],
    "outbox_blocked_channels": [
        (
            "INSERT INTO outbox_blocked_channels (channel_id, reason, blocked_at) VALUES (?, ?, ?)",
            (SNOWFLAKE + 3, "Missing Access", AT),
        )
    ],
    "suggestions": [
        (
            "INSERT INTO suggestions (id, guild_id, author_id, anonymous, title, url,"
            " normalized_url, section, reason, status, created_at, updated_at, channel_id,"
            " message_id) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, 'approved', ?, ?, ?, ?)",
            (
                7,
                SNOWFLAKE,
                SNOWFLAKE + 4,
                "WaveNet 🎧",
                "https://x.org/a",
                "x.org/a",
                "papers",
                "Because 'quotes' \"work\"",
                AT,
                AT,
                SNOWFLAKE + 5,
                SNOWFLAKE + 6,
            ),
        )
    ],
    "suggestion_votes": [
        (
            "INSERT INTO suggestion_votes (suggestion_id, user_id, value, voted_at)"
            " VALUES (?, ?, ?, ?)",
            (7, SNOWFLAKE + 7, -1, AT),
        )
    ],
    "suggestion_audit": [
        (
            "INSERT INTO suggestion_audit (id, guild_id, suggestion_id, actor_id, action,"
            " detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (3, SNOWFLAKE, 7, SNOWFLAKE + 4, "approved", "", AT),
        )
    ],
    "suggestion_blocklist": [
        (
            "INSERT INTO suggestion_blocklist (guild_id, user_id, reason, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (SNOWFLAKE, SNOWFLAKE + 8, "spam", SNOWFLAKE + 4, AT),
        )
    ],
    "deadline_reminder_state": [
        ("INSERT INTO deadline_reminder_state (id, planned_until) VALUES (1, ?)", (AT,))
    ],
    "deadline_sync_sources": [
        (
            "INSERT INTO deadline_sync_sources (url, etag, editions, failures, checked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            ("https://example.org/icassp.yml", '"e1"', '["icassp-2027"]', 2, AT),
        )
    ],
    "deadline_sync_editions": [
        (
            "INSERT INTO deadline_sync_editions (edition_id, series, source_url, data,"
            " updated_at) VALUES (?, ?, ?, ?, ?)",
            ("icassp-2027", "icassp", "https://example.org/icassp.yml", "{}", AT),
        )
    ],
    "deadline_sync_audit": [
        (
            "INSERT INTO deadline_sync_audit (id, at, edition_id, change, before, after,"
            " source_url) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (5, AT, "icassp-2027", "extended", "a", "b", "https://example.org/icassp.yml"),
        )
    ],
    "deadline_sync_disagreements": [
        (
            "INSERT INTO deadline_sync_disagreements (edition_id, kind, source, chosen, text)"
            " VALUES (?, ?, ?, ?, ?)",
            ("icassp-2027", "paper", "huggingface", "ccfddl 23 Sep", "huggingface 9 Sep"),
        )
    ],
    "feeds": [
        (
            "INSERT INTO feeds (id, source, spec, configured_url, url, state, failures,"
            " min_interval, updated_at) VALUES (?, 'catalog', ?, ?, ?, ?, ?, ?, ?)",
            ("arxiv", "{}", "https://arxiv.org/a", "https://arxiv.org/b", "ok", 0, 1.5, AT),
        )
    ],
    "feed_seen": [
        (
            "INSERT INTO feed_seen (group_id, entry_key, feed_id, seen_at, published)"
            " VALUES (?, ?, ?, ?, ?)",
            ("default", "arxiv:2612.00001", "arxiv", AT, AT),
        )
    ],
    "catalog_reloads": [
        (
            "INSERT INTO catalog_reloads (generation, version, requested_by, holder,"
            " reloaded_at) VALUES (?, ?, ?, ?, ?)",
            (7, "0a1b2c3d4e5f", "<@1100000000000000004> (/catalog reload)", "h:12:ab", AT),
        )
    ],
    "feed_groups": [("INSERT INTO feed_groups (id, seen_cutoff) VALUES (?, ?)", ("default", AT))],
    "feed_digest_items": [
        (
            "INSERT INTO feed_digest_items (group_id, entry_key, feed_id, found_at,"
            " highlighted, item, digest_id) VALUES (?, ?, ?, ?, 1, ?, ?)",
            ("default", "arxiv:2612.00001", "arxiv", AT, "{}", "default:2026-12-03"),
        )
    ],
    "feed_digests": [
        (
            "INSERT INTO feed_digests (id, group_id, day, title, total, sent_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ("default:2026-12-03", "default", "2026-12-03", "arXiv audio", 41, AT),
        )
    ],
}


async def filled_sqlite(path: Path) -> Storage:
    db = await open_storage(f"sqlite:///{path}", known_versions=known_schema_versions())
    await migrate_all(db, components())
    tables = set(await read_tables(db)) - {MIGRATIONS_TABLE}
    assert tables == set(ROWS), (
        "give every table of the real schema a row in ROWS: "
        f"missing {sorted(tables - set(ROWS))}, gone {sorted(set(ROWS) - tables)}"
    )
    async with db.transaction():
        for rows in ROWS.values():
            for sql, params in rows:
                await db.execute(sql, params)
    return db


async def test_the_real_rows_fill_every_table_on_sqlite(tmp_path: Path) -> None:
    """The fixture rows fit today's schema (so the copy test below checks every table)."""
    db = await filled_sqlite(tmp_path / "bot.sqlite3")
    try:
        for table in (await read_tables(db)).values():
            assert (await table_checksum(db, table))[0] > 0, table.name
    finally:
        await db.close()


async def test_the_real_components_copy_from_sqlite_to_postgres(
    tmp_path: Path, pg_url: str
) -> None:
    assert lacking_postgres() == []
    src = await filled_sqlite(tmp_path / "bot.sqlite3")
    dst = await open_storage(pg_url, known_versions=known_schema_versions())
    try:
        report = await copy_database(src, dst, components())
        assert report.same, [check for check in report.tables if not check.same]
        assert {check.table for check in report.tables} == set(ROWS) | {MIGRATIONS_TABLE}
        assert all(check.target_rows > 0 for check in report.tables)
        assert report.versions == known_schema_versions()
    finally:
        await src.close()
        await dst.close()
