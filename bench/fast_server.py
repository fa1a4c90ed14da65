"""A fast fake of ``POST /v1/billing_portal/sessions``, for throughput benchmarks only.

The bundled fake (``python -m lattice_core.testing``) is a ``ThreadingHTTPServer``
that validates like Stripe; at 64 concurrent connections its thread per connection
and the GIL make it the bottleneck, which squashes every client ratio toward 1.
This one is a single asyncio ``Protocol``: HTTP/1.1 keep-alive, ``Content-Length``
framing, and a ``billing_portal.session`` shaped as the bundled fake's (and
Stripe's) with a fresh id, portal URL and ``Request-Id`` per call. It checks only
the method, path and a test key, so the server's share of each call stays small.

Run: ``python bench/fast_server.py`` prints ``... listening on http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from urllib.parse import parse_qsl

SESSIONS_PATH = b"/v1/billing_portal/sessions"
_counter = itertools.count(1)


def _session(form: bytes) -> dict[str, object]:
    params = dict(parse_qsl(form.decode()))
    return {
        "id": f"bps_fast{next(_counter):06d}{secrets.token_hex(4)}",
        "object": "billing_portal.session",
        "configuration": params.get("configuration") or "bpc_fakedefault",
        "created": int(time.time()),
        "customer": params.get("customer", ""),
        "customer_account": params.get("customer_account"),
        "flow": None,
        "livemode": False,
        "locale": params.get("locale"),
        "on_behalf_of": params.get("on_behalf_of"),
        "return_url": params.get("return_url"),
        "url": f"https://billing.stripe.com/p/session/test_{secrets.token_urlsafe(24)}",
    }


def _error(status: int, message: str) -> tuple[int, dict[str, object]]:
    return status, {"error": {"type": "invalid_request_error", "message": message}}


def answer(
    method: bytes, path: bytes, headers: dict[bytes, bytes], body: bytes
) -> tuple[int, dict[str, object]]:
    """Status and JSON body for one request."""
    if not headers.get(b"authorization", b"").startswith((b"Bearer sk_test_", b"Bearer rk_test_")):
        return _error(401, "Invalid API Key provided.")
    if method != b"POST" or path.split(b"?", 1)[0] != SESSIONS_PATH:
        return _error(404, "Unrecognized request URL.")
    return 200, _session(body)


_REASONS = {200: b"OK", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found"}


class _Protocol(asyncio.Protocol):
    """One connection: parse requests from the buffer, answer each in one write."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None and self._serve_one():
            pass

    def _serve_one(self) -> bool:
        """Answer the first complete request in the buffer; ``False`` if there is none."""
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = bytes(self._buffer[:end]).split(b"\r\n")
        method, path, _ = lines[0].split(b" ", 2)
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"transfer-encoding" in headers:  # every client here sends Content-Length
            self._reply(411, _error(411, "Send Content-Length.")[1], b"", close=True)
            return False
        length = int(headers.get(b"content-length", b"0"))
        start = end + 4
        if len(self._buffer) < start + length:
            return False
        body = bytes(self._buffer[start : start + length])
        del self._buffer[: start + length]
        status, payload = answer(method, path, headers, body)
        close = headers.get(b"connection", b"").lower() == b"close"
        self._reply(status, payload, headers.get(b"idempotency-key", b""), close=close)
        return True

    def _reply(
        self, status: int, payload: dict[str, object], idempotency_key: bytes, *, close: bool
    ) -> None:
        assert self._transport is not None
        body = json.dumps(payload).encode()
        head = [
            b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, b"Error")),
            b"Content-Type: application/json",
            b"Content-Length: %d" % len(body),
            b"Request-Id: req_" + secrets.token_hex(7).encode(),
            b"Stripe-Version: 2026-10-28.endive",
        ]
        if idempotency_key:
            head.append(b"Idempotency-Key: " + idempotency_key)
        if close:
            head.append(b"Connection: close")
        self._transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        if close:
            self._transport.close()
            self._transport = None


async def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Listen on ``host:port`` (0: a free port), print the URL, serve until killed."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Protocol, host, port)
    bound = server.sockets[0].getsockname()[1]
    print(f"fast fake Stripe listening on http://{host}:{bound}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    import contextlib

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
