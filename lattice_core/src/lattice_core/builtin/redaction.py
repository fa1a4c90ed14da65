"""Built-in ``redaction`` plugin: mask credentials in any text leaving the SDK.

Secret and restricted keys keep their prefix and last four characters
(``sk_test_…AbCd``), ``Authorization`` values of any scheme and ``Bearer``
tokens are replaced, portal session URLs (``http``, ``https`` or URL-encoded)
lose their secret path and client secrets (``pi_…_secret_…``) their secret
part. Masking is idempotent. :func:`mask_value` applies the same rules through
mappings and lists, and masks whole values under sensitive keys.

The client calls the ``redact`` hook on exception messages and the telemetry
plugin on every log message; ``repr`` of clients and sessions masks on its own.
Add rules by implementing ``redact`` in your own plugin: implementations chain.
Disabling this plugin is allowed, and warns once per process: a ``UserWarning``
at the user's line and a WARNING on the ``lattice`` logger.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..hookspecs import hookimpl

__all__ = ["SENSITIVE_KEYS", "mask", "mask_value", "redact"]

# What ends a key in running text; everything before it is hidden, whatever it is,
# so a malformed key ("sk_test_abc-def.ghi") never keeps a readable tail.
_END = r"\s'\"`<>()\[\]{},;&|"
# Only a letter or digit before the prefix makes it part of another word ("task_1"):
# "prefix_sk_live_..." is still a key. The lookahead keeps masking idempotent:
# "sk_test_…AbCd" is left alone, and "sk_..." (how docs write a key) is not a key.
_KEY = re.compile(
    r"(?<![0-9A-Za-z])((?:sk|rk)_(?:(?:test|live)_)?)"
    rf"((?!(?:test|live)_…)[^{_END}….][^{_END}]*)"
)
_KEY_BODY = re.compile(r"[0-9A-Za-z_]+")
# "Authorization: Basic …", "'authorization': 'Token …'" (a header dict's repr), JSON.
_AUTHORIZATION = re.compile(r"(authorization['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n]+)", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z-]{0,15}")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
# From the host on, so http://, https:// and URL-encoded (%2F) spellings are all caught.
_PORTAL_URL = re.compile(
    r"(billing\.stripe\.com(?:/|%2F)p(?:/|%2F)session(?:/|%2F))(?!\*\*\*)[^\s'\"<>]+",
    re.IGNORECASE,
)
_CLIENT_SECRET = re.compile(r"\b((?:pi|seti|cs|src)_[0-9A-Za-z_]+?_secret_)(?!\*\*\*)[0-9A-Za-z]+")
# "flow" / "flow_data" name the customer's subscriptions and where the flow returns to.
SENSITIVE_KEYS = frozenset(
    {"authorization", "proxy-authorization", "api_key", "client_secret", "password"}
    | {"url", "flow", "flow_data"}
)


def _mask_key(match: re.Match[str]) -> str:
    secret = match.group(2)
    # Short secrets (test fixtures) keep nothing: four characters of eight is too much,
    # and neither does anything that is not a well-formed key.
    keep = len(secret) >= 16 and _KEY_BODY.fullmatch(secret)
    return f"{match.group(1)}…{secret[-4:] if keep else ''}"


def _mask_authorization(match: re.Match[str]) -> str:
    scheme, space, credentials = match.group(2).partition(" ")
    shown = f"{scheme} ***" if space and credentials and _SCHEME.fullmatch(scheme) else "***"
    return match.group(1) + shown


def mask(text: str) -> str:
    """Return ``text`` with keys, authorization values and portal URLs masked."""
    text = _AUTHORIZATION.sub(_mask_authorization, text)
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
