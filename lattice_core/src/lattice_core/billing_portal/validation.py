"""Pre-flight checks of ``Session.create`` params: fail before any network call.

Each failure is an :class:`~lattice_core.errors.InvalidParamsError` whose
message names the field and says what to pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidParamsError

__all__ = ["validate_create_params"]

_OWNER_FIELDS = ("customer", "customer_account")


def validate_create_params(params: object) -> Mapping[str, Any]:
    """Check the shape Stripe requires of every portal session; return ``params``."""
    if not isinstance(params, Mapping):
        raise InvalidParamsError(
            f"params must be a mapping such as {{'customer': 'cus_123'}}, "
            f"not {type(params).__name__}."
        )
    for key in params:
        if not isinstance(key, str):
            raise InvalidParamsError(f"params keys must be strings, got {key!r}.")
    given = [name for name in _OWNER_FIELDS if params.get(name) is not None]
    if not given:
        raise InvalidParamsError(
            "customer is required: pass params['customer'] = 'cus_...' "
            "(or params['customer_account'] for an Accounts v2 account).",
            param="customer",
        )
    if len(given) > 1:
        raise InvalidParamsError(
            "customer and customer_account are mutually exclusive: pass exactly one of them.",
            param="customer_account",
        )
    name = given[0]
    value = params[name]
    if not isinstance(value, str) or not value.strip():
        raise InvalidParamsError(
            f"{name} must be a non-empty id string such as "
            f"{'cus_123' if name == 'customer' else 'acct_123'!r}, "
            f"got {'an empty string' if isinstance(value, str) else type(value).__name__}.",
            param=name,
        )
    return params
