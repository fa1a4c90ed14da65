"""The request and response data every transport and every hook sees.

Plain data, no I/O: the pipeline builds a [`Request`][lattice_core.Request], a
transport turns it into a [`Response`][lattice_core.Response], the pipeline
decodes it. Neither `repr` shows a
credential: the `Authorization` header and the response body (which holds the
portal `url`) are masked.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import attrs

from .masking import mask_headers

__all__ = ["Request", "Response", "is_loopback_host"]


@functools.lru_cache(maxsize=64)  # a client per request asks about the same host each time
def is_loopback_host(host: str) -> bool:
    """Whether `host` is this machine: `localhost`, an address in 127.0.0.0/8, or `::1`.

    Only such a host may be reached over plain `http://` (a local fake Stripe).

    Args:
        host: A host name or IP address, without brackets or port.
    """
    if host == "localhost":
        return True
    import ipaddress  # only http:// base URLs get here

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class URLParts(NamedTuple):
    """The parts of a URL that Lattice reads: see [`split_url`][lattice_core.http.split_url]."""

    scheme: str
    """Such as `"https"`."""
    authority: str
    """`host[:port]` as written, without any user info."""
    host: str
    """The host, lower-cased; an IPv6 address without brackets; `""` when there is none."""
    port: int
    """The URL's port, else the scheme's (443 for `https`, 80 otherwise)."""
    path: str
    """Such as `"/v1/billing_portal/sessions"`: no query, no fragment."""

    @property
    def host_port(self) -> str:
        """`host:port`, an IPv6 host in brackets: `api.stripe.com:443`, `[::1]:12111`."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@functools.lru_cache(maxsize=64)  # a client sends to one URL or a few
def split_url(url: str) -> URLParts:
    """Scheme, host, port and path of a URL: the one way Lattice takes a URL apart.

    Lenient, for URLs already checked (a client's `base_url`) or only shown: a
    port that cannot be read counts as none given. Checking a URL is `checks`'
    job, which needs `urlsplit`'s errors.

    Args:
        url: An absolute URL, or a path with a query.

    Returns:
        Its scheme, authority, host, port (the scheme's when none is given)
            and path.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # out of range or not a number: show what is there
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    authority = parts.netloc.rpartition("@")[2]
    return URLParts(parts.scheme, authority, parts.hostname or "", port, parts.path)


@attrs.define(slots=True, repr=False, eq=False)
class Request:
    """One HTTP request to Stripe, shared by every attempt of a call.

    The pipeline builds it; `before_request` hooks may change `headers`,
    `context` and `timeout` before each attempt, and a transport sends it.
    """

    method: str
    """The HTTP method, such as `"POST"`."""
    url: str
    """The full URL: the client's `base_url` and the API path."""
    headers: dict[str, str]
    """The headers to send, `Authorization` and `Idempotency-Key` included."""
    params: Mapping[str, Any]
    """The params the body was encoded from, for hooks that want to see what was asked."""
    content: bytes = b""
    """The form-encoded body: the same bytes on every attempt."""
    attempt: int = 1
    """Which attempt this is, counting from 1."""
    context: dict[str, Any] = attrs.field(factory=dict)
    """Scratch space for plugins, kept across the attempts of one call.

    For example a start time stamped in `before_request` and read in
    `after_response`.
    """
    timeout: float | None = None
    """Seconds this attempt may take to connect, and again to read.

    The client's `timeout`, which a `before_request` hook may shorten (the retry
    deadline does); transports honour it. `None`: the transport's own default.
    """

    @property
    def path(self) -> str:
        """The URL's path, such as `"/v1/billing_portal/sessions"`: no host, no query."""
        return split_url(self.url).path

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, url={self.url!r}, "
            f"headers={mask_headers(self.headers)!r}, attempt={self.attempt}, "
            f"timeout={self.timeout!r})"
        )


@attrs.define(slots=True, repr=False, eq=False)
class Response:
    """What a transport got back: status, headers and raw bytes."""

    status_code: int
    """The HTTP status, such as `200` or `400`."""
    headers: Mapping[str, str]
    """The response headers, names lower-cased."""
    content: bytes = b""
    """The raw body."""
    body: Any = None
    """The decoded JSON, filled in by the pipeline before `after_response` hooks run.

    `None` when the body is not JSON (or until it is decoded).
    """
    http_version: str | None = None
    """The HTTP version the answer came in, such as `"1.1"` or `"2"`.

    `None` when the transport does not say (the test doubles do not).
    """

    @property
    def request_id(self) -> str | None:
        """Stripe's `Request-Id` header, the handle Stripe support asks for."""
        return self.headers.get("request-id")

    def __repr__(self) -> str:
        return (
            f"Response(status_code={self.status_code}, request_id={self.request_id!r}, "
            f"content=<{len(self.content)} bytes>)"
        )
