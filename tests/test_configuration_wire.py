"""The configuration's four operations on the wire, sync and async, stub and real HTTP.

Each test runs over the ``wire`` harness's four kinds (a stub and a real HTTP
server on 127.0.0.1, each with a sync and an async client): what goes out
(method, path, query or body, headers: no idempotency key on a GET), paging
across three pages, per-call ``timeout`` / ``max_retries``, and ids or params
refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from lattice_core import AsyncClient, InvalidParamsError
from lattice_core.billing_portal import Configuration
from lattice_core.pagination import AsyncPage, Page
from lattice_core.testing import AsyncStubTransport, StubTransport, json_response

from .harness import API_KEY, Caller, Wire
from .test_configuration_params import REFUSED

FIXTURE = json.loads(
    (
        Path(__file__).parents[2]
        / "shared/stripe-openapi/examples/fixture_configuration_openapi_fixtures3.json"
    ).read_text()
)
PATH = "/v1/billing_portal/configurations"


def configuration(id: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(FIXTURE)
    body.update(id=id, **changes)
    return body


def page(*ids: str, has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [configuration(i) for i in ids],
        "has_more": has_more,
        "url": PATH,
    }


def run(caller: Caller, name: str, *args: Any, **kwargs: Any) -> Any:
    """`Configuration.<name>` for a sync client, `<name>_async` awaited for an async one."""
    if isinstance(caller.client, AsyncClient):
        method = getattr(Configuration, name + "_async")
        return caller._loop.run_until_complete(method(caller.client, *args, **kwargs))
    return getattr(Configuration, name)(caller.client, *args, **kwargs)


def every_item(caller: Caller, first: Page[Configuration] | AsyncPage[Configuration]) -> list[str]:
    """The ids `auto_paging_iter()` walks, from `first` on."""
    if isinstance(first, AsyncPage):

        async def collect() -> list[str]:
            return [item.id async for item in first.auto_paging_iter()]

        return caller._loop.run_until_complete(collect())
    return [item.id for item in first.auto_paging_iter()]


def test_create_posts_a_form_body_with_an_idempotency_key(wire: Wire) -> None:
    wire.answer(200, configuration("bpc_new"))
    created = run(
        wire.client(),
        "create",
        {
            "features": {"invoice_history": {"enabled": True}},
            "business_profile": {"headline": "Acme"},
        },
    )
    assert created.id == "bpc_new"
    assert created.features.invoice_history.enabled is True
    (seen,) = wire.seen
    assert (seen.method, seen.path) == ("POST", PATH)
    assert seen.body == (b"features[invoice_history][enabled]=true&business_profile[headline]=Acme")
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert len(seen.headers["idempotency-key"]) == 36  # a UUID4 made for the call


def test_retrieve_is_a_get_with_the_id_in_the_path_and_no_key(wire: Wire) -> None:
    wire.answer(200, configuration("bpc_123"))
    got = run(wire.client(), "retrieve", "bpc_123", {"expand": ["application"]})
    assert got.id == "bpc_123"
    (seen,) = wire.seen
    # The HTTP libraries percent-encode the brackets (expand%5B0%5D); Stripe reads both.
    assert (seen.method, unquote(seen.path)) == ("GET", f"{PATH}/bpc_123?expand[0]=application")
    assert seen.body == b""
    assert "idempotency-key" not in seen.headers
    assert "content-type" not in seen.headers
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"


def test_retrieve_without_params_sends_no_query(wire: Wire) -> None:
    wire.answer(200, configuration("bpc_123"))
    run(wire.client(), "retrieve", "bpc_123")
    assert wire.seen[0].path == f"{PATH}/bpc_123"


def test_update_posts_to_the_id_and_sends_empty_values_to_clear(wire: Wire) -> None:
    wire.answer(200, configuration("bpc_123", name=None, active=False))
    got = run(
        wire.client(),
        "update",
        "bpc_123",
        {"name": "", "active": False, "metadata": {"team": ""}},
        idempotency_key="update-1",
        stripe_account="acct_1",
    )
    assert got.active is False
    (seen,) = wire.seen
    assert (seen.method, seen.path) == ("POST", f"{PATH}/bpc_123")
    assert seen.body == b"name=&active=false&metadata[team]="
    assert seen.headers["idempotency-key"] == "update-1"
    assert seen.headers["stripe-account"] == "acct_1"


def test_list_is_a_get_with_filters_in_the_query(wire: Wire) -> None:
    wire.answer(200, page("bpc_2", "bpc_1", has_more=False))
    first = run(wire.client(), "list", {"limit": 2, "active": True, "is_default": False})
    assert [item.id for item in first] == ["bpc_2", "bpc_1"]
    assert (len(first), first.has_more, first.url) == (2, False, PATH)
    (seen,) = wire.seen
    assert (seen.method, seen.path) == ("GET", f"{PATH}?limit=2&active=true&is_default=false")
    assert seen.body == b""
    assert "idempotency-key" not in seen.headers


def test_auto_paging_walks_three_pages_with_starting_after(wire: Wire) -> None:
    wire.answer(200, page("bpc_6", "bpc_5", has_more=True))
    wire.answer(200, page("bpc_4", "bpc_3", has_more=True))
    wire.answer(200, page("bpc_2", "bpc_1", has_more=False))
    caller = wire.client()
    first = run(caller, "list", {"limit": 2, "active": True})
    assert [item.id for item in first] == ["bpc_6", "bpc_5"]  # the page alone: one request
    assert len(wire.seen) == 1
    assert every_item(caller, first) == ["bpc_6", "bpc_5", "bpc_4", "bpc_3", "bpc_2", "bpc_1"]
    assert [seen.path for seen in wire.seen] == [
        f"{PATH}?limit=2&active=true",
        f"{PATH}?limit=2&active=true&starting_after=bpc_5",
        f"{PATH}?limit=2&active=true&starting_after=bpc_3",
    ]
    assert all(seen.method == "GET" for seen in wire.seen)


def test_a_list_that_began_with_ending_before_walks_backwards(wire: Wire) -> None:
    wire.answer(200, page("bpc_6", "bpc_5", has_more=True))
    wire.answer(200, page("bpc_8", "bpc_7", has_more=False))
    caller = wire.client()
    first = run(caller, "list", {"limit": 2, "ending_before": "bpc_4"})
    assert every_item(caller, first) == ["bpc_6", "bpc_5", "bpc_8", "bpc_7"]
    assert [seen.path for seen in wire.seen] == [
        f"{PATH}?limit=2&ending_before=bpc_4",
        f"{PATH}?limit=2&ending_before=bpc_6",
    ]


def test_the_pages_after_the_first_keep_the_calls_options(wire: Wire) -> None:
    wire.answer(200, page("bpc_2", has_more=True))
    wire.answer(200, page("bpc_1", has_more=False))
    caller = wire.client()
    first = run(caller, "list", {"limit": 1}, stripe_account="acct_9")
    assert every_item(caller, first) == ["bpc_2", "bpc_1"]
    assert [seen.headers["stripe-account"] for seen in wire.seen] == ["acct_9", "acct_9"]


def test_a_calls_max_retries_overrides_the_clients(wire: Wire) -> None:
    for _ in range(2):
        wire.answer(500, {"error": {"type": "api_error", "message": "try again"}})
    wire.answer(200, configuration("bpc_123"))
    caller = wire.client(max_retries=0, sleep=wire.sleep)
    assert run(caller, "retrieve", "bpc_123", max_retries=2).id == "bpc_123"
    assert len(wire.seen) == 3
    assert len(wire.clock.slept) == 2  # waited on the fake clock, never the wall


@pytest.mark.parametrize("name", ["create", "retrieve", "update", "list"])
def test_a_calls_timeout_reaches_every_attempt(name: str) -> None:
    body = page("bpc_1", has_more=False) if name == "list" else configuration("bpc_1")
    args: dict[str, tuple[Any, ...]] = {
        "create": ({"features": {"invoice_history": {"enabled": True}}},),
        "retrieve": ("bpc_1",),
        "update": ("bpc_1", {"name": "x"}),
        "list": (),
    }
    stub = StubTransport(json_response(200, body))
    from lattice_core import Client

    with Client(API_KEY, transport=stub, timeout=30) as client:
        getattr(Configuration, name)(client, *args[name], timeout=1.5)
    assert stub.last_request.timeout == 1.5

    async def main() -> float | None:
        astub = AsyncStubTransport(json_response(200, body))
        async with AsyncClient(API_KEY, transport=astub, timeout=30) as aclient:
            await getattr(Configuration, name + "_async")(aclient, *args[name], timeout=2.5)
        return astub.last_request.timeout

    assert asyncio.run(main()) == 2.5


BAD_IDS = [
    "",
    "bpc_a/b",
    "../bpc_1",
    "bpc_..",
    "bpc_1?active=true",
    "bpc_1#top",
    "bpc_1 ",
    " bpc_1",
    "bpc_1\n",
    "bpc_%2F",
    "cus_123",
    "BPC_1",
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_id_that_could_change_the_path_is_refused_before_sending(wire: Wire, bad: str) -> None:
    caller = wire.client()
    for name, args in (("retrieve", (bad,)), ("update", (bad, {"name": "x"}))):
        with pytest.raises(InvalidParamsError) as caught:
            run(caller, name, *args)
        assert caught.value.param == "id"
        assert "bpc_" in str(caught.value)
        assert repr(bad) not in str(caught.value)  # what was passed is not echoed
    assert wire.seen == []


@pytest.mark.parametrize("bad", [None, 123, b"bpc_1"])
def test_an_id_that_is_not_a_str_is_refused(wire: Wire, bad: Any) -> None:
    with pytest.raises(InvalidParamsError, match="id must be a str such as 'bpc_123'"):
        run(wire.client(), "retrieve", bad)
    assert wire.seen == []


@pytest.mark.parametrize(
    ("name", "args", "param"),
    [
        ("create", ({},), "features"),
        ("create", ({"features": {"invoice_history": {}}},), "features.invoice_history.enabled"),
        (
            "create",
            ({"features": {"invoice_history": {"enabled": True}}, "name": "n" * 257},),
            "name",
        ),
        (
            "update",
            ("bpc_1", {"business_profile": {"headline": "h" * 61}}),
            "business_profile.headline",
        ),
        ("update", ("bpc_1", {"colour": "red"}), "colour"),
        ("list", ({"limit": 0},), "limit"),
        ("list", ({"limit": 101},), "limit"),
        ("list", ({"starting_after": "bpc_1", "ending_before": "bpc_2"},), "ending_before"),
        ("retrieve", ("bpc_1", {"expand": "application"}), "expand"),
    ],
)
def test_bad_params_are_refused_with_their_path_before_sending(
    wire: Wire, name: str, args: tuple[Any, ...], param: str
) -> None:
    with pytest.raises(InvalidParamsError) as caught:
        run(wire.client(), name, *args)
    assert caught.value.param == param, str(caught.value)
    assert param.split(".")[-1] in str(caught.value)
    assert wire.seen == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"object": "list", "data": {}, "has_more": False, "url": PATH}, "data: expected a list"),
        ({"object": "list", "data": [], "has_more": "no", "url": PATH}, "has_more: expected a"),
        ({"object": "list", "data": [], "has_more": False}, "url: expected a string"),
        (
            {"object": "list", "data": [{"id": 5}], "has_more": False, "url": PATH},
            "in data[0] of a list: could not decode",
        ),
    ],
)
def test_a_list_answer_of_the_wrong_shape_is_an_api_error(body: Any, words: str) -> None:
    from lattice_core import APIError, Client

    stub = StubTransport(json_response(200, body, request_id="req_odd"))
    with Client(API_KEY, transport=stub) as client, pytest.raises(APIError) as caught:
        Configuration.list(client)
    assert words in str(caught.value)
    assert caught.value.request_id == "req_odd"


def test_a_page_shows_its_size_not_its_items() -> None:
    from lattice_core import Client

    secret = configuration(
        "bpc_1", login_page={"enabled": True, "url": "https://x.test/p/login/s3cr3t"}
    )
    body = {"object": "list", "data": [secret], "has_more": False, "url": PATH}
    with Client(API_KEY, transport=StubTransport(json_response(200, body))) as client:
        first = Configuration.list(client)
    assert repr(first) == f"Page(data=[1 items], has_more=False, url='{PATH}')"
    assert first.next_page() is None
    assert "s3cr3t" not in repr(first.data)


# Every pre-flight rule of the tables' own tests (REFUSED), now through the public operations.


def _public_call(operation: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """The positional arguments of `Configuration.<operation>` for `params`."""
    return ("bpc_1", params) if operation in ("update", "retrieve") else (params,)


@pytest.mark.parametrize(
    ("operation", "params", "path", "reason"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_each_pre_flight_rule_refuses_through_the_operation_with_nothing_sent(
    operation: str, params: dict[str, Any], path: str, reason: str
) -> None:
    from lattice_core import Client

    stub = StubTransport()
    with Client(API_KEY, transport=stub) as client, pytest.raises(InvalidParamsError) as caught:
        getattr(Configuration, operation)(client, *_public_call(operation, params))
    assert (caught.value.param, caught.value.reason) == (path, reason), str(caught.value)
    stub.assert_not_called()

    async def main() -> InvalidParamsError:
        astub = AsyncStubTransport()
        async with AsyncClient(API_KEY, transport=astub) as aclient:
            method = getattr(Configuration, operation + "_async")
            with pytest.raises(InvalidParamsError) as refused:
                await method(aclient, *_public_call(operation, params))
        astub.assert_not_called()
        return refused.value

    refused = asyncio.run(main())
    assert (refused.param, refused.reason) == (path, reason)
