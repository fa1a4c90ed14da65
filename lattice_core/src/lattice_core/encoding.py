"""Stripe's form encoding: nested params flattened into bracketed keys.

Stripe reads ``application/x-www-form-urlencoded`` bodies where nesting is
spelled with brackets and every list element carries its index::

    {"flow_data": {"type": "subscription_update_confirm",
                   "subscription_update_confirm": {"items": [{"id": "si_1"}]}}}

    flow_data[type]=subscription_update_confirm
    &flow_data[subscription_update_confirm][items][0][id]=si_1

Rules (the same as the official ``stripe`` package, proven by a property test):
``None`` is left out, ``""`` is sent as ``key=`` (Stripe's way to unset a field),
empty lists and mappings send nothing, booleans are ``true``/``false``,
datetimes are Unix seconds, insertion order is kept and brackets stay literal.

One deliberate difference: inside a list, booleans and datetimes are converted
the same way as anywhere else (``stripe`` sends ``True`` and the ``datetime``
text there, which Stripe's API does not accept).

Params that cannot be encoded are an :class:`~lattice_core.errors.InvalidParamsError`
naming the bracketed key, not a crash: nesting deeper than
:data:`~lattice_core.limits.MAX_DEPTH` (a cycle too) and integers outside
Stripe's signed 64-bit range. ``Session.create`` checks all this earlier; this
guards ``client.request`` with raw params.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from .errors import InvalidParamsError
from .limits import INT_MAX, INT_MIN, MAX_DEPTH, int_in_range
from .masking import mask

__all__ = ["encode_form", "flatten_params"]


def _scalar(key: str, value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    datetime = sys.modules.get("datetime")  # never imported: then no value is a datetime
    if datetime is not None and isinstance(value, datetime.datetime):
        return str(int(value.timestamp()))
    if isinstance(value, int) and not int_in_range(value):
        raise InvalidParamsError(
            f"{mask(key)} must be an integer from {INT_MIN} to {INT_MAX} (Stripe's 64-bit "
            f"range), got one of {value.bit_length()} bits.",
            param=key,
            reason="range",
        )
    return str(value)


def _flatten(key: str, value: Any, depth: int = 1) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if isinstance(value, (Mapping, list, tuple)) and depth > MAX_DEPTH:
        raise InvalidParamsError(
            f"{mask(key)[:200]} nests deeper than {MAX_DEPTH} levels (or contains itself); "
            "no Stripe param is that deep.",
            param=key[:200],
            reason="depth",
        )
    if isinstance(value, Mapping):
        for sub_key, sub_value in value.items():
            yield from _flatten(f"{key}[{sub_key}]", sub_value, depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _flatten(f"{key}[{index}]", item, depth + 1)
    else:
        yield key, _scalar(key, value)


def flatten_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten nested ``params`` into Stripe's ``(bracketed key, text)`` pairs, in order."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        pairs.extend(_flatten(key, value))
    return pairs


def encode_form(params: Mapping[str, Any]) -> bytes:
    """Encode ``params`` as the exact request body Stripe expects (UTF-8 bytes)."""
    return urlencode(flatten_params(params), safe="[]").encode("ascii")
