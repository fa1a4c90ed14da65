"""An in-memory fake of Stripe's API for the resources Lattice declares.

[`FakeStripe`][lattice_core.testing.FakeStripe] is an *app* (`(method, path,
headers, body) -> (status, headers, body)`), so the same object answers over
real HTTP through [`LoopbackServer`][lattice_core.testing.LoopbackServer] and in
memory through a stub transport. What it serves comes from the resource
declarations (`lattice_core.resources`): each declared operation is a route,
its params are checked against the operation's own rule table (so a request
that skipped Lattice's pre-flight checks still gets Stripe's 400 with `param`
in form spelling), and its answers are shaped from the operation's model. What
a resource *does* (create a session, store a configuration) lives beside it
in `lattice_core.testing.fake_billing_portal`; this module checks the key,
routes, keeps idempotency and plans failures. Pass `flow_types` to accept flow
types newer than the pinned API version.
[`fail_next`][lattice_core.testing.FakeStripe.fail_next] and
[`disconnect_next`][lattice_core.testing.FakeStripe.disconnect_next] make the next
calls fail, in memory and over HTTP alike.

Serve it: `lattice-stripe fake-stripe --port 12111` (or `python -m lattice_core.testing`).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from ..billing_portal.rules import BUILTIN_FLOW_TYPES, FlowType
from ..encoding import decode_form, form_segments
from ..errors import InvalidParamsError
from ..http import split_url
from ..masking import mask
from ..resources import Operation
from ..rules import Rule
from ..validation import check_params, coerce_form, form_param
from .fake_base import Answer, F, FakeResource, stripe_error
from .fake_billing_portal import fake_resources
from .faults import (
    CONTROL_PATH,
    Fault,
    FaultPlan,
    check_times,
    control_arguments,
    error_body,
    error_headers,
)
from .server import Disconnect

__all__ = ["FakeStripe", "decode_form"]  # decode_form: re-exported from encoding

_error = stripe_error


# How Stripe words and codes what Lattice's pre-flight checks catch; a wrong type is
# coded by the kind the table expects (_TYPE_CODES). ``None``: Stripe sends no code.
_CODES: dict[str, tuple[str | None, str]] = {
    "required": ("parameter_missing", "Missing required param: {param}."),
    "requires": ("parameter_missing", "Missing required param: {param}."),
    "exclusive": ("parameters_exclusive", "You may only specify one of these parameters: {names}."),
    "unknown": ("parameter_unknown", "Received unknown parameter: {param}"),
    "non_empty": ("parameter_invalid_empty", "You passed an empty value for {param}."),
    "enum": ("parameter_invalid_string", "Invalid {param}: must be one of the allowed values."),
    "max_length": ("parameter_invalid_string", "Invalid {param}: too long."),
    "url": ("url_invalid", "Not a valid URL: {param}."),
}
_TYPE_CODES: dict[str, tuple[str | None, str]] = {
    "integer": ("parameter_invalid_integer", "Invalid integer: {param}."),
    "string": ("parameter_invalid_string", "Invalid string: {param}."),
    "object": (None, "Invalid hash: {param}."),
    "map": (None, "Invalid hash: {param}."),
    "array": (None, "Invalid array: {param}."),
    "boolean": (None, "Invalid boolean: {param}."),
}


# How `not_both` (and the session's owner check) word the pair: "a and b are mutually ...".
_PAIR = re.compile(r"(\w+) and (\w+) are mutually exclusive")


def _exclusive_names(exc: InvalidParamsError, param: str) -> str:
    """The params an `exclusive` error is about, as Stripe lists them: `a, b`."""
    pair = _PAIR.match(exc.message)
    return ", ".join(form_param(name) for name in pair.groups()) if pair else param


def _rule_at(rule: Rule | None, param: str) -> Rule | None:
    """The table's rule for a form-spelled param, or `None` if the table has none."""
    for part in form_segments(param):
        if rule is None:
            return None
        if rule.kind == "array":
            rule = rule.items if part.isdigit() or part == "" else None
        elif rule.kind == "object":
            rule = rule.fields.get(part)
        else:
            return None
    return rule


