"""Who maintains the bot, and where: the one rule every maintainer command follows.

The reading list, the feeds and the announcement channel are shared by every server the
bot sits in, so maintainer powers count in one server only, the *home server*:
``home_guild_id`` when set, else the only server the bot is in. There, a maintainer is
anyone with the Manage Server permission (or Administrator), or with one of the roles in
``maintainer_role_ids``. Anywhere else (a partner server that follows the announcements,
a DM) nobody is a maintainer, whatever their permissions there. When the bot is in several
servers and no home is set, nobody is a maintainer anywhere until it is.

Commands for maintainers are visible to everyone (no ``default_permissions``): Discord can
only hide a command behind permission bits, which would hide it from role-based
maintainers. So each invocation is checked here, and the refusal says what would let the
caller in.

Pure: callers pass plain ids and flags; ``bot.discord.permissions`` reads them from an
interaction and resolves the home server from the client.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable

HOME_SETTING = "home_guild_id"
HOME_ENV = "ML_AUDIO_BOT_HOME_GUILD_ID"


class Standing(enum.Enum):
    """What a member may do with shared state, and so which refusal they read."""

    MAINTAINER = "maintainer"
    MEMBER = "member"  # in the home server, without Manage Server or a maintainer role
    ELSEWHERE = "elsewhere"  # another server, or no server at all
    NO_HOME = "no-home"  # several servers and no home_guild_id: nobody maintains


def resolve_home(
    configured: int | None, guild_ids: Collection[int], *, sees_every_guild: bool = True
) -> int | None:
    """The home server's id, or None while it is unknown.

    Without ``home_guild_id`` the only server the bot is in is home. A process that runs
    some shards only (``sees_every_guild=False``) cannot tell "only server" from "only
    server of my shards", so it never guesses.
    """
    if configured is not None:
        return configured
    if sees_every_guild and len(guild_ids) == 1:
        return next(iter(guild_ids))
    return None


def home_warning(
    configured: int | None, guild_ids: Collection[int], *, sees_every_guild: bool = True
) -> str | None:
    """What is wrong with the home server setting, for the start-up log and ``/about``."""
    if configured is not None:
        if configured in guild_ids or not sees_every_guild:
            return None
        return (
            f"{HOME_SETTING} is {configured}, a server the bot is not in: nobody can run "
            "maintainer commands until the bot is added there or the setting is fixed."
        )
    if resolve_home(configured, guild_ids, sees_every_guild=sees_every_guild) is not None:
        return None
    if sees_every_guild and len(guild_ids) < 2:
        return None  # in no server yet: the first one it joins becomes home
    return (
        f"The bot is in {len(guild_ids)} servers and {HOME_SETTING} is not set, so nobody "
        f"can run maintainer commands: set {HOME_SETTING} (or {HOME_ENV}) to the id of the "
        "server whose maintainers run the bot."
    )


def standing(
    guild_id: int | None,
    home_guild_id: int | None,
    member_role_ids: Iterable[int],
    manage_guild: bool,
    maintainer_role_ids: Iterable[int],
) -> Standing:
    """Where the member stands; ``guild_id`` is where they act (None in a DM)."""
    if guild_id is not None and home_guild_id is None:
        return Standing.NO_HOME
    if guild_id is None or guild_id != home_guild_id:
        return Standing.ELSEWHERE
    if manage_guild or not set(member_role_ids).isdisjoint(maintainer_role_ids):
        return Standing.MAINTAINER
    return Standing.MEMBER


def is_maintainer(
    guild_id: int | None,
    home_guild_id: int | None,
    member_role_ids: Iterable[int],
    manage_guild: bool,
    maintainer_role_ids: Iterable[int],
) -> bool:
    """True for Manage Server or a configured maintainer role, in the home server only."""
    found = standing(guild_id, home_guild_id, member_role_ids, manage_guild, maintainer_role_ids)
    return found is Standing.MAINTAINER


def refusal(action: str, maintainer_role_ids: Iterable[int]) -> str:
    """What a non-maintainer of the home server reads: who may ``action`` and how to get in."""
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


def home_only(action: str, home_guild_id: int | None, home_name: str | None = None) -> str:
    """Why ``action`` (e.g. "manage feeds") is refused outside the home server.

    Also the message for a member action reserved to the home server (``/suggest``).
    """
    if home_guild_id is None:
        return (
            f"Nobody can {action} yet: this bot is in several servers and its home server "
            f"is not set. Whoever runs the bot sets `{HOME_SETTING}` (or `{HOME_ENV}`) to "
            "the id of the server whose maintainers run it. Nothing was changed."
        )
    where = f"the bot's home server, **{home_name}**" if home_name else "the bot's home server"
    return (
        f"You can {action} only in {where}: the reading list, its feeds and announcements "
        "are shared by every server the bot is in. Here you can still use `/resource`, "
        "`/section`, `/deadlines` and `/announcements follow`. Nothing was changed."
    )


def refusal_for(
    found: Standing,
    action: str,
    maintainer_role_ids: Iterable[int],
    home_guild_id: int | None,
    home_name: str | None = None,
) -> str | None:
    """The refusal a member with standing ``found`` reads, or None for a maintainer."""
    if found is Standing.MAINTAINER:
        return None
    if found is Standing.MEMBER:
        return refusal(action, maintainer_role_ids)
    return home_only(action, None if found is Standing.NO_HOME else home_guild_id, home_name)
