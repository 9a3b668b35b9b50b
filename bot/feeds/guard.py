"""Keep feed URLs from reaching inside our network (SSRF).

A feed URL is typed by a maintainer or handed out by a redirect, so it may point at
``http://169.254.169.254/`` (cloud metadata), ``http://localhost:6379/`` or a name that
resolves to a private address. Two checks close that:

* :func:`check_url` before every request and every redirect hop: http(s) only, and an
  address written into the URL must be public;
* :class:`GuardedResolver`, the only resolver of the fetcher's connector: a host name is
  resolved once, every address is checked, and aiohttp connects to exactly the addresses
  returned here, so a DNS answer that changes between check and connect (rebinding) has
  nothing to change.

Hosts named in ``allowed_hosts`` (tests allow ``127.0.0.1``) skip the address check.
"""

from __future__ import annotations

import socket
from collections.abc import Collection
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from bot.addresses import address_problem, parse_address

__all__ = ["BlockedURL", "GuardedResolver", "UrlGuard", "address_problem"]

ALLOWED_SCHEMES = ("http", "https")


class BlockedURL(OSError):
    """The URL may not be fetched; the message says why, for ``/feeds list``."""


def normalise_host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


class UrlGuard:
    """The SSRF policy: which schemes and hosts a feed URL may use."""

    def __init__(self, allowed_hosts: Collection[str] = ()) -> None:
        self.allowed_hosts = frozenset(normalise_host(h) for h in allowed_hosts)

    def allows_host(self, host: str) -> bool:
        return normalise_host(host) in self.allowed_hosts

    def check_url(self, url: str) -> None:
        """Raise :class:`BlockedURL` unless ``url`` is http(s) with an acceptable literal host."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 (raises ValueError for a bad port)
        except ValueError as error:
            raise BlockedURL(f"not a valid URL: {error}") from None
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise BlockedURL(f"only http and https feeds are fetched, not {parts.scheme or '?'}:")
        if not host:
            raise BlockedURL("the URL has no host")
        if parts.username or parts.password:
            raise BlockedURL("credentials in feed URLs are not allowed")
        if self.allows_host(host):
            return
        if parse_address(normalise_host(host)) is None:
            return  # a name: checked by GuardedResolver when it is resolved
        problem = address_problem(normalise_host(host))
        if problem:
            raise BlockedURL(f"refused: {problem}")

    def resolver(self) -> GuardedResolver:
        return GuardedResolver(self)


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp's default and refuses names that lead to non-public addresses.

    All addresses must pass (not just one): otherwise aiohttp could still try a private
    one when the public one does not answer.
    """

    def __init__(self, guard: UrlGuard, inner: AbstractResolver | None = None) -> None:
        self._guard = guard
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = ThreadedResolver()
        results = await self._inner.resolve(host, port, family)
        if self._guard.allows_host(host):
            return results
        for result in results:
            problem = address_problem(result["host"])
            if problem:
                raise BlockedURL(f"refused: {host} → {problem}")
        return results

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
