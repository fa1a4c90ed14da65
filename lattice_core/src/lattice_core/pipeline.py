"""The sans-IO heart of a call: build the request, decide each outcome, decode.

Nothing here does I/O. `call_flow` is a generator that yields either a
`Request` to send or a `float` of seconds to sleep, and is sent back
the transport's `Response` (or the `APIConnectionError` it raised).
Any other exception from the I/O (a cancellation, a transport bug) is thrown
into the generator, which reports it to `after_call` and re-raises it.
`Client` and `AsyncClient` drive the same generator with blocking or
awaiting I/O, the way httpx drives one auth flow from two clients, so the rules
for hooks, retries and errors exist once.
"""

from __future__ import annotations

import json
import json.scanner
import os
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any, Generic, TypeVar, Union, cast

from .checks import check_call_options
from .encoding import encode_form, encode_query
from .errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    CardError,
    ConfigurationError,
    ConflictError,
    IdempotencyError,
    InvalidParamsError,
    InvalidRequestError,
    LatticeError,
    PermissionDeniedError,
    RateLimitError,
    StripeError,
    sanitize_chain,
)
from .hooks import Hooks
from .http import Request, Response
from .limits import MAX_DEPTH, nested_deeper_than
from .masking import mask

__all__ = [
    "Call",
    "build_request",
    "call_flow",
    "decode_body",
    "error_from_response",
]

#: What a driver gets from the flow (send this / sleep this long) and sends back.
Step = Union[Request, float]  # noqa: UP007 - runtime aliases
#: ``None`` after a sleep; any exception but ``APIConnectionError`` ends the call.
Outcome = Union[Response, BaseException, None]  # noqa: UP007
T = TypeVar("T")

_SNIPPET_CHARS = 120
_MAX_KEPT_BODY = 64 * 1024

_STATUS_ERRORS: dict[int, type[StripeError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: CardError,
    403: PermissionDeniedError,
    404: InvalidRequestError,
    409: ConflictError,
    429: RateLimitError,
}
_TYPE_ERRORS: dict[str, type[StripeError]] = {
    "invalid_request_error": InvalidRequestError,
    "card_error": CardError,
    "idempotency_error": IdempotencyError,
}


def new_idempotency_key() -> str:
    """A random UUID4 in its usual text form, as Stripe's SDKs send by default.

    Made from `os.urandom` directly: the `uuid` module costs more to import
    than a short-lived process spends on every key it will ever make.
    """
    h = os.urandom(16).hex()
    # The version digit is 4; the variant's top bits are 10 (a digit from 8 to b).
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT_DIGIT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def build_request(
    *,
    method: str,
    url: str,
    params: Mapping[str, Any],
    base_headers: Mapping[str, str],
    stripe_account: str | None,
    idempotency_key: str | None,
    timeout: float | None = None,
) -> Request:
    """Build the request for one call; every attempt sends exactly this.

    `stripe_account` here is already resolved (per-call option over client
    default), as is `timeout` (the call's, else the client's): it travels on
    the request, so every transport, an instance passed in too, honours it.
    A POST carries the params form-encoded, and an `Idempotency-Key` (a fresh
    UUID4 when none is given) so retries can never create a second object.
    A GET carries them in the query string, with no body and no key: it is
    idempotent already, and its retries simply repeat it.
    """
    if stripe_account is not None or idempotency_key is not None:
        check_call_options(stripe_account, idempotency_key)
    headers = dict(base_headers)
    if stripe_account is not None:
        headers["Stripe-Account"] = stripe_account
    if method == "GET":
        if idempotency_key is not None:
            raise InvalidParamsError(
                "idempotency_key is for POST requests; a GET is idempotent already and "
                "is simply repeated on retry. Leave it out.",
                param="idempotency_key",
                reason="unknown",
            )
        del headers["Content-Type"]
        query = encode_query(params)
        return Request(
            method=method,
            url=f"{url}?{query}" if query else url,
            headers=headers,
            params=params,
            content=b"",
            timeout=timeout,
        )
    headers["Idempotency-Key"] = idempotency_key or new_idempotency_key()
    return Request(
        method=method,
        url=url,
        headers=headers,
        params=params,
        content=encode_form(params),
        timeout=timeout,
    )


def decode_body(response: Response) -> Response:
    """Fill `response.body` with the decoded JSON, or leave it `None`.

    `None` when the body is not JSON, or nests deeper than
    `MAX_DEPTH` (a cheap count of brackets spares
    ordinary bodies the walk).
    """
    content = response.content
    if content:
        try:
            body = _json(content)
        except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
            return response
        opened = content.count(b"{") + (content.count(b"[") if b"[" in content else 0)
        if opened > MAX_DEPTH and nested_deeper_than(body):
            return response
        response.body = body
    return response


# The C scanner json.loads drives (typeshed types make_scanner's argument oddly).
_scan_json: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    cast(Any, json.JSONDecoder())
)


