"""A fault-injecting Stripe stand-in on 127.0.0.1, for load tests of retries and timeouts.

It speaks HTTP/1.1 itself (asyncio streams in a background thread) because the
faults need byte-level control: resets, bodies shorter than their
``Content-Length``, invalid JSON, stalls and one-byte-at-a-time trickles.

``POST /v1/billing_portal/sessions`` follows Stripe's idempotency rules: the
first request per ``Idempotency-Key`` that executes creates a session (portal
URL on a custom domain, ``https://billing.example.com/p/session/test_<secret>``);
later ones replay it with ``Idempotent-Replayed: true``. Faults that happen
"before" leave nothing behind (a proxy error, a lock, a rate limit); faults
"after" create the session and then lose or garble the answer.

Each request draws a fault with ``probability`` from ``kinds``. A request that
carries ``X-Test-Call: <n>`` (the load harness adds it) draws from an RNG seeded
by ``(seed, n, attempt)``, so runs are reproducible however threads interleave.
:meth:`FaultServer.force` queues exact faults for the next requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import secrets
import socket
import struct
import threading
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import attrs

SESSIONS_PATH = "/v1/billing_portal/sessions"
PORTAL_HOST = "https://billing.example.com"  # a custom domain: masking must not need stripe.com

# Answered before the session exists: nothing is created, a retry may succeed.
BEFORE = (
    "http_500",
    "http_502_html",
    "http_503",
    "http_409_lock",
    "http_429",
    "no_retry_5xx",
    "reset_before",
    "stall",
)
# The session is created, then the answer is lost, cut, garbled or too slow.
AFTER = ("reset_after", "cut_body", "bad_json", "trickle")
FAULT_KINDS = BEFORE + AFTER
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
_REASONS |= {409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error"}
_REASONS |= {502: "Bad Gateway", 503: "Service Unavailable"}


def _error(status: int, err_type: str, message: str, **extra: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"type": err_type, "message": message, **extra}}).encode()


_CANNED: dict[str, tuple[int, bytes, dict[str, str]]] = {
    "http_500": (*_error(500, "api_error", "An unknown error occurred."), {}),
    "http_502_html": (
        502,
        b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>",
        {"Content-Type": "text/html"},
    ),
    "http_503": (*_error(503, "api_error", "The service is temporarily unavailable."), {}),
    "http_409_lock": (
        *_error(
            409,
            "invalid_request_error",
            "This object cannot be accessed right now because another API request or "
            "Stripe process is currently accessing it.",
            code="lock_timeout",
        ),
        {},
    ),
    "http_429": (
        *_error(429, "invalid_request_error", "Too many requests.", code="rate_limit"),
        {"Retry-After": "1"},
    ),
    "no_retry_5xx": (
        *_error(500, "api_error", "An error occurred that retrying will not fix."),
        {"Stripe-Should-Retry": "false"},
    ),
}


@attrs.define
class Stats:
    """What the server saw and did; read it after a run (a copy, safe to keep)."""

    requests: int = 0
    faults: Counter[str] = attrs.field(factory=Counter)
    sessions_created: int = 0
    replays: int = 0
    sessions_per_key: Counter[str] = attrs.field(factory=Counter)
    sessions_per_call: dict[int, list[str]] = attrs.field(factory=dict)
    faults_per_call: dict[int, list[str | None]] = attrs.field(factory=dict)  # per request

    @property
    def duplicate_calls(self) -> int:
        """Logical calls that created more than one session (a retry with a new key)."""
        return sum(1 for ids in self.sessions_per_call.values() if len(ids) > 1)

    @property
    def duplicate_keys(self) -> int:
        """Idempotency keys that created more than one session (broken idempotency)."""
        return sum(1 for n in self.sessions_per_key.values() if n > 1)


@attrs.define
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FaultServer:
    """Serve the faulty endpoint on 127.0.0.1 (a free port) from a background thread.

    Use as a context manager. ``stall`` is how long a stalled request is held
    (released early when the client hangs up or the server stops); ``trickle``
    is how long a trickled response takes to send, one byte at a time.
    """

    SECRET_LENGTH = 29  # "test_" and 24 URL-safe characters

    def __init__(
        self,
        *,
        probability: float = 0.2,
        kinds: Iterable[str] = FAULT_KINDS,
        seed: int = 0,
        stall: float = 1.5,
        trickle: float = 1.5,
    ) -> None:
        self.kinds = tuple(kinds)
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.probability = probability
        self.seed = seed
        self.stall = stall
        self.trickle = trickle
        self._rng = random.Random(seed)
        self._script: deque[str | None] = deque()
        self._lock = threading.Lock()
        self._stats = Stats()
        self._sessions: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}  # key -> session
        self._secrets: set[str] = set()
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # -- control -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def force(self, *kinds: str | None) -> None:
        """Answer the next requests with these faults, in order (``None``: no fault)."""
        for kind in kinds:
            if kind is not None and kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._script.extend(kinds)

    def stats(self) -> Stats:
        with self._lock:
            return attrs.evolve(
                self._stats,
                faults=Counter(self._stats.faults),
                sessions_per_key=Counter(self._stats.sessions_per_key),
                sessions_per_call={k: list(v) for k, v in self._stats.sessions_per_call.items()},
                faults_per_call={k: list(v) for k, v in self._stats.faults_per_call.items()},
            )

    def session_for_key(self, key: str) -> dict[str, Any] | None:
        """The session this key created, or ``None``."""
        with self._lock:
            found = self._sessions.get(key)
        return None if found is None else dict(found[0])

    def issued_secrets(self) -> frozenset[str]:
        """The secret part of every portal URL issued so far (for leak scans)."""
        with self._lock:
            return frozenset(self._secrets)

    def is_issued(self, candidate: str) -> bool:
        """Whether ``candidate`` is an issued secret; cheap, for scanning while serving."""
        return candidate in self._secrets  # one set lookup: atomic, needs no lock

    def start(self) -> FaultServer:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = started.result(timeout=10)
        return self

    def stop(self) -> None:
        """Close the listener and every open connection (stalls and trickles end now)."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- serving -------------------------------------------------------------------

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(
            self._connection, "127.0.0.1", 0, backlog=4096, limit=1 << 16
        )
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except (
            ConnectionError,
            ValueError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass  # the client went away or sent garbage: nothing more to answer
        except asyncio.CancelledError:
            pass  # stop(): end quietly (a cancelled handler task makes asyncio log an error)
        finally:
            self._tasks.discard(task)
            writer.transport.abort()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Serve one request; ``False`` when the connection is to be closed."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False  # a clean close between requests
        request = _parse_head(head)
        length = int(request.headers.get("content-length") or 0)
        request.body = await reader.readexactly(length) if length else b""
        fault = self._draw(request)
        if fault in _CANNED:
            status, body, headers = _CANNED[fault]
            await _send(writer, status, body, headers)
            return True
        if fault == "reset_before":
            _reset(writer)
            return False
        if fault == "stall":
            await self._hold(reader)
            return False
        status, body, headers = self._execute(request)
        if fault is None or status != 200:
            await _send(writer, status, body, headers)
            return True
        if fault == "reset_after":
            _reset(writer)
        elif fault == "cut_body":
            raw = _head(status, headers, len(body) + 64) + body[: len(body) // 2]
            writer.write(raw)
            await writer.drain()
        elif fault == "bad_json":
            await _send(writer, status, body[: len(body) * 2 // 3], headers)
            return True
        elif fault == "trickle":
            await self._trickle(writer, _head(status, headers, len(body)) + body)
        return False

    def _draw(self, request: _Request) -> str | None:
        """The fault for this request: scripted first, else a seeded draw."""
        call = _call_number(request.headers)
        with self._lock:
            self._stats.requests += 1
            drawn = self._stats.faults_per_call.setdefault(call, []) if call is not None else []
            if self._script:
                fault = self._script.popleft()
            else:
                seeded = call is not None
                rng = random.Random(f"{self.seed}/{call}/{len(drawn)}") if seeded else self._rng
                hit = self.kinds and rng.random() < self.probability
                fault = rng.choice(self.kinds) if hit else None
            drawn.append(fault)
            if fault is not None:
                self._stats.faults[fault] += 1
        return fault

    def _execute(self, request: _Request) -> tuple[int, bytes, dict[str, str]]:
        """Stripe's side of the call: refuse, replay, or create one session per key."""
        auth = request.headers.get("authorization", "")
        if not auth.startswith(("Bearer sk_test_", "Bearer rk_test_")):
            return (*_error(401, "invalid_request_error", "Invalid API Key provided."), {})
        if (request.method, request.path) != ("POST", SESSIONS_PATH):
            return (*_error(404, "invalid_request_error", "Unrecognized request URL."), {})
        params = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        key = request.headers.get("idempotency-key", "")
        call = _call_number(request.headers)
        headers = {"Request-Id": f"req_fault{next(self._ids):08d}"}
        with self._lock:
            found = self._sessions.get(key) if key else None
            if found is not None:
                session, first_params = found
                if first_params != params:
                    return (*_error(400, "idempotency_error", "Keys must match parameters."), {})
                self._stats.replays += 1
                headers["Idempotent-Replayed"] = "true"
            else:
                session = self._new_session(params)
                self._stats.sessions_created += 1
                if call is not None:
                    self._stats.sessions_per_call.setdefault(call, []).append(session["id"])
                if key:
                    self._stats.sessions_per_key[key] += 1
                    self._sessions[key] = (session, params)
        if key:
            headers["Idempotency-Key"] = key
        return 200, json.dumps(session).encode(), headers

    def _new_session(self, params: dict[str, str]) -> dict[str, Any]:
        secret = f"test_{secrets.token_urlsafe(18)}"  # SECRET_LENGTH characters of [A-Za-z0-9_-]
        self._secrets.add(secret)
        # The url comes second, so a cut or garbled body still holds the secret.
        return {
            "id": f"bps_{len(self._secrets)}",
            "url": f"{PORTAL_HOST}/p/session/{secret}",
            "object": "billing_portal.session",
            "configuration": "bpc_fault",
            "created": 1764028800,
            "customer": params.get("customer"),
            "customer_account": None,
            "flow": None,
            "livemode": False,
            "locale": None,
            "on_behalf_of": None,
            "return_url": params.get("return_url"),
        }

    async def _hold(self, reader: asyncio.StreamReader) -> None:
        """Answer nothing until the client hangs up, ``stall`` passes, or the server stops."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(1), self.stall)

    async def _trickle(self, writer: asyncio.StreamWriter, raw: bytes) -> None:
        """Send ``raw`` a byte at a time so that the whole takes ``trickle`` seconds."""
        pause = self.trickle / len(raw)
        for i in range(len(raw)):
            if writer.is_closing():
                return
            writer.write(raw[i : i + 1])
            await writer.drain()
            await asyncio.sleep(pause)


def _call_number(headers: dict[str, str]) -> int | None:
    value = headers.get("x-test-call", "")
    return int(value) if value.isdigit() else None


def _parse_head(head: bytes) -> _Request:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return _Request(method, path, headers, b"")


def _head(status: int, headers: dict[str, str], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    all_headers = {"Content-Type": "application/json", **headers, "Content-Length": str(length)}
    lines += [f"{name}: {value}" for name, value in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _send(
    writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str]
) -> None:
    writer.write(_head(status, headers, len(body)) + body)
    await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (linger 0), not a FIN: the client sees a connection reset."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
