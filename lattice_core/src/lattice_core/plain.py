"""Params as plain data, checked on the way: one bounded walk before anything else.

Params come from callers, and a careless (or hostile) one can pass anything:
a tree nested thousands of levels deep, a mapping that contains itself, bytes,
an `int` of 5,000 digits, text with NUL or a lone surrogate. Walked naively,
each ends in `RecursionError`, `ValueError` or `UnicodeEncodeError` far
from the call. [`plain_params`][lattice_core.plain.plain_params] walks the tree
once, turns Lattice models (the [`FlowData`][lattice_core.billing_portal.FlowData]
family) into the mappings they stand for, and raises an
[`InvalidParamsError`][lattice_core.InvalidParamsError] naming the path instead.
`Session.create` runs it before its rule table; `client.request` runs it on
raw params.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from .errors import InvalidParamsError
from .limits import INT_MAX, INT_MIN, MAX_DEPTH, int_in_range
from .wording import with_article

__all__ = ["EXTRA_FIELD", "plain_params"]

EXTRA_FIELD = "extra"
"""The field of a Lattice model that holds keys it does not know (merged back on the wire)."""

# A key shown in a path as it is; anything else (an id, a URL, a pasted key) is described.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def plain_params(params: object) -> dict[str, Any]:
    """`params` as plain mappings, lists and scalars, checked on the way.

    Args:
        params: A mapping, or a Lattice model, of params.

    Returns:
        A new dict of plain dicts, lists and scalars, models turned into the
            mappings they stand for.

    Raises:
        InvalidParamsError: Something cannot be sent; the message names its path.
            Refused (`reason` in brackets): params that are not a mapping (`type`), nesting
            deeper than [`MAX_DEPTH`][lattice_core.limits.MAX_DEPTH] (`depth`), a
            mapping or list inside itself (`cycle`), keys that are not strings and
            bytes values (`type`), integers outside signed 64-bit (`range`), text
            with NUL (`nul`) or that UTF-8 cannot encode (`type`).
    """
    if type(params) is not dict and not isinstance(params, Mapping) and not attrs.has(type(params)):
        raise InvalidParamsError(
            f"params must be a mapping such as {{'customer': 'cus_123'}}, "
            f"not {type(params).__name__}.",
            reason="type",
        )
    if type(params) is dict:  # straight to its items; children that hold it are cycles
        return _plain_mapping(params, [], {id(params)})
    plain: dict[str, Any] = _plain(params, [], set())
    return plain


def _fail(path: str, reason: str, message: str) -> InvalidParamsError:
    return InvalidParamsError(message, param=path or None, reason=reason)


def _text_problem(value: str) -> tuple[str, str] | None:
    if "\x00" in value:
        return "nul", "must not contain NUL characters ('\\x00')"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "type", "must be text that UTF-8 can encode (it has a lone surrogate)"
    return None


def _model_fields(value: Any) -> dict[str, Any]:
    """A flow model as the mapping it stands for, one level deep (`extra` merged in).

    The same shape the converter unstructures to, taken one level at a time so
    the walk can bound what an `extra` mapping holds.
    """
    names = [f.name for f in attrs.fields(type(value)) if f.name != EXTRA_FIELD]
    out = {name: getattr(value, name) for name in names}
    extra = getattr(value, EXTRA_FIELD, None)
    if isinstance(extra, Mapping):
        out.update(extra)
    return out


def _path(trail: list[str | int]) -> str:
    """`flow_data.items[0].id` for a trail of keys and indexes; made only for a message."""
    out = ""
    for step in trail:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            described = with_article(f"{len(step)}-character key")
            name = step if _TOKEN.fullmatch(step) else f"<{described}>"
            out += f".{name}" if out else name
    return out


def _plain(value: Any, trail: list[str | int], open_ids: set[int]) -> Any:
    # The path is a trail of keys, rendered only when something fails: the walk
    # runs on every call, and almost every call passes.
    if isinstance(value, str):
        if "\x00" in value or not value.isascii():  # the common case skips the call
            problem = _text_problem(value)
            if problem is not None:
                path = _path(trail)
                raise _fail(path, problem[0], f"{path or 'params'} {problem[1]}.")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if not int_in_range(value):
            path = _path(trail)
            raise _fail(
                path,
                "range",
                f"{path} must be an integer from {INT_MIN} to {INT_MAX} (Stripe's 64-bit "
                f"range), got one of {value.bit_length()} bits.",
            )
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        path = _path(trail)
        raise _fail(
            path, "type", f"{path} must be text (str), not {type(value).__name__}; decode it first."
        )
    model = not isinstance(value, (dict, list)) and attrs.has(type(value))
    if not (model or isinstance(value, (Mapping, list, tuple))):
        return value
    if id(value) in open_ids:
        path = _path(trail)
        raise _fail(
            path, "cycle", f"{path or 'params'} contains itself; pass a tree of plain values."
        )
    if len(trail) >= MAX_DEPTH:
        path = _path(trail)
        raise _fail(
            path, "depth", f"{path} nests deeper than {MAX_DEPTH} levels; no Stripe param does."
        )
    open_ids.add(id(value))
    try:
        if model or isinstance(value, Mapping):
            return _plain_mapping(_model_fields(value) if model else value, trail, open_ids)
        items = []
        for index, item in enumerate(value):
            trail.append(index)
            items.append(_plain(item, trail, open_ids))
            trail.pop()
        return items
    finally:
        open_ids.discard(id(value))


def _plain_mapping(
    items: Mapping[Any, Any], trail: list[str | int], open_ids: set[int]
) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for key, item in items.items():
        if (
            type(item) is str
            and type(key) is str
            and key.isascii()
            and item.isascii()
            and "\x00" not in key
            and "\x00" not in item
        ):
            plain[key] = item  # the common case: plain text under a plain key
            continue
        if not isinstance(key, str) or (
            ("\x00" in key or not key.isascii()) and _text_problem(key) is not None
        ):
            path = _path(trail)
            where = path or "params"
            if not isinstance(key, str):
                message = f"{where} keys must be strings, got {type(key).__name__}."
                raise _fail(path, "type", message)
            reason, why = _text_problem(key) or ("type", "")
            raise _fail(path, reason, f"a key of {where} {why}.")
        trail.append(key)
        plain[key] = _plain(item, trail, open_ids)
        trail.pop()
    return plain
