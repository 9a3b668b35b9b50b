"""The one maintainer rule: Manage Server or a configured role, in the home server only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot import maintainers
from bot.maintainers import Standing

CURATORS = 11
MODS = 22
HOME = 1001
PARTNER = 2002


def test_a_configured_role_is_enough_without_any_permission() -> None:
    assert maintainers.is_maintainer(HOME, HOME, [MODS, CURATORS], False, [CURATORS])


def test_manage_server_is_enough_without_a_role() -> None:
    assert maintainers.is_maintainer(HOME, HOME, [], True, [CURATORS])
    assert maintainers.is_maintainer(HOME, HOME, [], True, [])


def test_other_roles_are_not_maintainers() -> None:
    assert not maintainers.is_maintainer(HOME, HOME, [MODS], False, [CURATORS])
    assert not maintainers.is_maintainer(HOME, HOME, [MODS], False, [])


@given(
    guild_id=st.one_of(st.none(), st.integers(1, 10_000).filter(lambda g: g != HOME)),
    roles=st.lists(st.integers(1, 50)),
    manage_guild=st.booleans(),
    maintainer_roles=st.lists(st.integers(1, 50)),
)
def test_nothing_makes_a_maintainer_outside_the_home_server(
    guild_id: int | None, roles: list[int], manage_guild: bool, maintainer_roles: list[int]
) -> None:
    found = maintainers.standing(guild_id, HOME, roles, manage_guild, maintainer_roles)
    assert found is Standing.ELSEWHERE
    assert not maintainers.is_maintainer(guild_id, HOME, roles, manage_guild, maintainer_roles)


@given(guild_id=st.integers(1, 10_000), roles=st.lists(st.integers(1, 50)))
def test_without_a_home_server_nobody_is_a_maintainer(guild_id: int, roles: list[int]) -> None:
    assert maintainers.standing(guild_id, None, roles, True, roles) is Standing.NO_HOME


def test_home_is_the_setting_else_the_only_server() -> None:
    assert maintainers.resolve_home(HOME, [PARTNER]) == HOME
    assert maintainers.resolve_home(HOME, [HOME, PARTNER]) == HOME
    assert maintainers.resolve_home(None, [PARTNER]) == PARTNER
    assert maintainers.resolve_home(None, [HOME, PARTNER]) is None
    assert maintainers.resolve_home(None, []) is None


def test_a_process_with_some_shards_never_guesses_the_home_server() -> None:
    assert maintainers.resolve_home(None, [HOME], sees_every_guild=False) is None
    assert maintainers.resolve_home(HOME, [], sees_every_guild=False) == HOME


def test_warning_names_the_setting_when_home_is_ambiguous() -> None:
    warning = maintainers.home_warning(None, [HOME, PARTNER])
    assert warning is not None
    assert "home_guild_id" in warning
    assert "ML_AUDIO_BOT_HOME_GUILD_ID" in warning
    assert "2 servers" in warning


def test_no_warning_for_one_server_a_set_home_or_no_server_yet() -> None:
    assert maintainers.home_warning(None, [HOME]) is None
    assert maintainers.home_warning(HOME, [HOME, PARTNER]) is None
    assert maintainers.home_warning(None, []) is None


def test_warning_for_a_home_the_bot_is_not_in() -> None:
    warning = maintainers.home_warning(HOME, [PARTNER])
    assert warning is not None
    assert f"home_guild_id is {HOME}" in warning


def test_sharded_process_without_a_home_is_warned() -> None:
    warning = maintainers.home_warning(None, [HOME], sees_every_guild=False)
    assert warning is not None
    assert "home_guild_id" in warning


def test_refusal_in_the_home_server_names_the_maintainer_roles() -> None:
    message = maintainers.refusal_for(Standing.MEMBER, "manage feeds", [CURATORS], HOME, "Lab")
    assert message == (
        "Only maintainers can manage feeds: people with the Manage Server permission or "
        f"one of these roles: <@&{CURATORS}>."
    )
    assert maintainers.refusal_for(Standing.MAINTAINER, "manage feeds", [], HOME) is None


def test_refusal_without_configured_roles_says_so() -> None:
    message = maintainers.refusal("post a test announcement", [])
    assert "Manage Server" in message
    assert "no maintainer role is configured" in message


def test_refusal_elsewhere_names_the_home_server_and_changes_nothing() -> None:
    message = maintainers.refusal_for(
        Standing.ELSEWHERE, "manage feeds", [CURATORS], HOME, "ML-Audio"
    )
    assert message is not None
    assert message.startswith("You can manage feeds only in the bot's home server, **ML-Audio**")
    assert "Nothing was changed." in message
    assert "<@&" not in message  # roles of another server mean nothing here


def test_refusal_without_a_home_names_the_setting() -> None:
    message = maintainers.refusal_for(Standing.NO_HOME, "manage feeds", [CURATORS], None)
    assert message is not None
    assert message.startswith("Nobody can manage feeds yet")
    assert "`home_guild_id`" in message
    assert "`ML_AUDIO_BOT_HOME_GUILD_ID`" in message
