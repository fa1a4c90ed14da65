"""Declarative rules for request params: what each key may hold.

A resource declares the params of each operation as one table built with
[`string`][lattice_core.rules.string], [`integer`][lattice_core.rules.integer],
[`boolean`][lattice_core.rules.boolean], [`obj`][lattice_core.rules.obj],
[`array`][lattice_core.rules.array] and [`string_map`][lattice_core.rules.string_map];
`lattice_core.validation` walks it before anything is sent, the fake Stripe
checks requests against the same table, and the CLI makes its flags from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

__all__ = ["Rule", "array", "boolean", "integer", "obj", "string", "string_map"]

Kind = Literal["string", "integer", "boolean", "object", "array", "map"]
"""What kind of value a rule judges; `"map"` is a mapping of strings to strings."""


@attrs.frozen(eq=False)
class Rule:
    """What one param may hold.

    Made by `string`, `integer`, `boolean`, `obj`, `array` and `string_map`.
    """

    kind: Kind
    """`"string"`, `"integer"`, `"boolean"`, `"object"`, `"array"` or `"map"` (string to string)."""
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
    emptyable: bool = False
    """`""` is taken too: Stripe's way to unset a field or clear a list or map.

    Without it, `""` is judged like any other value (a list or a map refuses it).
    """
    minimum: int | None = None
    """The least an integer may be; `None` for no bound."""
    maximum: int | None = None
    """The most an integer may be; `None` for no bound."""
    max_items: int | None = None
    """The most elements an array may have, or keys a map; `None` for no limit."""
    values: Rule | None = None
    """The rule every value of a map follows (keys are strings)."""
    key_max_length: int | None = None
    """The most characters a key of a map may have; `None` for no limit."""


def string(
    *,
    required: bool = False,
    enum: Iterable[str] | None = None,
    max_length: int | None = 5000,
    url: bool = False,
    what: str = "",
    emptyable: bool = False,
) -> Rule:
    """A string param.

    Args:
        required: Required once its parent object is sent.
        enum: The values it may take.
        max_length: The most characters it may have (IDs are capped at 5000, as in
            Stripe's schema); ignored with `enum`.
        url: It must be an absolute `http(s)` URL.
        what: What to pass, in words for an error message.
        emptyable: `""` (Stripe's way to unset it) is taken too, even where
            `enum`, `url` or `required` would refuse it.
    """
    return Rule(
        "string",
        required=required,
        enum=tuple(enum) if enum is not None else None,
        max_length=None if enum is not None else max_length,
        url=url,
        what=what,
        emptyable=emptyable,
    )


def integer(
    *,
    required: bool = False,
    unix_time: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
    what: str = "",
) -> Rule:
    """An integer param (a `bool` is not one).

    Args:
        required: Required once its parent object is sent.
        unix_time: A Unix time: an aware `datetime` is taken too.
        minimum: The least it may be (`limit` of a list: 1).
        maximum: The most it may be (`limit` of a list: 100).
        what: What to pass, in words for an error message.
    """
    return Rule(
        "integer",
        required=required,
        unix_time=unix_time,
        minimum=minimum,
        maximum=maximum,
        what=what,
    )


def boolean(*, required: bool = False, what: str = "") -> Rule:
    """A boolean param: `True` or `False` only (not `0`, `1` or `"true"`).

    On the wire it is `true` or `false`; read back from form text, those two
    words become `True` and `False` again.

    Args:
        required: Required once its parent object is sent.
        what: What to pass, in words for an error message.
    """
    return Rule("boolean", required=required, what=what)


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


def array(
    items: Rule,
    *,
    required: bool = False,
    non_empty: bool = False,
    max_items: int | None = None,
    emptyable: bool = False,
    what: str = "",
) -> Rule:
    """A list param whose elements follow `items`.

    Args:
        items: The rule of every element.
        required: Required once its parent object is sent.
        non_empty: It must have at least one element.
        max_items: The most elements it may have (`products`: 10).
        emptyable: `""` is taken too: Stripe's way to clear the list.
        what: What to pass, in words for an error message.
    """
    return Rule(
        "array",
        required=required,
        items=items,
        non_empty=non_empty,
        max_items=max_items,
        emptyable=emptyable,
        what=what,
    )


def string_map(
    *,
    max_keys: int | None = 50,
    key_max_length: int | None = 40,
    value_max_length: int | None = 500,
    emptyable: bool = False,
    required: bool = False,
    what: str = "",
) -> Rule:
    """A mapping of string keys to string values, such as `metadata`.

    The defaults are Stripe's limits on metadata: at most 50 keys, each at most
    40 characters, each value at most 500. A value of `""` is always taken
    (Stripe unsets that key); `None` is left out, as anywhere else.

    Args:
        max_keys: The most keys it may have.
        key_max_length: The most characters a key may have.
        value_max_length: The most characters a value may have.
        emptyable: `""` in place of the whole mapping is taken too: Stripe's
            way to unset every key.
        required: Required once its parent object is sent.
        what: What to pass, in words for an error message.
    """
    return Rule(
        "map",
        required=required,
        max_items=max_keys,
        key_max_length=key_max_length,
        values=Rule("string", max_length=value_max_length),
        emptyable=emptyable,
        what=what,
    )
