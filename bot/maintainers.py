"""Who maintains the bot in a server: the one rule every maintainer command follows.

A maintainer is anyone with the Manage Server permission, or with one of the roles in
``maintainer_role_ids``. Commands for maintainers are visible to everyone (no
``default_permissions``): Discord can only hide a command behind permission bits, which
would hide it from role-based maintainers. So each invocation is checked here, and the
refusal says what would let the caller in.

Pure: callers pass plain ids and flags; ``bot.discord.permissions`` reads them from an
interaction.
"""

from __future__ import annotations

from collections.abc import Iterable


def is_maintainer(
    member_role_ids: Iterable[int], manage_guild: bool, maintainer_role_ids: Iterable[int]
) -> bool:
    """True for Manage Server, or any of the configured maintainer roles."""
    return manage_guild or not set(member_role_ids).isdisjoint(maintainer_role_ids)


def refusal(action: str, maintainer_role_ids: Iterable[int]) -> str:
    """What a non-maintainer reads: who may ``action`` (e.g. "manage feeds") and how to get in."""
    roles = [f"<@&{role_id}>" for role_id in maintainer_role_ids]
    if not roles:
        return (
            f"Only maintainers can {action}: people with the Manage Server permission "
            "(no maintainer role is configured)."
        )
    return (
        f"Only maintainers can {action}: people with the Manage Server permission or "
        f"one of these roles: {', '.join(roles)}."
    )


def check(
    action: str,
    member_role_ids: Iterable[int],
    manage_guild: bool,
    maintainer_role_ids: Iterable[int],
) -> tuple[bool, str | None]:
    """``(allowed, refusal message or None)`` in one call, for adapters that answer at once."""
    wanted = tuple(maintainer_role_ids)
    if is_maintainer(member_role_ids, manage_guild, wanted):
        return True, None
    return False, refusal(action, wanted)
