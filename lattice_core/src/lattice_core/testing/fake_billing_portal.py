"""What the fake Stripe does for the billing portal: create sessions.

Routing, the key, idempotency and planned failures are the fake's core
(`fake_stripe`); the params arrive checked against the operation's table.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Mapping
from typing import Any

from ..billing_portal.flows import FlowData
from ..billing_portal.session import RESOURCE as SESSION
from ..billing_portal.validation import validator_for
from ..resources import Operation
from ..rules import Rule
from .fake_base import Answer, FakeHost, FakeResource, lay_over, shape_of, stripe_error

__all__ = ["FakeSessions", "fake_resources"]

_HOMEPAGE = {"type": "portal_homepage", "hosted_confirmation": None, "redirect": None}


def _flow(flow_data: Mapping[str, Any]) -> dict[str, Any]:
    """The session's `flow`: the `flow_data` sent, laid over the `FlowData` shape."""
    shape = shape_of(FlowData)
    flow: dict[str, Any] = lay_over(shape, flow_data)
    if flow["after_completion"] is None:
        flow["after_completion"] = dict(_HOMEPAGE)
    kind = flow.get("type")
    if isinstance(kind, str) and kind in shape and flow[kind] is None:
        flow[kind] = {}  # a type-only flow such as customer_update echoes an empty object
    return flow


class FakeSessions(FakeResource):
    """`billing_portal.session`: create."""

    resource = SESSION

    def __init__(self, fake: FakeHost) -> None:
        super().__init__(fake)
        self.sessions: list[dict[str, Any]] = []
        self._counter = itertools.count(1)

    def records(self) -> dict[str, Any]:
        return {"sessions": self.sessions}

    def rule(self, operation: Operation[Any]) -> Rule:
        return validator_for(self.fake.flow_types)  # the flow types this fake accepts

    def create(self, params: dict[str, Any], object_id: str | None) -> Answer:
        customer = params.get("customer")
        if customer and not customer.startswith("cus_"):
            return Answer(
                *stripe_error(
                    400,
                    "invalid_request_error",
                    f"No such customer: '{customer}'",
                    code="resource_missing",
                    param="customer",
                )
            )
        number = next(self._counter)
        flow_data = params.get("flow_data")
        session = {
            "id": f"bps_fake{number:06d}{secrets.token_hex(4)}",
            "object": "billing_portal.session",
            "configuration": params.get("configuration") or "bpc_fakedefault",
            "created": int(time.time()),
            "customer": customer or "",
            "customer_account": params.get("customer_account"),
            "flow": _flow(flow_data) if isinstance(flow_data, dict) else None,
            "livemode": False,
            "locale": params.get("locale"),
            "on_behalf_of": params.get("on_behalf_of"),
            "return_url": params.get("return_url"),
            "url": f"https://billing.stripe.com/p/session/test_{secrets.token_urlsafe(24)}",
        }
        self.sessions.append(session)
        return Answer(200, session)


def fake_resources(fake: FakeHost) -> list[FakeResource]:
    """The fake resources a `FakeStripe` serves, each bound to it."""
    return [FakeSessions(fake)]
