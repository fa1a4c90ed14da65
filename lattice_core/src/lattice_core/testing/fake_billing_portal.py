"""What the fake Stripe does for the billing portal: sessions and configurations.

Routing, the key, idempotency and planned failures are the fake's core
(`fake_stripe`); the params arrive checked against the operation's table.

[`FakeConfigurations`][lattice_core.testing.fake_billing_portal.FakeConfigurations]
remembers configurations: it starts with one default configuration
(`bpc_fakedefault`), creates, retrieves, updates and lists them (newest first,
with cursors and the `active` / `is_default` filters), and answers an unknown
id with Stripe's 404 `resource_missing`.
[`FakeSessions`][lattice_core.testing.fake_billing_portal.FakeSessions] reads
it: a session names the default configuration unless it names another, and
an unknown or inactive one is refused.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
from collections.abc import Mapping
from typing import Any

from ..billing_portal.configuration import RESOURCE as CONFIGURATION
from ..billing_portal.configuration import Configuration
from ..billing_portal.flows import FlowData
from ..billing_portal.session import RESOURCE as SESSION
from ..billing_portal.validation import validator_for
from ..resources import Operation
from ..rules import Rule
from .fake_base import Answer, FakeHost, FakeResource, lay_over, shape_of, stripe_error

__all__ = ["FakeConfigurations", "FakeSessions", "fake_resources"]

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


_DEFAULT_ID = "bpc_fakedefault"
_LIST_URL = CONFIGURATION.operations["list"].path
_LOGIN_URL = "https://billing.stripe.com/p/login/test_"

# What Stripe fills in for a feature that was not sent: off, with the defaults
# the schema states (proration "none", trials end, the cycle anchor unchanged;
# a pause offers one month, as the 16.1.0 SDK says).
_FEATURES: dict[str, Any] = {
    "customer_update": {"allowed_updates": [], "enabled": False},
    "invoice_history": {"enabled": False},
    "payment_method_update": {"enabled": False, "payment_method_configuration": None},
    "subscription_cancel": {
        "cancellation_reason": {"enabled": False, "feedback_options": [], "options": []},
        "enabled": False,
        "mode": "at_period_end",
        "proration_behavior": "none",
    },
    "subscription_pause": {
        "duration": {
            "interval_options": [{"interval": "month", "interval_count": 1}],
            "type": "interval_options",
        },
        "enabled": False,
    },
    "subscription_update": {
        "billing_cycle_anchor": "unchanged",
        "default_allowed_updates": [],
        "enabled": False,
        "products": [],
        "proration_behavior": "none",
        "schedule_at_period_end": {"conditions": []},
        "trial_update_behavior": "end_trial",
    },
}
# The items of a list, where Stripe fills in what was not sent.
_ITEMS: dict[str, dict[str, Any]] = {
    "products": {"adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1}},
    "interval_options": {"interval_count": 1},
}
# What the default configuration offers, over _FEATURES.
_DEFAULT_FEATURES = {
    "customer_update": {"allowed_updates": ["email", "address"], "enabled": True},
    "invoice_history": {"enabled": True},
    "payment_method_update": {"enabled": True},
}


def _merged(rule: Rule | None, current: Any, given: Any, name: str = "") -> Any:
    """`given` params merged into `current` JSON: only what was sent changes.

    `""` clears where the table takes it (a list becomes `[]`, `metadata` `{}`,
    a string `None`); a `metadata` key sent as `""` is unset; a list sent
    replaces the list, each item over what Stripe fills in (`_ITEMS`).
    """
    if rule is None:  # a key the table does not know cannot pass its check
        return given
    if isinstance(given, str) and not given and rule.emptyable:
        return [] if rule.kind == "array" else {} if rule.kind == "map" else None
    if rule.kind == "map" and isinstance(given, Mapping):
        out = dict(current) if isinstance(current, Mapping) else {}
        for key, value in given.items():
            if value == "":
                out.pop(key, None)
            elif value is not None:
                out[key] = value
        return out
    if rule.kind == "object" and isinstance(given, Mapping):
        out = copy.deepcopy(dict(current)) if isinstance(current, Mapping) else {}
        for key, value in given.items():
            if value is not None:
                out[key] = _merged(rule.fields.get(key), out.get(key), value, key)
        return out
    if rule.kind == "array" and isinstance(given, list):
        base = _ITEMS.get(name)
        return [_merged(rule.items, base, item) for item in given]
    return given


def _no_such_configuration(object_id: str, param: str, status: int) -> Answer:
    """Stripe's answer to an id that names no configuration."""
    return Answer(
        *stripe_error(
            status,
            "invalid_request_error",
            f"No such configuration: '{object_id}'",
            code="resource_missing",
            param=param,
        )
    )


