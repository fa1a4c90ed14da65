"""The request and response data every transport and every hook sees.

Plain data, no I/O: the pipeline builds a :class:`Request`, a transport turns it
into a :class:`Response`, the pipeline decodes it. Neither `repr` shows a
credential: the `Authorization` header and the response body (which holds the
portal `url`) are masked.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

from .masking import mask_headers

__all__ = ["Request", "Response", "is_loopback_host"]


@functools.lru_cache(maxsize=64)  # a client per request asks about the same host each time
def is_loopback_host(host: str) -> bool:
    """True for `localhost` and addresses in 127.0.0.0/8 or `::1`."""
    if host == "localhost":
        return True
    import ipaddress  # only http:// base URLs get here

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@attrs.define(slots=True, repr=False, eq=False)
class Request:
    """One HTTP request to Stripe, shared by every attempt of a call.

    `headers` may be changed by `before_request` hooks; `content` is the
    form-encoded body built from `params` (kept for hooks that want to look at
    what was asked). `attempt` counts from 1 and `context` is scratch space
    for plugins (for example a start time stamped in `before_request` and read
    in `after_response`). `timeout` is the seconds this attempt may take to
    connect, and again to read: the client's `timeout`, which a
    `before_request` hook may shorten (the retry deadline does); transports
    honour it (`None`: the transport's own default).
    """

    method: str
    url: str
    headers: dict[str, str]
    params: Mapping[str, Any]
    content: bytes = b""
    attempt: int = 1
    context: dict[str, Any] = attrs.field(factory=dict)
    timeout: float | None = None

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, url={self.url!r}, "
            f"headers={mask_headers(self.headers)!r}, attempt={self.attempt}, "
            f"timeout={self.timeout!r})"
        )


@attrs.define(slots=True, repr=False, eq=False)
class Response:
    """What a transport got back: status, headers (lower-cased names), raw bytes.

    `body` is the decoded JSON, filled in by the pipeline before
    `after_response` hooks run (`None` when the body is not JSON).
    """

    status_code: int
    headers: Mapping[str, str]
    content: bytes = b""
    body: Any = None

    @property
    def request_id(self) -> str | None:
        """Stripe's `Request-Id` header, the handle Stripe support asks for."""
        return self.headers.get("request-id")

    def __repr__(self) -> str:
        return (
            f"Response(status_code={self.status_code}, request_id={self.request_id!r}, "
            f"content=<{len(self.content)} bytes>)"
        )
