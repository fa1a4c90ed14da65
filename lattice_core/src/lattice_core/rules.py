"""Declarative rules for request params: what each key may hold.

A resource declares the params of each operation as one table built with
[`string`][lattice_core.rules.string], [`integer`][lattice_core.rules.integer],
[`obj`][lattice_core.rules.obj] and [`array`][lattice_core.rules.array];
`lattice_core.validation` walks it before anything is sent, the fake Stripe
checks requests against the same table, and the CLI makes its flags from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

__all__ = ["Rule", "array", "integer", "obj", "string"]

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
