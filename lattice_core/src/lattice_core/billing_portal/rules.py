"""The shape of ``POST /v1/billing_portal/sessions`` params, as one declarative table.

Transcribed from Stripe's OpenAPI request schema (``shared/stripe-openapi``)
plus the additions of API version ``2026-10-28.endive``; a conformance test
checks the table against that schema. :mod:`.validation` walks it.

Flow types are rows of their own (:class:`FlowType`), so a plugin can teach the
validator a type that a newer API version introduces through the
``register_flow_types`` hook, without touching this file.
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
    """What one param may hold.

    ``required`` means required once its parent object is sent. ``by_type``
    (objects only) maps a value of the object's ``type`` field to the key that
    value makes required, e.g. ``{"redirect": "redirect"}``. ``what`` says, in
    words for an error message, what to pass.
    """

    kind: Kind
    required: bool = False
    enum: tuple[str, ...] | None = None
    max_length: int | None = None
    fields: Mapping[str, Rule] = attrs.field(factory=dict)
    items: Rule | None = None
    by_type: Mapping[str, str] = attrs.field(factory=dict)
    non_empty: bool = False
    url: bool = False
    unix_time: bool = False
    what: str = ""


def string(
    *,
    required: bool = False,
    enum: Iterable[str] | None = None,
    max_length: int | None = 5000,
    url: bool = False,
    what: str = "",
) -> Rule:
    """A string param (IDs are capped at 5000 characters, as in Stripe's schema)."""
    return Rule(
        "string",
        required=required,
        enum=tuple(enum) if enum is not None else None,
        max_length=None if enum is not None else max_length,
        url=url,
        what=what,
    )


def integer(*, required: bool = False, unix_time: bool = False, what: str = "") -> Rule:
    """An integer param (``bool`` is not); ``unix_time`` also takes aware datetimes."""
    return Rule("integer", required=required, unix_time=unix_time, what=what)


def obj(
    fields: Mapping[str, Rule],
    *,
    required: bool = False,
    by_type: Mapping[str, str] | None = None,
    what: str = "",
) -> Rule:
    """A nested mapping param; keys outside ``fields`` are rejected."""
    return Rule("object", required=required, fields=fields, by_type=by_type or {}, what=what)


def array(items: Rule, *, required: bool = False, non_empty: bool = False, what: str = "") -> Rule:
    """A list param whose elements follow ``items``."""
    return Rule("array", required=required, items=items, non_empty=non_empty, what=what)


@attrs.frozen(eq=False)
class FlowType:
    """One ``flow_data.type``: its name and, if it needs one, its settings object.

    ``settings`` is the rule for ``flow_data[<name>]``; when set, that key is
    required whenever ``flow_data.type`` is ``name``.
    """

    name: str
    settings: Rule | None = None


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


def flow_data_rule(flow_types: Iterable[FlowType]) -> Rule:
    """The rule for ``flow_data`` given the known flow types (later ones win)."""
    by_name = {flow.name: flow for flow in flow_types}
    fields: dict[str, Rule] = {
        "type": string(required=True, enum=sorted(by_name)),
        "after_completion": AFTER_COMPLETION,
    }
    for flow in by_name.values():
        # A type-only flow takes an empty settings mapping: Stripe answers
        # ``customer_update: {}``, so a decoded flow can be sent back as is (the
        # encoder drops empty mappings, so nothing extra goes on the wire).
        fields[flow.name] = flow.settings if flow.settings is not None else obj({})
    requires = {name: name for name, flow in by_name.items() if flow.settings is not None}
    return obj(fields, by_type=requires)


def session_create_rule(flow_types: Iterable[FlowType] = BUILTIN_FLOW_TYPES) -> Rule:
    """The rule for the whole params mapping of ``Session.create``."""
    return obj(
        {
            "customer": string(what="a customer id such as 'cus_123'"),
            "customer_account": string(what="an account id such as 'acct_123'"),
            "configuration": string(what="a portal configuration id 'bpc_...'"),
            "expand": array(string()),
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
