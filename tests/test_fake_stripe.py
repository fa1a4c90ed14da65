"""The fake Stripe: Stripe-shaped validation, idempotency, one implementation for HTTP and stub."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import requests

from lattice_core import (
    AsyncClient,
    AuthenticationError,
    Client,
    IdempotencyError,
    InvalidRequestError,
    StripeError,
)
from lattice_core.billing_portal import Session
from lattice_core.builtin.redaction import mask
from lattice_core.encoding import encode_form
from lattice_core.testing import (
    AsyncStubTransport,
    FakeStripe,
    LoopbackServer,
    StubTransport,
)

from .conftest import API_KEY, SHARED, UNMASKED_KEY


def _post(fake: FakeStripe, params: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
    """Send raw form params, skipping the SDK's own checks, as another client might."""
    all_headers = {"Authorization": f"Bearer {API_KEY}", **headers}
    status, _, body = fake("POST", "/v1/billing_portal/sessions", all_headers, encode_form(params))
    return status, json.loads(body)


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({}, "parameter_missing", "customer"),
        (
            {"customer": "cus_1", "customer_account": "acct_1"},
            "parameters_exclusive",
            "customer_account",
        ),
        ({"customer": "cus_1", "flow_date": "x"}, "parameter_unknown", "flow_date"),
        (
            {"customer": "cus_1", "flow_data": {"type": "subscription_cancel"}},
            "parameter_missing",
            "flow_data[subscription_cancel]",
        ),
        (
            {
                "customer": "cus_1",
                "flow_data": {
                    "type": "subscription_update_confirm",
                    "subscription_update_confirm": {
                        "subscription": "sub_1",
                        "items": [{"price": "p"}],
                    },
                },
            },
            "parameter_missing",
            "flow_data[subscription_update_confirm][items][0][id]",
        ),
        (
            {
                "customer": "cus_1",
                "flow_data": {"type": "payment_method_update", "after_completion": {"type": "x"}},
            },
            "parameter_invalid_string",
            "flow_data[after_completion][type]",
        ),
    ],
)
def test_invalid_requests_get_stripe_shaped_400s(
    params: dict[str, Any], code: str, param: str
) -> None:
    status, body = _post(FakeStripe(), params)
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["code"] == code
    assert body["error"]["param"] == param
    assert param in body["error"]["message"]


def test_form_integers_are_understood_and_the_flow_is_echoed() -> None:
    flow = {
        "type": "subscription_update_confirm",
        "subscription_update_confirm": {
            "subscription": "sub_1",
            "items": [{"id": "si_1", "quantity": 4}],
        },
    }
    status, body = _post(FakeStripe(), {"customer": "cus_1", "flow_data": flow})
    assert status == 200
    assert body["id"].startswith("bps_")
    assert body["object"] == "billing_portal.session"
    assert body["url"].startswith("https://billing.stripe.com/p/session/test_")
    assert isinstance(body["created"], int)
    items = body["flow"]["subscription_update_confirm"]["items"]
    assert items == [{"id": "si_1", "price": None, "quantity": 4}]
    assert body["flow"]["after_completion"]["type"] == "portal_homepage"
    assert body["flow"]["subscription_cancel"] is None
    session = Session.from_dict(body)
    assert session is not None
    assert session.flow is not None


def test_unknown_customers_and_bad_keys_are_refused() -> None:
    status, body = _post(FakeStripe(), {"customer": "nobody"})
    assert (status, body["error"]["code"]) == (400, "resource_missing")
    status, body = _post(FakeStripe(), {"customer": "cus_1"}, Authorization="Bearer sk_live_nope")
    assert status == 401
    live_key = "rk_" + "live_restrictedkey"  # split so no live-shaped key sits in the repo
    with (
        Client(live_key, transport=StubTransport.from_app(FakeStripe())) as client,
        pytest.raises(AuthenticationError),
    ):
        Session.create(client, {"customer": "cus_1"})


def test_idempotent_replay_and_mismatch() -> None:
    fake = FakeStripe()
    with Client(API_KEY, transport=StubTransport.from_app(fake)) as client:
        first = Session.create(client, {"customer": "cus_1"}, idempotency_key="k1")
        again = Session.create(client, {"customer": "cus_1"}, idempotency_key="k1")
        assert again == first
        with pytest.raises(IdempotencyError) as info:
            Session.create(client, {"customer": "cus_2"}, idempotency_key="k1")
        other = Session.create(client, {"customer": "cus_1"}, idempotency_key="k2")
    assert info.value.http_status == 400
    assert info.value.type == "idempotency_error"
    assert other.id != first.id
    assert len(fake.sessions) == 2


