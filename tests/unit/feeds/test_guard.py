"""The SSRF guard: schemes, literal addresses, names that resolve inside, allowed hosts."""

from __future__ import annotations

import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.feeds.guard import BlockedURL, GuardedResolver, UrlGuard, address_problem


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.4", "169.254.169.254", "::1",
     "fe80::1", "224.0.0.1", "0.0.0.0", "::ffff:127.0.0.1", "100.64.0.1", "fc00::1"],
)  # fmt: skip
def test_internal_addresses_are_refused(address: str) -> None:
    assert address_problem(address) is not None


@pytest.mark.parametrize("address", ["151.101.1.69", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed",
        "gopher://example.com/",
        "http://127.0.0.1/feed",
        "http://[::1]:8080/feed",
        "http://169.254.169.254/latest/",
        "http://user:secret@example.com/feed",
        "http:///nohost",
        "http://example.com:99999/",
    ],
)
def test_urls_refused_before_any_request(url: str) -> None:
    with pytest.raises(BlockedURL):
        UrlGuard().check_url(url)


def test_allowed_host_may_be_loopback() -> None:
    url = "http://127.0.0.1:8080/feed.xml"
    allowing = UrlGuard(["127.0.0.1"])
    assert allowing.check_url(url) is None  # accepted: no BlockedURL
    assert allowing.allows_host("127.0.0.1")
    with pytest.raises(BlockedURL, match="refused"):
        UrlGuard().check_url(url)  # the allowance, not loopback itself, lets it through


class FixedResolver(AbstractResolver):
    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.calls = 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls += 1
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


async def test_names_resolving_to_internal_addresses_are_refused() -> None:
    resolver = GuardedResolver(UrlGuard(), FixedResolver("93.184.216.34", "10.0.0.7"))
    with pytest.raises(BlockedURL, match=r"10\.0\.0\.7"):
        await resolver.resolve("rebind.example", 80)


async def test_names_resolving_to_public_addresses_return_exactly_those() -> None:
    inner = FixedResolver("93.184.216.34")
    resolver = GuardedResolver(UrlGuard(), inner)
    [result] = await resolver.resolve("example.com", 443)
    # aiohttp connects to this very address: no second lookup can swap it.
    assert result["host"] == "93.184.216.34"
    assert inner.calls == 1


async def test_allowed_name_skips_the_address_check() -> None:
    resolver = GuardedResolver(UrlGuard(["feeds.internal"]), FixedResolver("10.0.0.7"))
    [result] = await resolver.resolve("feeds.internal", 80)
    assert result["host"] == "10.0.0.7"
