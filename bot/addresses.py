"""Which IP addresses are public: one policy for feed fetching and suggested links.

Feeds must not be fetched from inside our network (SSRF, ``bot.feeds.guard``), and a
suggested link must not point members at their own machine or local network
(``bot.suggestions.validation``). Both ask :func:`address_problem`.
"""

from __future__ import annotations

import ipaddress


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``text`` as an IP address (brackets and an IPv6 zone allowed), or ``None``."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a public internet address, or ``None`` when it is."""
    ip = parse_address(address)
    if ip is None:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for flag, name in (
        # Most specific first: link-local and loopback ranges are "private" too.
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
    ):
        if flag:
            return f"{ip} is a {name} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None