def _create_through(
    kind: str, fake: FakeStripe, url: str, params: dict[str, Any], key: str
) -> Session | StripeError:
    """One create through one way of reaching the fake: real HTTP or in memory, sync or async."""

    async def run_async(client: AsyncClient) -> Session | StripeError:
        async with client:
            try:
                return await Session.create_async(client, params, idempotency_key=key)
            except StripeError as exc:
                return exc

    if kind == "aiohttp":
        return asyncio.run(run_async(AsyncClient(API_KEY, base_url=url, max_retries=0)))
    if kind == "async-stub":
        stub = AsyncStubTransport.from_app(fake)
        return asyncio.run(run_async(AsyncClient(API_KEY, transport=stub, max_retries=0)))
    if kind == "requests":
        client = Client(API_KEY, base_url=url, max_retries=0)
    else:
        client = Client(API_KEY, transport=StubTransport.from_app(fake), max_retries=0)
    with client:
        try:
            return Session.create(client, params, idempotency_key=key)
        except StripeError as exc:
            return exc


KINDS = ["requests", "stub", "aiohttp", "async-stub"]


def test_one_fake_answers_http_and_stubs_with_the_same_objects() -> None:
    fake = FakeStripe()
    flow = {"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_1"}}
    params = {"customer": "cus_1", "flow_data": flow}
    with LoopbackServer(fake) as server:
        # The same idempotency key everywhere: all four must get the one stored session.
        same = [_create_through(kind, fake, server.url, params, "same") for kind in KINDS]
        # Fresh keys: four new sessions, shaped alike.
        fresh = [_create_through(kind, fake, server.url, params, kind) for kind in KINDS]
    assert all(isinstance(s, Session) for s in [*same, *fresh])
    assert same[1:] == same[:1] * 3
    assert len({s.id for s in fresh if isinstance(s, Session)}) == 4
    shapes = [(s.object, s.customer, s.livemode, s.flow) for s in fresh if isinstance(s, Session)]
    assert shapes == shapes[:1] * 4
    assert len(fake.sessions) == 5


def test_the_fake_refuses_alike_over_http_and_in_memory() -> None:
    # Valid for the SDK's pre-flight checks, refused by the fake as Stripe would.
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        errors = [
            _create_through(kind, fake, server.url, {"customer": "not_a_customer"}, kind)
            for kind in KINDS
        ]
    assert all(isinstance(e, StripeError) for e in errors)
    details = {
        (e.http_status, e.code, e.param, e.message) for e in errors if isinstance(e, StripeError)
    }
    assert len(details) == 1
    assert fake.sessions == []


def test_raw_http_clients_get_the_same_validation() -> None:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        response = requests.post(
            f"{server.url}/v1/billing_portal/sessions",
            data="flow_data[type]=payment_method_update",
            headers={
                "Authorization": f"Bearer {API_KEY}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            timeout=5,
        )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "customer"
    assert response.headers["Request-Id"].startswith("req_")


def test_unknown_routes_are_404s_like_stripe() -> None:
    fake = FakeStripe()
    status, _, body = fake("GET", "/v1/customers", {"authorization": f"Bearer {API_KEY}"}, b"")
    assert status == 404
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
    with (
        Client(API_KEY, transport=StubTransport.from_app(fake)) as client,
        pytest.raises(InvalidRequestError),
    ):
        client.request("GET", "/v1/customers", {})


def _post_raw(fake: FakeStripe, body: bytes, **headers: str) -> tuple[int, dict[str, Any]]:
    all_headers = {"Authorization": f"Bearer {API_KEY}", **headers}
    status, _, raw = fake("POST", "/v1/billing_portal/sessions", all_headers, body)
    return status, json.loads(raw)


def test_stripe_cli_list_spelling_is_accepted_by_the_fake() -> None:
    fake = FakeStripe()
    status, body = _post_raw(fake, b"customer=cus_1&expand[]=flow")
    assert status == 200, body
    assert fake.requests[0][3]["expand"] == ["flow"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"customer=cus_1&customer[a]=1", "customer"),
        (b"customer=\xff", None),
        (b"customer=cus_%FF", None),
    ],
)
def test_undecodable_bodies_are_stripe_shaped_400s(body: bytes, param: str | None) -> None:
    status, answer = _post_raw(FakeStripe(), body)
    assert status == 400
    assert answer["error"]["type"] == "invalid_request_error"
    assert answer["error"].get("param") == param


SESSIONS = "/v1/billing_portal/sessions"


def _call(fake: FakeStripe, body: bytes, **headers: str) -> tuple[int, dict[str, str], Any]:
    all_headers = {"Authorization": f"Bearer {API_KEY}", **headers}
    status, out_headers, raw = fake("POST", SESSIONS, all_headers, body)
    return status, out_headers, json.loads(raw)


