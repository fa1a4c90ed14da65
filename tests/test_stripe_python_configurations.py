"""The official ``stripe`` package (16.1.0, test-only) against the fake's configurations.

``StripeClient`` pointed at a ``FakeStripe`` served on 127.0.0.1 creates,
retrieves, updates, lists and auto-paginates configurations, and gets the
errors Stripe would send, shaped so stripe-python raises what it raises
against Stripe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from lattice_core.billing_portal import Configuration
from lattice_core.testing import FakeStripe, LoopbackServer

from .harness import API_KEY

DEFAULT = "bpc_fakedefault"
FEATURES: dict[str, Any] = {"invoice_history": {"enabled": True}}


@pytest.fixture
def served() -> Iterator[tuple[FakeStripe, Any]]:
    """A fresh fake on 127.0.0.1 and a `StripeClient` that calls it, retrying nothing."""
    # stripe logs every response body (a session's portal URL too) at DEBUG: the
    # suite's log guard rightly calls that a leak. It is stripe's; keep it out.
    logger = logging.getLogger("stripe")
    level = logger.level
    logger.setLevel(logging.INFO)
    fake = FakeStripe()
    try:
        with LoopbackServer(fake) as server:
            client = stripe.StripeClient(
                API_KEY, base_addresses={"api": server.url}, max_network_retries=0
            )
            yield fake, client
    finally:
        logger.setLevel(level)


def test_stripe_python_creates_retrieves_and_updates(served: tuple[FakeStripe, Any]) -> None:
    fake, client = served
    configurations = client.v1.billing_portal.configurations
    made = configurations.create(
        {
            "features": {
                "invoice_history": {"enabled": True},
                "subscription_cancel": {
                    "enabled": True,
                    "mode": "immediately",
                    "cancellation_reason": {"enabled": True, "options": ["too_expensive"]},
                },
            },
            "metadata": {"team": "billing", "drop": "me"},
            "name": "From stripe-python",
        }
    )
    assert made.id.startswith("bpc_")
    assert made.object == "billing_portal.configuration"
    assert made.active is True
    assert made.is_default is False
    assert made.features.subscription_cancel.mode == "immediately"
    assert made.features.subscription_cancel.cancellation_reason.options == ["too_expensive"]
    assert made.features.subscription_update.proration_behavior == "none"
    assert made.to_dict() == fake.configurations[-1]
    Configuration.from_dict(made.to_dict())  # and Lattice reads what stripe-python got

    got = configurations.retrieve(made.id)
    assert got.to_dict() == made.to_dict()

    changed = configurations.update(
        made.id, {"active": False, "name": "", "metadata": {"drop": ""}}
    )
    assert changed.active is False
    assert changed.name is None
    assert changed.metadata.to_dict() == {"team": "billing"}
    assert changed.updated > made.updated
    assert configurations.retrieve(made.id).to_dict() == changed.to_dict()


def test_stripe_python_lists_and_auto_paginates(served: tuple[FakeStripe, Any]) -> None:
    configurations = served[1].v1.billing_portal.configurations
    made = [configurations.create({"features": FEATURES}).id for _ in range(5)]
    page = configurations.list({"limit": 2})
    assert [c.id for c in page.data] == made[::-1][:2]
    assert page.has_more is True
    assert page.url == "/v1/billing_portal/configurations"
    walked = [c.id for c in page.auto_paging_iter()]
    assert walked == [*reversed(made), DEFAULT]

    configurations.update(made[0], {"active": False})
    inactive = configurations.list({"active": False})
    assert [c.id for c in inactive.data] == [made[0]]
    defaults = configurations.list({"is_default": True})
    assert [c.id for c in defaults.data] == [DEFAULT]
    assert defaults.data[0].is_default is True


def test_stripe_python_gets_resource_missing_for_an_unknown_id(
    served: tuple[FakeStripe, Any],
) -> None:
    configurations = served[1].v1.billing_portal.configurations
    with pytest.raises(stripe.InvalidRequestError) as caught:
        configurations.retrieve("bpc_nothere")
    error = caught.value
    assert error.http_status == 404
    assert error.code == "resource_missing"
    assert error.json_body["error"]["type"] == "invalid_request_error"
    assert "No such configuration: 'bpc_nothere'" in str(error)

    with pytest.raises(stripe.InvalidRequestError) as after:
        configurations.list({"starting_after": "bpc_nothere"})
    assert (after.value.code, after.value.param) == ("resource_missing", "starting_after")


def test_stripe_python_gets_a_refused_create_with_its_param(
    served: tuple[FakeStripe, Any],
) -> None:
    fake, client = served
    configurations = client.v1.billing_portal.configurations
    with pytest.raises(stripe.InvalidRequestError) as missing:
        configurations.create({"name": "no features"})
    assert missing.value.http_status == 400
    assert (missing.value.code, missing.value.param) == ("parameter_missing", "features")

    with pytest.raises(stripe.InvalidRequestError) as wrong:
        configurations.create(
            {"features": {"subscription_cancel": {"enabled": True, "mode": "someday"}}}
        )
    assert wrong.value.param == "features[subscription_cancel][mode]"
    assert [c["id"] for c in fake.configurations] == [DEFAULT]


def test_stripe_python_sessions_use_the_fakes_configurations(
    served: tuple[FakeStripe, Any],
) -> None:
    configurations = served[1].v1.billing_portal.configurations
    made = configurations.create({"features": FEATURES})
    sessions = served[1].v1.billing_portal.sessions
    assert sessions.create({"customer": "cus_1", "configuration": made.id}).configuration == (
        made.id
    )
    assert sessions.create({"customer": "cus_1"}).configuration == DEFAULT
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sessions.create({"customer": "cus_1", "configuration": "bpc_unknown"})
    assert (caught.value.code, caught.value.param) == ("resource_missing", "configuration")
