"""Package re-exports that import their module only when a name is first used (PEP 562).

A package ``__init__`` that imports its submodules makes every command pay for them:
``ml-audio-bot --help`` used to load rapidfuzz, asyncio and aiosqlite that way. With

    __getattr__ = lazy_exports(__name__, {"SearchIndex": "bot.search.index", ...})

``from bot.search import SearchIndex`` still works, but only imports ``bot.search.index``
then. Each package also imports the names under ``TYPE_CHECKING`` so mypy sees them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``exports[name]`` and caches the value."""

    def __getattr__(name: str) -> object:
        module_name = exports.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module_name), name)
        # Cached in the package so the next lookup is an ordinary attribute read.
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
