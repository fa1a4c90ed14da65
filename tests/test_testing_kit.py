"""The testing kit does what it is told: queued answers first, planned failures, no waits.

Each behaviour runs through the stubs (sync and async) and over real HTTP on 127.0.0.1
with both shipped transports; no test sleeps or measures time.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from lattice_core import (
    APIConnectionError,
    APIError,
    AsyncClient,
    AuthenticationError,
    CardError,
    Client,
    ConfigurationError,
    ConflictError,
    IdempotencyError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
    StripeError,
)
from lattice_core.billing_portal import Session
from lattice_core.testing import (
    AsyncStubTransport,
    Disconnect,
    FakeStripe,
    LoopbackServer,
    StubTransport,
    error_response,
    json_response,
)

from .conftest import API_KEY, SESSION_JSON

PARAMS = {"customer": "cus_123"}

# --------------------------------------------------------------------------------------
# One FakeStripe, four ways to reach it


class Route:
    """A client of one kind, answered by `fake`, whose waits are recorded, not slept."""

    def __init__(self, kind: str, fake: FakeStripe, url: str) -> None:
        self.kind = kind
        self.fake = fake
        self.url = url
        self.sleeps: list[float] = []

    def create(self, max_retries: int = 2) -> Session:
        options: dict[str, Any] = {"max_retries": max_retries, "sleep": self.sleeps.append}
        if self.kind == "stub":
            with Client(API_KEY, transport=StubTransport.from_app(self.fake), **options) as client:
                return Session.create(client, PARAMS)
        if self.kind == "requests":
            with Client(API_KEY, base_url=self.url, **options) as client:
                return Session.create(client, PARAMS)

        async def create_async() -> Session:
            transport: Any = (
                AsyncStubTransport.from_app(self.fake) if self.kind == "async-stub" else "aiohttp"
            )
            async with AsyncClient(
                API_KEY, transport=transport, base_url=self.url, **options
            ) as client:
                return await Session.create_async(client, PARAMS)

        return asyncio.run(create_async())


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeStripe, LoopbackServer]]:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        yield fake, server


@pytest.fixture(params=["stub", "async-stub", "requests", "aiohttp"])
def route(
    request: pytest.FixtureRequest, served: tuple[FakeStripe, LoopbackServer]
) -> Iterator[Route]:
    fake, server = served
    fake.requests.clear()
    fake.sessions.clear()
    yield Route(request.param, fake, server.url)
    assert fake.planned == 0, "a test left planned failures behind"


# --------------------------------------------------------------------------------------
# Queued answers win over the fake's handler


def test_queued_statuses_on_the_stub_fixture_are_really_answered(
    lattice_client: Client,
    lattice_stub: StubTransport,
    fake_stripe: FakeStripe,
    lattice_sleeps: list[float],
) -> None:
    lattice_stub.queue([500, 500])
    session = Session.create(lattice_client, PARAMS)
    # Two 500s from the queue, both retried, then the fake answers the third attempt.
    assert len(lattice_stub.requests) == 3
    assert len(fake_stripe.requests) == 1
    assert fake_stripe.sessions[-1]["id"] == session.id
    assert len(lattice_sleeps) == 2
    keys = {request.headers["Idempotency-Key"] for request in lattice_stub.requests}
    assert len(keys) == 1
    assert lattice_stub.pending == 0


def test_queued_answers_on_the_async_stub_fixture_come_first(
    lattice_async_client: AsyncClient,
    lattice_async_stub: AsyncStubTransport,
    fake_stripe: FakeStripe,
    lattice_sleeps: list[float],
) -> None:
    lattice_async_stub.queue([503, json_response(429, {"error": {"type": "x", "message": "m"}})])
    session = asyncio.run(Session.create_async(lattice_async_client, PARAMS))
    assert len(lattice_async_stub.requests) == 3
    assert [session.id] == [s["id"] for s in fake_stripe.sessions]
    assert len(lattice_sleeps) == 2


def test_queued_answers_come_before_a_handler_and_the_handler_after() -> None:
    seen: list[int] = []

    def handler(request: Any) -> Any:
        seen.append(request.attempt)
        return json_response(200, SESSION_JSON)

    stub = StubTransport(400, handler=handler)
    with Client(API_KEY, transport=stub) as client:
        with pytest.raises(InvalidRequestError, match="Invalid request"):
            Session.create(client, PARAMS)
        Session.create(client, PARAMS)
    assert seen == [1]


def test_a_recorded_request_names_its_path_without_host_or_query() -> None:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub, base_url="http://127.0.0.1:9/prefix") as client:
        Session.create(client, PARAMS)
    assert stub.last_request.url == "http://127.0.0.1:9/prefix/v1/billing_portal/sessions"
    assert stub.last_request.path == "/prefix/v1/billing_portal/sessions"


def test_a_queued_exception_is_raised_and_a_queued_status_is_stripe_shaped() -> None:
    stub = StubTransport(402)
    with Client(API_KEY, transport=stub) as client, pytest.raises(CardError) as raised:
        Session.create(client, PARAMS)
    assert raised.value.code == "card_declined"
    assert raised.value.request_id == "req_stub"


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        ("500", TypeError, "not str"),
        (200, ValueError, "json_response"),
        (600, ValueError, "from 400 to 599"),
        (True, TypeError, "not bool"),
        (None, TypeError, "not NoneType"),
    ],
)
def test_an_answer_that_could_never_be_one_is_refused_when_queued(
    answer: object, error: type[Exception], match: str
) -> None:
    stub = StubTransport.from_app(FakeStripe())
    with pytest.raises(error, match=match):
        stub.queue([500, answer])  # type: ignore[list-item]
    assert stub.pending == 0, "nothing is queued when one answer is refused"
    with pytest.raises(error, match=match):
        AsyncStubTransport(answer)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# fail_next


@pytest.mark.parametrize(
    ("status", "err_type", "code", "error"),
    [
        (400, "invalid_request_error", None, InvalidRequestError),
        (401, "invalid_request_error", None, AuthenticationError),
        (402, "card_error", "card_declined", CardError),
        (403, "invalid_request_error", None, PermissionDeniedError),
        (404, "invalid_request_error", None, InvalidRequestError),
        (409, "invalid_request_error", None, ConflictError),
        (429, "invalid_request_error", "rate_limit", RateLimitError),
        (500, "api_error", None, APIError),
        (503, "api_error", None, APIError),
    ],
)
def test_fail_next_types_the_error_from_the_status_as_stripe_does(
    lattice_client: Client,
    fake_stripe: FakeStripe,
    status: int,
    err_type: str,
    code: str | None,
    error: type[StripeError],
) -> None:
    fake_stripe.fail_next(status, headers={"Stripe-Should-Retry": "false"})
    with pytest.raises(error) as raised:
        Session.create(lattice_client, PARAMS)
    assert raised.value.http_status == status
    assert raised.value.json_body is not None
    body = raised.value.json_body["error"]
    assert body["type"] == err_type
    assert body.get("code") == code
    assert body["message"]
    assert raised.value.request_id is not None
    assert raised.value.request_id.startswith("req_")
    assert fake_stripe.sessions == []


def test_fail_next_takes_type_code_message_param_and_headers(
    lattice_client: Client, fake_stripe: FakeStripe
) -> None:
    fake_stripe.fail_next(
        400,
        type="idempotency_error",
        code="idempotency_key_in_use",
        message="Another request is using this key.",
        param="customer",
        headers={"Stripe-Should-Retry": "false", "request-id": "req_mine"},
    )
    with pytest.raises(IdempotencyError) as raised:
        Session.create(lattice_client, PARAMS)
    assert raised.value.json_body == {
        "error": {
            "type": "idempotency_error",
            "message": "Another request is using this key.",
            "code": "idempotency_key_in_use",
            "param": "customer",
        }
    }
    assert raised.value.request_id == "req_mine"  # the planned header wins, whatever its case


def test_retry_after_is_honoured_and_recorded_not_slept(
    lattice_client: Client, fake_stripe: FakeStripe, lattice_sleeps: list[float]
) -> None:
    fake_stripe.fail_next(429, headers={"Retry-After": "3"}, times=2)
    Session.create(lattice_client, PARAMS)
    assert lattice_sleeps == [3.0, 3.0]
    assert len(fake_stripe.requests) == 3
    assert len(fake_stripe.sessions) == 1


def test_failures_are_used_in_the_order_planned(
    lattice_client: Client, lattice_stub: StubTransport, fake_stripe: FakeStripe
) -> None:
    fake_stripe.disconnect_next()
    fake_stripe.fail_next(500, times=2)
    assert fake_stripe.planned == 3
    with pytest.raises(APIError):
        Session.create(lattice_client, PARAMS)
    assert fake_stripe.planned == 0
    assert [r.attempt for r in lattice_stub.requests] == [1, 2, 3]
    assert fake_stripe.sessions == []


def test_the_stub_queue_answers_before_the_fake_uses_its_plan(
    lattice_client: Client, lattice_stub: StubTransport, fake_stripe: FakeStripe
) -> None:
    lattice_stub.queue([500])
    fake_stripe.fail_next(503)
    Session.create(lattice_client, PARAMS)
    assert len(lattice_stub.requests) == 3
    assert len(fake_stripe.requests) == 2  # the queued 500 never reached the fake


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((200,), {}, ValueError, "from 400 to 599"),
        ((399,), {}, ValueError, "from 400 to 599"),
        ((600,), {}, ValueError, "from 400 to 599"),
        (("500",), {}, TypeError, "status must be an int"),
        ((True,), {}, TypeError, "status must be an int"),
        ((500,), {"times": 0}, ValueError, "times must be at least 1"),
        ((500,), {"times": 1.5}, TypeError, "times must be an int"),
        ((500,), {"type": "rate_limit_error"}, ValueError, "type must be one of api_error"),
        ((500,), {"code": 5}, TypeError, "code must be a string"),
        ((500,), {"headers": {"Retry-After": 2}}, TypeError, "write '2', not 2"),
        ((500,), {"headers": [("Retry-After", "2")]}, TypeError, "must be a mapping"),
        ((500,), {"headers": {"X-A": "1\r\nX-B: 2"}}, ValueError, "line break"),
        ((500,), {"headers": {"Bad Name": "1"}}, ValueError, "not a valid header name"),
        ((500,), {"headers": {"content-length": "1"}}, ValueError, "set by the server"),
    ],
)
def test_fail_next_refuses_what_cannot_be_planned(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    fake = FakeStripe()
    with pytest.raises(error, match=match):
        fake.fail_next(*args, **kwargs)
    assert fake.planned == 0


@pytest.mark.parametrize("times", [0, -1, True, "2"])
def test_disconnect_next_refuses_a_bad_count(times: Any) -> None:
    fake = FakeStripe()
    with pytest.raises((TypeError, ValueError), match="times must be"):
        fake.disconnect_next(times)
    assert fake.planned == 0


def test_error_response_is_the_body_fail_next_sends() -> None:
    response = error_response(429, headers={"Retry-After": "1"}, request_id="req_1")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.request_id == "req_1"
    assert json.loads(response.content) == {
        "error": {
            "type": "invalid_request_error",
            "message": "Request rate limit exceeded. Retry with exponential backoff.",
            "code": "rate_limit",
        }
    }


# --------------------------------------------------------------------------------------
# The same over every route: stubs sync and async, requests and aiohttp over HTTP


def test_fail_next_then_the_retry_succeeds_over_every_route(route: Route) -> None:
    route.fake.fail_next(500, times=2, headers={"Retry-After": "1"})
    session = route.create()
    assert [s["id"] for s in route.fake.sessions] == [session.id]
    assert len(route.fake.requests) == 3
    assert route.sleeps == [1.0, 1.0]
    keys = {headers["idempotency-key"] for _, _, headers, _ in route.fake.requests}
    assert len(keys) == 1, "one key for every attempt"


def test_fail_next_with_stripe_should_retry_false_is_not_retried(route: Route) -> None:
    route.fake.fail_next(503, headers={"Stripe-Should-Retry": "false"})
    with pytest.raises(APIError) as raised:
        route.create()
    assert raised.value.http_status == 503
    assert len(route.fake.requests) == 1
    assert route.fake.sessions == []


def test_disconnect_next_is_a_connection_error_over_every_route(route: Route) -> None:
    route.fake.disconnect_next()
    with pytest.raises(APIConnectionError):
        route.create(max_retries=0)
    assert len(route.fake.requests) == 1
    assert route.fake.sessions == []


@pytest.mark.parametrize("kind", ["requests", "aiohttp"])
def test_a_dropped_connection_says_the_call_may_have_landed(
    kind: str, served: tuple[FakeStripe, LoopbackServer]
) -> None:
    """Over HTTP the server got the request, then closed: unlike a refusal, it may have landed."""
    fake, server = served
    fake.disconnect_next()
    with pytest.raises(APIConnectionError) as raised:
        Route(kind, fake, server.url).create(max_retries=0)
    message = str(raised.value)
    assert "the connection to Stripe at 127.0.0.1:" in message
    assert "closed before an answer (POST /v1/billing_portal/sessions)" in message
    assert "may or may not have been applied; retry with the same idempotency key" in message


def test_disconnect_next_then_the_retry_succeeds_over_every_route(route: Route) -> None:
    route.fake.disconnect_next(times=2)
    session = route.create()
    assert [s["id"] for s in route.fake.sessions] == [session.id]
    assert len(route.fake.requests) == 3
    assert len(route.sleeps) == 2


def test_over_http_a_disconnect_closes_the_connection_without_a_byte() -> None:
    fake = FakeStripe()
    fake.disconnect_next()
    request = (
        f"POST /v1/billing_portal/sessions HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {API_KEY}\r\nContent-Length: 16\r\n\r\ncustomer=cus_123"
    ).encode()
    with (
        LoopbackServer(fake) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn,
    ):
        conn.sendall(request)
        assert conn.makefile("rb").read() == b""  # end of stream: no status line at all
        assert fake.sessions == []
        # The next connection is answered as usual.
        again = requests.post(
            f"{server.url}/v1/billing_portal/sessions",
            data=PARAMS,
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=5,
        )
    assert again.status_code == 200
    assert len(fake.sessions) == 1


def test_any_app_can_raise_disconnect() -> None:
    def app(*_: object) -> tuple[int, dict[str, str], bytes]:
        raise Disconnect("going away")

    with pytest.raises(APIConnectionError, match="going away"):
        StubTransport.from_app(app).handle_request(_request())
    with LoopbackServer(app) as server, pytest.raises(requests.ConnectionError):
        requests.post(f"{server.url}/v1/x", data="a=1", timeout=5)


def _request() -> Any:
    from lattice_core import Request

    return Request("POST", "http://127.0.0.1/v1/x", {}, b"")


def test_planned_failures_are_shared_safely_by_concurrent_requests() -> None:
    fake = FakeStripe()
    fake.fail_next(503, times=4)
    fake.disconnect_next(times=2)
    statuses: list[int | None] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            status: int | None = requests.post(
                f"{server.url}/v1/billing_portal/sessions",
                data=PARAMS,
                headers={"Authorization": f"Bearer {API_KEY}", "Connection": "close"},
                timeout=5,
            ).status_code
        except requests.ConnectionError:
            status = None
        with lock:
            statuses.append(status)

    with LoopbackServer(fake) as server:
        threads = [threading.Thread(target=call) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses, key=str) == sorted([503] * 4 + [None] * 2 + [200] * 6, key=str)
    assert len(fake.sessions) == 6
    assert fake.planned == 0


# --------------------------------------------------------------------------------------
# The control endpoint: plans for a fake in another process


def test_the_control_endpoint_plans_failures_over_http() -> None:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        planned = requests.post(
            f"{server.url}/lattice/fail_next",
            data=json.dumps({"status": 429, "times": 2, "headers": {"Retry-After": "2"}}),
            timeout=5,
        )
        assert planned.json() == {"planned": 2}
        dropped = requests.post(f"{server.url}/lattice/disconnect_next", timeout=5)
        assert dropped.json() == {"planned": 3}
        sleeps: list[float] = []
        with Client(API_KEY, base_url=server.url, max_retries=3, sleep=sleeps.append) as client:
            Session.create(client, PARAMS)
    assert sleeps[:2] == [2.0, 2.0]
    assert len(sleeps) == 3
    assert len(fake.requests) == 4, "control requests are not recorded"
    assert len(fake.sessions) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "match"),
    [
        ("POST", "/lattice/fail_next", b'{"status": 200}', 400, "from 400 to 599"),
        ("POST", "/lattice/fail_next", b'{"status": 500, "nope": 1}', 400, "got nope"),
        ("POST", "/lattice/fail_next", b"status=500", 400, "JSON object"),
        ("POST", "/lattice/fail_next", b"[500]", 400, "JSON object"),
        ("POST", "/lattice/fail_next", b"{}", 400, "status"),
        ("POST", "/lattice/disconnect_next", b'{"times": 0}', 400, "at least 1"),
        ("POST", "/lattice/explode", b"", 404, "no control path"),
        ("GET", "/lattice/fail_next", b"", 404, "POSTs"),
    ],
)
def test_the_control_endpoint_refuses_what_it_cannot_plan(
    method: str, path: str, body: bytes, status: int, match: str
) -> None:
    fake = FakeStripe()
    answer_status, _, answer = fake(method, path, {}, body)
    assert answer_status == status
    error = json.loads(answer)["error"]
    assert error["type"] == "invalid_request_error"
    assert match in error["message"]
    assert fake.planned == 0
    assert fake.requests == []


# --------------------------------------------------------------------------------------
# Fixture clients never sleep


def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(seconds: float) -> None:
        raise AssertionError(f"a fixture client really slept {seconds} s")

    async def forbidden_async(seconds: float) -> None:
        raise AssertionError(f"a fixture client really slept {seconds} s")

    monkeypatch.setattr(time, "sleep", forbidden)
    monkeypatch.setattr(asyncio, "sleep", forbidden_async)
    monkeypatch.setattr(Client, "_sleep", staticmethod(forbidden))
    monkeypatch.setattr(AsyncClient, "_sleep", staticmethod(forbidden_async))


def test_the_sync_fixture_client_records_waits_instead_of_sleeping(
    monkeypatch: pytest.MonkeyPatch,
    lattice_client: Client,
    fake_stripe: FakeStripe,
    lattice_sleeps: list[float],
) -> None:
    _no_real_sleep(monkeypatch)
    fake_stripe.fail_next(500, headers={"Retry-After": "4"})
    fake_stripe.disconnect_next()
    Session.create(lattice_client, PARAMS)
    assert lattice_sleeps[0] == 4.0
    assert len(lattice_sleeps) == 2


def test_the_async_fixture_client_records_waits_instead_of_sleeping(
    monkeypatch: pytest.MonkeyPatch,
    lattice_async_client: AsyncClient,
    fake_stripe: FakeStripe,
    lattice_sleeps: list[float],
) -> None:
    fake_stripe.fail_next(503, headers={"Retry-After": "5"})
    fake_stripe.disconnect_next()

    async def create() -> Session:
        _no_real_sleep(monkeypatch)  # after asyncio.run has what it needs
        return await Session.create_async(lattice_async_client, PARAMS)

    session = asyncio.run(create())
    assert [s["id"] for s in fake_stripe.sessions] == [session.id]
    assert lattice_sleeps[0] == 5.0
    assert len(lattice_sleeps) == 2


@pytest.mark.parametrize("client_type", [Client, AsyncClient])
@pytest.mark.parametrize("sleep", [0, "time.sleep", object()])
def test_a_sleep_that_is_not_callable_is_refused_at_construction(
    client_type: Callable[..., Any], sleep: object
) -> None:
    transport = StubTransport() if client_type is Client else AsyncStubTransport()
    with pytest.raises(ConfigurationError, match="sleep must be a function"):
        client_type(API_KEY, transport=transport, sleep=sleep)


# --------------------------------------------------------------------------------------
# Something planned that never happened fails the test


def _run_pytest(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_user.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-W",
            "error",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",
            "test_user.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_fixtures_fail_at_teardown_on_what_never_happened_and_close_clients(tmp_path: Path) -> None:
    outcome = _run_pytest(
        tmp_path,
        """
        import asyncio

        from lattice_core.billing_portal import Session

        def test_queue_too_long(lattice_stub, lattice_client):
            lattice_stub.queue([500, 500, 500])  # max_retries=2: three attempts, all 500
            lattice_stub.queue([500])
            try:
                Session.create(lattice_client, {"customer": "cus_1"})
            except Exception:
                pass

        def test_async_queue_unused(lattice_async_stub):
            lattice_async_stub.queue([500])

        def test_failure_never_happened(fake_stripe):
            fake_stripe.fail_next(500, times=2)

        def test_all_used(lattice_stub, lattice_client, fake_stripe):
            lattice_stub.queue([500])
            fake_stripe.disconnect_next()
            Session.create(lattice_client, {"customer": "cus_1"})

        CLIENTS = []

        def test_async_client(lattice_async_client):
            CLIENTS.append(lattice_async_client)
            asyncio.run(Session.create_async(lattice_async_client, {"customer": "cus_1"}))

        def test_the_async_client_was_closed_after_its_test():
            assert CLIENTS[0].closed
        """,
    )
    out = outcome.stdout
    assert "6 passed, 3 errors" in out, (
        out
    )  # the tests pass; their teardowns fail  # the tests pass; their teardowns fail
    assert "lattice_stub: 1 queued answer(s) were never used" in out
    assert "lattice_async_stub: 1 queued answer(s) were never used" in out
    assert "fake_stripe: 2 planned failure(s) were never used" in out
