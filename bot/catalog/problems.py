"""What is wrong with a catalog file, said so that a maintainer can fix it at once.

A :class:`Problem` points at ``file:line`` and carries a hint; the loader collects every
problem of every file before it gives up, so one ``catalog check`` run lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.catalog.model import SourceLocation


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a catalog file.

    ``related`` points at the other half of a clash (the first definition of a duplicated
    id, the other entry with the same URL) and is shown after the message.
    """

    file: str
    line: int | None
    message: str
    hint: str = ""
    column: int | None = None
    related: SourceLocation | None = None

    def format(self, base: Path | None = None) -> str:
        """``file:line: message (hint)``, with paths shown relative to ``base`` when inside it."""
        file = display_path(self.file, base)
        where = f"{file}:{self.line}" if self.line is not None else file
        message = self.message
        if self.related is not None:
            if self.related.path == self.file:
                message += f", first at line {self.related.line}"
            else:
                message += f", first at {display_path(self.related.path, base)}:{self.related.line}"
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {message}{hint}"

    def __str__(self) -> str:
        return self.format()

    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line or 0, self.column or 0)


def display_path(path: str, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the working directory) when it lies below it."""
    root = Path.cwd() if base is None else base
    try:
        relative = Path(path).resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return path
    return relative.as_posix() if os.sep == "/" else str(relative)


class CatalogError(Exception):
    """The catalog cannot be loaded. ``problems`` lists every reason, not only the first."""

    def __init__(self, problems: Iterable[Problem], *, root: Path | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.root = root  # the catalog folder, when known
        count = len(self.problems)
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"catalog has {count} problem{'s' if count != 1 else ''}{first}{more}")

    def one_line(self) -> str:
        """What a command that needs the catalog says when it cannot load it."""
        folder = f" {self.root}" if self.root is not None else ""
        return (
            f"the catalog{folder} cannot be loaded: {self}; run `ml-audio-bot catalog "
            f"check{folder}` to see every problem, or set catalog_path (ML_AUDIO_BOT_CATALOG)"
        )
