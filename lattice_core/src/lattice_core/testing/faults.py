"""Planned failures: Stripe-shaped error answers and dropped connections.

`FakeStripe.fail_next` and `FakeStripe.disconnect_next` plan them, `error_response`
and a status queued into a stub use the same error bodies, and a fake served on a port
takes the same plans over HTTP at `CONTROL_PATH`.

A status picks the error `type` as Stripe does: `api_error` for a 5xx, `card_error`
for a 402, `invalid_request_error` for any other 4xx (401, 403, 404, 409 and 429
included: Stripe has no other type for them, and the status tells them apart). A 429
carries `code: rate_limit`, a 402 `code: card_declined`.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "CONTROL_PATH",
    "ERROR_TYPES",
    "Fault",
    "FaultPlan",
    "check_times",
    "control_arguments",
    "error_body",
    "error_headers",
]

ERROR_TYPES = ("api_error", "card_error", "idempotency_error", "invalid_request_error")
"""The error types Stripe's API sends (`error.type` in its OpenAPI description)."""

CONTROL_PATH = "/lattice/"
"""Where a fake served over HTTP takes plans: `POST /lattice/fail_next` and
`POST /lattice/disconnect_next`, with the keyword arguments as a JSON object. Stripe's
own paths all start with `/v1/` or `/v2/`."""

_MESSAGES = {
    400: "Invalid request.",
    401: "Invalid API Key provided.",
    402: "Your card was declined.",
    403: "The provided key does not have the required permissions for this request.",
    404: "No such object.",
    409: "The request conflicts with another request; try again.",
    429: "Request rate limit exceeded. Retry with exponential backoff.",
}
_CODES = {402: "card_declined", 429: "rate_limit"}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


def _check_optional_str(name: str, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got {type(value).__name__}.")


def _check_status(status: object) -> int:
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(f"status must be an int such as 500, got {type(status).__name__}.")
    if not 400 <= status <= 599:
        raise ValueError(
            f"status must be an error status from 400 to 599, got {status}; a success comes "
            "from the fake itself (or queue json_response(200, body) into a stub)."
        )
    return status


def check_times(times: object) -> int:
    """`times`, checked: an int of at least 1."""
    if isinstance(times, bool) or not isinstance(times, int):
        raise TypeError(f"times must be an int of at least 1, got {type(times).__name__}.")
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}.")
    return times


def error_body(
    status: int,
    *,
    type: str | None = None,
    code: str | None = None,
    message: str | None = None,
    param: str | None = None,
) -> dict[str, Any]:
    """The JSON Stripe answers a failed call with, `type` and `code` defaulting from `status`.

    Args:
        status: The HTTP status, from 400 to 599.
        type: The error type, one of `ERROR_TYPES`;
            `None` picks Stripe's for the status.
        code: The error code; `None` picks `rate_limit` for a 429, `card_declined` for a
            402, and no code otherwise.
        message: The message; `None` picks a message like Stripe's for the status.
        param: The parameter at fault, in form spelling (`flow_data[type]`), if any.

    Returns:
        The error JSON with `type` and `message`, and `code` and `param` when there
            is one.

    Raises:
        TypeError: An argument has the wrong type.
        ValueError: `status` is not from 400 to 599, or `type` is not one of Stripe's.
    """
    _check_status(status)
    for name, value in (("type", type), ("code", code), ("message", message), ("param", param)):
        _check_optional_str(name, value)
    if type is not None and type not in ERROR_TYPES:
        raise ValueError(f"type must be one of {', '.join(ERROR_TYPES)}, got {type!r}.")
    if type is None:
        type = "api_error" if status >= 500 else "card_error" if status == 402 else None
        type = type or "invalid_request_error"
    if message is None:
        message = _MESSAGES.get(
            status,
            "An unexpected error occurred while processing your request."
            if status >= 500
            else "Invalid request.",
        )
    error: dict[str, Any] = {"type": type, "message": message}
    code = code if code is not None else _CODES.get(status)
    if code is not None:
        error["code"] = code
    if param is not None:
        error["param"] = param
    return {"error": error}


def error_headers(headers: object) -> dict[str, str]:
    """Extra response headers, checked so that they can go on the wire as they are.

    Args:
        headers: A mapping of header names to values, or `None`.

    Returns:
        A copy, as a plain dict.

    Raises:
        TypeError: Not a mapping of strings.
        ValueError: A name that is not an HTTP token, a value with a line break, or a
            header the server frames the answer with (`Content-Length`,
            `Transfer-Encoding`, `Connection`).
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise TypeError(
            f"headers must be a mapping such as {{'Retry-After': '2'}}, "
            f"got {type(headers).__name__}."
        )
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"headers must map strings to strings (write '2', not 2), got {name!r}: {value!r}."
            )
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"{name!r} is not a valid header name.")
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError(f"the value of header {name} holds a line break or NUL.")
        if name.lower() in _FRAMING:
            raise ValueError(f"{name} is set by the server; it cannot be planned.")
        out[name] = value
    return out


@attrs.frozen
class Fault:
    """One planned failure: an error answer, or (`status` `None`) a dropped connection."""

    status: int | None
    """The HTTP status to answer with; `None` drops the connection instead."""
    body: dict[str, Any] = attrs.field(factory=dict)
    """The error JSON."""
    headers: dict[str, str] = attrs.field(factory=dict)
    """Headers to send besides the fake's own (they win over them)."""


class FaultPlan:
    """Planned failures, taken in the order they were planned; thread-safe."""

    def __init__(self) -> None:
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()

    def add(self, fault: Fault, times: int) -> None:
        """Plan `fault` for the next `times` requests, after those already planned.

        Args:
            fault: What to do.
            times: How many requests it answers.
        """
        with self._lock:
            self._faults.extend([fault] * times)

    def take(self) -> Fault | None:
        """The next planned failure, or `None` when none is left."""
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def __len__(self) -> int:
        return len(self._faults)


_CONTROL_ARGS = {
    "fail_next": {"status", "type", "code", "message", "param", "headers", "times"},
    "disconnect_next": {"times"},
}


def control_arguments(path: str, body: bytes) -> tuple[str, dict[str, Any]]:
    """The method and keyword arguments a control request asks for.

    Args:
        path: The request path, under `CONTROL_PATH`.
        body: A JSON object of keyword arguments; empty means none.

    Returns:
        `("fail_next", {...})` or `("disconnect_next", {...})`.

    Raises:
        LookupError: No such control path.
        ValueError: The body is not a JSON object of the method's arguments.
    """
    name = path.split("?", 1)[0][len(CONTROL_PATH) :]
    if name not in _CONTROL_ARGS:
        raise LookupError(
            f"no control path {path!r}: use {CONTROL_PATH}fail_next or "
            f"{CONTROL_PATH}disconnect_next."
        )
    try:
        args = json.loads(body) if body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the body must be a JSON object of arguments: {exc}") from None
    if not isinstance(args, dict):
        raise ValueError('the body must be a JSON object of arguments, such as {"times": 2}.')
    unknown = sorted(set(args) - _CONTROL_ARGS[name])
    if unknown:
        raise ValueError(
            f"{name} takes {', '.join(sorted(_CONTROL_ARGS[name]))}; got {', '.join(unknown)}."
        )
    return name, args
