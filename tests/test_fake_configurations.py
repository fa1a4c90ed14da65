"""The fake Stripe remembers configurations: in memory (a stub) and over HTTP alike.

Every test that talks to the fake runs twice, through ``StubTransport.from_app``
and through a ``LoopbackServer`` on 127.0.0.1 with the real ``requests``
transport; the async ones through an ``AsyncStubTransport`` and ``aiohttp``.
Everything goes through ``Configuration.create/retrieve/update/list``, so every
answer is also proof that it decodes.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from lattice_core import (
    APIConnectionError,
    APIError,
    AsyncClient,
    Client,
    InvalidRequestError,
)
from lattice_core.billing_portal import Configuration, Session
from lattice_core.encoding import encode_form
from lattice_core.testing import AsyncStubTransport, FakeStripe, LoopbackServer, StubTransport
from lattice_core.testing.fake_base import shape_of

from .harness import API_KEY

PATH = "/v1/billing_portal/configurations"
DEFAULT = "bpc_fakedefault"
FEATURES: dict[str, Any] = {"invoice_history": {"enabled": True}}


def _no_sleep(seconds: float) -> None:
    """Retries wait for nothing."""


@pytest.fixture(params=["stub", "requests"])
def over(request: pytest.FixtureRequest) -> Iterator[tuple[FakeStripe, Client]]:
    """A fresh fake and a sync client talking to it, in memory or over HTTP."""
    fake = FakeStripe()
    if request.param == "stub":
        stub = StubTransport.from_app(fake)
        with Client(API_KEY, transport=stub, sleep=_no_sleep) as client:
            yield fake, client
        return
    with (
        LoopbackServer(fake) as server,
        Client(API_KEY, transport="requests", base_url=server.url, sleep=_no_sleep) as client,
    ):
        yield fake, client


@pytest.fixture(params=["async-stub", "aiohttp"])
def async_over(request: pytest.FixtureRequest) -> Iterator[tuple[FakeStripe, str | None]]:
    """A fresh fake and, over HTTP, the URL it is served at (`None`: in memory)."""
    fake = FakeStripe()
    if request.param == "async-stub":
        yield fake, None
        return
    with LoopbackServer(fake) as server:
        yield fake, server.url


def _async_client(fake: FakeStripe, url: str | None) -> AsyncClient:
    if url is None:
        stub = AsyncStubTransport.from_app(fake)
        return AsyncClient(API_KEY, transport=stub, sleep=_no_sleep)
    return AsyncClient(API_KEY, transport="aiohttp", base_url=url, sleep=_no_sleep)


def _raw(fake: FakeStripe, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
    """Send form params straight to the fake, skipping Lattice's own checks."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    body = encode_form(params or {})
    if method == "GET":
        path, body = f"{path}?{body.decode()}" if body else path, b""
    status, _, answer = fake(method, path, headers, body)
    return status, json.loads(answer)


# -- the default configuration ---------------------------------------------------------


def test_the_fake_starts_with_one_active_default_configuration(
    over: tuple[FakeStripe, Client],
) -> None:
    fake, client = over
    assert [c["id"] for c in fake.configurations] == [DEFAULT]
    default = Configuration.retrieve(client, DEFAULT)
    assert default.is_default
    assert default.active
    assert not default.livemode
    assert default.object == "billing_portal.configuration"
    assert [c.id for c in Configuration.list(client)] == [DEFAULT]


def test_a_session_without_a_configuration_reports_the_default_one(
    over: tuple[FakeStripe, Client],
) -> None:
    fake, client = over
    session = Session.create(client, {"customer": "cus_1"})
    assert session.configuration == DEFAULT == fake.configurations[0]["id"]


def test_a_session_can_expand_its_configuration(over: tuple[FakeStripe, Client]) -> None:
    _, client = over
    made = Configuration.create(client, {"features": FEATURES, "name": "Expanded"})
    session = Session.create(
        client, {"customer": "cus_1", "configuration": made.id, "expand": ["configuration"]}
    )
    assert isinstance(session.configuration, dict)
    assert Configuration.from_dict(session.configuration) == made


def test_the_default_configuration_cannot_be_deactivated(
    over: tuple[FakeStripe, Client],
) -> None:
    _, client = over
    with pytest.raises(InvalidRequestError) as caught:
        Configuration.update(client, DEFAULT, {"active": False})
    assert caught.value.param == "active"
    assert Configuration.retrieve(client, DEFAULT).active


# -- create, retrieve, update ----------------------------------------------------------


