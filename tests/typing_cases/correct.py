"""Call sites that must type-check cleanly under `mypy --strict`, and run.

`tests/test_typing.py` type-checks this file (no error allowed) and runs every
`case_*` function against the fake Stripe.
"""

from __future__ import annotations

import datetime

from typing_extensions import assert_type

from lattice_core import AsyncClient, Client
from lattice_core.billing_portal import (
    AfterCompletion,
    FlowData,
    FlowDataParams,
    FlowDataType,
    Locale,
    Redirect,
    Session,
    SessionCreateParams,
    SubscriptionCancel,
    SubscriptionUpdateConfirmItem,
)
from lattice_core.builtin.retry import Retry


def case_plain_dict_literal(client: Client) -> None:
    session = Session.create(
        client,
        {"customer": "cus_1", "return_url": "https://example.com/account", "locale": "en-GB"},
    )
    assert_type(session, Session)
    assert_type(session.url, str)
    assert_type(session.locale, Locale | None)
    assert session.url.startswith("http")


def case_nested_flow_dicts(client: Client) -> None:
    session = Session.create(
        client,
        {
            "customer": "cus_1",
            "flow_data": {
                "type": "subscription_update_confirm",
                "subscription_update_confirm": {
                    "subscription": "sub_1",
                    "items": [{"id": "si_1", "price": "price_1", "quantity": 2}],
                    "discounts": [{"coupon": "SAVE10"}],
                },
                "after_completion": {
                    "type": "redirect",
                    "redirect": {"return_url": "https://example.com/done"},
                },
            },
            "after_expiration": {
                "type": "customer_login",
                "customer_login": {"expires_at": datetime.datetime.now(datetime.timezone.utc)},
            },
        },
    )
    assert session.flow is not None
    assert_type(session.flow.type, FlowDataType)
    assert session.flow.type == "subscription_update_confirm"


def case_flow_models_in_params(client: Client) -> None:
    flow = FlowData(
        type="subscription_cancel",
        subscription_cancel=SubscriptionCancel(subscription="sub_1"),
        after_completion=AfterCompletion(
            type="redirect", redirect=Redirect(return_url="https://example.com/done")
        ),
    )
    session = Session.create(client, {"customer": "cus_1", "flow_data": flow})
    assert session.flow is not None
    assert session.flow.subscription_cancel is not None


def case_models_inside_dicts(client: Client) -> None:
    items = (SubscriptionUpdateConfirmItem(id="si_1", quantity=3),)
    Session.create(
        client,
        {
            "customer": "cus_1",
            "flow_data": {
                "type": "subscription_update_confirm",
                "subscription_update_confirm": {"subscription": "sub_1", "items": items},
            },
        },
    )


def case_params_built_up_in_a_typed_variable(client: Client) -> None:
    params: SessionCreateParams = {"customer": "cus_1"}
    flow: FlowDataParams = {"type": "customer_update"}
    params["flow_data"] = flow
    params["expand"] = ["configuration"]
    Session.create(client, params, stripe_account="acct_1", idempotency_key="order-42")


def case_plugin_lookup_typed_by_its_class(client: Client) -> None:
    retry = client.get_plugin("retry", Retry)
    assert_type(retry, Retry)
    assert_type(client.get_plugin("retry"), object)
    assert retry.deadline is None
    Session.create(client, {"customer": "cus_1"})


async def case_async(client: AsyncClient) -> None:
    session = await Session.create_async(client, {"customer_account": "acct_1"})
    assert_type(session, Session)
