"""The params of the portal configuration's four operations, as declarative tables.

Transcribed from Stripe's OpenAPI request schemas of
`/v1/billing_portal/configurations` (`shared/stripe-openapi`) plus the additions
of API version `2026-10-28.endive` (`features.subscription_pause`,
`cancellation_reason.feedback_options`); a conformance test holds each table to
them, field by field: names, required keys, enums, lengths and where `""` (to
unset or clear) is taken.

Create and update differ: create requires `features`, and `enabled` in each
feature sent (but `subscription_pause`), and `cancellation_reason.options`;
update requires none of those but keeps `enabled` of `invoice_history`,
`payment_method_update`, `login_page` and `cancellation_reason`. Only update
has `active`, and takes `""` for `business_profile`'s URLs, `metadata` and
`schedule_at_period_end.conditions`.

Stricter than the schema, each something Stripe states in words or refuses:
URLs must be absolute `http(s)`; `products` holds at most 10; a list's `limit`
is 1 to 100; metadata has at most 50 keys, keys of at most 40 characters and
values of at most 500; a required list (`options` on create, a product's
`prices`) must not be empty, and create's `features` must hold at least one
feature (an empty list or mapping sends nothing, so Stripe would find it
missing); a list takes `starting_after` or `ending_before`, not both.

Each of the four rule functions (`configuration_create_rule` and its
siblings) takes (and ignores) the flow types, so it can serve as an
operation's `rule` as it is; it returns the same `Rule` every time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, get_args

from ..rules import Rule, array, boolean, integer, obj, string, string_map
from ..validation import fail, not_both
from .enums import (
    BillingCycleAnchor,
    CancellationReasonOption,
    ConditionType,
    CustomerUpdateAllowedUpdate,
    DefaultAllowedUpdate,
    PauseDurationType,
    PauseInterval,
    ProrationBehavior,
    SubscriptionCancelMode,
    TrialUpdateBehavior,
)

__all__ = [
    "MAX_PRODUCTS",
    "check_configuration_create",
    "check_configuration_list",
    "configuration_create_rule",
    "configuration_list_rule",
    "configuration_retrieve_rule",
    "configuration_update_rule",
]

MAX_PRODUCTS = 10
"""The most `features.subscription_update.products` a configuration may list."""

_URL = "an absolute URL such as 'https://example.com/terms'"
_EXPAND = array(string(what="a field to expand, such as 'application'"))


_ONLY_ON_UPDATE = "('' to clear it is taken only on update)"
_CONDITIONS = "a list of {'type': 'decreasing_item_amount'}"


def _enum_list(values: tuple[str, ...], *, required: bool = False) -> Rule:
    choices = ", ".join(repr(value) for value in values)
    return array(
        string(enum=values),
        required=required,
        non_empty=required,
        emptyable=True,
        what=f"a list of some of {choices}, or '' for none",
    )


def _business_profile(update: bool) -> Rule:
    url = _URL if update else f"{_URL} {_ONLY_ON_UPDATE}"
    return obj(
        {
            "headline": string(max_length=60, emptyable=True),
            "privacy_policy_url": string(max_length=None, url=True, emptyable=update, what=url),
            "terms_of_service_url": string(max_length=None, url=True, emptyable=update, what=url),
        }
    )


def _enabled(required: bool = True) -> Rule:
    return boolean(required=required)


_PRODUCT = obj(
    {
        "adjustable_quantity": obj(
            {
                "enabled": _enabled(),
                "maximum": integer(what="the most a customer may choose, an integer"),
                "minimum": integer(what="the least a customer may choose, an integer"),
            },
            what='{"enabled": True, "minimum"/"maximum": ...}',
        ),
        "prices": array(
            string(what="a price id 'price_...'"),
            required=True,
            non_empty=True,
            what="a non-empty list of price ids ['price_...']",
        ),
        "product": string(required=True, what="a product id 'prod_...'"),
    },
    what='{"product": "prod_...", "prices": ["price_..."]}',
)

_SUBSCRIPTION_PAUSE = obj(
    {
        "duration": obj(
            {
                "interval_options": array(
                    obj(
                        {
                            "interval": string(required=True, enum=get_args(PauseInterval)),
                            "interval_count": integer(what="a number of intervals"),
                        },
                        what='{"interval": "month", "interval_count": ...}',
                    ),
                    emptyable=True,
                ),
                "type": string(required=True, enum=get_args(PauseDurationType)),
            },
            what='{"type": "indefinite"} or {"type": "interval_options", ...}',
        ),
        "enabled": _enabled(required=False),
    }
)


def _features(update: bool) -> Rule:
    create = not update
    return obj(
        {
            "customer_update": obj(
                {
                    "allowed_updates": _enum_list(get_args(CustomerUpdateAllowedUpdate)),
                    "enabled": _enabled(create),
                }
            ),
            "invoice_history": obj({"enabled": _enabled()}),
            "payment_method_update": obj(
                {
                    "enabled": _enabled(),
                    "payment_method_configuration": string(
                        emptyable=True, what="a payment method configuration id 'pmc_...'"
                    ),
                }
            ),
            "subscription_cancel": obj(
                {
                    "cancellation_reason": obj(
                        {
                            "enabled": _enabled(),
                            "feedback_options": array(
                                string(max_length=None, what="a feedback option id"),
                                emptyable=True,
                            ),
                            "options": _enum_list(
                                get_args(CancellationReasonOption), required=create
                            ),
                        },
                        what='{"enabled": True, "options": ["too_expensive", ...]}',
                    ),
                    "enabled": _enabled(create),
                    "mode": string(enum=get_args(SubscriptionCancelMode)),
                    "proration_behavior": string(enum=get_args(ProrationBehavior)),
                }
            ),
            "subscription_pause": _SUBSCRIPTION_PAUSE,
            "subscription_update": obj(
                {
                    "billing_cycle_anchor": string(enum=get_args(BillingCycleAnchor)),
                    "default_allowed_updates": _enum_list(get_args(DefaultAllowedUpdate)),
                    "enabled": _enabled(create),
                    "products": array(
                        _PRODUCT,
                        max_items=MAX_PRODUCTS,
                        emptyable=True,
                        what='a list of {"product": "prod_...", "prices": ["price_..."]}',
                    ),
                    "proration_behavior": string(enum=get_args(ProrationBehavior)),
                    "schedule_at_period_end": obj(
                        {
                            "conditions": array(
                                obj(
                                    {"type": string(required=True, enum=get_args(ConditionType))},
                                    what='{"type": "decreasing_item_amount"}',
                                ),
                                emptyable=update,
                                what=f"{_CONDITIONS}, or '' to clear it"
                                if update
                                else f"{_CONDITIONS} {_ONLY_ON_UPDATE}",
                            )
                        }
                    ),
                    "trial_update_behavior": string(enum=get_args(TrialUpdateBehavior)),
                }
            ),
        },
        required=create,
        what='{"invoice_history": {"enabled": True}, ...}',
    )


def _configuration(update: bool) -> Rule:
    fields = {
        "business_profile": _business_profile(update),
        "default_return_url": string(
            max_length=None,
            url=True,
            emptyable=True,
            what="an absolute URL such as 'https://example.com/account'",
        ),
        "expand": _EXPAND,
        "features": _features(update),
        "login_page": obj({"enabled": _enabled()}),
        "metadata": string_map(
            emptyable=update,
            what="a mapping of strings to strings, or '' to clear it"
            if update
            else f"a mapping of strings to strings {_ONLY_ON_UPDATE}",
        ),
        "name": string(max_length=256, emptyable=True),
    }
    if update:
        fields["active"] = boolean()
    return obj(dict(sorted(fields.items())))


_CREATE = _configuration(update=False)
_UPDATE = _configuration(update=True)
_LIST = obj(
    {
        "active": boolean(),
        "ending_before": string(what="a configuration id 'bpc_...'"),
        "expand": _EXPAND,
        "is_default": boolean(),
        "limit": integer(minimum=1, maximum=100, what="an integer"),
        "starting_after": string(what="a configuration id 'bpc_...'"),
    }
)
_RETRIEVE = obj({"expand": _EXPAND})


def configuration_create_rule(flow_types: Iterable[object] = ()) -> Rule:
    """The rule for the params of `POST /v1/billing_portal/configurations`.

    Args:
        flow_types: Ignored: a configuration has no flow types.
    """
    return _CREATE


def configuration_update_rule(flow_types: Iterable[object] = ()) -> Rule:
    """The rule for the params of `POST /v1/billing_portal/configurations/{configuration}`.

    The id goes into the path, not the params.

    Args:
        flow_types: Ignored: a configuration has no flow types.
    """
    return _UPDATE


def configuration_list_rule(flow_types: Iterable[object] = ()) -> Rule:
    """The rule for the query of `GET /v1/billing_portal/configurations`.

    Args:
        flow_types: Ignored: a configuration has no flow types.
    """
    return _LIST


def configuration_retrieve_rule(flow_types: Iterable[object] = ()) -> Rule:
    """The rule for the query of `GET /v1/billing_portal/configurations/{configuration}`.

    Args:
        flow_types: Ignored: a configuration has no flow types.
    """
    return _RETRIEVE


def check_configuration_create(params: Mapping[str, Any]) -> None:
    """Create's `features` must hold at least one feature: `{}` sends nothing.

    Args:
        params: The create params, plain and already checked against the table.

    Raises:
        InvalidParamsError: `features` holds no feature (reason `"required"`).
    """
    features = params.get("features")
    if isinstance(features, Mapping) and all(v is None for v in features.values()):
        raise fail(
            "features",
            "required",
            "features is required and must hold at least one feature: pass e.g. "
            "{'invoice_history': {'enabled': True}}.",
        )


check_configuration_list = not_both("starting_after", "ending_before")
"""A list takes `starting_after` (pages forward) or `ending_before` (back), not both."""
