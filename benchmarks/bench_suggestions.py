"""Suggestion votes: a burst of clicks through SimCord (real discord.py), exact counts, edits

Members click 👍/👎 on suggestion messages; clicks are injected in concurrent waves, as
a busy server would send them. Reported: whether the final counts (database and message)
are exact, votes per second, how many message edits the debouncer let through, and the
vote-acknowledge latency from the click reaching the bot to the bot's answer.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
import simcord
from simcord import interactions
from simcord.backend import serializers

from bot.catalog.loader import load_catalog
from bot.config import Config
from bot.discord.client import create_bot
from bot.discord.suggestions.controller import ui_of
from bot.services import build_services
from bot.suggestions import Draft, Tally
from bot.suggestions.outcomes import Created

REPO_ROOT = Path(__file__).resolve().parent.parent
# Clicks in flight at once; the next wave is sent when the bot has answered this one.
WAVE = 50


def run(quick: bool) -> list[dict[str, Any]]:
    sizes = (200, 50, 5) if quick else (10_000, 2_000, 50)
    rounds, members = (5, 20) if quick else (20, WAVE)
    return [
        asyncio.run(_run(*sizes)),
        asyncio.run(_run_core(*sizes)),
        # For re-votes, `votes` is the number of rounds (one click per member each).
        asyncio.run(_run(rounds, members, 1, revote=True)),
    ]


async def _run_core(votes: int, members: int, suggestions: int) -> dict[str, Any]:
    """The same burst straight into the service (no Discord): the database's share."""
    from bot.clock import SystemClock
    from bot.storage import Database
    from bot.suggestions import SuggestionService, SuggestionSettings, SuggestionStore, Vote

    catalog = load_catalog(REPO_ROOT / "catalog")
    with tempfile.TemporaryDirectory() as folder:
        async with await Database.open(Path(folder) / "core.sqlite3") as db:
            service = SuggestionService(
                SuggestionStore(db), SystemClock(), lambda: catalog,
                SuggestionSettings(max_pending_per_user=votes, max_per_day_per_user=votes),
            )  # fmt: skip
            await service.setup()
            ids = []
            for n in range(suggestions):
                draft = Draft(f"Core {n}", f"https://core{n}.example/", "key-papers", "r" * 20)
                outcome = await service.submit(1, 1, draft, confirm_similar=True)
                assert isinstance(outcome, Created)
                ids.append(outcome.suggestion.id)
            plan, expected = _plan(range(2, members + 2), ids, votes)
            latencies: list[float] = []

            async def one(user: int, sid: int, action: str) -> None:
                began = time.perf_counter()
                await service.vote(1, sid, user, Vote.UP if action == "up" else Vote.DOWN)
                latencies.append((time.perf_counter() - began) * 1000)

            started = time.perf_counter()
            for start in range(0, len(plan), WAVE * 20):
                await asyncio.gather(*(one(*click) for click in plan[start : start + WAVE * 20]))
            elapsed = time.perf_counter() - started
            stored = {sid: await service.store.tally(sid) for sid in ids}
    latencies.sort()
    return {
        "run": "service only (no Discord)",
        "votes": len(plan),
        "members": members,
        "suggestions": suggestions,
        "answered": len(latencies),
        "exact_db": stored == expected,
        "exact_messages": None,
        "votes_per_s": len(plan) / elapsed,
        "message_edits": None,
        "ack_p50_ms": statistics.median(latencies),
        "ack_p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


def _plan(
    voters: Any, ids: list[int], votes: int
) -> tuple[list[tuple[int, int, str]], dict[int, Tally]]:
    """Each member votes on distinct suggestions, 70 % up; the exact expected tally."""
    rng = random.Random(5)
    voters = list(voters)
    per_member = max(1, votes // len(voters))
    plan: list[tuple[int, int, str]] = []
    for voter in voters:
        for sid in rng.sample(ids, min(per_member, len(ids))):
            plan.append((voter, sid, "up" if rng.random() < 0.7 else "down"))
    plan = plan[:votes]
    rng.shuffle(plan)
    expected: dict[int, Tally] = {sid: Tally() for sid in ids}
    for _user, sid, action in plan:
        t = expected[sid]
        expected[sid] = Tally(t.up + 1, t.down) if action == "up" else Tally(t.up, t.down + 1)
    return plan, expected


def _revote_plan(
    voters: list[int], sid: int, rounds: int
) -> tuple[list[list[tuple[int, int, str]]], dict[int, Tally]]:
    """Every member clicks the same suggestion in every round, all members at once.

    The case most likely to race: concurrent toggles on one row and one message. Each
    round holds one click per member, so a member's own clicks keep their order and the
    final tally is exact to predict: the same vote again removes it, the other replaces it.
    """
    rng = random.Random(11)
    current: dict[int, str | None] = dict.fromkeys(voters)
    waves = []
    for _ in range(rounds):
        wave = [(voter, sid, rng.choice(("up", "up", "down"))) for voter in voters]
        for voter, _sid, action in wave:
            current[voter] = None if current[voter] == action else action
        waves.append(wave)
    votes = list(current.values())
    return waves, {sid: Tally(votes.count("up"), votes.count("down"))}


async def _run(
    votes: int, members: int, suggestions: int, *, revote: bool = False
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        config = Config(
            database_path=Path(folder) / "bench.sqlite3",
            catalog_path=REPO_ROOT / "catalog",
            suggestions_edit_delay=1.0,
            suggestions_threads=False,
            suggestions_max_pending=10_000,
            suggestions_max_per_day=10_000,
            shutdown_grace=2.0,
        )
        catalog = load_catalog(config.catalog_path)
        services = await build_services(config, catalog=catalog)
        bot = create_bot(services, run_workers=False)
        env = simcord.Env(bot, settle_timeout=300)
        guild = env.create_guild("Bench")
        channel = guild.create_text_channel("suggestions")
        author = guild.add_member(env.create_user("author"))
        voters = [guild.add_member(env.create_user(f"m{n}")) for n in range(members)]
        services.config = services.config.with_overrides(suggestions_channel_id=channel.id)
        await env.start()
        try:
            return await _measure(
                env, services, guild, channel, author, voters, votes, suggestions, revote
            )
        finally:
            await env.shutdown()
            await bot.close()
            await services.close()


async def _measure(
    env: simcord.Env,
    services: Any,
    guild: simcord.GuildHandle,
    channel: simcord.ChannelHandle,
    author: simcord.MemberActor,
    voters: list[simcord.MemberActor],
    votes: int,
    count: int,
    revote: bool,
) -> dict[str, Any]:
    service = services.suggestions
    ui = ui_of(env.bot)
    bot_guild = env.bot.get_guild(guild.id)
    assert bot_guild is not None
    messages: dict[int, discord.Message] = {}
    for n in range(count):
        outcome = await service.submit(
            guild.id,
            author.id,
            Draft(f"Bench resource {n}", f"https://bench{n}.example/", "key-papers", "r" * 20),
            confirm_similar=True,
        )
        assert isinstance(outcome, Created)
        await ui.post(bot_guild, outcome.suggestion)
    await env.settle()
    for message in channel.history():
        footer = message.embeds[0].footer.text if message.embeds else ""
        if footer and footer.startswith("suggestion #"):
            messages[int(footer.removeprefix("suggestion #"))] = message

    ids = sorted(messages)
    if revote:
        waves, expected = _revote_plan([v.id for v in voters], ids[0], votes)
        ids = ids[:1]
        run = f"re-votes on one suggestion, {len(voters)} members at once"
    else:
        plan, expected = _plan((v.id for v in voters), ids, votes)
        waves = [plan[start : start + WAVE] for start in range(0, len(plan), WAVE)]
        run = f"through SimCord, waves of {WAVE}"
    clicks = sum(len(wave) for wave in waves)

    edits_before = _edits(env)
    emitted: dict[int, float] = {}
    answered: dict[int, float] = {}
    original_vote = ui.vote

    async def timed_vote(interaction: discord.Interaction[Any], sid: int, vote: Any) -> None:
        await original_vote(interaction, sid, vote)
        answered[interaction.id] = time.perf_counter()

    ui.vote = timed_vote  # type: ignore[method-assign]
    started = time.perf_counter()
    for wave in waves:
        sent = []
        for user_id, sid, action in wave:
            record = _emit_click(env, guild.id, messages[sid], user_id, f"sg:{action}:{sid}")
            emitted[record.id] = time.perf_counter()
            sent.append(record.id)
        # Let the bot answer this wave before the next one (debounced edits carry on in the
        # background, as they would in production).
        await _answered(answered, sent)
    elapsed = time.perf_counter() - started
    await env.settle()
    ui.vote = original_vote  # type: ignore[method-assign]
    await env.advance_time(services.config.suggestions_edit_delay + 1)
    await env.settle()

    stored = {sid: await service.store.tally(sid) for sid in ids}
    shown = {}
    for message in channel.history():
        footer = message.embeds[0].footer.text if message.embeds else ""
        if footer and footer.startswith("suggestion #"):
            field = next(f for f in message.embeds[0].fields if f.name == "Votes")
            shown[int(footer.removeprefix("suggestion #"))] = field.value
    exact_db = stored == expected
    exact_message = all(
        shown.get(sid) == f"👍 {tally.up} · 👎 {tally.down}" for sid, tally in expected.items()
    )
    latencies = sorted((answered[i] - emitted[i]) * 1000 for i in answered if i in emitted)
    return {
        "run": run,
        "votes": clicks,
        "members": len(voters),
        "suggestions": len(ids),
        "answered": len(answered),
        "exact_db": exact_db,
        "exact_messages": exact_message,
        "votes_per_s": clicks / elapsed,
        "message_edits": _edits(env) - edits_before,
        "ack_p50_ms": statistics.median(latencies) if latencies else None,
        "ack_p99_ms": latencies[int(len(latencies) * 0.99) - 1] if latencies else None,
    }


async def _answered(answered: dict[int, float], wanted: list[int], limit: float = 120.0) -> None:
    deadline = time.perf_counter() + limit
    while any(i not in answered for i in wanted):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{sum(i not in answered for i in wanted)} votes never answered")
        await asyncio.sleep(0.002)


def _emit_click(
    env: simcord.Env, guild_id: int, message: discord.Message, user_id: int, custom_id: str
) -> Any:
    backend = env.backend
    stored = backend.get_message(message.channel.id, message.id)
    record, payload = interactions.base_payload(
        backend,
        type=3,
        channel_id=message.channel.id,
        guild_id=guild_id,
        user_id=user_id,
        data={"custom_id": custom_id, "component_type": 2},
    )
    payload["message"] = dict(serializers.message_payload(backend, stored))
    record.source_message_id = stored.id
    backend.emit("INTERACTION_CREATE", payload)
    return record


def _edits(env: simcord.Env) -> int:
    return sum(1 for r in env.http_requests if r.method == "PATCH" and "/messages/" in r.path)
