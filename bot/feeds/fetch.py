"""HTTP for feeds: polite, conditional, bounded in time and size, redirect by redirect.

One :class:`Fetcher` (one aiohttp session) serves every feed. It

* sends ``If-None-Match`` / ``If-Modified-Since`` from the stored validators (a 304 costs
  the server almost nothing) and accepts gzip;
* lets at most ``per_host`` requests run against one host at a time and starts them at
  least ``politeness`` seconds apart;
* gives up on a slow server (connect, read and total timeouts: a server sending one byte
  per second is cut off by the total) and on a body over ``max_bytes`` (read in chunks and
  dropped at the cap; a gzip bomb is counted after decompression);
* follows at most ``max_redirects`` redirects itself, running the SSRF check on every hop
  (aiohttp's own redirect handling would skip it), and reports whether every hop was
  permanent so the poller can update the stored URL.

Failures are a :class:`FetchError` whose ``kind`` the poller maps to a feed state.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from yarl import URL

from bot import __version__
from bot.feeds.guard import BlockedURL, UrlGuard
from bot.markup import truncate

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
REASON_MAX = 100  # characters of a server's HTTP reason phrase that we repeat
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
USER_AGENT = f"ml-audio-bot/{__version__} (feed announcer; +https://github.com/ml-audio-bot)"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
_CHUNK = 64 * 1024
# Headers feedparser uses: the charset and the base for relative links.
_PARSER_HEADERS = ("content-type", "content-location", "content-language")


class FetchError(Exception):
    """A fetch that produced no usable document.

    ``kind``: ``blocked`` (SSRF guard), ``timeout``, ``too-large``, ``redirects`` (loop or
    too many), ``gone`` (410), ``throttled`` (429/503, see ``retry_after``), ``http``
    (another status), ``network``.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A 200 with its body, or a 304 (``not_modified``, empty body)."""

    status: int
    url: str  # where the document finally came from
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # set when every redirect hop was permanent (301/308)
    redirects: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def parser_headers(self) -> dict[str, str]:
        """The response headers feedparser should see (the body is already decompressed)."""
        found = {name: self.headers[name] for name in _PARSER_HEADERS if name in self.headers}
        found.setdefault("content-location", self.url)
        return found


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_bytes: int = MAX_BODY_BYTES
    max_redirects: int = MAX_REDIRECTS
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    per_host: int = 2
    politeness: float = 1.0  # seconds between two request starts on one host


class _HostGate:
    """At most ``per_host`` requests at once on one host, starts ``delay`` seconds apart."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.delay = delay
        self.next_start = 0.0
        self.lock = asyncio.Lock()

    async def wait_turn(self) -> None:
        loop = asyncio.get_running_loop()
        async with self.lock:
            now = loop.time()
            start = max(now, self.next_start)
            self.next_start = start + self.delay
        if start > now:
            await asyncio.sleep(start - now)


