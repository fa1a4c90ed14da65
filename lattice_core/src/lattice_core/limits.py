"""Limits that keep hostile input a typed error instead of a crash.

Params and response bodies are trees a caller or a server controls; walking one
nested thousands of levels deep (or a params mapping that contains itself)
would end in `RecursionError` somewhere unhelpful. Lattice refuses both
kinds up front: params deeper than [`MAX_DEPTH`][lattice_core.limits.MAX_DEPTH]
(or cyclic) are an [`InvalidParamsError`][lattice_core.InvalidParamsError], a
response body deeper than that is an [`APIError`][lattice_core.APIError].
Stripe's own objects nest a handful of levels, so the limit only ever meets
hostile data.

Integers travel as Stripe's signed 64-bit integers, so anything outside
[`INT_MIN`][lattice_core.limits.INT_MIN] .. [`INT_MAX`][lattice_core.limits.INT_MAX]
is refused before it is sent (Python would also refuse to print an int of more
than 4,300 digits).
"""

from __future__ import annotations

from typing import Any

__all__ = ["INT_MAX", "INT_MIN", "MAX_DEPTH", "int_in_range", "nested_deeper_than"]

MAX_DEPTH = 32
"""How deeply params and response bodies may nest (mappings and lists count a level each)."""
INT_MIN = -(2**63)
"""The smallest integer Stripe accepts (signed 64-bit)."""
INT_MAX = 2**63 - 1
"""The largest integer Stripe accepts (signed 64-bit)."""


def int_in_range(value: int) -> bool:
    """Whether `value` fits Stripe's signed 64-bit integers.

    Args:
        value: The integer to check.
    """
    return INT_MIN <= value <= INT_MAX


def nested_deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether decoded JSON `value` nests mappings/lists more than `limit` levels.

    Iterative, so it cannot overflow the stack whatever it is given.

    Args:
        value: Decoded JSON (dicts, lists and scalars).
        limit: The levels allowed; a dict or list counts one.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
