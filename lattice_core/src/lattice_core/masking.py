"""Masking of secrets: a core service every message, `repr` and log passes through.

What counts as a secret here: Stripe secret and restricted keys, `Authorization`
values of any scheme, `Bearer` tokens, client secrets (`pi_…_secret_…`) and
portal URLs: a session's, and a configuration's shareable login page. A portal
URL is recognised by its shape, on any host (Stripe serves the portal on a
user's custom domain too): the path `/p/session/` or `/p/login/` followed by
the secret, spelled plainly, URL-encoded (`%2F`) or JSON-escaped
(`\\/`). Masking is idempotent.

This lives in core, not in the disableable `redaction` plugin, so switching
plugins off can never make Lattice print a key. The `redact` hook runs user
rules on top of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["SENSITIVE_KEYS", "mask", "mask_headers", "mask_value"]

# What ends a key in running text; everything before it is hidden, whatever it is,
# so a malformed key ("sk_test_abc-def.ghi") never keeps a readable tail.
_END = r"\s'\"`<>()\[\]{},;&|\\"
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
_BEARER = re.compile(r"(Bearer\s+)(?!\*\*\*)\S+", re.IGNORECASE)
# A path separator as it appears in a URL, a URL-encoded URL or JSON text.
_SEP = r"(?:/|%2F|\\/|\\u002[fF])"
# From the path on, whatever the host: http(s), URL-encoded and JSON-escaped spellings.
_PORTAL_URL = re.compile(
    rf"({_SEP}p{_SEP}(?:session|login){_SEP})(?!\*\*\*)[^\s'\"<>]+",
    re.IGNORECASE,
)
_CLIENT_SECRET = re.compile(r"\b((?:pi|seti|cs|src)_[0-9A-Za-z_]+?_secret_)(?!\*\*\*)[0-9A-Za-z]+")
# "flow" / "flow_data" name the customer's subscriptions and where the flow returns to.
SENSITIVE_KEYS = frozenset(
    {"authorization", "proxy-authorization", "api_key", "client_secret", "password"}
    | {"url", "flow", "flow_data"}
)
"""Mapping keys whose values [`mask_value`][lattice_core.masking.mask_value] hides whole.

Credentials, and a portal session's `url` and `flow` (or the `flow_data` param),
which name the customer's subscriptions and where the flow returns to. Compared
in lower case.
"""
# Something each rule above needs in order to match; text with none is returned untouched.
_MARKERS = (
    "sk_",
    "rk_",
    "bearer",
    "authorization",
    "_secret_",
    *(f"p{sep}{page}" for sep in ("/", "%2f", "\\/", "\\u002f") for page in ("session", "login")),
)
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


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
    """Return `text` with keys, authorization values, client secrets and portal URLs masked.

    A key keeps its prefix and, when long enough, its last four characters
    (`sk_test_…AbCd`); everything else masked becomes `***`.

    Args:
        text: Any text about to be shown, logged or raised.

    Returns:
        The masked text; `text` itself when there was nothing to mask.
    """
    low = text.lower()  # a few C-speed scans spare the common case five regexes
    if not any(marker in low for marker in _MARKERS):
        return text
    text = _AUTHORIZATION.sub(_mask_authorization, text)
    text = _BEARER.sub(r"\1***", text)
    text = _KEY.sub(_mask_key, text)
    text = _CLIENT_SECRET.sub(r"\1***", text)
    return _PORTAL_URL.sub(r"\1***", text)


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` with credentials (and cookies) replaced and every value masked.

    Args:
        headers: HTTP headers, of any case.

    Returns:
        A new dict, where `Authorization`, `Proxy-Authorization`, `Cookie` and
            `Set-Cookie` values become `***` and the others go through
            [`mask`][lattice_core.masking.mask].
    """
    return {
        name: "***" if name.lower() in _SENSITIVE_HEADERS else mask(value)
        for name, value in headers.items()
    }


def mask_value(value: Any) -> Any:
    """[`mask`][lattice_core.masking.mask] applied through mappings, lists and tuples.

    Used on decoded JSON, whose nesting is bounded by
    [`MAX_DEPTH`][lattice_core.limits.MAX_DEPTH].

    Args:
        value: Decoded JSON, or any value; what is neither text nor a container is
            returned as it is.

    Returns:
        A masked copy, where the values of
            [`SENSITIVE_KEYS`][lattice_core.masking.SENSITIVE_KEYS] become `***` whole.
    """
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
