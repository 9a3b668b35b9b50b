"""What is wrong with a data file, said so that a maintainer can fix it at once.

A :class:`Problem` points at ``file:line`` and carries a hint; each loader (catalog,
deadlines, feeds) collects every problem of every file before it gives up, so one
``… check`` run lists them all. :class:`DataFileError` is what a loader raises when it
cannot go on; its subclasses say which set of files is broken, and a CLI that only reports
the problems catches the base class.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a value was read, for ``file:line`` messages."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a data file.

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


class DataFileError(Exception):
    """A set of data files cannot be loaded. ``problems`` lists every reason, not only the first.

    ``what`` names the set in the message ("catalog has 2 problems: …"), so a maintainer
    knows which check to run; each subclass sets its own.
    """

    what = "data"
    #: The command that lists every problem of these files, with file:line.
    check_command = "catalog check"

    def __init__(self, problems: Iterable[Problem], *, root: Path | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.root = root  # the catalog folder, when known
        count = len(self.problems)
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"{self.what} has {count} problem{'s' if count != 1 else ''}{first}{more}")

    def one_line(self) -> str:
        """What a command that needs these files says when it cannot load them."""
        folder = f" {self.root}" if self.root is not None else ""
        return (
            f"the {self.what}{folder} cannot be loaded: {self}; run `ml-audio-bot "
            f"{self.check_command}{folder}` to see every problem, or set catalog_path "
            "(ML_AUDIO_BOT_CATALOG)"
        )


class CatalogError(DataFileError):
    """The catalog (``sections.yaml``, ``entries/``) cannot be loaded."""

    what = "catalog"


class DeadlinesError(DataFileError):
    """The deadline files (``catalog/deadlines/``) cannot be loaded."""

    what = "deadline data"
    check_command = "deadlines check"


class FeedsFileError(DataFileError):
    """The feeds file (``catalog/feeds.yaml`` or ``feeds_file``) cannot be loaded."""

    what = "feeds file"
    check_command = "feeds check"
