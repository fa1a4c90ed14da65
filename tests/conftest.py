"""Shared fixtures: a scripted loopback HTTP server, wire fixtures over every transport,
and suite-wide guards that no log record or Lattice error ever carries a secret."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from lattice_core import AsyncClient, Client, LatticeError, Request, Response
from lattice_core.billing_portal import Session
from lattice_core.testing import AsyncStubTransport, LoopbackServer, StubTransport, decode_form

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "stripe-openapi"

API_KEY = "sk_test_51LatticeSuiteKey0123456789abcdef"
# An unmasked Stripe key anywhere in output is a leak; masked ones read "sk_test_…abcd".
# Only a letter or digit before the prefix makes it another word: "x_sk_live_..." is a key.
UNMASKED_KEY = re.compile(r"(?<![0-9A-Za-z])(?:sk|rk)_(?:test_|live_)?[0-9A-Za-z]{6,}")
UNMASKED_BEARER = re.compile(r"Bearer (?!\*\*\*)")
UNMASKED_PORTAL_URL = re.compile(
    r"billing\.stripe\.com(?:/|%2F)p(?:/|%2F)session(?:/|%2F)(?!\*\*\*)", re.IGNORECASE
)
LEAKS = (
    (UNMASKED_KEY, "a secret key"),
    (UNMASKED_BEARER, "an Authorization value"),
    (UNMASKED_PORTAL_URL, "a portal url"),
)

SESSION_JSON: dict[str, Any] = {
    "id": "bps_123",
    "object": "billing_portal.session",
    "configuration": "bpc_123",
    "created": 1764028800,
    "customer": "cus_123",
    "customer_account": None,
    "flow": None,
    "livemode": False,
    "locale": None,
    "on_behalf_of": None,
    "return_url": "https://example.com/account",
    "url": "https://billing.stripe.com/p/session/test_SECRET_PORTAL_TOKEN",
}


@attrs.define
class Seen:
    """One request as the far end saw it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    peer: Any = None

    @property
    def params(self) -> dict[str, Any]:
        return decode_form(self.body)