def _refusal(key: str) -> tuple[int, dict[str, Any]] | None:
    if not key.startswith(("sk_test_", "rk_test_")):
        return _error(
            401,
            "invalid_request_error",
            "Invalid API Key provided. The fake takes test keys (sk_test_... or rk_test_...).",
        )
    return None


class _Route:
    """A declared operation, the fake resource that serves it, and its path as a pattern."""

    def __init__(self, operation: Operation[Any], served_by: FakeResource) -> None:
        self.operation = operation
        self.served_by = served_by
        pattern = re.escape(operation.path).replace(re.escape("{id}"), "([^/]+)")
        self.pattern = re.compile(pattern)

    def match(self, method: str, path: str) -> tuple[bool, str | None] | None:
        """`None` when the path is not this route's; else whether the method is, and the id."""
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return method == self.operation.method, found.group(1) if found.groups() else None


def _recorded(headers: dict[str, str]) -> dict[str, str]:
    """Headers as `FakeStripe.requests` keeps them: `Bearer sk_test_…cdef`, not the key."""
    out = dict(headers)
    if "authorization" in out:
        scheme, _, credential = out["authorization"].partition(" ")
        masked = mask(credential)
        out["authorization"] = f"{scheme} {masked}" if masked != credential else "***"
    return out


class FakeStripe:
    """A fake of Stripe's API for the resources Lattice declares; thread-safe.

    Call it as an app, `fake(method, path, headers, body)`, or hand it to
    [`StubTransport.from_app`][lattice_core.testing.StubTransport.from_app] or
    [`LoopbackServer`][lattice_core.testing.LoopbackServer].

    Args:
        flow_types: The flow types it accepts; pass more to accept a type newer
            than the pinned API version.
    """

    sessions: list[dict[str, Any]]
    """Every session it created, as the JSON it answered with."""

    configurations: list[dict[str, Any]]
    """Every configuration it holds, as stored JSON, in creation order (newest last).

    The first is the default configuration, `bpc_fakedefault`, there from the
    start. Each entry is the object as it is now (an update changes it in place);
    a list answers them newest first.
    """

    def __init__(self, flow_types: Iterable[FlowType] = BUILTIN_FLOW_TYPES) -> None:
        self.flow_types: tuple[FlowType, ...] = tuple(flow_types)
        """The flow types it accepts."""
        self.requests: list[tuple[str, str, dict[str, str], dict[str, Any]]] = []
        """Every request it saw, as `(method, path, headers, params)`.

        The `authorization` header is masked (`Bearer sk_test_…cdef`), so a
        failing assertion never prints a key.
        """
        self._idempotent: dict[
            tuple[str, str | None, str], tuple[dict[str, Any], int, dict[str, Any]]
        ] = {}
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._resources = fake_resources(self)
        self._routes = [
            _Route(operation, served_by)
            for served_by in self._resources
            for operation in served_by.resource.operations.values()
        ]
        for served_by in self._resources:  # `fake.sessions`, ...
            for name, value in served_by.records().items():
                setattr(self, name, value)

    def served(self, kind: type[F]) -> F:
        """The fake resource of class `kind` this fake serves, for one resource to read another.

        Args:
            kind: The fake resource's class, such as `FakeSessions`.

        Raises:
            LookupError: This fake serves no resource of that class.
        """
        for served_by in self._resources:
            if isinstance(served_by, kind):
                return served_by
        raise LookupError(f"this FakeStripe serves no {kind.__name__}")

    @property
    def planned(self) -> int:
        """How many planned failures are still to come.

        The `fake_stripe` fixture fails the test at teardown when some are left:
        a planned failure that never happened tested nothing.
        """
        return len(self._plan)

    def fail_next(
        self,
        status: int,
        *,
        type: str | None = None,
        code: str | None = None,
        message: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests with a Stripe-shaped error.

        The body is Stripe's, `{"error": {"type": ..., "code": ..., "message": ...}}`, and
        the answer carries a `Request-Id` like any other. A failed call creates no
        session and saves nothing under its `Idempotency-Key`, so the client's retry
        with the same key is answered afresh. Failures planned with this method and
        [`disconnect_next`][lattice_core.testing.FakeStripe.disconnect_next] are used in
        the order they were planned, one per request, whatever the request asks.
        Over HTTP, `POST /lattice/fail_next` with these arguments as a JSON object
        does the same.

        Args:
            status: The HTTP status, from 400 to 599.
            type: The error type: `api_error`, `card_error`, `idempotency_error` or
                `invalid_request_error`. `None` picks Stripe's for the status:
                `api_error` for a 5xx, `card_error` for a 402,
                `invalid_request_error` for any other.
            code: The error code; `None` sends `rate_limit` with a 429,
                `card_declined` with a 402, and no code otherwise.
            message: The error message; `None` picks one like Stripe's.
            param: The parameter at fault, in form spelling (`flow_data[type]`).
            headers: More response headers, such as `{"Retry-After": "2"}` or
                `{"Stripe-Should-Retry": "false"}`; they win over the fake's own.
            times: How many requests in a row fail this way.

        Raises:
            TypeError: An argument has the wrong type.
            ValueError: `status` is not from 400 to 599, `type` is not one of Stripe's,
                `times` is below 1, or a header cannot be sent as it is.
        """
        fault = Fault(
            status,
            error_body(status, type=type, code=code, message=message, param=param),
            error_headers(headers),
        )
        self._plan.add(fault, check_times(times))

    def disconnect_next(self, times: int = 1) -> None:
        """Fail the next `times` requests as a network fault: no answer at all.

        Through a stub made with
        [`StubTransport.from_app`][lattice_core.testing.StubTransport.from_app] (and
        the `lattice_stub` fixtures) the client gets an
        [`APIConnectionError`][lattice_core.APIConnectionError]; over HTTP
        ([`LoopbackServer`][lattice_core.testing.LoopbackServer], `lattice-stripe
        fake-stripe`) the connection closes without a response, so a real transport
        raises its own connection error, which Lattice reports the same way. No
        session is created. Over HTTP, `POST /lattice/disconnect_next` with
        `{"times": n}` does the same.

        Args:
            times: How many requests in a row fail this way.

        Raises:
            TypeError: `times` is not an int.
            ValueError: `times` is below 1.
        """
        self._plan.add(Fault(None), check_times(times))

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Plan failures for a fake served on a port: `POST /lattice/fail_next`."""
        status: int
        try:
            if method != "POST":
                raise LookupError(f"control requests are POSTs, got {method}.")
            name, args = control_arguments(path, body)
            getattr(self, name)(**args)
            status, payload = 200, {"planned": self.planned}
        except LookupError as exc:
            status, payload = 404, error_body(404, message=str(exc))
        except (TypeError, ValueError) as exc:
            status, payload = 400, error_body(400, message=str(exc))
        return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path.startswith(CONTROL_PATH):  # not an API call: not recorded, not failed
            return self._control(method, path, body)
        headers = {k.lower(): v for k, v in headers.items()}
        url = split_url(path)
        params: dict[str, Any] = {}
        problem = None
        try:
            query = path.partition("?")[2].encode()
            params = decode_form(body) if body else decode_form(query) if query else {}
        except UnicodeDecodeError:
            problem = _error(
                400,
                "invalid_request_error",
                "Invalid request: the body is not UTF-8 form data.",
            )
        except InvalidParamsError as exc:
            problem = self._invalid(exc)
        request_id = f"req_{secrets.token_hex(7)}"
        with self._lock:
            self.requests.append((method, path, _recorded(headers), params))
            fault = self._plan.take()
            if fault is None:
                status, payload, replayed = self._answer(method, url.path, headers, params, problem)
        if fault is not None:
            if fault.status is None:
                raise Disconnect("FakeStripe.disconnect_next: the connection drops unanswered")
            status, payload, replayed = fault.status, fault.body, False
        out_headers = {
            "Content-Type": "application/json",
            "Request-Id": request_id,
            "Stripe-Version": headers.get("stripe-version", ""),
        }
        if "idempotency-key" in headers:
            out_headers["Idempotency-Key"] = headers["idempotency-key"]
        if replayed:
            out_headers["Idempotent-Replayed"] = "true"
        if fault is not None and fault.headers:  # the planned headers win, whatever their case
            planned = {name.lower() for name in fault.headers}
            out_headers = {k: v for k, v in out_headers.items() if k.lower() not in planned}
            out_headers.update(fault.headers)
        return status, out_headers, json.dumps(payload).encode()

    def _answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        params: dict[str, Any],
        problem: tuple[int, dict[str, Any]] | None,
    ) -> tuple[int, dict[str, Any], bool]:
        """The answer, and whether it replays an earlier one."""
        auth = headers.get("authorization", "")
        key = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
        refused = _refusal(key)
        if refused is None:
            route, object_id = self._route(method, path)
            if route is None:
                refused = _error(
                    404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})."
                )
        if refused is not None or problem is not None:  # before idempotency, like Stripe
            return (*(refused or problem), False)  # type: ignore[misc]
        assert route is not None  # noqa: S101 - refused otherwise
        idem = headers.get("idempotency-key") if method == "POST" else None
        # Stripe scopes keys to the account: the API key plus any Stripe-Account.
        scope = (key, headers.get("stripe-account"), idem or "")
        if idem is not None and scope in self._idempotent:
            seen_params, status, payload = self._idempotent[scope]
            if seen_params == params:  # decoded, so the order of fields does not matter
                return status, payload, True
            mismatch = _error(
                400,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same "
                "parameters they were first used with.",
            )
            return (*mismatch, False)
        answer = self._serve(route, object_id, params)
        # Like Stripe, a request that failed validation saves nothing: a fixed retry may
        # reuse the key.
        if idem is not None and answer.executed:
            self._idempotent[scope] = (params, answer.status, answer.body)
        return answer.status, answer.body, False

    def _route(self, method: str, path: str) -> tuple[_Route | None, str | None]:
        """The route serving `method` `path`, and the id in the path; `None` if none does."""
        for route in self._routes:
            matched = route.match(method, path)
            if matched is not None and matched[0]:
                return route, matched[1]
        return None, None

    def _serve(self, route: _Route, object_id: str | None, params: dict[str, Any]) -> Answer:
        """Check the params against the operation's table, then let its resource answer."""
        operation = route.operation
        rule = route.served_by.rule(operation)
        try:
            checked = check_params(rule, coerce_form(rule, params), operation.check)
        except InvalidParamsError as exc:
            return Answer(*self._invalid(exc, rule), executed=False)
        return route.served_by.serve(operation.name, checked, object_id)

    def _invalid(
        self, exc: InvalidParamsError, rule: Rule | None = None
    ) -> tuple[int, dict[str, Any]]:
        """A Stripe-shaped 400 for params the real API would refuse, `param` in form spelling."""
        param = form_param(exc.param) if exc.param else ""
        code: str | None
        if exc.reason == "type":
            at = _rule_at(rule, param)
            code, message = (
                _TYPE_CODES.get(at.kind, (None, "Invalid {param}."))
                if at is not None
                else _CODES["unknown"]
            )
        else:
            code, message = _CODES.get(
                exc.reason or "", ("parameter_invalid_string", "Invalid {param}.")
            )
        fields = {"param": param} if code is None else {"code": code, "param": param}
        names = _exclusive_names(exc, param) if exc.reason == "exclusive" else param
        worded = message.format(param=param, names=names)
        return _error(400, "invalid_request_error", worded, **fields)
