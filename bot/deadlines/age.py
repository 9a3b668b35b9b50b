"""How old the deadline data is: "data as of …", shown in every deadline view.

The caller works it out (the catalog loader from git or file dates; later the upstream
sync from its last successful run) and hands a :class:`DataAge` to the views and the
calendar, which only format it. Plain data, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.markup import timestamp_and_countdown


@dataclass(frozen=True, slots=True)
class DataAge:
    """When the deadline data last changed, and from where.

    ``source`` names where the data came from, e.g. ``catalog/deadlines (last commit)``.
    ``changed`` holds when each series' own data last changed (its file's last commit);
    a series not in it is taken to have changed at ``as_of``.
    """

    as_of: datetime
    source: str
    changed: Mapping[str, datetime] = field(default_factory=dict)

    def changed_at(self, series_id: str) -> datetime:
        return self.changed.get(series_id, self.as_of)

    def line(self) -> str:
        """The subtext line every deadline view ends with."""
        return f"-# Data as of {self.when()} · {self.source}"

    def when(self) -> str:
        """``<t:…:f> (<t:…:R>)``: in each reader's own timezone, and how long ago."""
        return timestamp_and_countdown(self.as_of, "f")


def age_line(age: DataAge | None) -> str:
    """:meth:`DataAge.line`, or a plain "not known" when no date could be found."""
    return age.line() if age is not None else "-# Data as of: not known (no dated deadline files)"


def newest(*ages: DataAge | None) -> DataAge | None:
    """The most recent of several ages (the catalog's, the last sync's); each series keeps
    its own newest change."""
    known = [age for age in ages if age is not None]
    if not known:
        return None
    latest = max(known, key=lambda age: age.as_of)
    changed: dict[str, datetime] = {}
    for age in known:
        for series, moment in age.changed.items():
            changed[series] = max(moment, changed.get(series, moment))
    return DataAge(latest.as_of, latest.source, changed)