class ScriptedApp:
    """Answers from a queue of (status, headers, body); records what it saw."""

    def __init__(self) -> None:
        self.answers: deque[tuple[int, dict[str, str], bytes]] = deque()
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.release.set()
        self._lock = threading.Lock()

    def add(self, status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", "Request-Id": "req_scripted"}
        all_headers.update(headers or {})
        self.answers.append((status, all_headers, raw))

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        with self._lock:
            self.seen.append(Seen(method, path, {k.lower(): v for k, v in headers.items()}, body))
            answer = self.answers.popleft() if self.answers else None
        self.release.wait(timeout=30)
        if answer is None:
            return 500, {"Content-Type": "text/plain"}, b"no scripted answer"
        return answer


@pytest.fixture
def scripted() -> Iterator[tuple[ScriptedApp, str]]:
    """A real HTTP server on 127.0.0.1 answering from a script."""
    app = ScriptedApp()
    with LoopbackServer(app) as server:
        yield app, server.url
        app.release.set()


class Caller:
    """A client of either kind behind one blocking ``create``, for contract tests."""

    def __init__(self, client: Client | AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self._loop = loop

    def create(self, params: Any, **options: Any) -> Session:
        if isinstance(self.client, AsyncClient):
            call = Session.create_async(self.client, params, **options)
            return self._loop.run_until_complete(call)
        return Session.create(self.client, params, **options)


class Wire:
    """A client plus what the far end saw, the same for every transport, sync and async.

    ``answer(status, body, headers)`` scripts the next response; ``seen`` lists
    the requests as they arrived.
    """

    def __init__(self, kind: str, app: ScriptedApp, base_url: str | None) -> None:
        self.kind = kind
        self.app = app
        self.is_async = kind in ASYNC_KINDS
        self.loop = asyncio.new_event_loop()
        self._base_url = base_url
        self._clients: list[Client | AsyncClient] = []

    def client(self, **options: Any) -> Caller:
        options.setdefault("max_retries", 0)
        if self._base_url is not None:
            options.setdefault("base_url", self._base_url)
        client: Client | AsyncClient
        if self.kind == "stub":
            client = Client(API_KEY, transport=_stub_for(self.app), **options)
        elif self.kind == "async-stub":
            client = AsyncClient(API_KEY, transport=_async_stub_for(self.app), **options)
        elif self.kind == "aiohttp":
            client = AsyncClient(API_KEY, transport="aiohttp", **options)
        else:
            client = Client(API_KEY, transport="requests", **options)
        self._clients.append(client)
        return Caller(client, self.loop)

    def answer(
        self, status: int, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.app.add(status, body, headers)

    @property
    def seen(self) -> list[Seen]:
        return self.app.seen

    def close(self) -> None:
        for client in self._clients:
            if isinstance(client, AsyncClient):
                self.loop.run_until_complete(client.close())
            else:
                client.close()
        self.loop.close()


def _handler_for(app: ScriptedApp) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        path = "/" + request.url.split("://", 1)[1].split("/", 1)[1]
        status, headers, body = app(request.method, path, request.headers, request.content)
        return Response(status, {k.lower(): v for k, v in headers.items()}, body)

    return handler


def _stub_for(app: ScriptedApp) -> StubTransport:
    return StubTransport(handler=_handler_for(app))


def _async_stub_for(app: ScriptedApp) -> AsyncStubTransport:
    return AsyncStubTransport(handler=_handler_for(app))


SYNC_KINDS = ("stub", "requests")
ASYNC_KINDS = ("async-stub", "aiohttp")


@pytest.fixture(params=SYNC_KINDS + ASYNC_KINDS)
def wire(request: pytest.FixtureRequest) -> Iterator[Wire]:
    """Contract fixture: the same tests run over stub and real HTTP, sync and async."""
    app = ScriptedApp()
    if request.param in ("stub", "async-stub"):
        wire = Wire(request.param, app, None)
        yield wire
        wire.close()
    else:
        with LoopbackServer(app) as server:
            wire = Wire(request.param, app, server.url)
            yield wire
            app.release.set()
            wire.close()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[list[logging.LogRecord]]:
    """Every test runs with DEBUG logging captured; no record may hold a key or portal URL."""
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    for record in handler.records:
        # The message, and every field a handler could print (structured ``record.lattice``
        # fields, arguments, an exception's text), not only the formatted message.
        text = " ".join([record.getMessage(), *map(repr, vars(record).values())])
        for pattern, what in LEAKS:
            if pattern.search(text):  # pytest.fail, not assert: an assert would print the match
                pytest.fail(f"{what} in a log record of {record.name!r}", pytrace=False)


def leaked_errors(errors: list[LatticeError]) -> list[str]:
    """Names of the errors whose message or repr shows the suite's key."""
    secret = API_KEY[len("sk_test_") : -4]  # all but what masking may show
    texts = ((e, (str(e), repr(e), str(getattr(e, "message", "")))) for e in errors)
    return [type(e).__name__ for e, shown in texts if any(secret in t for t in shown)]


@pytest.fixture(autouse=True)
def no_key_in_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LatticeError]]:
    """No Lattice error made during a test may show the suite's key, even one a test catches.

    Checked at teardown, not when made: the pipeline redacts some messages in place.
    """
    created: list[LatticeError] = []
    original = LatticeError.__init__

    def recording_init(self: LatticeError, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(LatticeError, "__init__", recording_init)
    yield created
    leaked = leaked_errors(created)
    if leaked:  # pytest.fail, not assert: the rewritten assert would print the key
        pytest.fail(f"suite API key in the message of {', '.join(leaked)}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Fail any test whose captured stdout, stderr or log shows an unmasked key or portal URL."""
    report = yield
    # The teardown report carries the sections of all three phases.
    if report.when == "teardown" and report.passed:
        captured = "\n".join(text for _, text in report.sections)
        leak = UNMASKED_KEY.search(captured) or UNMASKED_PORTAL_URL.search(captured)
        if leak:
            report.outcome = "failed"
            report.longrepr = f"secret leaked into captured output of {item.nodeid}"
            report.sections = []  # reporting the failure must not print the secret again
    return report