def test_create_fills_in_what_stripe_fills_in(over: tuple[FakeStripe, Client]) -> None:
    fake, client = over
    made = Configuration.create(
        client,
        {
            "features": {
                "invoice_history": {"enabled": True},
                "subscription_update": {
                    "enabled": True,
                    "default_allowed_updates": ["price"],
                    "products": [{"product": "prod_1", "prices": ["price_1"]}],
                },
            },
            "business_profile": {"headline": "Hello"},
            "metadata": {"team": "billing"},
            "name": "Portal",
        },
    )
    assert made.id.startswith("bpc_")
    assert made.id != DEFAULT
    assert made.active
    assert not made.is_default
    assert not made.livemode
    assert made.created == made.updated
    assert made.name == "Portal"
    assert made.metadata == {"team": "billing"}
    assert made.business_profile.headline == "Hello"
    assert made.business_profile.privacy_policy_url is None
    assert made.login_page.enabled is False
    assert made.login_page.url is None
    assert made.default_return_url is None
    features = made.features
    assert features.invoice_history.enabled
    assert not features.customer_update.enabled
    assert features.customer_update.allowed_updates == []
    assert not features.payment_method_update.enabled
    update = features.subscription_update
    assert update.enabled
    assert update.default_allowed_updates == ["price"]
    assert update.proration_behavior == "none"
    assert update.trial_update_behavior == "end_trial"
    assert update.billing_cycle_anchor == "unchanged"
    assert update.products is not None
    assert update.products[0].product == "prod_1"
    assert update.products[0].adjustable_quantity.enabled is False
    cancel = features.subscription_cancel
    assert (cancel.enabled, cancel.mode, cancel.proration_behavior) == (
        False,
        "at_period_end",
        "none",
    )
    assert features.subscription_pause is not None
    assert not features.subscription_pause.enabled
    # What the fake keeps is what it answered, every key of the model there.
    stored = fake.configurations[-1]
    assert Configuration.from_dict(stored) == made
    assert set(stored) >= {"application", "default_return_url", "metadata", "name", "object"}


def test_create_then_retrieve_gives_the_same_configuration(
    over: tuple[FakeStripe, Client],
) -> None:
    _, client = over
    made = Configuration.create(
        client, {"features": FEATURES, "login_page": {"enabled": True}, "name": "Mine"}
    )
    assert made.login_page.enabled
    assert made.login_page.url is not None
    assert made.login_page.url.startswith("https://")
    assert Configuration.retrieve(client, made.id) == made


def test_update_changes_only_what_was_sent(over: tuple[FakeStripe, Client]) -> None:
    fake, client = over
    made = Configuration.create(
        client,
        {
            "features": {
                "invoice_history": {"enabled": True},
                "customer_update": {"enabled": True, "allowed_updates": ["email"]},
            },
            "login_page": {"enabled": True},
            "metadata": {"a": "1", "b": "2"},
            "name": "Before",
            "default_return_url": "https://example.com/account",
        },
    )
    changed = Configuration.update(
        client,
        made.id,
        {
            "features": {"customer_update": {"allowed_updates": ["email", "address"]}},
            "metadata": {"a": "", "c": "3"},
            "name": "",
        },
    )
    assert changed.id == made.id
    assert changed.updated > made.updated
    assert changed.created == made.created
    assert changed.name is None
    assert changed.metadata == {"b": "2", "c": "3"}
    assert changed.features.customer_update.allowed_updates == ["email", "address"]
    assert changed.features.customer_update.enabled  # not sent: kept
    assert changed.features.invoice_history.enabled
    assert changed.default_return_url == "https://example.com/account"
    assert changed.login_page == made.login_page  # the same URL while it stays enabled
    assert Configuration.retrieve(client, made.id) == changed
    assert Configuration.from_dict(fake.configurations[-1]) == changed

    cleared = Configuration.update(
        client,
        made.id,
        {
            "metadata": "",
            "default_return_url": "",
            "features": {"customer_update": {"allowed_updates": ""}},
            "login_page": {"enabled": False},
        },
    )
    assert cleared.metadata == {}
    assert cleared.default_return_url is None
    assert cleared.features.customer_update.allowed_updates == []
    assert cleared.login_page.url is None
    assert cleared.updated > changed.updated


