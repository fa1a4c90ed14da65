"""An in-memory fake of Stripe's `POST /v1/billing_portal/sessions`.

[`FakeStripe`][lattice_core.testing.FakeStripe] is an *app* (`(method, path,
headers, body) -> (status, headers, body)`), so the same object answers over
real HTTP through [`LoopbackServer`][lattice_core.testing.LoopbackServer] and in
memory through a stub transport. It checks what Stripe checks (the key, idempotency, and the
params through the same table as Lattice's pre-flight validators, so a request
that skipped them still gets Stripe's 400 with `param` in form spelling) and
answers with realistic `billing_portal.session` objects. Pass
`flow_types` to accept flow types newer than the pinned API version.
[`fail_next`][lattice_core.testing.FakeStripe.fail_next] and
[`disconnect_next`][lattice_core.testing.FakeStripe.disconnect_next] make the next
calls fail, in memory and over HTTP alike.

Serve it: `lattice-stripe fake-stripe --port 12111` (or `python -m lattice_core.testing`).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..billing_portal.rules import BUILTIN_FLOW_TYPES, FlowType, Rule
from ..billing_portal.validation import (
    coerce_form_values,
    form_param,
    validate_create_params,
    validator_for,
)
from ..encoding import _segments, decode_form
from ..errors import InvalidParamsError
from ..masking import mask
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

SESSIONS_PATH = "/v1/billing_portal/sessions"
# The response's ``flow``, as Stripe shapes it (``billing_portal_session.json`` plus the
# 2026-10-28 additions): every key present, ``None`` where unset. A list holds the shape
# of its items.
_FLOW_SHAPE: dict[str, Any] = {
    "type": None,
    "after_completion": {
        "type": None,
        "hosted_confirmation": {"custom_message": None},
        "redirect": {"return_url": None},
    },
    "customer_update": {},
    "subscription_cancel": {
        "subscription": None,
        "retention": {"type": None, "coupon_offer": {"coupon": None}},
    },
    "subscription_pause": {"subscription": None},
    "subscription_update": {"subscription": None},
    "subscription_update_confirm": {
        "subscription": None,
        "discounts": [{"coupon": None, "promotion_code": None}],
        "items": [{"id": None, "price": None, "quantity": None}],
    },
}
_HOMEPAGE = {"type": "portal_homepage", "hosted_confirmation": None, "redirect": None}


def _echo(shape: Any, given: Any) -> Any:
    """`given` laid over `shape`; keys the shape lacks (a plugin's flow type) are kept."""
    if isinstance(shape, dict) and isinstance(given, Mapping):
        out = {key: _echo(sub, given.get(key)) for key, sub in shape.items()}
        out.update((key, value) for key, value in given.items() if key not in shape)
        return out
    if isinstance(shape, list) and isinstance(given, list):
        return [_echo(shape[0], item) for item in given]
    return given


def _flow(flow_data: Mapping[str, Any]) -> dict[str, Any]:
    flow: dict[str, Any] = _echo(_FLOW_SHAPE, flow_data)
    if flow["after_completion"] is None:
        flow["after_completion"] = dict(_HOMEPAGE)
    kind = flow.get("type")
    if isinstance(kind, str) and kind in _FLOW_SHAPE and flow[kind] is None:
        flow[kind] = {}  # a type-only flow such as customer_update echoes an empty object
    return flow


def _error(status: int, err_type: str, message: str, **fields: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": err_type, "message": message, **fields}}


# How Stripe words and codes what Lattice's pre-flight checks catch; a wrong type is
# coded by the kind the table expects (_TYPE_CODES). ``None``: Stripe sends no code.
_CODES: dict[str, tuple[str | None, str]] = {
    "required": ("parameter_missing", "Missing required param: {param}."),
    "requires": ("parameter_missing", "Missing required param: {param}."),
    "exclusive": (
        "parameters_exclusive",
        "You may only specify one of these parameters: customer, customer_account.",
    ),
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
    "array": (None, "Invalid array: {param}."),
}


def _rule_at(rule: Rule | None, param: str) -> Rule | None:
    """The table's rule for a form-spelled param, or `None` if the table has none."""
    for part in _segments(param):
        if rule is None:
            return None
        if rule.kind == "array":
            rule = rule.items if part.isdigit() or part == "" else None
        elif rule.kind == "object":
            rule = rule.fields.get(part)
        else:
            return None
    return rule


def _refusal(method: str, path: str, key: str) -> tuple[int, dict[str, Any]] | None:
    if not key.startswith(("sk_test_", "rk_test_")):
        return _error(
            401,
            "invalid_request_error",
            "Invalid API Key provided. The fake takes test keys (sk_test_... or rk_test_...).",
        )
    if (method, path) != ("POST", SESSIONS_PATH):
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
    return None


def _recorded(headers: dict[str, str]) -> dict[str, str]:
    """Headers as `FakeStripe.requests` keeps them: `Bearer sk_test_…cdef`, not the key."""
    out = dict(headers)
    if "authorization" in out:
        scheme, _, credential = out["authorization"].partition(" ")
        masked = mask(credential)
        out["authorization"] = f"{scheme} {masked}" if masked != credential else "***"
    return out


class FakeStripe:
    """A fake of Stripe's billing portal session endpoint; thread-safe.

    Call it as an app, `fake(method, path, headers, body)`, or hand it to
    [`StubTransport.from_app`][lattice_core.testing.StubTransport.from_app] or
    [`LoopbackServer`][lattice_core.testing.LoopbackServer].

    Args:
        flow_types: The flow types it accepts; pass more to accept a type newer
            than the pinned API version.
    """

    def __init__(self, flow_types: Iterable[FlowType] = BUILTIN_FLOW_TYPES) -> None:
        self.flow_types: tuple[FlowType, ...] = tuple(flow_types)
        """The flow types it accepts."""
        self.requests: list[tuple[str, str, dict[str, str], dict[str, Any]]] = []
        """Every request it saw, as `(method, path, headers, params)`.

        The `authorization` header is masked (`Bearer sk_test_…cdef`), so a
        failing assertion never prints a key.
        """
        self.sessions: list[dict[str, Any]] = []
        """Every session it created, as the JSON it answered with."""
        self._idempotent: dict[
            tuple[str, str | None, str], tuple[dict[str, Any], int, dict[str, Any]]
        ] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._plan = FaultPlan()

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
        params: dict[str, Any] = {}
        problem = None
        try:
            params = decode_form(body) if body else {}
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
                status, payload, replayed = self._answer(
                    method, urlsplit(path).path, headers, params, problem
                )
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
        refused = _refusal(method, path, key) or problem
        if refused is not None:  # before idempotency, like Stripe
            return (*refused, False)
        idem = headers.get("idempotency-key")
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
        status, payload, executed = self._create_session(params)
        # Like Stripe, a request that failed validation saves nothing: a fixed retry may
        # reuse the key.
        if idem is not None and executed:
            self._idempotent[scope] = (params, status, payload)
        return status, payload, False

    def _invalid(self, exc: InvalidParamsError) -> tuple[int, dict[str, Any]]:
        """A Stripe-shaped 400 for params the real API would refuse, `param` in form spelling."""
        param = form_param(exc.param) if exc.param else ""
        code: str | None
        if exc.reason == "type":
            rule = _rule_at(validator_for(self.flow_types), param)
            code, message = _TYPE_CODES[rule.kind] if rule is not None else _CODES["unknown"]
        else:
            code, message = _CODES.get(
                exc.reason or "", ("parameter_invalid_string", "Invalid {param}.")
            )
        fields = {"param": param} if code is None else {"code": code, "param": param}
        return _error(400, "invalid_request_error", message.format(param=param), **fields)

    def _create_session(self, params: dict[str, Any]) -> tuple[int, dict[str, Any], bool]:
        """Status, body, and whether the request got past validation (so it was executed)."""
        try:
            params = coerce_form_values(params, self.flow_types)
            validate_create_params(params, self.flow_types)
        except InvalidParamsError as exc:
            return (*self._invalid(exc), False)
        customer = params.get("customer")
        account = params.get("customer_account")
        if customer and not customer.startswith("cus_"):
            missing = _error(
                400,
                "invalid_request_error",
                f"No such customer: '{customer}'",
                code="resource_missing",
                param="customer",
            )
            return (*missing, True)
        number = next(self._counter)
        flow_data = params.get("flow_data")
        flow = _flow(flow_data) if isinstance(flow_data, dict) else None
        session = {
            "id": f"bps_fake{number:06d}{secrets.token_hex(4)}",
            "object": "billing_portal.session",
            "configuration": params.get("configuration") or "bpc_fakedefault",
            "created": int(time.time()),
            "customer": customer or "",
            "customer_account": account,
            "flow": flow,
            "livemode": False,
            "locale": params.get("locale"),
            "on_behalf_of": params.get("on_behalf_of"),
            "return_url": params.get("return_url"),
            "url": f"https://billing.stripe.com/p/session/test_{secrets.token_urlsafe(24)}",
        }
        self.sessions.append(session)
        return 200, session, True
