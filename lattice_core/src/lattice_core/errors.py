"""Every exception Lattice raises, in one place.

The tree::

    LatticeError                      base of everything below
    ├── ConfigurationError            bad client setup (key, base_url, transport, plugin)
    ├── InvalidParamsError            pre-flight: bad params, raised before any network call
    │                                 (also a ValueError)
    └── StripeError                   Stripe answered, or could not be reached
        ├── InvalidRequestError       400, 404, type invalid_request_error
        ├── AuthenticationError       401
        ├── CardError                 402, type card_error
        ├── PermissionDeniedError     403
        ├── IdempotencyError          type idempotency_error (any status)
        ├── ConflictError             409
        ├── RateLimitError            429, or code rate_limit (any status)
        ├── APIError                  5xx and anything unknown
        └── APIConnectionError        network failure or timeout; no HTTP status

Messages never carry the API key: the client passes every message through the
``redact`` hook before raising, and nothing here formats headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "AuthenticationError",
    "CardError",
    "ConfigurationError",
    "ConflictError",
    "IdempotencyError",
    "InvalidParamsError",
    "InvalidRequestError",
    "LatticeError",
    "PermissionDeniedError",
    "RateLimitError",
    "StripeError",
]


class LatticeError(Exception):
    """Base class of every error Lattice raises."""


class ConfigurationError(LatticeError):
    """The client or a plugin is set up wrongly; the message says what to change."""


class InvalidParamsError(LatticeError, ValueError):
    """Params failed a pre-flight check; no request was sent.

    ``param`` is the dotted path of the offending field (``"flow_data.type"``),
    or ``None`` when the problem is the params object itself. ``reason`` names
    the rule that failed: ``required``, ``requires`` (needed because of a
    ``type``), ``exclusive``, ``type``, ``enum``, ``max_length``, ``non_empty``,
    ``url`` or ``unknown``.
    """

    def __init__(
        self, message: str, *, param: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.reason = reason


class StripeError(LatticeError):
    """Stripe refused the request, or could not be reached.

    Attributes mirror Stripe's error object (``message``, ``type``, ``code``,
    ``param``, ``decline_code``, ``doc_url``) plus what the HTTP exchange tells:
    ``http_status``, ``request_id`` (from the ``Request-Id`` header), ``headers``
    and ``json_body`` (the decoded body, or ``None`` when it was not JSON).
    """

    def __init__(
        self,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        doc_url: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.doc_url = doc_url
        self.http_status = http_status
        self.request_id = request_id
        self.headers: Mapping[str, str] = dict(headers or {})
        self.json_body = json_body

    def __str__(self) -> str:
        parts = []
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        suffix = f" ({', '.join(parts)})" if parts else ""
        return f"{self.message}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, type={self.type!r}, "
            f"code={self.code!r}, param={self.param!r}, http_status={self.http_status!r}, "
            f"request_id={self.request_id!r})"
        )


class InvalidRequestError(StripeError):
    """Stripe rejected the parameters (400) or the object does not exist (404)."""


class AuthenticationError(StripeError):
    """The API key is missing, wrong or revoked (401)."""


class CardError(StripeError):
    """A card was declined (402); see ``decline_code``."""


class PermissionDeniedError(StripeError):
    """The key may not do this, for example a restricted key without access (403)."""


class IdempotencyError(StripeError):
    """The ``Idempotency-Key`` was reused with different parameters."""


class ConflictError(StripeError):
    """The request conflicted with another one in flight (409)."""


class RateLimitError(StripeError):
    """Too many requests (429, or ``code == "rate_limit"``)."""


class APIError(StripeError):
    """Stripe failed (5xx), or answered with something Lattice does not recognise."""


class APIConnectionError(StripeError):
    """The request did not get an HTTP answer: DNS, refused connection, TLS, timeout.

    The transport's own exception is chained as ``__cause__``.
    """
