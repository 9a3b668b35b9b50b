"""The one maintainer rule: Manage Server, or one of the configured roles."""

from __future__ import annotations

from bot import maintainers

CURATORS = 11
MODS = 22


def test_a_configured_role_is_enough_without_any_permission() -> None:
    assert maintainers.is_maintainer([MODS, CURATORS], False, [CURATORS])


def test_manage_server_is_enough_without_a_role() -> None:
    assert maintainers.is_maintainer([], True, [CURATORS])
    assert maintainers.is_maintainer([], True, [])


def test_other_roles_are_not_maintainers() -> None:
    assert not maintainers.is_maintainer([MODS], False, [CURATORS])
    assert not maintainers.is_maintainer([MODS], False, [])


def test_check_refuses_with_who_may_and_allows_silently() -> None:
    allowed, message = maintainers.check("manage feeds", [CURATORS], False, [CURATORS])
    assert allowed
    assert message is None
    allowed, message = maintainers.check("manage feeds", [MODS], False, [CURATORS])
    assert not allowed
    assert message == (
        "Only maintainers can manage feeds: people with the Manage Server permission or "
        f"one of these roles: <@&{CURATORS}>."
    )


def test_refusal_without_configured_roles_says_so() -> None:
    message = maintainers.refusal("post a test announcement", [])
    assert "Manage Server" in message
    assert "no maintainer role is configured" in message
