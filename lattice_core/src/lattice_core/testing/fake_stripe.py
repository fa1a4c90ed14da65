"""An in-memory fake of Stripe's ``POST /v1/billing_portal/sessions``.

:class:`FakeStripe` is an *app* (``(method, path, headers, body) -> (status,
headers, body)``), so the same object answers over real HTTP through
:class:`~lattice_core.testing.server.LoopbackServer` and in memory through a
stub transport. It checks what Stripe checks (the key, idempotency, and the
params through the same table as Lattice's pre-flight validators, so a request
that skipped them still gets Stripe's 400 with ``param`` in form spelling) and
answers with realistic ``billing_portal.session`` objects. Pass
``flow_types`` to accept flow types newer than the pinned API version.

Serve it: ``lattice-stripe fake-stripe --port 12111`` (or ``python -m lattice_core.testing``).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..billing_portal.rules import BUILTIN_FLOW_TYPES, FlowType
from ..billing_portal.validation import coerce_form_values, form_param, validate_create_params
from ..errors import InvalidParamsError

__all__ = ["FakeStripe", "decode_form"]

SESSIONS_PATH = "/v1/billing_portal/sessions"
_FLOW_KEYS = (
    "after_completion",
    "subscription_cancel",
    "subscription_update",
    "subscription_update_confirm",
)


def _segments(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    parts = [head]
    if rest:
        parts.extend(rest.rstrip("]").split("]["))
    return parts


def _listify(node: Any) -> Any:
    if isinstance(node, list):
        return [_listify(item) for item in node]
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    return node


def _conflict(parts: list[str]) -> InvalidParamsError:
    param = parts[0] + "".join(f"[{part}]" for part in parts[1:]) if parts else "[]"
    return InvalidParamsError(
        f"{param} was sent in two shapes (a value, a hash or a list); send it one way.",
        param=param,
        reason="type",
    )


def decode_form(body: bytes) -> dict[str, Any]:
    """Parse a Stripe form body back into nested params.

    Indexed keys (``items[0][id]``, stripe-python's spelling) and appended keys
    (``expand[]``, the Stripe CLI's) both become lists; a repeated plain key
    keeps its last value, as Stripe's parser does. Raises ``UnicodeDecodeError``
    for input that is not UTF-8, and :class:`InvalidParamsError` (``param`` in
    form spelling) when one key arrives in two shapes, such as
    ``customer=cus_1&customer[a]=1``.
    """
    root: dict[str, Any] = {}
    text = body.decode("utf-8")
    for key, value in parse_qsl(text, keep_blank_values=True, errors="strict"):
        parts = _segments(key)
        node: Any = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":  # "[]": append to a list
                if not isinstance(node, list):
                    raise _conflict(parts[:depth])
                if last:
                    node.append(value)
                elif not node or not isinstance(node[-1], dict) or parts[depth + 1] in node[-1]:
                    node.append({})  # a key seen again starts the next element, as in Rack
                if not last:
                    node = node[-1]
                continue
            if not isinstance(node, dict):
                raise _conflict(parts[:depth])
            if last:
                if isinstance(node.get(part), (dict, list)):
                    raise _conflict(parts)
                node[part] = value
                continue
            child = node.setdefault(part, [] if parts[depth + 1] == "" else {})
            if not isinstance(child, (dict, list)):
                raise _conflict(parts[: depth + 1])
            node = child
    result: dict[str, Any] = _listify(root)
    return result


def _error(status: int, err_type: str, message: str, **fields: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": err_type, "message": message, **fields}}


# How Stripe words and codes what Lattice's pre-flight checks catch.
_CODES = {
    "required": ("parameter_missing", "Missing required param: {param}."),
    "requires": ("parameter_missing", "Missing required param: {param}."),
    "exclusive": (
        "parameter_invalid_string",
        "You may only specify one of these parameters: customer, customer_account.",
    ),
    "unknown": ("parameter_unknown", "Received unknown parameter: {param}"),
    "non_empty": ("parameter_invalid_empty", "You passed an empty value for {param}."),
    "type": ("parameter_invalid_integer", "Invalid value for {param}."),
    "enum": ("parameter_invalid_string", "Invalid {param}: must be one of the allowed values."),
    "max_length": ("parameter_invalid_string", "Invalid {param}: too long."),
    "url": ("url_invalid", "Not a valid URL: {param}."),
}


def _invalid(exc: InvalidParamsError) -> tuple[int, dict[str, Any]]:
    """A Stripe-shaped 400 for params the real API would refuse, ``param`` in form spelling."""
    param = form_param(exc.param) if exc.param else ""
    code, message = _CODES.get(exc.reason or "", ("parameter_invalid_string", "Invalid {param}."))
    return _error(400, "invalid_request_error", message.format(param=param), code=code, param=param)


class FakeStripe:
    """A fake of Stripe's billing portal session endpoint; thread-safe.

    ``requests`` records every request it saw as ``(method, path, headers,
    params)``; ``sessions`` every session it created.
    """

    def __init__(self, flow_types: Iterable[FlowType] = BUILTIN_FLOW_TYPES) -> None:
        self.flow_types = tuple(flow_types)
        self.requests: list[tuple[str, str, dict[str, str], dict[str, Any]]] = []
        self.sessions: list[dict[str, Any]] = []
        self._idempotent: dict[str, tuple[bytes, int, dict[str, Any]]] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
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
            problem = _invalid(exc)
        request_id = f"req_{secrets.token_hex(7)}"
        with self._lock:
            self.requests.append((method, path, headers, params))
            status, payload = self._answer(
                method, urlsplit(path).path, headers, params, body, problem
            )
        out_headers = {
            "Content-Type": "application/json",
            "Request-Id": request_id,
            "Stripe-Version": headers.get("stripe-version", ""),
        }
        if "idempotency-key" in headers:
            out_headers["Idempotency-Key"] = headers["idempotency-key"]
        return status, out_headers, json.dumps(payload).encode()

    def _answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        params: dict[str, Any],
        body: bytes,
        problem: tuple[int, dict[str, Any]] | None,
    ) -> tuple[int, dict[str, Any]]:
        auth = headers.get("authorization", "")
        key = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
        if not key.startswith(("sk_test_", "rk_test_")):
            return _error(
                401,
                "invalid_request_error",
                "Invalid API Key provided. The fake takes test keys (sk_test_... or rk_test_...).",
            )
        if (method, path) != ("POST", SESSIONS_PATH):
            return _error(
                404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})."
            )
        if problem is not None:  # undecodable: refused before idempotency, like Stripe
            return problem
        idem = headers.get("idempotency-key")
        if idem is not None and idem in self._idempotent:
            seen_body, status, payload = self._idempotent[idem]
            if seen_body != body:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                )
            return status, payload
        status, payload = self._create_session(params, headers)
        if idem is not None:
            self._idempotent[idem] = (body, status, payload)
        return status, payload

    def _create_session(
        self, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        params = coerce_form_values(params, self.flow_types)
        try:
            validate_create_params(params, self.flow_types)
        except InvalidParamsError as exc:
            return _invalid(exc)
        customer = params.get("customer")
        account = params.get("customer_account")
        if customer and not customer.startswith("cus_"):
            return _error(
                400,
                "invalid_request_error",
                f"No such customer: '{customer}'",
                code="resource_missing",
                param="customer",
            )
        number = next(self._counter)
        flow_data = params.get("flow_data")
        flow = None
        if isinstance(flow_data, dict):
            # Stripe echoes the flow with every standard settings key, null when unused.
            flow = dict.fromkeys(_FLOW_KEYS)
            flow["after_completion"] = {
                "type": "portal_homepage",
                "hosted_confirmation": None,
                "redirect": None,
            }
            flow.update(flow_data)
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
        return 200, session
