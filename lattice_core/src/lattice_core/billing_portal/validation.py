"""Pre-flight checks of `Session.create` params, beyond what the table says.

The table is `.rules`; the generic walker is `lattice_core.validation`. What
a session adds, each something Stripe itself rejects: exactly one of
`customer` / `customer_account` is needed, a flow type requires its settings
object, an `after_completion` of type `redirect` requires `redirect`, and
`subscription_update_confirm.items` must not be empty.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..validation import check_params, coerce_form, fail, form_param
from .rules import BUILTIN_FLOW_TYPES, FlowType, Rule, session_create_rule

__all__ = [
    "check_owner",
    "coerce_form_values",
    "form_param",
    "validate_create_params",
    "validator_for",
]


def check_owner(params: Mapping[str, Any]) -> None:
    """Exactly one of `customer` and `customer_account`, and not an empty one."""
    customer, account = params.get("customer"), params.get("customer_account")
    if customer is None and account is None:
        raise fail(
            "customer",
            "required",
            "customer is required: pass params['customer'] = 'cus_...' "
            "(or params['customer_account'] for an Accounts v2 account).",
        )
    if customer is not None and account is not None:
        raise fail(
            "customer_account",
            "exclusive",
            "customer and customer_account are mutually exclusive: pass exactly one of them.",
        )
    name, value = ("customer", customer) if customer is not None else ("customer_account", account)
    if isinstance(value, str) and not value.strip():
        raise fail(
            name,
            "required",
            f"{name} must be a non-empty id string such as "
            f"{'cus_123' if name == 'customer' else 'acct_123'!r}, got an empty string.",
        )


@functools.cache
def validator_for(flow_types: Sequence[FlowType]) -> Rule:
    """The params rule for a set of flow types (cached: clients share it)."""
    return session_create_rule(flow_types)


def validate_create_params(
    params: object, flow_types: Iterable[FlowType] | None = None
) -> dict[str, Any]:
    """Check `params` of `Session.create`; return them as plain data, ready to encode.

    `flow_types`: the flow types to accept (default: the built-in ones).
    """
    rule = validator_for(BUILTIN_FLOW_TYPES if flow_types is None else tuple(flow_types))
    return check_params(rule, params, check_owner)


def coerce_form_values(value: Any, flow_types: Iterable[FlowType] = BUILTIN_FLOW_TYPES) -> Any:
    """Form-decoded session params with their integers back (see `coerce_form`).

    Used by the fake Stripe and the command line, which both start from
    `key=value` text.
    """
    return coerce_form(validator_for(tuple(flow_types)), value)
