"""``/catalog reload``: catalog changes apply without a restart, and a broken catalog never does."""

from __future__ import annotations

import shutil
from pathlib import Path

import discord
import pytest
import simcord

from bot.config import Config
from bot.demo.world import PartnerWorld
from bot.services import Services
from bot.suggestions.export import append_to_catalog, plan_export
from bot.suggestions.model import Status
from tests.e2e.conftest import DemoGuild, make_config
from tests.shared_data import REPO_ROOT

pytestmark = pytest.mark.e2e

TITLE = "Birdsong Synthesis with Tiny Diffusion Models"
URL = "https://example.org/papers/birdsong-tiny-diffusion"
REASON = "A short, readable paper on generating bird song that students can reproduce."


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(REPO_ROOT / "catalog", copy)
    return copy


@pytest.fixture
def bot_config(tmp_path: Path, catalog_copy: Path) -> Config:
    """The bot serves the copy, which the tests edit as a maintainer edits catalog/."""
    return make_config(tmp_path, catalog_path=catalog_copy, suggestions_edit_delay=0.01)


@pytest.fixture
async def maintained(
    services: Services, demo: DemoGuild, simcord_env: simcord.Env
) -> tuple[DemoGuild, simcord.ChannelHandle]:
    """The demo server with maintainer role, suggestion channels and a log channel set."""
    log_channel = demo.guild.create_text_channel("bot-log")
    await simcord_env.settle()
    services.config = services.config.with_overrides(
        suggestions_channel_id=demo.suggestions.id,
        announcements_channel_id=demo.announcements.id,
        log_channel_id=log_channel.id,
        maintainer_role_ids=(demo.maintainers.id,),
    )
    return demo, log_channel


def shown(result: simcord.InteractionResult) -> str:
    """Everything the member sees in the answer: content, embed titles and descriptions."""
    messages = [m for m in [result.response, *result.followups] if m is not None]
    parts: list[str] = []
    for message in messages:
        parts.append(message.content or "")
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{field.name}: {field.value}" for field in embed.fields]
    return "\n".join(part for part in parts if part)


async def reload_as(member: simcord.MemberActor, channel: simcord.ChannelHandle) -> str:
    result = await member.slash(channel, "catalog reload")
    simcord.assert_responded(result, ephemeral=True)
    return shown(result)


async def first_title(
    member: simcord.MemberActor, channel: simcord.ChannelHandle, query: str
) -> str:
    result = await member.slash(channel, "resource", query=query)
    assert result.response is not None, result
    return result.response.embeds[0].title or ""


async def approve_a_suggestion(demo: DemoGuild) -> None:
    form = await demo.alice.slash(demo.general, "suggest", section="key-papers")
    assert form.modal is not None, form
    await demo.alice.submit_modal(form, {"title": TITLE, "url": URL, "reason": REASON})
    (message,) = [m for m in demo.suggestions.history() if m.embeds]
    approved = await demo.carol.click(message, label="Approve")
    assert "Approved suggestion #1" in shown(approved)


async def test_an_exported_suggestion_is_found_after_a_reload(
    maintained: tuple[DemoGuild, simcord.ChannelHandle],
    services: Services,
    catalog_copy: Path,
    simcord_env: simcord.Env,
) -> None:
    demo, log_channel = maintained
    await approve_a_suggestion(demo)
    assert services.suggestions is not None
    # What `ml-audio-bot suggestions export --write` does to the maintainer's catalog/.
    plan = plan_export(await services.suggestions.exportable(), services.catalog)
    (exported,) = append_to_catalog(plan, catalog_copy)
    assert await first_title(demo.alice, demo.general, TITLE) != TITLE  # not served yet
    version_before = services.catalog_info.version

    answer = await reload_as(demo.carol, demo.general)

    assert answer.startswith("Catalog reloaded."), answer
    assert "Entries: 1 added, 0 removed, 0 changed" in answer
    assert exported.entry_id in answer
    assert f"Suggestion #1 is now {exported.entry_id}: marked merged." in answer
    assert await first_title(demo.alice, demo.general, TITLE) == TITLE
    choices = await demo.alice.autocomplete(demo.general, "resource", "query", "birdsong tiny")
    assert exported.entry_id in [choice["value"] for choice in choices]
    merged = await services.suggestions.get(1)
    assert merged is not None
    assert merged.status is Status.MERGED
    # /about names the catalog now served and when it was loaded.
    about = shown(await demo.alice.slash(demo.general, "about"))
    version_after = services.catalog_info.version
    assert version_after is not None
    assert version_after != version_before
    assert f"version {version_after}" in about
    loaded_at = services.catalog_info.loaded_at
    assert loaded_at is not None
    assert f"loaded {discord.utils.format_dt(loaded_at, 'f')}" in about
    # The log channel hears of it too, naming who asked.
    await simcord_env.settle()
    (notice,) = [m.content for m in log_channel.history()]
    assert notice.startswith(f"Catalog reload requested by {demo.carol.mention}")
    assert "Entries: 1 added" in notice


