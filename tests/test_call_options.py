"""Per-call options on every call, and the shape of GET requests.

`timeout` and `max_retries` beside `stripe_account` and `idempotency_key`:
checked like the client's own, before anything is sent, and overriding the
client's for that call only. A GET carries its params in the query string,
with no body, no `Content-Type` and no `Idempotency-Key`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lattice_core import APIError, AsyncClient, Client, InvalidParamsError
from lattice_core.billing_portal import Session
from lattice_core.testing import (
    AsyncStubTransport,
    StubTransport,
    error_response,
    json_response,
)

from .harness import API_KEY, PARAMS

SESSION = {"id": "bps_1", "object": "billing_portal.session", "url": "https://x.test/p/session/t"}


def _sync(*answers: Any, **client: Any) -> tuple[Client, StubTransport]:
    stub = StubTransport(*answers)
    return Client(API_KEY, transport=stub, sleep=lambda seconds: None, **client), stub


def test_a_call_timeout_overrides_the_clients_for_that_call_only() -> None:
    client, stub = _sync(json_response(200, SESSION), json_response(200, SESSION), timeout=30)
    Session.create(client, PARAMS, timeout=2.5)
    Session.create(client, PARAMS)
    assert [request.timeout for request in stub.requests] == [2.5, 30.0]


def test_a_call_max_retries_overrides_the_clients_for_that_call_only() -> None:
    failures = [error_response(500)] * 6
    client, stub = _sync(*failures, json_response(200, SESSION), max_retries=0)
    assert Session.create(client, PARAMS, max_retries=6).id == "bps_1"
    assert len(stub.requests) == 7  # one attempt and six retries, where the client allows none
    # ...and for that call only: the next one is not retried.
    stub.queue([error_response(500)])
    with pytest.raises(APIError, match="500"):
        Session.create(client, PARAMS)
    assert len(stub.requests) == 8


def test_max_retries_zero_on_a_call_stops_the_clients_retries() -> None:
    client, stub = _sync(error_response(500), max_retries=5)
    with pytest.raises(APIError, match="500"):
        Session.create(client, PARAMS, max_retries=0)
    assert len(stub.requests) == 1


def test_async_calls_take_the_same_options() -> None:
    stub = AsyncStubTransport(error_response(503), json_response(200, SESSION))

    async def main() -> Session:
        async with AsyncClient(
            API_KEY, transport=stub, max_retries=0, sleep=lambda seconds: None
        ) as client:
            return await Session.create_async(client, PARAMS, timeout=4, max_retries=1)

    assert asyncio.run(main()).id == "bps_1"
    assert [request.timeout for request in stub.requests] == [4.0, 4.0]


@pytest.mark.parametrize(
    ("options", "param", "words"),
    [
        ({"timeout": 0}, "timeout", "timeout must be a number from 0.001 to 86400, got 0"),
        ({"timeout": -1.0}, "timeout", "got -1.0"),
        ({"timeout": float("nan")}, "timeout", "got nan"),
        ({"timeout": "5"}, "timeout", "got '5'"),
        ({"timeout": True}, "timeout", "got True"),
        ({"max_retries": -1}, "max_retries", "max_retries must be an int from 0 to 100"),
        ({"max_retries": 101}, "max_retries", "got 101"),
        ({"max_retries": 1.5}, "max_retries", "got 1.5"),
    ],
)
def test_bad_call_options_are_refused_before_any_request(
    options: dict[str, Any], param: str, words: str
) -> None:
    client, stub = _sync()
    with pytest.raises(InvalidParamsError) as caught:
        Session.create(client, PARAMS, **options)
    assert caught.value.param == param
    assert words in str(caught.value)
    assert "or None for the client's" in str(caught.value)
    stub.assert_not_called()


def test_a_get_sends_its_params_in_the_query_and_no_body_or_key() -> None:
    client, stub = _sync(json_response(200, {"object": "list", "data": []}))
    client.request(
        "GET",
        "/v1/billing_portal/configurations",
        {"limit": 3, "active": True, "expand": ["data.application"]},
        stripe_account="acct_1",
    )
    request = stub.last_request
    assert request.method == "GET"
    assert request.url.endswith(
        "/v1/billing_portal/configurations?limit=3&active=true&expand[0]=data.application"
    )
    assert request.content == b""
    assert "Idempotency-Key" not in request.headers
    assert "Content-Type" not in request.headers
    assert request.headers["Stripe-Account"] == "acct_1"
    assert stub.params(request) == {
        "limit": "3",
        "active": "true",
        "expand": ["data.application"],
    }


def test_a_get_without_params_has_no_query() -> None:
    client, stub = _sync(json_response(200, {"object": "list", "data": []}))
    client.request("GET", "/v1/billing_portal/configurations", {})
    assert stub.last_request.url.endswith("/v1/billing_portal/configurations")


def test_a_get_refuses_an_idempotency_key_before_sending() -> None:
    client, stub = _sync()
    with pytest.raises(InvalidParamsError, match="idempotency_key is for POST") as caught:
        client.request("GET", "/v1/billing_portal/configurations", {}, idempotency_key="k-1")
    assert caught.value.param == "idempotency_key"
    stub.assert_not_called()


def test_a_post_still_carries_a_key_and_a_form_body() -> None:
    client, stub = _sync(json_response(200, SESSION))
    Session.create(client, PARAMS, idempotency_key="order-42", timeout=9)
    request = stub.last_request
    assert request.headers["Idempotency-Key"] == "order-42"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"customer=cus_1"
