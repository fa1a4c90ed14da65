"""Built-in ``redaction`` plugin: mask credentials in any text leaving the SDK.

Secret and restricted keys keep their prefix and last four characters
(``sk_test_…AbCd``), ``Bearer`` values are replaced, and portal session URLs
lose their secret path.
"""

from __future__ import annotations

import re

from ..hookspecs import hookimpl

__all__ = ["mask", "redact"]

_KEY = re.compile(r"\b((?:sk|rk)_(?:test_|live_)?)([0-9A-Za-z_]+)")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_PORTAL_URL = re.compile(r"(https://billing\.stripe\.com/p/session/)[^\s'\"<>]+")


def _mask_key(match: re.Match[str]) -> str:
    secret = match.group(2)
    # Short secrets (test fixtures) keep nothing: four characters of eight is too much.
    tail = secret[-4:] if len(secret) >= 16 else ""
    return f"{match.group(1)}…{tail}"


def mask(text: str) -> str:
    """Return ``text`` with keys, bearer tokens and portal URLs masked."""
    text = _BEARER.sub(r"\1***", text)
    text = _KEY.sub(_mask_key, text)
    return _PORTAL_URL.sub(r"\1***", text)


@hookimpl
def redact(text: str) -> str | None:
    """The ``redact`` hook."""
    return mask(text)
