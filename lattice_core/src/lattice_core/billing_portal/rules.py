"""The shape of `POST /v1/billing_portal/sessions` params, as one declarative table.

Transcribed from Stripe's OpenAPI request schema (`shared/stripe-openapi`)
plus the additions of API version `2026-10-28.endive`; a conformance test
checks the table against that schema. The pre-flight validator walks it.

Flow types are rows of their own
([`FlowType`][lattice_core.billing_portal.rules.FlowType]), so a plugin can teach
the validator a type that a newer API version introduces through the
[`register_flow_types`][lattice_core.hookspecs.register_flow_types] hook, without
touching this file. Build its settings rule with
[`string`][lattice_core.rules.string],
[`integer`][lattice_core.rules.integer],
[`obj`][lattice_core.rules.obj] and
[`array`][lattice_core.rules.array] (importable from here too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

import attrs

from ..rules import Rule, array, integer, obj, string
from .enums import AfterCompletionType, AfterExpirationType, Locale, RetentionType

__all__ = [
    "BUILTIN_FLOW_TYPES",
    "LOCALES",
    "FlowType",
    "Rule",
    "array",
    "integer",
    "obj",
    "session_create_rule",
    "string",
]


@attrs.frozen(eq=False)
class FlowType:
    """One `flow_data.type`: its name and, if it needs one, its settings object.

    Register one through the
    [`register_flow_types`][lattice_core.hookspecs.register_flow_types] hook.
    """

    name: str
    """The value of `flow_data.type`, such as `"subscription_resume"`."""
    settings: Rule | None = None
    """The rule for `flow_data[<name>]`, required whenever the type is `name`.

    `None` for a type that takes no settings.
    """


_SUBSCRIPTION = string(required=True, what="the subscription id, e.g. 'sub_123'")

BUILTIN_FLOW_TYPES: tuple[FlowType, ...] = (
    FlowType("customer_update"),
    FlowType("payment_method_update"),
    FlowType(
        "subscription_cancel",
        obj(
            {
                "subscription": _SUBSCRIPTION,
                "retention": obj(
                    {
                        "type": string(required=True, enum=get_args(RetentionType)),
                        "coupon_offer": obj(
                            {"coupon": string(required=True, what="a coupon id")},
                            required=True,
                            what='{"coupon": "<coupon id>"}',
                        ),
                    },
                    what='{"type": "coupon_offer", "coupon_offer": {"coupon": ...}}',
                ),
            },
            what='{"subscription": "sub_..."}',
        ),
    ),
    FlowType(
        "subscription_pause",
        # The 2026-10-28.endive delta gives no maxLength here: unconstrained.
        obj(
            {"subscription": string(required=True, max_length=None, what=_SUBSCRIPTION.what)},
            what='{"subscription": "sub_..."}',
        ),
    ),
    FlowType(
        "subscription_update",
        obj({"subscription": _SUBSCRIPTION}, what='{"subscription": "sub_..."}'),
    ),
    FlowType(
        "subscription_update_confirm",
        obj(
            {
                "subscription": _SUBSCRIPTION,
                "items": array(
                    obj(
                        {
                            "id": string(required=True, what="the subscription item id 'si_...'"),
                            "price": string(what="a price id 'price_...'"),
                            "quantity": integer(what="an integer quantity"),
                        },
                        what='{"id": ..., "price"/"quantity": ...}',
                    ),
                    required=True,
                    non_empty=True,
                    what='a non-empty list of {"id": ..., "price"/"quantity": ...}',
                ),
                "discounts": array(
                    obj(
                        {"coupon": string(), "promotion_code": string()},
                        what='{"coupon": ...} or {"promotion_code": ...}',
                    )
                ),
            },
            what='{"subscription": "sub_...", "items": [{"id": "si_...", ...}]}',
        ),
    ),
)
"""The flow types of the pinned API version and their settings rules.

`customer_update`, `payment_method_update`, `subscription_cancel`,
`subscription_pause`, `subscription_update` and `subscription_update_confirm`.
"""

AFTER_COMPLETION = obj(
    {
        "type": string(required=True, enum=get_args(AfterCompletionType)),
        "hosted_confirmation": obj({"custom_message": string(max_length=500)}),
        "redirect": obj(
            {
                "return_url": string(
                    required=True,
                    max_length=None,
                    url=True,
                    what="an absolute URL such as 'https://example.com/done'",
                )
            },
            what='{"return_url": "https://..."}',
        ),
    },
    by_type={"redirect": "redirect"},
)

LOCALES: tuple[str, ...] = get_args(Locale)
"""The values `locale` may take, at the pinned API version."""


def flow_data_rule(flow_types: Iterable[FlowType]) -> Rule:
    """The rule for `flow_data` given the known flow types (later ones win)."""
    by_name = {flow.name: flow for flow in flow_types}
    fields: dict[str, Rule] = {
        "type": string(required=True, enum=sorted(by_name)),
        "after_completion": AFTER_COMPLETION,
    }
    for flow in by_name.values():
        # A type-only flow takes an empty settings mapping: Stripe answers
        # `customer_update: {}`, so a decoded flow can be sent back as is (the
        # encoder drops empty mappings, so nothing extra goes on the wire).
        fields[flow.name] = flow.settings if flow.settings is not None else obj({})
    requires = {name: name for name, flow in by_name.items() if flow.settings is not None}
    return obj(fields, by_type=requires)


def session_create_rule(flow_types: Iterable[FlowType] = BUILTIN_FLOW_TYPES) -> Rule:
    """The rule for the whole params mapping of `Session.create`.

    Args:
        flow_types: The flow types `flow_data.type` may name.
    """
    return obj(
        {
            "customer": string(what="a customer id such as 'cus_123'"),
            "customer_account": string(what="an account id such as 'acct_123'"),
            "configuration": string(what="a portal configuration id 'bpc_...'"),
            "expand": array(string(what="a field to expand, such as 'flow'")),
            "flow_data": flow_data_rule(flow_types),
            "locale": string(enum=LOCALES),
            "on_behalf_of": string(max_length=None, what="a connected account id 'acct_...'"),
            "return_url": string(
                max_length=None, url=True, what="an absolute URL such as 'https://example.com'"
            ),
            "after_expiration": obj(
                {
                    "type": string(required=True, enum=get_args(AfterExpirationType)),
                    "customer_login": obj(
                        {"expires_at": integer(unix_time=True, what="a Unix timestamp in seconds")}
                    ),
                }
            ),
        }
    )
