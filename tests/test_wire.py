"""What goes on the wire, checked on the far side, over every sync transport."""

from __future__ import annotations

import uuid

import pytest

from lattice_core import DEFAULT_API_VERSION, InvalidParamsError, __version__

from .conftest import API_KEY, SESSION_JSON, Wire


def test_exact_body_and_headers(wire: Wire) -> None:
    wire.answer(200, SESSION_JSON)
    client = wire.client()
    params = {
        "customer": "cus_123",
        "return_url": "https://example.com/account?a=1&b=2",
        "on_behalf_of": "",
        "configuration": None,
        "expand": [],
        "flow_data": {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": "sub_1",
                "items": [{"id": "si_1", "price": "price_2", "quantity": 3}],
            },
        },
    }

    session = client.create(params)

    assert session.id == "bps_123"
    (seen,) = wire.seen
    assert seen.method == "POST"
    assert seen.path == "/v1/billing_portal/sessions"
    assert seen.body == (
        b"customer=cus_123"
        b"&return_url=https%3A%2F%2Fexample.com%2Faccount%3Fa%3D1%26b%3D2"
        b"&on_behalf_of="
        b"&flow_data[type]=subscription_update_confirm"
        b"&flow_data[subscription_update_confirm][subscription]=sub_1"
        b"&flow_data[subscription_update_confirm][items][0][id]=si_1"
        b"&flow_data[subscription_update_confirm][items][0][price]=price_2"
        b"&flow_data[subscription_update_confirm][items][0][quantity]=3"
    )
    headers = seen.headers
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["stripe-version"] == DEFAULT_API_VERSION == "2026-10-28.endive"
    assert "stripe-account" not in headers
    product, transport = headers["user-agent"].split(" ")
    assert product == f"lattice-python/{__version__}"
    expected = {"stub": "stub", "async-stub": "stub", "requests": "requests", "aiohttp": "aiohttp"}
    assert transport.split("/")[0] == expected[wire.kind]
    assert uuid.UUID(headers["idempotency-key"]).version == 4


def test_fresh_idempotency_key_per_call_and_given_key_sent_unchanged(wire: Wire) -> None:
    for _ in range(3):
        wire.answer(200, SESSION_JSON)
    client = wire.client()
    client.create({"customer": "cus_123"})
    client.create({"customer": "cus_123"})
    client.create({"customer": "cus_123"}, idempotency_key="order-42/portal v2")

    keys = [seen.headers["idempotency-key"] for seen in wire.seen]
    assert keys[0] != keys[1]
    assert keys[2] == "order-42/portal v2"


def test_stripe_account_per_call_beats_client_default(wire: Wire) -> None:
    for _ in range(3):
        wire.answer(200, SESSION_JSON)
    plain = wire.client()
    connected = wire.client(stripe_account="acct_default")

    plain.create({"customer": "cus_123"})
    connected.create({"customer": "cus_123"})
    connected.create({"customer": "cus_123"}, stripe_account="acct_call")

    accounts = [seen.headers.get("stripe-account") for seen in wire.seen]
    assert accounts == [None, "acct_default", "acct_call"]


def test_api_version_is_configurable(wire: Wire) -> None:
    wire.answer(200, SESSION_JSON)
    wire.client(api_version="2025-01-27.acacia").create({"customer": "cus_123"})
    assert wire.seen[0].headers["stripe-version"] == "2025-01-27.acacia"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "customer"),
        ({"return_url": "https://example.com"}, "customer"),
        ({"customer": ""}, "customer"),
        ({"customer": "   "}, "customer"),
        ({"customer": 123}, "customer"),
        ({"customer_account": ""}, "customer_account"),
        ({"customer": "cus_1", "customer_account": "acct_1"}, "customer_account"),
    ],
)
def test_invalid_params_raise_before_any_request(
    wire: Wire, params: dict[str, object], field: str
) -> None:
    client = wire.client()
    with pytest.raises(InvalidParamsError, match=field) as info:
        client.create(params)
    assert info.value.param == field
    assert isinstance(info.value, ValueError)
    assert wire.seen == []


@pytest.mark.parametrize("params", [None, "customer=cus_1", [("customer", "cus_1")], 42])
def test_non_mapping_params_are_rejected_before_any_request(wire: Wire, params: object) -> None:
    with pytest.raises(InvalidParamsError, match="params must be a mapping"):
        wire.client().create(params)
    assert wire.seen == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "k" * 256}, "idempotency_key"),
        ({"idempotency_key": "order ✓"}, "idempotency_key"),
        ({"idempotency_key": "line\nbreak"}, "idempotency_key"),
        ({"stripe_account": ""}, "stripe_account"),
        ({"stripe_account": 7}, "stripe_account"),
        ({"stripe_account": "acct_1\r\nX-Evil: 1"}, "stripe_account"),
        ({"stripe_account": "acct_\u00fc\u2603"}, "stripe_account"),
        ({"stripe_account": "acct_1 "}, "stripe_account"),
        ({"stripe_account": "cus_123"}, "stripe_account"),
        ({"stripe_account": "acct_"}, "stripe_account"),
        ({"idempotency_key": 7}, "idempotency_key"),
        ({"idempotency_key": " order-1"}, "idempotency_key"),
        ({"idempotency_key": "order-1 "}, "idempotency_key"),
        ({"stripe_account": "acct_1-2"}, "stripe_account"),
        ({"idempotency_key": "   "}, "idempotency_key"),
    ],
)
def test_bad_call_options_raise_before_any_request(
    wire: Wire, options: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidParamsError, match=field):
        wire.client().create({"customer": "cus_1"}, **options)
    assert wire.seen == []


def test_customer_account_alone_is_accepted(wire: Wire) -> None:
    wire.answer(200, {**SESSION_JSON, "customer_account": "acct_v2_1"})
    session = wire.client().create({"customer_account": "acct_v2_1"})
    assert session.customer_account == "acct_v2_1"
    assert wire.seen[0].params == {"customer_account": "acct_v2_1"}