def test_active_toggles_and_the_list_filters_follow(over: tuple[FakeStripe, Client]) -> None:
    _, client = over
    made = Configuration.create(client, {"features": FEATURES})
    off = Configuration.update(client, made.id, {"active": False})
    assert not off.active
    assert [c.id for c in Configuration.list(client, {"active": False})] == [made.id]
    assert [c.id for c in Configuration.list(client, {"active": True})] == [DEFAULT]
    on = Configuration.update(client, made.id, {"active": True})
    assert on.active
    assert [c.id for c in Configuration.list(client, {"active": True})] == [made.id, DEFAULT]


def test_an_unknown_id_is_a_404_resource_missing(over: tuple[FakeStripe, Client]) -> None:
    _, client = over
    for call in (
        lambda: Configuration.retrieve(client, "bpc_nothere"),
        lambda: Configuration.update(client, "bpc_nothere", {"name": "x"}),
    ):
        with pytest.raises(InvalidRequestError) as caught:
            call()
        error = caught.value
        assert error.http_status == 404
        assert error.code == "resource_missing"
        assert error.type == "invalid_request_error"
        assert error.message == "No such configuration: 'bpc_nothere'"


# -- list ------------------------------------------------------------------------------


def test_list_is_newest_first_with_limit_and_cursors(over: tuple[FakeStripe, Client]) -> None:
    fake, client = over
    made = [Configuration.create(client, {"features": FEATURES}).id for _ in range(4)]
    newest_first = [*reversed(made), DEFAULT]
    first = Configuration.list(client)
    assert [c.id for c in first] == newest_first
    assert not first.has_more
    assert first.url == PATH

    two = Configuration.list(client, {"limit": 2})
    assert [c.id for c in two] == newest_first[:2]
    assert two.has_more
    after = Configuration.list(client, {"limit": 2, "starting_after": newest_first[1]})
    assert [c.id for c in after] == newest_first[2:4]
    assert after.has_more
    last = Configuration.list(client, {"limit": 2, "starting_after": newest_first[3]})
    assert [c.id for c in last] == [DEFAULT]
    assert not last.has_more

    before = Configuration.list(client, {"limit": 2, "ending_before": DEFAULT})
    assert [c.id for c in before] == newest_first[2:4]  # the two next to the cursor
    assert before.has_more
    top = Configuration.list(client, {"limit": 2, "ending_before": newest_first[2]})
    assert [c.id for c in top] == newest_first[:2]
    assert not top.has_more
    # limit reached the fake as text and came back as a number
    assert fake.requests[-1][3]["limit"] == "2"


def test_auto_paging_walks_three_pages_and_more(over: tuple[FakeStripe, Client]) -> None:
    fake, client = over
    made = [Configuration.create(client, {"features": FEATURES}).id for _ in range(6)]
    before = len(fake.requests)
    walked = [c.id for c in Configuration.list(client, {"limit": 2}).auto_paging_iter()]
    assert walked == [*reversed(made), DEFAULT]
    assert len(fake.requests) - before == 4  # 2 + 2 + 2 + 1
    backwards = Configuration.list(client, {"limit": 2, "ending_before": DEFAULT})
    assert [c.id for c in backwards.auto_paging_iter()][:2] == list(reversed(made))[4:6]
    assert {c.id for c in backwards.auto_paging_iter()} == set(made)


def test_list_filters_by_is_default_and_active(over: tuple[FakeStripe, Client]) -> None:
    _, client = over
    one = Configuration.create(client, {"features": FEATURES}).id
    two = Configuration.create(client, {"features": FEATURES}).id
    Configuration.update(client, one, {"active": False})
    assert [c.id for c in Configuration.list(client, {"is_default": True})] == [DEFAULT]
    assert [c.id for c in Configuration.list(client, {"is_default": False})] == [two, one]
    only = Configuration.list(client, {"is_default": False, "active": True})
    assert [c.id for c in only] == [two]
    walked = Configuration.list(client, {"is_default": False, "limit": 1}).auto_paging_iter()
    assert [c.id for c in walked] == [two, one]


def test_an_unknown_cursor_is_a_404_resource_missing(over: tuple[FakeStripe, Client]) -> None:
    _, client = over
    for cursor in ("starting_after", "ending_before"):
        with pytest.raises(InvalidRequestError) as caught:
            Configuration.list(client, {cursor: "bpc_gone"})
        assert caught.value.http_status == 404
        assert caught.value.code == "resource_missing"
        assert caught.value.param == cursor


