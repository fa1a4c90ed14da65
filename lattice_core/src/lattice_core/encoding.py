"""Stripe's form codec: nested params to bracketed keys and back.

Stripe reads `application/x-www-form-urlencoded` bodies where nesting is
spelled with brackets and every list element carries its index:

```text
{"flow_data": {"type": "subscription_update_confirm",
               "subscription_update_confirm": {"items": [{"id": "si_1"}]}}}

flow_data[type]=subscription_update_confirm
&flow_data[subscription_update_confirm][items][0][id]=si_1
```

Rules (the same as the official `stripe` package, proven by a property test):
`None` is left out, `""` is sent as `key=` (Stripe's way to unset a field),
empty lists and mappings send nothing, booleans are `true`/`false`,
datetimes are Unix seconds, insertion order is kept and brackets stay literal.

One deliberate difference: inside a list, booleans and datetimes are converted
the same way as anywhere else (`stripe` sends `True` and the `datetime`
text there, which Stripe's API does not accept).

A GET request carries the same text as its query string
([`encode_query`][lattice_core.encoding.encode_query]);
[`decode_form`][lattice_core.encoding.decode_form] reads a body back into
nested params, as Stripe's parser does.

Params that cannot be encoded are an `InvalidParamsError`
naming the bracketed key, not a crash: nesting deeper than
`MAX_DEPTH` (a cycle too) and integers outside
Stripe's signed 64-bit range. `Session.create` checks all this earlier; this
guards `client.request` with raw params.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from .errors import InvalidParamsError
from .limits import INT_MAX, INT_MIN, MAX_DEPTH, int_in_range
from .masking import mask

__all__ = ["decode_form", "encode_form", "encode_query", "flatten_params"]


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


def _flatten(pairs: list[tuple[str, str]], key: str, value: Any, depth: int) -> None:
    kind = type(value)
    if kind is str:  # most values: no further checks
        pairs.append((key, value))
        return
    if value is None:
        return
    nested = kind is dict or kind is list or isinstance(value, (Mapping, list, tuple))
    if nested and depth > MAX_DEPTH:
        raise InvalidParamsError(
            f"{mask(key)[:200]} nests deeper than {MAX_DEPTH} levels (or contains itself); "
            "no Stripe param is that deep.",
            param=key[:200],
            reason="depth",
        )
    if kind is dict or (nested and isinstance(value, Mapping)):
        for sub_key, sub_value in value.items():
            _flatten(pairs, f"{key}[{sub_key}]", sub_value, depth + 1)
    elif nested:
        for index, item in enumerate(value):
            _flatten(pairs, f"{key}[{index}]", item, depth + 1)
    else:
        pairs.append((key, _scalar(key, value)))


def flatten_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten nested `params` into Stripe's `(bracketed key, text)` pairs, in order.

    Args:
        params: Nested params: mappings, lists and tuples of scalars.

    Returns:
        Pairs such as `("flow_data[type]", "portal_homepage")`, not yet quoted.

    Raises:
        InvalidParamsError: Params nest too deep or hold an integer outside
            Stripe's range.
    """
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        _flatten(pairs, key, value, 1)
    return pairs


# What urlencode(pairs, safe="[]") writes for each UTF-8 byte: letters, digits,
# "_.-~" and the brackets as they are, a space as "+", everything else as %XX.
_SAFE_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~[]")
_QUOTED = [chr(b) if b in _SAFE_BYTES else f"%{b:02X}" for b in range(256)]
_QUOTED[0x20] = "+"
_NEEDS_NO_QUOTING = re.compile(r"[A-Za-z0-9_.~\[\]-]*").fullmatch
_QUOTED_KEYS: dict[str, str] = {}  # param names repeat from call to call


def _quote(text: str) -> str:
    if _NEEDS_NO_QUOTING(text):
        return text
    quoted = _QUOTED_VALUES.get(text)
    if quoted is None:
        quoted = "".join(map(_QUOTED.__getitem__, text.encode("utf-8")))
        if len(text) <= 256 and "://" in text:  # a return_url comes back call after call
            if len(_QUOTED_VALUES) >= 256:
                _QUOTED_VALUES.clear()
            _QUOTED_VALUES[text] = quoted
    return quoted