def test_a_request_that_failed_validation_saves_no_idempotent_result() -> None:
    fake = FakeStripe()
    status, _, _ = _call(fake, b"return_url=https://example.com", **{"Idempotency-Key": "k"})
    assert status == 400
    status, headers, body = _call(fake, b"customer=cus_1", **{"Idempotency-Key": "k"})
    assert status == 200, body
    assert "Idempotent-Replayed" not in headers
    assert len(fake.sessions) == 1


def test_an_executed_error_is_saved_and_replayed() -> None:
    fake = FakeStripe()
    first = _call(fake, b"customer=nobody", **{"Idempotency-Key": "k"})
    again = _call(fake, b"customer=nobody", **{"Idempotency-Key": "k"})
    assert first[0] == again[0] == 400
    assert again[2] == first[2]
    assert again[1]["Idempotent-Replayed"] == "true"


def test_idempotent_requests_compare_params_not_bytes() -> None:
    fake = FakeStripe()
    body = b"customer=cus_1&return_url=https%3A%2F%2Fexample.com"
    reordered = b"return_url=https://example.com&customer=cus_1"
    status, headers, first = _call(fake, body, **{"Idempotency-Key": "k"})
    assert (status, "Idempotent-Replayed" in headers) == (200, False)
    status, headers, again = _call(fake, reordered, **{"Idempotency-Key": "k"})
    assert (status, headers["Idempotent-Replayed"]) == (200, "true")
    assert again == first
    assert len(fake.sessions) == 1


@pytest.mark.parametrize(
    "other",
    [
        {"Authorization": "Bearer sk_test_another_account_key"},
        {"Stripe-Account": "acct_1"},
    ],
)
def test_idempotency_keys_are_scoped_per_account(other: dict[str, str]) -> None:
    fake = FakeStripe()
    _, _, first = _call(fake, b"customer=cus_1", **{"Idempotency-Key": "k"})
    status, headers, second = _call(fake, b"customer=cus_2", **{"Idempotency-Key": "k", **other})
    assert status == 200, second
    assert "Idempotent-Replayed" not in headers
    assert second["id"] != first["id"]


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            b"customer=cus_1&flow_data[type]=subscription_update_confirm"
            b"&flow_data[subscription_update_confirm][subscription]=sub_1"
            b"&flow_data[subscription_update_confirm][items][0][id]=si_1"
            b"&flow_data[subscription_update_confirm][items][0][quantity]=two",
            "parameter_invalid_integer",
            "Invalid integer",
        ),
        (b"customer[id]=cus_1", "parameter_invalid_string", "Invalid string"),
        (b"customer=cus_1&flow_data=x", None, "Invalid hash"),
        (b"customer=cus_1&expand=flow", None, "Invalid array"),
        (b"customer=cus_1&nope=1&nope[a]=2", "parameter_unknown", "unknown parameter"),
    ],
)
def test_type_errors_are_coded_by_the_expected_kind(
    body: bytes, code: str | None, message: str
) -> None:
    status, _, answer = _call(FakeStripe(), body)
    assert status == 400
    assert answer["error"].get("code") == code
    assert message in answer["error"]["message"]


def test_requests_record_the_authorization_masked() -> None:
    fake = FakeStripe()
    _call(fake, b"customer=cus_1", **{"Stripe-Account": "acct_1", "Idempotency-Key": "k"})
    _, _, headers, params = fake.requests[0]
    assert headers["authorization"] == f"Bearer {mask(API_KEY)}"
    assert API_KEY not in repr(fake.requests)
    assert not UNMASKED_KEY.search(repr(fake.requests))
    assert (headers["stripe-account"], headers["idempotency-key"]) == ("acct_1", "k")
    assert params == {"customer": "cus_1"}


def test_the_flow_is_echoed_with_every_key_like_stripe() -> None:
    example = json.loads(
        (SHARED / "examples" / "constructed_subscription_cancel_flow.json").read_text()
    )
    flow = example["flow"]
    sent = {
        "type": flow["type"],
        "after_completion": {"type": "redirect", "redirect": flow["after_completion"]["redirect"]},
        "subscription_cancel": flow["subscription_cancel"],
    }
    status, _, body = _call(FakeStripe(), encode_form({"customer": "cus_1", "flow_data": sent}))
    assert status == 200, body
    echoed = body["flow"]
    assert echoed["after_completion"] == flow["after_completion"]  # hosted_confirmation: null
    assert {key: echoed[key] for key in flow} == flow
    assert echoed["subscription_pause"] is None


def test_a_type_only_flow_echoes_an_empty_object() -> None:
    status, _, body = _call(FakeStripe(), b"customer=cus_1&flow_data[type]=customer_update")
    assert status == 200, body
    assert body["flow"]["customer_update"] == {}
    assert body["flow"]["after_completion"] == {
        "type": "portal_homepage",
        "hosted_confirmation": None,
        "redirect": None,
    }