def test_raw_requests_are_coerced_and_checked_like_stripe() -> None:
    fake = FakeStripe()
    status, body = _raw(fake, "GET", PATH, {"limit": 1, "is_default": True})
    assert status == 200
    assert [c["id"] for c in body["data"]] == [DEFAULT]
    assert body == {"object": "list", "data": body["data"], "has_more": False, "url": PATH}
    status, body = _raw(fake, "GET", PATH, {"starting_after": "bpc_a", "ending_before": "bpc_b"})
    assert status == 400
    assert body["error"] == {
        "type": "invalid_request_error",
        "code": "parameters_exclusive",
        "param": "ending_before",
        "message": "You may only specify one of these parameters: starting_after, ending_before.",
    }
    status, body = _raw(fake, "GET", PATH, {"limit": "ten"})
    assert (status, body["error"]["param"]) == (400, "limit")
    status, body = _raw(fake, "POST", PATH, {"name": "no features"})
    assert status == 400
    assert body["error"]["param"] == "features"
    assert body["error"]["code"] == "parameter_missing"
    status, body = _raw(fake, "POST", f"{PATH}/{DEFAULT}", {"active": "maybe"})
    assert (status, body["error"]["param"]) == (400, "active")
    assert body["error"]["message"] == "Invalid boolean: active."
    assert len(fake.configurations) == 1


def test_every_raw_answer_has_every_key_and_decodes() -> None:
    fake = FakeStripe()
    full = {
        "features": {
            "subscription_update": {
                "enabled": True,
                "products": [{"product": "prod_1", "prices": ["p"]}],
            },
            "subscription_pause": {
                "duration": {"type": "interval_options", "interval_options": [{"interval": "week"}]}
            },
        },
        "business_profile": {"privacy_policy_url": "https://example.com/privacy"},
    }
    status, made = _raw(fake, "POST", PATH, full)
    assert status == 200
    answers = [
        made,
        _raw(fake, "GET", f"{PATH}/{made['id']}")[1],
        _raw(
            fake, "POST", f"{PATH}/{made['id']}", {"business_profile": {"privacy_policy_url": ""}}
        )[1],
        *_raw(fake, "GET", PATH)[1]["data"],
    ]

    def keys(shape: Any, value: Any) -> None:
        if isinstance(shape, dict) and isinstance(value, dict):
            assert set(shape) <= set(value)
            for key, sub in shape.items():
                keys(sub, value[key])
        elif isinstance(shape, list) and isinstance(value, list):
            for item in value:
                keys(shape[0], item)

    for answer in answers:
        keys(shape_of(Configuration), answer)
        assert Configuration.from_dict(answer).id in {made["id"], DEFAULT}
    pause = Configuration.from_dict(made).features.subscription_pause
    assert pause is not None
    assert pause.duration.interval_options[0].interval_count == 1  # Stripe's default
    assert answers[2]["business_profile"]["privacy_policy_url"] is None