class FakeConfigurations(FakeResource):
    """`billing_portal.configuration`: create, retrieve, update and list.

    It starts with one default configuration, id `bpc_fakedefault`, active, with
    invoice history, payment method and customer updates on. Its clock never
    stands still: each configuration created or updated gets a later second
    (`created`, `updated`) than the one before, so an update always shows.
    """

    resource = CONFIGURATION

    def __init__(self, fake: FakeHost) -> None:
        super().__init__(fake)
        self.configurations: list[dict[str, Any]] = []
        self._counter = itertools.count(1)
        self._clock = 0
        self._add(_DEFAULT_ID, {"features": _DEFAULT_FEATURES}, is_default=True)

    def records(self) -> dict[str, Any]:
        """`configurations`: every configuration as stored, in creation order (default first)."""
        return {"configurations": self.configurations}

    def find(self, object_id: str) -> dict[str, Any] | None:
        """The stored configuration with id `object_id`, or `None`."""
        return next((c for c in self.configurations if c["id"] == object_id), None)

    def default(self) -> dict[str, Any] | None:
        """The default configuration, or `None` if a test removed it from `configurations`."""
        return next((c for c in self.configurations if c["is_default"]), None)

    def create(self, params: dict[str, Any], object_id: str | None) -> Answer:
        number = next(self._counter)
        stored = self._add(f"bpc_fake{number:06d}{secrets.token_hex(5)}", params)
        return Answer(200, copy.deepcopy(stored))

    def retrieve(self, params: dict[str, Any], object_id: str | None) -> Answer:
        stored = self.find(object_id or "")
        if stored is None:
            return _no_such_configuration(object_id or "", "id", 404)
        return Answer(200, copy.deepcopy(stored))

    def update(self, params: dict[str, Any], object_id: str | None) -> Answer:
        stored = self.find(object_id or "")
        if stored is None:
            return _no_such_configuration(object_id or "", "id", 404)
        if stored["is_default"] and params.get("active") is False:
            return Answer(
                *stripe_error(
                    400,
                    "invalid_request_error",
                    "The default configuration cannot be deactivated.",
                    param="active",
                )
            )
        rule = self.rule(self.resource.operations["update"])
        changed = _merged(rule, stored, {k: v for k, v in params.items() if k != "expand"})
        self._login_page(changed, stored["login_page"])
        changed["updated"] = self._tick()
        stored.clear()
        stored.update(changed)
        return Answer(200, copy.deepcopy(stored))

    def list(self, params: dict[str, Any], object_id: str | None) -> Answer:
        newest_first = self.configurations[::-1]
        backwards = params.get("ending_before") is not None  # the table refuses both
        param = "ending_before" if backwards else "starting_after"
        cursor = params.get(param)
        if cursor is not None:
            at = next((i for i, c in enumerate(newest_first) if c["id"] == cursor), None)
            if at is None:
                return _no_such_configuration(cursor, param, 404)
            newest_first = newest_first[:at] if backwards else newest_first[at + 1 :]
        filters = {k: params[k] for k in ("active", "is_default") if params.get(k) is not None}
        wanted = [c for c in newest_first if all(c[k] == v for k, v in filters.items())]
        limit: int = params.get("limit") or 10
        page = wanted[-limit:] if backwards else wanted[:limit]  # the ones next to the cursor
        return Answer(
            200,
            {
                "object": "list",
                "data": copy.deepcopy(page),
                "has_more": len(wanted) > limit,
                "url": _LIST_URL,
            },
        )

    def _add(self, object_id: str, params: Mapping[str, Any], *, is_default: bool = False) -> Any:
        """Store a new configuration made from create's `params`; return it."""
        now = self._tick()
        base = {
            "id": object_id,
            "object": CONFIGURATION.object_name,
            "active": True,
            "business_profile": {},
            "created": now,
            "features": _FEATURES,
            "is_default": is_default,
            "livemode": False,
            "login_page": {"enabled": False, "url": None},
            "metadata": {},
            "updated": now,
        }
        rule = self.rule(self.resource.operations["create"])
        given = {k: v for k, v in params.items() if k != "expand"}
        stored: dict[str, Any] = lay_over(shape_of(Configuration), _merged(rule, base, given))
        self._login_page(stored, None)
        self.configurations.append(stored)
        return stored

    def _tick(self) -> int:
        """Now, in Unix seconds, but always later than the last time it said."""
        self._clock = max(int(time.time()), self._clock + 1)
        return self._clock

    @staticmethod
    def _login_page(stored: dict[str, Any], before: Mapping[str, Any] | None) -> None:
        """A login page URL while it is enabled: the same one until it is turned off."""
        page = stored["login_page"]
        if not page["enabled"]:
            page["url"] = None
        elif before is None or not before.get("url"):
            page["url"] = _LOGIN_URL + secrets.token_urlsafe(18)
        else:
            page["url"] = before["url"]


class FakeSessions(FakeResource):
    """`billing_portal.session`: create.

    A session names the configuration it was created with; with none, the
    default one of the fake's
    [`FakeConfigurations`][lattice_core.testing.fake_billing_portal.FakeConfigurations].
    An unknown configuration is refused as Stripe refuses an unknown id, an
    inactive one as invalid. `expand=["configuration"]` puts the object in.
    """

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
        configuration = self._configuration(params.get("configuration"))
        if isinstance(configuration, Answer):
            return configuration
        number = next(self._counter)
        flow_data = params.get("flow_data")
        shown: str | dict[str, Any] = _DEFAULT_ID  # a test emptied fake.configurations
        if configuration is not None:
            expanded = "configuration" in (params.get("expand") or ())
            shown = copy.deepcopy(configuration) if expanded else configuration["id"]
        session = {
            "id": f"bps_fake{number:06d}{secrets.token_hex(4)}",
            "object": "billing_portal.session",
            "configuration": shown,
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

    def _configuration(self, named: str | None) -> dict[str, Any] | Answer | None:
        """The configuration a session uses, or the answer refusing the one it names."""
        configurations = self.fake.served(FakeConfigurations)
        if named is None:
            return configurations.default()
        found = configurations.find(named)
        if found is None:
            return _no_such_configuration(named, "configuration", 400)
        if not found["active"]:
            return Answer(
                *stripe_error(
                    400,
                    "invalid_request_error",
                    f"The configuration '{named}' is inactive: activate it "
                    "(update it with active=true) or pass an active configuration.",
                    param="configuration",
                )
            )
        return found


def fake_resources(fake: FakeHost) -> list[FakeResource]:
    """The fake resources a `FakeStripe` serves, each bound to it."""
    return [FakeSessions(fake), FakeConfigurations(fake)]
