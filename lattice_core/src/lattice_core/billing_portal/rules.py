"""The shape of `POST /v1/billing_portal/sessions` params, as one declarative table.

Transcribed from Stripe's OpenAPI request schema (`shared/stripe-openapi`)
plus the additions of API version `2026-10-28.endive`; a conformance test
checks the table against that schema. The pre-flight validator walks it.

Flow types are rows of their own
([`FlowType`][lattice_core.billing_portal.rules.FlowType]), so a plugin can teach
the validator a type that a newer API version introduces through the
[`register_flow_types`][lattice_core.hookspecs.register_flow_types] hook, without
touching this file. Build its settings rule with
[`string`][lattice_core.billing_portal.rules.string],
[`integer`][lattice_core.billing_portal.rules.integer],
[`obj`][lattice_core.billing_portal.rules.obj] and
[`array`][lattice_core.billing_portal.rules.array].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

import attrs

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

Kind = Literal["string", "integer", "object", "array"]


@attrs.frozen(eq=False)
class Rule:
    """What one param may hold; made by `string`, `integer`, `obj` and `array`."""

    kind: Kind
    """`"string"`, `"integer"`, `"object"` or `"array"`."""
    required: bool = False
    """Required once its parent object is sent."""
    enum: tuple[str, ...] | None = None
    """The values a string may take; `None` for any."""
    max_length: int | None = None
    """The most characters a string may have; `None` for no limit."""
    fields: Mapping[str, Rule] = attrs.field(factory=dict)
    """An object's keys and their rules; other keys are refused."""
    items: Rule | None = None
    """The rule every element of an array follows."""
    by_type: Mapping[str, str] = attrs.field(factory=dict)
    """For an object: a value of its `type` field, and the key that value makes required.

    For example `{"redirect": "redirect"}`.
    """
    non_empty: bool = False
    """An array must have at least one element."""
    url: bool = False
    """A string must be an absolute `http(s)` URL."""
    unix_time: bool = False
    """An integer is a Unix time: an aware `datetime` is taken too."""
    what: str = ""
    """What to pass, in words for an error message (`"a coupon id"`)."""


def string(
    *,
    required: bool = False,
    enum: Iterable[str] | None = None,
    max_length: int | None = 5000,
    url: bool = False,
    what: str = "",
) -> Rule:
    """A string param.

    Args:
        required: Required once its parent object is sent.
        enum: The values it may take.
        max_length: The most characters it may have (IDs are capped at 5000, as in
            Stripe's schema); ignored with `enum`.
        url: It must be an absolute `http(s)` URL.
        what: What to pass, in words for an error message.
    """
    return Rule(
        "string",
        required=required,
        enum=tuple(enum) if enum is not None else None,
        max_length=None if enum is not None else max_length,
        url=url,
        what=what,
    )


def integer(*, required: bool = False, unix_time: bool = False, what: str = "") -> Rule:
    """An integer param (a `bool` is not one).

    Args:
        required: Required once its parent object is sent.
        unix_time: A Unix time: an aware `datetime` is taken too.
        what: What to pass, in words for an error message.
    """
    return Rule("integer", required=required, unix_time=unix_time, what=what)


def obj(
    fields: Mapping[str, Rule],
    *,
    required: bool = False,
    by_type: Mapping[str, str] | None = None,
    what: str = "",
) -> Rule:
    """A nested mapping param; keys outside `fields` are refused.

    Args:
        fields: Its keys and their rules.
        required: Required once its parent object is sent.
        by_type: A value of its `type` field, and the key that value makes
            required.
        what: What to pass, in words for an error message.
    """
    return Rule("object", required=required, fields=fields, by_type=by_type or {}, what=what)


def array(items: Rule, *, required: bool = False, non_empty: bool = False, what: str = "") -> Rule:
    """A list param whose elements follow `items`.

    Args:
        items: The rule of every element.
        required: Required once its parent object is sent.
        non_empty: It must have at least one element.
        what: What to pass, in words for an error message.
    """
    return Rule("array", required=required, items=items, non_empty=non_empty, what=what)


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