def test_configurations_made_from_many_threads_are_all_kept() -> None:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:

        def make() -> None:
            with Client(API_KEY, transport="requests", base_url=server.url) as client:
                for _ in range(5):
                    Configuration.create(client, {"features": FEATURES})

        threads = [threading.Thread(target=make) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with Client(API_KEY, transport="requests", base_url=server.url) as client:
            walked = [c.id for c in Configuration.list(client, {"limit": 7}).auto_paging_iter()]
    assert len(walked) == len(set(walked)) == 31
    assert walked == [c["id"] for c in reversed(fake.configurations)]


# -- sessions --------------------------------------------------------------------------


def test_a_session_carries_the_configuration_it_names(over: tuple[FakeStripe, Client]) -> None:
    fake, client = over
    made = Configuration.create(client, {"features": FEATURES})
    session = Session.create(client, {"customer": "cus_1", "configuration": made.id})
    assert session.configuration == made.id
    assert fake.sessions[-1]["configuration"] == made.id


def test_a_session_with_an_unknown_configuration_is_refused(
    over: tuple[FakeStripe, Client],
) -> None:
    fake, client = over
    with pytest.raises(InvalidRequestError) as caught:
        Session.create(client, {"customer": "cus_1", "configuration": "bpc_unknown"})
    error = caught.value
    assert (error.http_status, error.code, error.param) == (
        400,
        "resource_missing",
        "configuration",
    )
    assert error.message == "No such configuration: 'bpc_unknown'"
    assert fake.sessions == []


def test_a_session_with_an_inactive_configuration_is_refused(
    over: tuple[FakeStripe, Client],
) -> None:
    fake, client = over
    made = Configuration.create(client, {"features": FEATURES})
    Configuration.update(client, made.id, {"active": False})
    with pytest.raises(InvalidRequestError) as caught:
        Session.create(client, {"customer": "cus_1", "configuration": made.id})
    assert (caught.value.http_status, caught.value.param) == (400, "configuration")
    assert caught.value.type == "invalid_request_error"
    assert "inactive" in caught.value.message
    assert fake.sessions == []
    Configuration.update(client, made.id, {"active": True})
    assert Session.create(client, {"customer": "cus_1", "configuration": made.id})


# -- faults and idempotency ------------------------------------------------------------


def test_fail_next_fails_configuration_calls(over: tuple[FakeStripe, Client]) -> None:
    fake, client = over
    fake.fail_next(500)
    made = Configuration.create(client, {"features": FEATURES})  # retried, then created
    assert len(fake.configurations) == 2
    assert fake.requests[-1][2]["idempotency-key"] == fake.requests[-2][2]["idempotency-key"]
    fake.fail_next(500, times=3)
    with pytest.raises(APIError):
        Configuration.retrieve(client, made.id)
    fake.fail_next(404, code="resource_missing", message="No such configuration: 'x'")
    with pytest.raises(InvalidRequestError):
        Configuration.list(client)
    fake.fail_next(400, param="name")
    with pytest.raises(InvalidRequestError) as caught:
        Configuration.update(client, made.id, {"name": "never"})
    assert caught.value.param == "name"
    assert Configuration.retrieve(client, made.id).name is None
    assert fake.planned == 0


def test_disconnect_next_fails_configuration_calls(over: tuple[FakeStripe, Client]) -> None:
    fake, client = over
    fake.disconnect_next()
    made = Configuration.create(client, {"features": FEATURES})  # retried, then created
    assert [c["id"] for c in fake.configurations] == [DEFAULT, made.id]
    fake.disconnect_next(times=3)
    with pytest.raises(APIConnectionError):
        Configuration.update(client, made.id, {"name": "never"})
    fake.disconnect_next()
    assert [c.id for c in Configuration.list(client)] == [made.id, DEFAULT]
    assert Configuration.retrieve(client, made.id).name is None
    assert fake.planned == 0


def test_a_create_replayed_with_its_key_creates_nothing_new(
    over: tuple[FakeStripe, Client],
) -> None:
    fake, client = over
    first = Configuration.create(client, {"features": FEATURES}, idempotency_key="conf-1")
    Configuration.update(client, first.id, {"name": "Changed since"})
    again = Configuration.create(client, {"features": FEATURES}, idempotency_key="conf-1")
    assert again == first  # the answer as it was, not the configuration as it is
    assert len(fake.configurations) == 2
    other = Configuration.create(client, {"features": FEATURES}, idempotency_key="conf-2")
    assert other.id != first.id


# -- async -----------------------------------------------------------------------------


def test_async_round_trip_and_pagination(async_over: tuple[FakeStripe, str | None]) -> None:
    fake, url = async_over

    async def run() -> tuple[list[str], list[str], Configuration, Configuration]:
        async with _async_client(fake, url) as client:
            made = [
                (await Configuration.create_async(client, {"features": FEATURES})).id
                for _ in range(5)
            ]
            changed = await Configuration.update_async(client, made[0], {"name": "Async"})
            got = await Configuration.retrieve_async(client, made[0])
            page = await Configuration.list_async(client, {"limit": 2})
            walked = [c.id async for c in page.auto_paging_iter()]
            return made, walked, changed, got

    made, walked, changed, got = asyncio.run(run())
    assert walked == [*reversed(made), DEFAULT]
    assert changed == got
    assert got.name == "Async"
    # 5 creates, 1 update, 1 retrieve, 3 pages
    assert len(fake.requests) == 10


def test_async_errors_and_sessions(async_over: tuple[FakeStripe, str | None]) -> None:
    fake, url = async_over

    async def run() -> tuple[InvalidRequestError, Session, Session]:
        async with _async_client(fake, url) as client:
            made = await Configuration.create_async(client, {"features": FEATURES})
            fake.disconnect_next()
            with_it = await Session.create_async(
                client, {"customer": "cus_1", "configuration": made.id}
            )
            without = await Session.create_async(client, {"customer": "cus_1"})
            try:
                await Configuration.retrieve_async(client, "bpc_nothere")
            except InvalidRequestError as exc:
                return exc, with_it, without
            raise AssertionError("an unknown id was found")

    error, with_it, without = asyncio.run(run())
    assert (error.http_status, error.code) == (404, "resource_missing")
    assert with_it.configuration == fake.configurations[1]["id"]
    assert without.configuration == DEFAULT
    assert fake.planned == 0
