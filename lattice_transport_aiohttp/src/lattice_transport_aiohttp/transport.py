"""A pooled `aiohttp` transport, created lazily inside the running event loop.

One `aiohttp.ClientSession` per transport, made on the first request so it
belongs to the loop that uses it. Its `TCPConnector` caps open connections
(`limit`); TLS certificates are verified. Proxy settings come from the
environment (`HTTPS_PROXY`, `NO_PROXY`...), read once per URL: aiohttp's
own `trust_env` re-reads them, and netrc, in a worker thread on every
request, which costs more CPU than the rest of the call. Use one transport (one
client) per event loop.
"""

from __future__ import annotations

import asyncio
import urllib.request

import aiohttp

from lattice_core import ConfigurationError, LatticeError, Request, Response
from lattice_core.http import split_url
from lattice_core.transport import (
    AsyncTransport,
    attempt_timeout,
    closed_error,
    no_answer_error,
)

__all__ = ["AiohttpTransport"]

_FAILURES = (asyncio.TimeoutError, aiohttp.ClientError, OSError, RuntimeError)
_HTTP_VERSIONS: dict[object, str] = {(1, 1): "1.1", (1, 0): "1.0"}  # aiohttp speaks HTTP/1
_HTTP_11 = aiohttp.HttpVersion11  # the parser hands back this very object for HTTP/1.1


def _mapped(request: Request, exc: BaseException, transport: AiohttpTransport) -> LatticeError:
    """The Lattice error for an aiohttp / asyncio failure (its cause a masked summary).

    A failure because the client was closed mid-call is the `ConfigurationError`
    of a closed client instead, so it is not retried. aiohttp's exceptions
    carry the request, `Authorization` header included: they are never chained.
    """
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return no_answer_error(request, exc, timed_out=True)
    if transport.closed:
        return closed_error()
    return no_answer_error(request, exc, timed_out=False)


class AiohttpTransport(AsyncTransport):
    """Send requests through one pooled `aiohttp.ClientSession`.

    Each attempt may take `request.timeout` seconds in all, from waiting for
    a pooled connection to reading the last byte (the client's `timeout`).
    Pass an instance as `AsyncClient(transport=AiohttpTransport(limit=...))`;
    the client's `timeout` still applies.

    Args:
        timeout: Caps each attempt's seconds, if given; the client's `timeout`
            applies too, and the shorter wins.
        limit: How many connections may be open at once; further calls wait for
            a free one.
    """

    user_agent = f"aiohttp/{aiohttp.__version__}"
    """`aiohttp/` and the installed aiohttp version, for the `User-Agent` header."""

    def __init__(self, *, timeout: float | None = None, limit: int = 100) -> None:
        self._own_timeout = timeout
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed: bool = False
        """Whether `aclose()` was called; a closed transport sends nothing."""
        self._proxies: dict[str, str | None] = {}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    def _proxy_for(self, url: str) -> str | None:
        try:
            return self._proxies[url]  # a client calls a handful of URLs, over and over
        except KeyError:
            pass
        parts = split_url(url)
        bypass = bool(urllib.request.proxy_bypass(parts.host))
        proxy = None if bypass else urllib.request.getproxies().get(parts.scheme)
        if len(self._proxies) < 256:
            self._proxies[url] = proxy
        return proxy

    def _timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        # ``total`` bounds the whole attempt: the wait for a pooled connection,
        # connecting, sending and reading the full body (a server trickling bytes
        # cannot stretch it). A per-read or per-connect timer as long as that adds
        # nothing but a timer rescheduled on every chunk read.
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=seconds)
            if len(self._timeouts) < 64:  # a retry deadline makes many distinct values
                self._timeouts[seconds] = timeout
        return timeout

    @property
    def session_opened(self) -> bool:
        """Whether the pooled session exists (it is made on the first request)."""
        return self._session is not None and not self._session.closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self.closed:
            raise closed_error()
        loop = asyncio.get_running_loop()
        if self._session is None:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                trust_env=False,  # proxies come from _proxy_for, read once per URL
                auto_decompress=True,
                # Stripe's API sets no cookies a client should send back: none are kept
                # or sent, as with the requests transport.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        elif loop is not self._loop:
            raise ConfigurationError(
                "this AsyncClient (its aiohttp session) belongs to another event loop; "
                "create one AsyncClient per event loop, inside that loop."
            )
        return self._session

    async def handle_async_request(self, request: Request) -> Response:
        """Send `request` once, redirects not followed, and return the answer.

        Args:
            request: The attempt the client sends.

        Returns:
            The status, headers (lower-cased names) and whole body.

        Raises:
            APIConnectionError: No HTTP answer came in time (the cause summarised
                and masked).
            ConfigurationError: The transport was closed, or is used from another
                event loop than the one it started in.
        """
        session = self._get_session()
        seconds = attempt_timeout(request, self._own_timeout)
        try:
            raw = await session.request(
                request.method,
                request.url,
                data=request.content or None,
                headers=request.headers,
                allow_redirects=False,
                proxy=self._proxy_for(request.url),
                timeout=self._timeout(seconds),
            )
            try:
                content = await raw.read()
            finally:
                raw.release()  # the connection back to the pool (the body is read whole)
            names = map(str.lower, raw.headers.keys())
            headers = dict(zip(names, raw.headers.values(), strict=True))
            return Response(
                status_code=raw.status,
                headers=headers,
                content=content,
                http_version="1.1" if raw.version is _HTTP_11 else _HTTP_VERSIONS.get(raw.version),
            )
        except _FAILURES as exc:
            if isinstance(exc, RuntimeError) and not self.closed:
                raise  # a bug, not a network failure: the flow reports it as it is
            failure: BaseException = exc
        # Raised outside the except block, so aiohttp's exception is not chained as
        # __context__ either.
        raise _mapped(request, failure, self)

    async def aclose(self) -> None:
        """Close the pooled session; calling it twice is harmless."""
        self.closed = True
        if self._session is not None:
            await self._session.close()
