"""A feed server on 127.0.0.1 for the tests: files, conditional GET and hostile answers.

Routes are plain functions registered per test (``server.route(path, handler)``); every
request is recorded, so tests can assert what the poller sent (validators, counts).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]


@dataclass
class FeedServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == path]

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def document(
        self,
        path: str,
        body: bytes | Callable[[], bytes],
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        validators: bool = True,
    ) -> str:
        """Serve ``body`` with ETag/Last-Modified and answer 304 to matching validators."""

        async def handler(request: web.Request) -> web.StreamResponse:
            data = body() if callable(body) else body
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            if validators and request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            headers = {"Content-Type": content_type}
            if validators:
                headers["ETag"] = etag
                headers["Last-Modified"] = formatdate(0, usegmt=True)
            return web.Response(body=data, headers=headers)

        return self.route(path, handler)

    def file(self, path: str, file: Path, **options: object) -> str:
        return self.document(path, file.read_bytes(), **options)  # type: ignore[arg-type]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(SeenRequest(request.path, dict(request.headers)))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)


async def slow_body(
    request: web.Request, total_bytes: int = 120, delay: float = 1.0
) -> web.StreamResponse:
    """One byte per ``delay`` seconds: only a total timeout ends it."""
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    for _ in range(total_bytes):
        await response.write(b" ")
        await asyncio.sleep(delay)
    return response


async def huge_body(request: web.Request, megabytes: int = 50) -> web.StreamResponse:
    """``megabytes`` MB of feed-looking bytes, streamed without a Content-Length."""
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
    chunk = b"<item><title>x</title></item>" * 2048
    sent = 0
    while sent < megabytes * 1024 * 1024:
        await response.write(chunk)
        sent += len(chunk)
    return response


def rss(items: list[dict[str, str]], *, title: str = "Test feed", extra: str = "") -> bytes:
    """A small RSS 2.0 document; each item may set guid, title, link, date, description."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{title}</title><link>http://example.com/</link><description>t</description>",
        extra,
    ]
    for item in items:
        parts.append("<item>")
        if "guid" in item:
            parts.append(f'<guid isPermaLink="false">{item["guid"]}</guid>')
        for tag, key in (("title", "title"), ("link", "link"), ("pubDate", "date")):
            if key in item:
                parts.append(f"<{tag}>{item[key]}</{tag}>")
        if "description" in item:
            parts.append(f"<description><![CDATA[{item['description']}]]></description>")
        if "author" in item:
            parts.append(f"<author>{item['author']}</author>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")