async def test_a_broken_catalog_is_not_loaded_and_the_old_one_keeps_answering(
    maintained: tuple[DemoGuild, simcord.ChannelHandle],
    services: Services,
    catalog_copy: Path,
    simcord_env: simcord.Env,
) -> None:
    demo, log_channel = maintained
    served = services.snapshot
    papers = catalog_copy / "entries" / "key-papers.yaml"
    lines = papers.read_text(encoding="utf-8").splitlines()
    assert lines[6] == "    kind: paper"
    lines[6] = "    kind: papyrus"
    lines.append("  - id: wavenet")  # and a duplicate id, at the last line
    papers.write_text("\n".join(lines) + "\n", encoding="utf-8")

    answer = await reload_as(demo.carol, demo.general)

    assert answer.startswith("Catalog not reloaded\nThe catalog was not reloaded"), answer
    assert "catalog/entries/key-papers.yaml:7: unknown kind 'papyrus'" in answer
    assert f"catalog/entries/key-papers.yaml:{len(lines)}:" in answer
    assert services.snapshot is served
    assert (await first_title(demo.alice, demo.general, "wavenet")).startswith("WaveNet")
    await simcord_env.settle()
    (notice,) = [m.content for m in log_channel.history()]
    assert "key-papers.yaml:7" in notice


async def test_members_and_other_servers_admins_cannot_reload(
    maintained: tuple[DemoGuild, simcord.ChannelHandle],
    services: Services,
    catalog_copy: Path,
    partner: PartnerWorld,
) -> None:
    demo, _log = maintained
    services.config = services.config.with_overrides(home_guild_id=demo.guild.id)
    served = services.snapshot
    shutil.rmtree(catalog_copy / "deadlines")  # a change a reload would pick up

    member = await reload_as(demo.bob, demo.general)
    admin = await reload_as(partner.admin, partner.general)

    assert member.startswith("Only maintainers can reload the catalog"), member
    assert admin.startswith("You can reload the catalog only in the bot's home server"), admin
    assert services.snapshot is served


async def test_reloaded_feeds_are_listed_and_removed_ones_are_gone(
    maintained: tuple[DemoGuild, simcord.ChannelHandle],
    services: Services,
    catalog_copy: Path,
) -> None:
    demo, _log = maintained
    feeds = catalog_copy / "feeds.yaml"
    feeds.write_text(
        feeds.read_text(encoding="utf-8").replace("id: arxiv-audio", "id: arxiv-sound", 1),
        encoding="utf-8",
    )

    answer = await reload_as(demo.carol, demo.general)

    assert "Feeds: 1 added, 1 removed" in answer, answer
    listed = shown(await demo.carol.slash(demo.general, "feeds list"))
    assert "arxiv-sound" in listed
    assert "arxiv-audio" not in listed


async def test_reloaded_deadlines_answer_at_once(
    maintained: tuple[DemoGuild, simcord.ChannelHandle],
    services: Services,
    catalog_copy: Path,
) -> None:
    demo, _log = maintained
    before = await demo.alice.slash(demo.general, "deadline", conference="dafx")
    assert before.response is not None
    assert "DAFx" in (before.response.embeds[0].title or "")
    editions = sum(len(s.editions) for s in services.deadlines.series)
    dafx = services.deadlines.get("dafx")
    assert dafx is not None
    (catalog_copy / "deadlines" / "dafx.yaml").unlink()

    answer = await reload_as(demo.carol, demo.general)

    assert f"Deadline editions: {editions} → {editions - len(dafx.editions)}" in answer, answer
    after = await demo.alice.slash(demo.general, "deadline", conference="dafx")
    simcord.assert_responded(after, ephemeral=True)
    assert not (after.response and after.response.embeds)