class Fetcher:
    """Fetches feed documents; use as ``async with Fetcher(guard) as fetcher``."""

    def __init__(
        self,
        guard: UrlGuard,
        limits: FetchLimits | None = None,
        *,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.guard = guard
        self.limits = limits or FetchLimits()
        self.user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None
        self._gates: dict[str, _HostGate] = {}
        self.requests = 0  # counters for `feeds poll` and the benchmark
        self.bytes_received = 0

    async def __aenter__(self) -> Fetcher:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        if self._session is not None:
            return
        connector = aiohttp.TCPConnector(
            resolver=self.guard.resolver(),
            limit=100,
            limit_per_host=self.limits.per_host,
            ttl_dns_cache=300,
        )
        timeout = aiohttp.ClientTimeout(
            total=self.limits.total_timeout,
            sock_connect=self.limits.connect_timeout,
            sock_read=self.limits.read_timeout,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers={"User-Agent": self.user_agent, "Accept": ACCEPT},
            # Feeds set cookies for nothing a poller needs; never send them back.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
        )

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Fetch ``url`` conditionally; raise :class:`FetchError` when there is no document."""
        if self._session is None:
            await self.open()
        try:
            async with asyncio.timeout(self.limits.total_timeout * (self.limits.max_redirects + 1)):
                return await self._follow(url, etag, last_modified)
        except TimeoutError:
            raise FetchError("timeout", "the server took too long to answer") from None

    async def _follow(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        current = url
        visited = {url}
        permanent = True
        for hop in range(self.limits.max_redirects + 1):
            self._check(current)
            headers = {"Accept-Encoding": "gzip, deflate"}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            gate = self._gate(current)
            async with gate.slots:
                await gate.wait_turn()
                outcome = await self._request(current, headers)
            if isinstance(outcome, FetchResult):
                moved = current if hop and permanent and current != url else None
                return FetchResult(
                    status=outcome.status,
                    url=current,
                    body=outcome.body,
                    headers=outcome.headers,
                    etag=outcome.etag,
                    last_modified=outcome.last_modified,
                    moved_to=moved,
                    redirects=hop,
                )
            status, location = outcome
            permanent = permanent and status in PERMANENT_REDIRECTS
            try:
                target = str(URL(current).join(URL(location)))
            except ValueError:
                raise FetchError(
                    "http", f"redirect to an invalid location {location[:100]!r}"
                ) from None
            if target in visited:
                raise FetchError("redirects", f"redirect loop at {target[:200]}")
            visited.add(target)
            current = target
        raise FetchError(
            "redirects", f"more than {self.limits.max_redirects} redirects (last: {current[:200]})"
        )

    def _check(self, url: str) -> None:
        try:
            self.guard.check_url(url)
        except BlockedURL as error:
            raise FetchError("blocked", str(error)) from None

    def _gate(self, url: str) -> _HostGate:
        host = (URL(url).host or "").lower()
        gate = self._gates.get(host)
        if gate is None:
            gate = _HostGate(self.limits.per_host, self.limits.politeness)
            self._gates[host] = gate
        return gate

    async def _request(self, url: str, headers: dict[str, str]) -> FetchResult | tuple[int, str]:
        """One HTTP exchange: a result, or ``(status, location)`` of a redirect."""
        assert self._session is not None
        self.requests += 1
        try:
            async with self._session.get(url, headers=headers, allow_redirects=False) as response:
                status = response.status
                if status in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError("http", f"HTTP {status} without a Location", status=status)
                    return status, location
                if status == 304:
                    return self._result(response, b"")
                if status == 410:
                    raise FetchError("gone", "HTTP 410 Gone: the feed was removed", status=410)
                if status in (429, 503):
                    retry = parse_retry_after(response.headers.get("Retry-After"))
                    raise FetchError(
                        "throttled",
                        _status_line(status, response.reason),
                        status=status,
                        retry_after=retry,
                    )
                if status != 200:
                    raise FetchError("http", _status_line(status, response.reason), status=status)
                body = await self._read_capped(response)
                return self._result(response, body)
        except FetchError:
            raise
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, BlockedURL):
                raise FetchError("blocked", str(error.os_error)) from None
            raise FetchError("network", f"cannot connect: {error.os_error}") from None
        except TimeoutError:
            raise FetchError("timeout", "the server took too long to answer") from None
        except (aiohttp.ClientError, OSError) as error:
            raise FetchError("network", f"{type(error).__name__}: {error}"[:300]) from None

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        cap = self.limits.max_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            raise FetchError("too-large", f"the feed is {declared} bytes, over the {cap} limit")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            self.bytes_received += len(chunk)
            if size > cap:
                raise FetchError("too-large", f"the feed is over the {cap} byte limit")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _result(response: aiohttp.ClientResponse, body: bytes) -> FetchResult:
        headers = {name.lower(): value for name, value in response.headers.items()}
        return FetchResult(
            status=response.status,
            url=str(response.url),
            body=body,
            headers=headers,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _status_line(status: int, reason: str | None) -> str:
    """``HTTP 503 Busy``; the remote reason phrase is capped (it ends up in replies and logs)."""
    return f"HTTP {status} {truncate(reason or '', REASON_MAX)}".strip()
