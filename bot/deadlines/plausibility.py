"""Signs that an edition's data belongs to another edition or another event.

The importers apply every rule (an implausible edition is an error: not imported).
``deadlines check`` applies those the catalog YAML can show: a deadline too early, a
shortened link. It does not judge a link's year: a postponed edition keeps its site's
year (DAFx 2022 was held at dafx2020.mdw.ac.at), and the catalog is checked by hand.
Each rule says what is wrong, or ``None``; the callers add file:line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from bot.deadlines.model import Deadline

# Link shorteners hide where a link goes; goo.gl stopped redirecting in 2025, so its links
# are dead. A conference's own address is always available instead.
SHORTENER_HOSTS: frozenset[str] = frozenset({"goo.gl", "bit.ly", "tinyurl.com", "t.co", "ow.ly"})

_FULL_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# "/2015/06/15/": a blog post's publication date, not the edition a site was made for.
_DATE_PATH = re.compile(r"/((?:19|20)\d{2})/\d{1,2}(?:/|$)")
# The words that attach a workshop to a host conference: "workshop at IJCNN2019",
# "Workshop (with ICASSP 2024)", "Workshop … (satellite of ICASSP 2025)".
_ATTACHED = (
    r"(?:\b(?:at|with|during|satellite\s+of|co-?located\s+with|in\s+conjunction\s+with)\b|@)"
)
_WORKSHOP = re.compile(r"\bworkshops?\b", re.IGNORECASE)


def early_deadline(deadline_day: date, start: date) -> str | None:
    """A deadline more than a year before the conference starts is another edition's."""
    try:
        a_year_before = start.replace(year=start.year - 1)
    except ValueError:  # 29 February
        a_year_before = start.replace(year=start.year - 1, day=28)
    if deadline_day >= a_year_before:
        return None
    return (
        f"deadline {deadline_day} is more than a year before the conference starts ({start}): "
        "it is another edition's"
    )


def early_deadlines(
    deadlines: Iterable[Deadline], start: date | None
) -> list[tuple[Deadline, str]]:
    """The deadlines more than a year before ``start``, each with what is wrong.

    Several paper deadlines are rolling rounds (VLDB's monthly ones), which legitimately
    open more than a year ahead: such editions are not checked."""
    listed = list(deadlines)
    rounds = sum(1 for d in listed if d.kind == "paper" or d.kind.startswith("paper-"))
    if start is None or rounds > 1:
        return []
    found = []
    for deadline in listed:
        if deadline.local is None:
            continue
        problem = early_deadline(deadline.local.date(), start)
        if problem is not None:
            found.append((deadline, f"{deadline.kind} {problem}"))
    return found


def link_years(link: str) -> set[int]:
    """The years a link names: ``dafx2020.mdw.ac.at`` and ``icml.cc/Conferences/2024``.
    Two-digit numbers are not read as years: in "icmpc11" or "icsv27.org" they number the
    edition. Dates of blog posts in the path ("/2015/06/15/") are not an edition's year."""
    try:
        parts = urlsplit(link)
    except ValueError:
        return set()
    host, path = (parts.hostname or "").lower(), parts.path
    dated = {int(year) for year in _DATE_PATH.findall(path)}
    return {int(year) for year in _FULL_YEAR.findall(host + " " + path)} - dated


def foreign_link_year(link: str, year: int) -> str | None:
    """A link that names other years and never the edition's own was made for another one."""
    years = link_years(link)
    if not years or year in years:
        return None
    named = "/".join(str(y) for y in sorted(years))
    return f"link {link} is for the {named} edition, not {year}"


def shortened_link(link: str) -> str | None:
    try:
        host = (urlsplit(link).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return None
    if host not in SHORTENER_HOSTS:
        return None
    return f"link {link} goes through the shortener {host}, which hides (or has lost) its target"


def workshop_at(title: str, series_name: str) -> str | None:
    """``'Deep Neural Audio Processing workshop at IJCNN2019'`` is a workshop held at IJCNN,
    not IJCNN itself; a series that is a workshop ("Workshop on … (DCASE 2020)") is not."""
    if not series_name.strip():
        return None
    found = _WORKSHOP.search(title)
    if found is None:
        return None
    after = title[found.end() :]
    name = re.escape(series_name.strip())
    if re.search(rf"{_ATTACHED}\s*(?:the\s+)?(?:(?:19|20)\d{{2}}\s+)?{name}", after, re.I) is None:
        return None
    return f"'{title.strip()}' is a workshop held at {series_name}, not {series_name} itself"