def _json(content: bytes) -> Any:
    """`json.loads(content)`, with its encoding sniffing skipped for plain UTF-8.

    JSON in UTF-16 or UTF-32 has a NUL among its first four bytes (or a byte
    order mark, as may UTF-8): those, and anything that is not UTF-8, go to
    `json.loads`, which tells them apart.
    """
    if b"\x00" in content[:4] or content.startswith(b"\xef\xbb\xbf"):
        return json.loads(content)
    try:
        text = content.decode("utf-8")
        value, end = _scan_json(text, 0)
    except (UnicodeDecodeError, StopIteration):  # not UTF-8, leading space, not JSON
        return json.loads(content)  # its answer, or its error
    if end != len(text):  # trailing space or extra data
        return json.loads(content)
    return value


def _describe_body(response: Response) -> str:
    """What came back, for a message: never a body that parsed (or may parse) as JSON.

    A body that parsed may hold a session (its `url` is a credential), and a
    cut or malformed one may too, so only a short masked snippet of text that
    does not look like JSON is quoted (an HTML page from a proxy, say).
    """
    content = response.content
    if not content:
        return "an empty body"
    size = f"{len(content)} bytes"
    if response.body is not None:
        return f"a JSON body ({size}) that is not what was expected"
    text = " ".join(content.decode("utf-8", "replace").split())
    if text[:1] in ("{", "[", '"'):
        try:
            json.loads(content)
        except RecursionError:
            return f"a JSON body nested too deeply ({size})"
        except ValueError:
            return f"a body that is not valid JSON, perhaps cut short ({size})"
        return f"a JSON body nested deeper than {MAX_DEPTH} levels ({size})"
    if len(text) > _SNIPPET_CHARS:
        text = text[:_SNIPPET_CHARS] + "…"
    return f"a body that is not JSON ({size}): {mask(text)}"


def _redacted_or_none(value: object, hooks: Hooks) -> str | None:
    """A string Stripe echoes back (`param` may hold what was sent), redacted."""
    text = _str_or_none(value)
    return None if text is None else hooks.redact(text)


def error_from_response(response: Response, hooks: Hooks) -> StripeError:
    """Map a non-2xx response onto the error tree; never raises itself.

    `idempotency_error` and `code == "rate_limit"` pick their class whatever
    the status; otherwise a 5xx is an `APIError` whatever the `type`;
    then the status decides, then the error `type`; anything else is an
    `APIError`. A body that is not Stripe's error JSON (an HTML
    page from a proxy, an empty body) still gives a typed error carrying the
    status, headers, request id and a short snippet of what came back.
    """
    body = response.body
    error = body.get("error") if isinstance(body, dict) else None
    status = response.status_code
    if isinstance(error, dict):
        err_type = _str_or_none(error.get("type"))
        code = _str_or_none(error.get("code"))
        message = _str_or_none(error.get("message")) or f"Stripe returned HTTP {status}."
        fields: dict[str, Any] = {
            "type": err_type,
            "code": code,
            "param": _redacted_or_none(error.get("param"), hooks),
            "decline_code": _str_or_none(error.get("decline_code")),
            "doc_url": _str_or_none(error.get("doc_url")),
        }
    else:
        err_type = code = None
        message = f"Stripe returned HTTP {status} with {_describe_body(response)}"
        fields = {}
    if err_type == "idempotency_error":
        cls: type[StripeError] = IdempotencyError
    elif code == "rate_limit":
        cls = RateLimitError
    elif status >= 500:  # Stripe failed, whatever type its body names
        cls = APIError
    else:
        cls = _STATUS_ERRORS.get(status) or _TYPE_ERRORS.get(err_type or "") or APIError
    return cls(
        hooks.redact(message),
        http_status=status,
        request_id=response.request_id,
        headers=response.headers,
        # Stripe's error bodies are small; of a huge one keep what error handling reads,
        # so masking it (a walk of every value) stays cheap whatever a server sends.
        json_body=body if len(response.content) <= _MAX_KEPT_BODY else _error_only(error),
        **fields,
    )


def _error_only(error: object) -> dict[str, Any] | None:
    return {"error": error} if isinstance(error, dict) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


E = TypeVar("E", bound=LatticeError)


def _redacted(error: E, hooks: Hooks) -> E:
    """Clean an error in place before anyone sees it: no foreign cause, message redacted.

    A transport (a third-party one too) may have chained its library's
    exception, whose attributes hold the request and its `Authorization`
    header; the chain keeps a summary of it instead. The message goes through
    the `redact` hook, so users' own rules apply as well.
    """
    sanitize_chain(error)
    masked = hooks.redact(error.message)
    if masked != error.message:
        error.message = masked
        error.args = (masked,)
    return error


