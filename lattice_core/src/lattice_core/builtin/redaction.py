"""Built-in ``redaction`` plugin: mask credentials in any text leaving the SDK.

Secret and restricted keys keep their prefix and last four characters
(``sk_test_…AbCd``), ``Bearer`` values are replaced, portal session URLs lose
their secret path and client secrets (``pi_…_secret_…``) their secret part.
Masking is idempotent. :func:`mask_value` applies the same rules through
mappings and lists, and masks whole values under sensitive keys.

The client calls the ``redact`` hook on exception messages and the telemetry
plugin on every log message; ``repr`` of clients and sessions masks on its own.
Add rules by implementing ``redact`` in your own plugin: implementations chain.
Disabling this plugin is allowed, and logs a loud warning once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..hookspecs import hookimpl

__all__ = ["SENSITIVE_KEYS", "mask", "mask_value", "redact"]

# The lookahead keeps masking idempotent: "sk_test_…AbCd" is left alone.
_KEY = re.compile(r"\b((?:sk|rk)_(?:(?:test|live)_)?)((?!(?:test|live)_…)[0-9A-Za-z][0-9A-Za-z_]*)")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_PORTAL_URL = re.compile(r"(https://billing\.stripe\.com/p/session/)(?!\*\*\*)[^\s'\"<>]+")
_CLIENT_SECRET = re.compile(r"\b((?:pi|seti|cs|src)_[0-9A-Za-z_]+?_secret_)(?!\*\*\*)[0-9A-Za-z]+")
SENSITIVE_KEYS = frozenset({"authorization", "api_key", "client_secret", "url", "password"})


def _mask_key(match: re.Match[str]) -> str:
    secret = match.group(2)
    # Short secrets (test fixtures) keep nothing: four characters of eight is too much.
    tail = secret[-4:] if len(secret) >= 16 else ""
    return f"{match.group(1)}…{tail}"


def mask(text: str) -> str:
    """Return ``text`` with keys, bearer tokens and portal URLs masked."""
    text = _BEARER.sub(r"\1***", text)
    text = _KEY.sub(_mask_key, text)
    text = _CLIENT_SECRET.sub(r"\1***", text)
    return _PORTAL_URL.sub(r"\1***", text)


def mask_value(value: Any) -> Any:
    """:func:`mask` applied through mappings, lists and tuples; sensitive keys fully masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {
            key: "***"
            if isinstance(key, str) and key.lower() in SENSITIVE_KEYS and item
            else mask_value(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(item) for item in value)
    return value


@hookimpl
def redact(text: str) -> str | None:
    """The ``redact`` hook."""
    return mask(text)
