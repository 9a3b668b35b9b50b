"""``/section`` paging and ``/sections``, over a made-up catalog whose size the tests know."""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.catalog.model import Catalog, Entry, Section
from bot.discord.format import ENTRIES_PER_PAGE
from bot.discord.paging import DEFAULT_TIMEOUT
from bot.search import SearchIndex
from tests.e2e.conftest import DemoGuild

pytestmark = pytest.mark.e2e

BIG = 3 * ENTRIES_PER_PAGE + 2  # four pages, the last one short


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    sections = (
        Section("datasets", "Datasets", 0, blurb="Collections of audio."),
        Section("speech", "Speech", 1, parent="datasets"),
        Section("papers", "Key Papers", 2),
        Section("empty", "Nothing Yet", 3),
    )
    entries = [
        Entry(f"set-{i:02d}", f"Dataset number {i:02d}", "datasets", "dataset", f"About set {i}.")
        for i in range(BIG - 2)
    ]
    entries += [
        Entry(f"speech-{i}", f"Speech corpus {i}", "speech", "dataset", "Spoken words.")
        for i in range(2)
    ]
    entries.append(
        Entry(
            "wavenet",
            "WaveNet",
            "papers",
            "paper",
            "A model.",
            url="https://arxiv.org/abs/1609.03499",
        )
    )
    return Catalog(sections=sections, entries=tuple(entries))


@pytest.fixture(scope="module")
def search_index(catalog: Catalog) -> SearchIndex:
    return SearchIndex.build(catalog)


def footer(result: simcord.InteractionResult) -> str:
    return result.response.embeds[0].footer.text


async def open_datasets(demo: DemoGuild) -> simcord.InteractionResult:
    result = await demo.alice.slash(demo.general, "section", name="datasets")
    simcord.assert_responded(result, ephemeral=False)
    return result


async def test_section_pages_forward_and_back(demo: DemoGuild) -> None:
    result = await open_datasets(demo)
    message = result.response
    first = message.embeds[0]
    assert first.title == "Datasets"
    assert footer(result).startswith(f"Page 1/4 · {BIG} entries")
    assert "Dataset number 00" in first.description
    assert "Collections of audio." in first.description  # the blurb opens page 1

    await demo.alice.click(message, label="Next ▶")
    await demo.alice.click(message, label="Next ▶")
    page3 = demo.general.history()[-1].embeds[0]
    assert page3.footer.text.startswith("Page 3/4")
    assert "Dataset number 16" in page3.description

    await demo.alice.click(message, label="◀ Previous")
    assert demo.general.history()[-1].embeds[0].footer.text.startswith("Page 2/4")


async def test_last_page_shows_subsections_and_disables_next(demo: DemoGuild) -> None:
    result = await open_datasets(demo)

    await demo.alice.select(result.response, ["3"])

    last = demo.general.history()[-1]
    assert last.embeds[0].footer.text.startswith("Page 4/4")
    assert "__Speech__" in last.embeds[0].description
    buttons = {
        c.label: c.disabled
        for row in last.components
        for c in row.children
        if isinstance(c, discord.Button)
    }
    assert buttons["Next ▶"] is True
    assert buttons["◀ Previous"] is False
    assert buttons["4 / 4"] is True  # the position is shown, not clickable


async def test_first_page_cannot_go_back(demo: DemoGuild) -> None:
    result = await open_datasets(demo)

    with pytest.raises(simcord.SetupError, match="disabled"):
        await demo.alice.click(result.response, label="◀ Previous")


async def test_only_the_caller_can_turn_pages(demo: DemoGuild) -> None:
    result = await open_datasets(demo)

    refused = await demo.bob.click(result.response, label="Next ▶")

    simcord.assert_responded(refused, ephemeral=True, contains="can turn these pages")
    assert footer(result).startswith("Page 1/4")  # unchanged for everyone


async def test_controls_are_disabled_when_the_pager_times_out(
    simcord_env: simcord.Env, demo: DemoGuild
) -> None:
    result = await open_datasets(demo)

    await simcord_env.advance_time(DEFAULT_TIMEOUT + 1)

    message = demo.general.history()[-1]
    controls = [c for row in message.components for c in row.children]
    assert controls
    assert all(c.disabled for c in controls)
    with pytest.raises(simcord.SetupError, match="disabled"):
        await demo.alice.click(result.response, label="Next ▶")


async def test_a_one_page_section_has_no_controls(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "section", name="Key Papers")

    assert result.response.embeds[0].title == "Key Papers"
    assert result.response.components == []


async def test_private_listing_is_ephemeral(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "section", name="datasets", private=True)

    simcord.assert_responded(result, ephemeral=True)
    await demo.alice.click(result.response, label="Next ▶")
    assert footer(result).startswith("Page 2/4")


async def test_unknown_section_suggests_the_closest(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "section", name="datasetz")

    simcord.assert_responded(result, ephemeral=True, contains="no section called")
    assert "`datasets`" in result.response.content


async def test_unknown_section_name_is_shown_as_typed_not_as_markdown(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "section", name="**loud** `x` ~~y~~ <@&1>")

    simcord.assert_responded(result, ephemeral=True, contains="no section called")
    content = result.response.content
    assert r"\*\*loud\*\* \`x\` \~\~y\~\~" in content  # shown literally, not bold/code
    assert "'**loud**" not in content  # no Python repr quoting either


async def test_empty_section_says_so(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "section", name="empty")

    assert "No entries in this section yet." in result.response.embeds[0].description


async def test_section_autocomplete_lists_sections(demo: DemoGuild) -> None:
    everything = await demo.alice.autocomplete(demo.general, "section", "name", "")
    typed = await demo.alice.autocomplete(demo.general, "section", "name", "spe")

    assert [c["value"] for c in everything] == ["datasets", "speech", "papers", "empty"]
    assert typed == [{"name": "Datasets › Speech", "value": "speech"}]


async def test_suggest_offers_the_same_sections_as_section(demo: DemoGuild) -> None:
    for typed in ("", "spe", "PAPERS", "empty", "zzz"):
        browsing = await demo.alice.autocomplete(demo.general, "section", "name", typed)
        suggesting = await demo.alice.autocomplete(demo.general, "suggest", "section", typed)
        assert suggesting == browsing, typed
    # Text inside an id is found too (no title here contains "mpt").
    found = await demo.alice.autocomplete(demo.general, "section", "name", "mpt")
    assert found == [{"name": "Nothing Yet", "value": "empty"}]


async def test_sections_lists_every_section_with_counts(demo: DemoGuild) -> None:
    result = await demo.bob.slash(demo.general, "sections")

    simcord.assert_responded(result, ephemeral=False)
    lines = result.response.embeds[0].description.splitlines()
    assert lines[0].startswith(f"• **Datasets** — {BIG}")  # with its sub-section
    assert lines[1].startswith("  ↳ **Speech** — 2")
    assert lines[2].startswith("• **Key Papers** — 1")
    assert f"{BIG + 1} entries in 4 sections" in result.response.embeds[0].footer.text


async def test_stopping_the_bot_disables_live_pagers(
    simcord_env: simcord.Env, demo: DemoGuild
) -> None:
    await open_datasets(demo)

    # Views live in memory: after a restart their buttons would answer nothing.
    await simcord_env.bot.close()

    message = demo.general.history()[-1]
    controls = [c for row in message.components for c in row.children]
    assert controls
    assert all(c.disabled for c in controls)
