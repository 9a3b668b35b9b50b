"""Every form, view and button of the bot goes through admission.

Admission (``MLAudioBot.admit``) is what a shutdown waits for: an interaction that skips
it is cut off by SIGTERM, its member never answered. A new component that forgets it fails
here, not in production.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import discord

import bot
import cogs
from bot.discord.client import AdmittedModal


def _load_every_module() -> None:
    for package in (bot, cogs):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)


def _ours(base: type[Any]) -> list[type[Any]]:
    found: list[type[Any]] = []
    pending = list(base.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("bot", "cogs"):
            found.append(cls)
    return found


def test_every_form_is_admitted() -> None:
    _load_every_module()
    modals = [cls for cls in _ours(discord.ui.Modal) if cls is not AdmittedModal]
    assert modals, "the suggestion forms should be found"
    assert [cls for cls in modals if not issubclass(cls, AdmittedModal)] == []


def test_every_view_and_button_checks_admission() -> None:
    _load_every_module()
    components = _ours(discord.ui.View) + _ours(discord.ui.DynamicItem)
    assert components, "the paging view and suggestion buttons should be found"
    unchecked = [
        cls
        for cls in components
        if cls.interaction_check
        in (discord.ui.View.interaction_check, discord.ui.Item.interaction_check)
    ]
    assert unchecked == []
