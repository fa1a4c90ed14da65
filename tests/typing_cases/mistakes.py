"""Typical mistakes at the call site, each one a `case_*` function.

A `# E: <code> <text>` comment marks the line below it as one mypy must
report, with its error code and a fragment of its message; `tests/test_typing.py`
runs mypy over this file and checks that the reported lines are exactly the
marked ones. At run time each case must also fail before any request is sent,
on the param its docstring names.

A mistake inside a nested flow dict is reported by mypy at the `flow_data` key
that holds it: `flow_data` may also be a model, and mypy checks a dict literal
against a union holding a class only as a whole.
"""

from __future__ import annotations

from typing import cast

from lattice_core import AsyncClient, Client
from lattice_core.billing_portal import (
    FlowData,
    FlowDataParams,
    Session,
    SessionCreateParams,
    SubscriptionCancelParams,
    SubscriptionUpdateConfirmItem,
)


def case_customer_is_not_a_string(client: Client) -> None:
    """Refused at run time on `customer`."""
    # E: typeddict-item "customer" has type "str"
    Session.create(client, {"customer": 123})


def case_misspelt_top_level_key(client: Client) -> None:
    """Refused at run time on `retrun_url`."""
    # E: typeddict-unknown-key "retrun_url"
    Session.create(client, {"customer": "cus_1", "retrun_url": "https://example.com"})


def case_unknown_locale(client: Client) -> None:
    """Refused at run time on `locale`."""
    # E: typeddict-item "locale"
    Session.create(client, {"customer": "cus_1", "locale": "xx"})


def case_unknown_flow_type(client: Client) -> None:
    """Refused at run time on `flow_data.type`."""
    # E: typeddict-item "flow_data"
    Session.create(client, {"customer": "cus_1", "flow_data": {"type": "subscription_cancle"}})


def case_quantity_as_a_string(client: Client) -> None:
    """Refused at run time on `flow_data.subscription_update_confirm.items[0].quantity`."""
    Session.create(
        client,
        {
            "customer": "cus_1",
            # E: typeddict-item "flow_data"
            "flow_data": {
                "type": "subscription_update_confirm",
                "subscription_update_confirm": {
                    "subscription": "sub_1",
                    "items": [{"id": "si_1", "quantity": "2"}],
                },
            },
        },
    )


def case_subscription_cancel_without_subscription(client: Client) -> None:
    """Refused at run time on `flow_data.subscription_cancel.subscription`."""
    Session.create(
        client,
        {
            "customer": "cus_1",
            # E: typeddict-item "flow_data"
            "flow_data": {"type": "subscription_cancel", "subscription_cancel": {}},
        },
    )


def case_bad_after_completion_type(client: Client) -> None:
    """Refused at run time on `flow_data.after_completion.type`."""
    Session.create(
        client,
        {
            "customer": "cus_1",
            # E: typeddict-item "flow_data"
            "flow_data": {
                "type": "payment_method_update",
                "after_completion": {"type": "redirect_to"},
            },
        },
    )


def case_settings_under_flow_data_itself(client: Client) -> None:
    """Refused at run time on `flow_data.subscription`."""
    Session.create(
        client,
        {
            "customer": "cus_1",
            # E: typeddict-item "flow_data"
            "flow_data": {"type": "subscription_cancel", "subscription": "sub_1"},
        },
    )


def case_redirect_without_return_url(client: Client) -> None:
    """Refused at run time on `flow_data.after_completion.redirect.return_url`."""
    Session.create(
        client,
        {
            "customer": "cus_1",
            # E: typeddict-item "flow_data"
            "flow_data": {
                "type": "payment_method_update",
                "after_completion": {"type": "redirect", "redirect": {}},
            },
        },
    )


def case_expand_as_a_string(client: Client) -> None:
    """Refused at run time on `expand`."""
    # E: typeddict-item "expand"
    Session.create(client, {"customer": "cus_1", "expand": "configuration"})


def case_unknown_flow_type_in_a_model(client: Client) -> None:
    """Refused at run time on `flow_data.type`."""
    # E: arg-type "type" to "FlowData"
    Session.create(client, {"customer": "cus_1", "flow_data": FlowData(type="subscription_cancle")})


def case_quantity_as_a_string_in_a_model(client: Client) -> None:
    """Refused at run time on `flow_data.subscription_update_confirm.items[0].quantity`."""
    # E: arg-type "quantity"
    item = SubscriptionUpdateConfirmItem(id="si_1", quantity="2")
    Session.create(
        client,
        {
            "customer": "cus_1",
            "flow_data": {
                "type": "subscription_update_confirm",
                "subscription_update_confirm": {"subscription": "sub_1", "items": [item]},
            },
        },
    )


def case_stripe_account_is_not_a_string(client: Client) -> None:
    """Refused at run time on `stripe_account`."""
    # E: arg-type "stripe_account"
    Session.create(client, {"customer": "cus_1"}, stripe_account=123)


def case_async_client_in_the_sync_create(client: AsyncClient) -> None:
    """Refused at run time with a ConfigurationError."""
    # E: arg-type "AsyncClient"
    Session.create(client, {"customer": "cus_1"})


def case_annotated_settings_get_the_precise_message(client: Client) -> None:
    """Refused at run time on `flow_data.subscription_cancel.subscription`."""
    # E: typeddict-item Missing key "subscription" for TypedDict "SubscriptionCancelParams"
    settings: SubscriptionCancelParams = {}
    flow: FlowDataParams = {"type": "subscription_cancel", "subscription_cancel": settings}
    Session.create(client, {"customer": "cus_1", "flow_data": flow})


def case_misspelt_value_compared_with_a_decoded_enum(client: Client) -> None:
    """Refused at run time on `flow_data.type`."""
    session = Session.from_dict({"id": "bps_1", "url": "https://example.com/p"})
    assert session is not None
    # E: comparison-overlap Non-overlapping equality check
    if session.flow is None or session.flow.type != "subscription_cancle":
        Session.create(client, cast(SessionCreateParams, {"flow_data": {"type": "x"}}))
