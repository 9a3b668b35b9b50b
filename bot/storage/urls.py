"""Database URLs: what ``database_url`` may say, and how it is shown without a password.

Importable without asyncpg or aiosqlite, so that reading the settings loads neither.

- ``sqlite:///data/bot.sqlite3`` (relative path), ``sqlite:////var/lib/bot.sqlite3``
  (absolute: four slashes) name an SQLite file;
- ``postgresql://user@host:5432/dbname`` (or ``postgres://``) a PostgreSQL database. The
  password never goes in the URL (settings, messages and logs show URLs): it comes from
  ``ML_AUDIO_BOT_DATABASE_PASSWORD`` or ``PGPASSWORD``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

PASSWORD_VARIABLE = "ML_AUDIO_BOT_DATABASE_PASSWORD"  # noqa: S105 (its name, not its value)
SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")
URL_FORMS = "sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/database"


def sqlite_url(path: str | Path) -> str:
    """The URL of the SQLite file ``path`` (relative paths stay relative)."""
    return SQLITE_PREFIX + str(path)


def sqlite_path(url: str) -> str | None:
    """The file an ``sqlite:///`` URL names, or ``None`` for any other URL."""
    return url.removeprefix(SQLITE_PREFIX) if url.startswith(SQLITE_PREFIX) else None


def is_postgres(url: str) -> bool:
    try:
        return urlsplit(url).scheme in POSTGRES_SCHEMES
    except ValueError:
        return False


def redacted(url: str) -> str:
    """``url`` without any password (in the user part or a ``password=`` parameter), for
    messages and logs."""
    parts = urlsplit(url)
    if not parts.netloc and "@" in url:
        # "postgresql:user:secret@host/db" (slashes forgotten): no authority part to cut a
        # password from, so nothing after the scheme is shown.
        return f"{parts.scheme}:(hidden)"
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = f"{userinfo.partition(':')[0]}{at}{hostport}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def has_password(url: str) -> bool:
    """Whether ``url`` carries a password (an unparseable URL counts as carrying one, so
    that it is never shown)."""
    try:
        return redacted(url) != url
    except ValueError:
        return True


def shown(url: str) -> str:
    """``url`` as messages may show it: redacted, or a placeholder when it cannot be parsed."""
    try:
        return redacted(url)
    except ValueError:
        return "(a database URL that cannot be parsed)"


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a database URL this program can use, or ``None``.

    The answer never repeats a password: a URL carrying one is refused before anything
    else is said about it.
    """
    if has_password(url):
        return (
            "a URL without a password (URLs are shown in messages and logs): remove it and "
            f"set {PASSWORD_VARIABLE} (or PGPASSWORD) instead"
        )
    path = sqlite_path(url)
    if path is not None:
        return None if path.strip() else f"{URL_FORMS}, got {url!r} (no file named)"
    if is_postgres(url):
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (raises ValueError for a port that is no number)
        except ValueError:
            return f"{URL_FORMS}, got {url!r} (the port is not a number from 0 to 65535)"
        if not parts.netloc:
            return f"{URL_FORMS}, got {url!r} (postgresql:// takes two slashes before the host)"
        return None
    return f"{URL_FORMS}, got {shown(url)!r}"