_QUOTED_VALUES: dict[str, str] = {}


def _quote_key(key: str) -> str:
    quoted = _QUOTED_KEYS.get(key)
    if quoted is None:
        quoted = _quote(key)
        if len(_QUOTED_KEYS) < 1024:
            _QUOTED_KEYS[key] = quoted
    return quoted


def encode_query(params: Mapping[str, Any]) -> str:
    """Encode `params` as the query string of a GET request, such as `expand[0]=x&limit=3`.

    The same text as the form body (stripe-python sends one encoding both
    ways), without the leading `?`.

    Args:
        params: Nested params, encoded by the rules above.

    Returns:
        ASCII text, brackets literal and everything else percent-encoded.

    Raises:
        InvalidParamsError: Params nest too deep or hold an integer outside
            Stripe's range.
    """
    pairs = flatten_params(params)
    return "&".join([f"{_quote_key(k)}={_quote(v)}" for k, v in pairs])


def encode_form(params: Mapping[str, Any]) -> bytes:
    """Encode `params` as the exact request body Stripe expects (UTF-8 bytes).

    Byte for byte what `urlencode(flatten_params(params), safe="[]")` gives,
    without its per-character Python loop.

    Args:
        params: Nested params, encoded by the rules above.

    Returns:
        An `application/x-www-form-urlencoded` body.

    Raises:
        InvalidParamsError: Params nest too deep or hold an integer outside
            Stripe's range.
    """
    return encode_query(params).encode("ascii")


def form_segments(key: str) -> list[str]:
    """`a[b][0]` as `["a", "b", "0"]`; `a[]` ends in `""` (append).

    How the decoder reads a key, shared with whatever else walks a param by its
    form spelling (`lattice_core.cli_errors`), so the two never split a key apart.

    Args:
        key: A key in Stripe's form spelling, such as `flow_data[type]`.

    Returns:
        The key's name, then each bracketed segment in order.
    """
    head, _, rest = key.partition("[")
    parts = [head]
    if rest:
        parts.extend(rest.rstrip("]").split("]["))
    return parts


_segments = form_segments  # the name the fake still imports


def _listify(node: Any) -> Any:
    if isinstance(node, list):
        return [_listify(item) for item in node]
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    return node


def _conflict(parts: list[str]) -> InvalidParamsError:
    param = parts[0] + "".join(f"[{part}]" for part in parts[1:]) if parts else "[]"
    return InvalidParamsError(
        f"{param} was sent in two shapes (a value, a hash or a list); send it one way.",
        param=param,
        reason="type",
    )


def decode_form(body: bytes) -> dict[str, Any]:
    """Parse a Stripe form body back into nested params.

    Indexed keys (`items[0][id]`, stripe-python's spelling) and appended keys
    (`expand[]`, the Stripe CLI's) both become lists; a repeated plain key
    keeps its last value, as Stripe's parser does.

    Args:
        body: An `application/x-www-form-urlencoded` body.

    Returns:
        Nested dicts and lists of strings.

    Raises:
        UnicodeDecodeError: The body is not UTF-8.
        InvalidParamsError: One key arrives in two shapes, such as
            `customer=cus_1&customer[a]=1` (`param` in form spelling).
    """
    root: dict[str, Any] = {}
    text = body.decode("utf-8")
    for key, value in parse_qsl(text, keep_blank_values=True, errors="strict"):
        parts = form_segments(key)
        node: Any = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":  # "[]": append to a list
                if not isinstance(node, list):
                    raise _conflict(parts[:depth])
                if last:
                    node.append(value)
                elif not node or not isinstance(node[-1], dict) or parts[depth + 1] in node[-1]:
                    node.append({})  # a key seen again starts the next element, as in Rack
                if not last:
                    node = node[-1]
                continue
            if not isinstance(node, dict):
                raise _conflict(parts[:depth])
            if last:
                if isinstance(node.get(part), (dict, list)):
                    raise _conflict(parts)
                node[part] = value
                continue
            child = node.setdefault(part, [] if parts[depth + 1] == "" else {})
            if not isinstance(child, (dict, list)):
                raise _conflict(parts[: depth + 1])
            node = child
    result: dict[str, Any] = _listify(root)
    return result
