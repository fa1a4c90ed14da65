"""Every exception Lattice raises, in one place.

The tree:

```text
LatticeError                      base of everything below
├── ConfigurationError            bad client setup (key, base_url, transport, plugin)
│   └── PluginNotFoundError       get_plugin(name): no such plugin on the client
│                                 (also a LookupError)
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

CauseSummary                      what stands in a cause chain for a library's
                                  exception (never raised)
```

Nothing an error holds carries a secret: messages, `param`, `headers` and
`json_body` are masked ([`lattice_core.masking`][lattice_core.masking]) when the
error is made, and the client also passes messages through the `redact` hook. An
exception from an HTTP library is never chained as it is (aiohttp's and requests'
exceptions hold the request, `Authorization` header included): a
[`CauseSummary`][lattice_core.errors.CauseSummary] with its type's name and a masked
message stands in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .masking import mask, mask_headers, mask_value

__all__ = [
    "APIConnectionError",
    "APIError",
    "AuthenticationError",
    "CardError",
    "CauseSummary",
    "ConfigurationError",
    "ConflictError",
    "IdempotencyError",
    "InvalidParamsError",
    "InvalidRequestError",
    "LatticeError",
    "PermissionDeniedError",
    "PluginNotFoundError",
    "RateLimitError",
    "StripeError",
]


class LatticeError(Exception):
    """Base class of every error Lattice raises; its message is masked when it is made."""

    def __init__(self, message: str = "") -> None:
        """Mask `message` and keep it.

        Args:
            message: What went wrong and what to do about it.
        """
        self.message: str = mask(message)
        """The message, masked: no key, client secret or portal URL survives in it."""
        super().__init__(self.message)


class ConfigurationError(LatticeError):
    """The client or a plugin is set up wrongly; the message says what to change.

    Args:
        message: What is wrong and what to pass instead.
        option: The option at fault, or the one the fix names, as `Client` (or
            `LoopbackServer`) spells it: `"base_url"`, `"max_retries"`,
            `"disable_plugins"` for a plugin that fails to load.
    """

    def __init__(self, message: str = "", *, option: str | None = None) -> None:
        super().__init__(message)
        self.option: str | None = option
        """The option the message is about (`"base_url"`); `None` when it names none.

        Lets a front end, such as the command line, word the fix in its own
        spelling (`--api-base`) without reading the message.
        """


class PluginNotFoundError(ConfigurationError, LookupError):
    """No plugin, or more than one, has the name given to `get_plugin`.

    Raised by [`Client.get_plugin`][lattice_core.Client.get_plugin]: the name is
    unknown, disabled (`disable_plugins`), or shared by two objects of one class.
    The message lists the client's plugins. Also a `LookupError`.

    Args:
        message: Why no single plugin was found, and the client's plugins.
        option: As for [`ConfigurationError`][lattice_core.ConfigurationError]; `None` here.
    """


_SUMMARY_CHARS = 300


class CauseSummary(Exception):
    """Stands in a cause chain for another library's exception: a sanitised copy.

    [`of`][lattice_core.errors.CauseSummary.of] makes it of a subclass of the
    original's type where it can (`isinstance(exc.__cause__,
    aiohttp.ClientResponseError)` still holds, and a traceback names the original
    type), with only the original's masked text and its plain public values
    (`status`, say). It holds no reference to the original, whose attributes may
    carry the request and its `Authorization` header, so an error tracker that
    renders the chain shows nothing secret.

    Args:
        type_name: The original's qualified class name.
        message: The original's text, already masked.
    """

    def __init__(self, type_name: str, message: str) -> None:
        # A plain summary names the type in its text; a copy's type says it already.
        own = type(self) is CauseSummary
        BaseException.__init__(self, f"{type_name}: {message}" if own and message else message)
        self.type_name: str = type_name
        """The original's qualified class name, such as `"ssl.SSLCertVerificationError"`."""
        self.summary: str = message
        """The original's text, masked and cut short."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args and self.args[0] else self.type_name

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}({str(self)!r})"

    def __reduce__(self) -> tuple[type[CauseSummary], tuple[str, str]]:
        return (CauseSummary, (self.type_name, self.summary))  # picklable across processes

    @classmethod
    def of(cls, exc: BaseException) -> CauseSummary:
        """Summarise `exc`: its type and masked text (`str` of it failing is no error).

        Args:
            exc: The exception to stand in for.

        Returns:
            An instance of a subclass of both `CauseSummary` and `exc`'s type, where
            Python allows one; else a plain `CauseSummary`.
        """
        kind = type(exc)
        try:
            text = " ".join(str(exc).split())
        except Exception:  # a broken __str__ must not hide the real error
            text = ""
        if len(text) > _SUMMARY_CHARS:
            text = text[:_SUMMARY_CHARS] + "…"
        name = f"{kind.__module__}.{kind.__qualname__}"
        copy_type = _copy_type(kind)
        summary: CauseSummary | None = None
        if copy_type is not None:
            try:
                summary = copy_type.__new__(copy_type)
            except Exception:  # a type that cannot be made without its arguments
                summary = None
        if summary is None:
            return CauseSummary(name, mask(text))
        CauseSummary.__init__(summary, name, mask(text))
        for key, value in _plain_attributes(exc):
            setattr(summary, key, value)
        return summary


_COPY_TYPES: dict[type[BaseException], type[CauseSummary] | None] = {}


def _copy_type(kind: type[BaseException]) -> type[CauseSummary] | None:
    """A subclass of `CauseSummary` and `kind`, named like `kind`; `None` if none.

    Made once per type (two threads racing make two equal classes, which is harmless).
    """
    if kind in _COPY_TYPES:
        return _COPY_TYPES[kind]
    made: type[CauseSummary] | None = None
    if not issubclass(kind, CauseSummary) and issubclass(kind, Exception):
        try:
            made = type(kind.__name__, (CauseSummary, kind), {})
        except TypeError:  # bases that cannot be combined (layout, metaclass): plain summary
            made = None
        else:
            made.__module__, made.__qualname__ = kind.__module__, kind.__qualname__
    _COPY_TYPES[kind] = made
    return made


def _plain_attributes(exc: BaseException) -> list[tuple[str, object]]:
    """The public attributes an exception holds itself, made safe to keep.

    Numbers and flags stay, strings are masked and cut short, and anything else
    (the request, its headers, a response) becomes `None`: still there to read,
    as code written for the original expects, but holding nothing.
    """
    try:
        items = list(vars(exc).items())
    except TypeError:
        return []
    kept: list[tuple[str, object]] = []
    for key, value in items:
        if key.startswith("_") or key in ("type_name", "summary"):
            continue
        if value is None or isinstance(value, (bool, int, float)):
            kept.append((key, value))
        elif isinstance(value, str):
            kept.append((key, mask(value[:_SUMMARY_CHARS])))
        else:
            kept.append((key, None))
    return kept


def sanitize_chain(error: BaseException) -> BaseException:
    """Replace every foreign exception in `error`'s cause chain with a summary.

    Each becomes a [`CauseSummary`][lattice_core.errors.CauseSummary]; Lattice
    errors and summaries are kept (and their own chains cleaned); an implicit
    `__context__` that is not shown anyway is dropped.

    Args:
        error: The exception about to be raised; changed in place.

    Returns:
        `error` itself.
    """
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if link.__suppress_context__:
            link.__context__ = None
        nxt = link.__cause__ if link.__cause__ is not None else link.__context__
        if nxt is not None and not isinstance(nxt, (LatticeError, CauseSummary)):
            summary = CauseSummary.of(nxt)
            link.__cause__ = summary  # also sets __suppress_context__
            link.__context__ = None
            nxt = None
        link = nxt
    return error


class InvalidParamsError(LatticeError, ValueError):
    """Params failed a pre-flight check; no request was sent.

    Also a `ValueError`, as bad arguments are in Python: it is not a
    [`StripeError`][lattice_core.StripeError], since Stripe was never asked.

    Args:
        message: What is wrong with the params and what to pass instead.
        param: The dotted path of the offending field.
        reason: The rule that failed.
    """

    def __init__(
        self, message: str, *, param: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.param: str | None = _masked(param)
        """The dotted path of the offending field (`"flow_data.type"`).

        `None` when the problem is the params object itself.
        """
        self.reason: str | None = reason
        """The rule that failed.

        One of `required`, `requires` (needed because of a `type`), `exclusive`,
        `type`, `enum`, `max_length`, `non_empty`, `url`, `unknown`, `nul` (a string
        holding NUL), `range` (an integer outside signed 64-bit), `depth` (nested
        deeper than [`MAX_DEPTH`][lattice_core.limits.MAX_DEPTH]) or `cycle` (params
        that contain themselves).
        """


class StripeError(LatticeError):
    """Stripe refused the request, or could not be reached.

    The attributes mirror Stripe's error object (`message`, `type`, `code`,
    `param`, `decline_code`, `doc_url`) plus what the HTTP exchange tells:
    `http_status`, `request_id`, `headers` and `json_body`. Catch a subclass to
    handle one kind of failure; `str(error)` adds the status and request id to
    the message.
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
        """Made by the client from Stripe's answer; each argument becomes the attribute.

        Args:
            message: Stripe's message, or Lattice's when there was none.
            type: Stripe's error type.
            code: Stripe's error code.
            param: The param Stripe names.
            decline_code: The card issuer's reason.
            doc_url: Stripe's page about this error.
            http_status: The HTTP status.
            request_id: The `Request-Id` header.
            headers: The response headers.
            json_body: The decoded response body.
        """
        super().__init__(message)
        # A server (or a proxy in front of it) may echo anything into these.
        self.type: str | None = _masked(type)
        """Stripe's error type, such as `"invalid_request_error"` or `"card_error"`."""
        self.code: str | None = _masked(code)
        """Stripe's error code, such as `"resource_missing"` or `"rate_limit"`."""
        self.param: str | None = _masked(param)
        """The param Stripe names as the cause, in form spelling (`"flow_data[type]"`)."""
        self.decline_code: str | None = _masked(decline_code)
        """Why the card issuer declined, for a [`CardError`][lattice_core.CardError]."""
        self.doc_url: str | None = _masked(doc_url)
        """A link to Stripe's documentation of this error."""
        self.http_status: int | None = http_status
        """The HTTP status; `None` when no answer came."""
        self.request_id: str | None = _masked(request_id)
        """The `Request-Id` header: the handle Stripe support asks for."""
        self.headers: Mapping[str, str] = mask_headers(headers or {})
        """The response headers, lower-cased names, credentials and cookies masked."""
        self.json_body: Any = mask_value(json_body)
        """The decoded body, masked; `None` when it was not JSON."""

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


def _masked(value: str | None) -> str | None:
    return None if value is None else mask(value)


class InvalidRequestError(StripeError):
    """Stripe rejected the parameters (400) or the object does not exist (404)."""


class AuthenticationError(StripeError):
    """The API key is missing, wrong or revoked (401)."""


class CardError(StripeError):
    """A card was declined (402); see `decline_code`."""


class PermissionDeniedError(StripeError):
    """The key may not do this, for example a restricted key without access (403)."""


class IdempotencyError(StripeError):
    """The `Idempotency-Key` was reused with different parameters."""


class ConflictError(StripeError):
    """The request conflicted with another one in flight (409)."""


class RateLimitError(StripeError):
    """Too many requests (429, or `code == "rate_limit"`)."""


class APIError(StripeError):
    """Stripe failed (5xx), or answered with something Lattice does not recognise."""


class APIConnectionError(StripeError):
    """The request did not get an HTTP answer: DNS, refused connection, TLS, timeout.

    `__cause__` is a [`CauseSummary`][lattice_core.errors.CauseSummary] of the
    transport library's exception (its type and masked message).

    Args:
        message: What failed: the call, where to, and why.
        should_retry: Whether another attempt could succeed.
        **fields: The other attributes of [`StripeError`][lattice_core.StripeError].
    """

    def __init__(self, message: str, *, should_retry: bool = True, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.should_retry: bool = should_retry
        """`False` when repeating cannot help, as after a failed TLS certificate check."""