def _decoded(
    response: Response, decode: Callable[[dict[str, Any]], T], hooks: Hooks, request: Request
) -> T:
    """Decode a 2xx body, or raise an `APIError` that keeps the status and request id.

    `decode` raises `APIError` when the object does not have the shape it
    wants; the error raised here carries the response's status, request id and
    headers (never the body, which holds the portal url), its cause chained.
    """
    cause: APIError | None = None
    if isinstance(response.body, dict):
        try:
            return decode(response.body)
        except APIError as exc:
            cause = exc
            message = exc.message
    else:
        key = request.headers.get("Idempotency-Key")
        message = (
            f"Stripe returned HTTP {response.status_code} with {_describe_body(response)}, "
            "not the JSON object expected. The object may have been created: retry with "
            f"idempotency_key={key!r} to get it without creating another."
        )
    raise APIError(
        hooks.redact(message),
        http_status=response.status_code,
        request_id=response.request_id,
        headers=response.headers,
    ) from cause


def call_flow(
    request: Request, hooks: Hooks, max_retries: int, decode: Callable[[dict[str, Any]], T]
) -> Generator[Step, Outcome, T]:
    """Run one call: attempts, hooks and retry decisions; return the decoded body.

    Yields the request to send (answered with its `Response` or the
    `APIConnectionError` it raised) and retry delays in seconds (answered with
    `None`). Returns `decode(body)` of the 2xx JSON object. Raises the final
    `StripeError`, or whatever exception the driver throws in (after
    `after_call` has seen it).
    """
    response: Response | None = None
    try:
        while True:
            hooks.before_request(request)
            started = time.perf_counter()
            outcome = yield request
            elapsed = time.perf_counter() - started
            response = outcome if isinstance(outcome, Response) else None
            if response is not None:
                decode_body(response)
                hooks.after_response(request, response, None, elapsed)
                if 200 <= response.status_code < 300:
                    result = _decoded(response, decode, hooks, request)
                    break
                failure: StripeError = error_from_response(response, hooks)
            elif isinstance(outcome, APIConnectionError):
                failure = _redacted(outcome, hooks)
                hooks.after_response(request, None, failure, elapsed)
            else:
                raise TypeError(f"call_flow was sent {type(outcome).__name__}, expected a Response")
            network_error = None if response is not None else failure
            if request.attempt > max_retries:
                raise failure
            if isinstance(network_error, APIConnectionError) and not network_error.should_retry:
                raise failure  # a failed certificate check: no plugin can make it pass
            delay = hooks.retry_delay(request, response, network_error, max_retries)
            if delay is None:
                raise failure
            yield delay
            request.attempt += 1
    except GeneratorExit:  # the flow was dropped, not failed: nothing to report
        raise
    except BaseException as exc:  # a Stripe error, a cancellation, a plugin that raised
        if isinstance(exc, LatticeError):
            _redacted(exc, hooks)
        hooks.after_call(request, response, exc)
        raise
    hooks.after_call(request, response, None)
    return result


class Call(Generic[T]):
    """One call, prepared: inert until a driver starts it, then stepped to its end.

    Building a call fires nothing (no hook, no span):
    [`start`][lattice_core.pipeline.Call.start] runs it to its first step, and
    [`feed`][lattice_core.pipeline.Call.feed] hands back what each step produced,
    until `step` is `None`. A call runs once. [`Client.send`][lattice_core.Client.send]
    and [`AsyncClient.send`][lattice_core.AsyncClient.send] are the two drivers.

    Args:
        flow: The generator `call_flow` made for this call's request.
    """

    __slots__ = ("_flow", "_started", "result", "step")

    result: T
    """The decoded answer, once `step` is `None` (set only if the call succeeded)."""

    def __init__(self, flow: Generator[Step, Outcome, T]) -> None:
        self._flow = flow
        self._started = False
        self.step: Step | None = None
        """What to do next: a `Request` to send, seconds to sleep, or `None` when done."""

    def start(self) -> None:
        """Run the call to its first step (`before_request` hooks fire here).

        Raises:
            ConfigurationError: The call was already started.
        """
        if self._started:
            raise ConfigurationError(
                "this call was already sent; prepare a new one (client.prepare(...)) to "
                "send the request again."
            )
        self._started = True
        self.step = next(self._flow)

    def feed(self, outcome: Outcome) -> None:
        """Hand back what the step produced, and move to the next step.

        Args:
            outcome: The transport's `Response` or the `APIConnectionError` it
                raised, `None` after a sleep, or any other exception the I/O raised
                (`CancelledError`, a bug in a transport): that one is thrown into
                the flow, which tells `after_call` and raises it again from here.

        Raises:
            StripeError: The call failed for good (no retry left, or none wanted).
        """
        try:
            if isinstance(outcome, BaseException) and not isinstance(outcome, APIConnectionError):
                self.step = self._flow.throw(outcome)
            else:
                self.step = self._flow.send(outcome)
        except StopIteration as stop:
            self.step = None
            self.result = stop.value
