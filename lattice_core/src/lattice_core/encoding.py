"""Stripe's form encoding: nested params flattened into bracketed keys.

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
    """Flatten nested `params` into Stripe's `(bracketed key, text)` pairs, in order."""
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


def encode_form(params: Mapping[str, Any]) -> bytes:
    """Encode `params` as the exact request body Stripe expects (UTF-8 bytes).

    Byte for byte what `urlencode(flatten_params(params), safe="[]")` gives,
    without its per-character Python loop.
    """
    pairs = flatten_params(params)
    return "&".join([f"{_quote_key(k)}={_quote(v)}" for k, v in pairs]).encode("ascii")
