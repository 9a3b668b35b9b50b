"""``/resource``: what members see when they look something up."""

from __future__ import annotations

import pytest
import simcord

from bot import markup
from tests.e2e.conftest import DemoGuild

pytestmark = pytest.mark.e2e


def field_values(embed: object) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}  # type: ignore[attr-defined]


async def test_wavenet_answers_publicly_with_the_paper(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "resource", query="wavenet")

    simcord.assert_responded(result, ephemeral=False)
    (embed,) = result.response.embeds
    assert embed.title.startswith("WaveNet")
    assert "1609.03499" in embed.url
    fields = field_values(embed)
    assert fields["Kind"] == "paper"
    assert "Key Papers" in fields["Section"]
    assert "van den Oord" in fields["By"]
    assert "2016" in fields["By"]
    assert "dilated causal convolutions" in embed.description
    related = fields["Related"].splitlines()
    assert 1 <= len(related) <= 3
    assert "WaveNet" not in fields["Related"]
    # Everyone in the channel sees it: the point is to share the link.
    visible_to_bob = demo.general.history(viewer=demo.bob)
    assert visible_to_bob[-1].embeds[0].title == embed.title


async def test_private_answers_only_the_caller(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "resource", query="wavenet", private=True)

    simcord.assert_responded(result, ephemeral=True)
    assert result.response.embeds[0].title.startswith("WaveNet")
    assert demo.general.history(viewer=demo.bob) == []


async def test_typo_still_finds_the_entry(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "resource", query="wavnet")

    assert result.response.embeds[0].title.startswith("WaveNet")


async def test_alias_and_arxiv_id_find_the_entry(demo: DemoGuild) -> None:
    by_alias = await demo.alice.slash(demo.general, "resource", query="dilated causal convolutions")
    by_arxiv = await demo.alice.slash(demo.general, "resource", query="1609.03499")

    assert by_alias.response.embeds[0].title.startswith("WaveNet")
    assert by_arxiv.response.embeds[0].title.startswith("WaveNet")


async def test_ambiguous_query_lists_candidates_instead_of_guessing(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "resource", query="wave")

    simcord.assert_responded(result, ephemeral=True)
    (embed,) = result.response.embeds
    assert embed.title.startswith("Did you mean")
    lines = embed.description.splitlines()
    assert 2 <= len(lines) <= 5
    assert all("](" in line for line in lines)  # each candidate links to its resource
    assert "Pick one from the suggestions" in embed.footer.text


async def test_nothing_found_explains_what_to_try(demo: DemoGuild) -> None:
    result = await demo.alice.slash(demo.general, "resource", query="qqqq zzzz xxxx")

    simcord.assert_responded(result, ephemeral=True, contains="Nothing in the reading list")
    assert "Tips:" in result.response.content
    assert result.response.embeds == []


async def test_autocomplete_while_typing_offers_entries(demo: DemoGuild) -> None:
    choices = await demo.alice.autocomplete(demo.general, "resource", "query", "wave")

    assert 1 <= len(choices) <= markup.CHOICES
    assert all(1 <= len(choice["name"]) <= markup.CHOICE_NAME for choice in choices)
    assert "wavenet" in [choice["value"] for choice in choices]


async def test_picking_a_suggestion_answers_exactly_that_entry(demo: DemoGuild) -> None:
    choices = await demo.alice.autocomplete(demo.general, "resource", "query", "wave")
    wavernn = next(c for c in choices if c["value"] == "wavernn")

    result = await demo.alice.slash(demo.general, "resource", query=wavernn["value"])

    assert result.response.embeds[0].title.startswith("WaveRNN")


async def test_user_text_never_pings_anyone(simcord_env: simcord.Env, demo: DemoGuild) -> None:
    await demo.alice.slash(demo.general, "resource", query="@everyone <@&1> hello")

    callbacks = [r for r in simcord_env.http_requests if r.path.endswith("/callback")]
    assert callbacks
    for request in callbacks:
        assert request.json["data"]["allowed_mentions"] == {"parse": []}
