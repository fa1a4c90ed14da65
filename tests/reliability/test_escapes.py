"""The ten escapes of the edge audit, one test (or a few) each.

Every test here failed on 72d5ba7, where an outside fault-injection and
fuzzing run found them: a key in an exception's cause chain, portal URLs on a
custom domain quoted in messages, hostile params and bodies ending in
``ValueError`` / ``RecursionError``, no total time bound, a ``prepare()`` that
started the call, late plugins that saw half a call, and TLS failures retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import pickle
import time
import traceback
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import requests

from lattice_core import (
    APIConnectionError,
    APIError,
    AsyncClient,
    Client,
    ConfigurationError,
    InvalidParamsError,
    LatticeError,
    Response,
)
from lattice_core import cli as lattice_cli
from lattice_core.billing_portal import Session
from lattice_core.builtin.retry import Retry
from lattice_core.errors import CauseSummary
from lattice_core.limits import MAX_DEPTH
from lattice_core.masking import mask
from lattice_core.testing import FakeStripe, LoopbackServer, StubTransport, json_response

from ..conftest import API_KEY, SESSION_JSON
from ..harness import Recorder
from .rawserver import RawServer

CUSTOM_DOMAIN_SECRET = "test_YWNjdF8xQ3VzdG9tRG9tYWluU2VjcmV0"
CUSTOM_DOMAIN_URL = f"https://billing.example.com/p/session/{CUSTOM_DOMAIN_SECRET}"
KEY_SECRET = API_KEY[len("sk_test_") : -4]  # all but what masking may show
PARAMS = {"customer": "cus_123", "return_url": "https://example.com/account"}


def _http(status: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _create(transport: str, url: str, **options: Any) -> Any:
    """Create a session over a real transport; returns the session or the exception."""
    if transport == "requests":
        with Client(API_KEY, transport="requests", base_url=url, **options) as client:
            try:
                return Session.create(client, PARAMS)
            except LatticeError as exc:
                return exc

    async def go() -> Any:
        async with AsyncClient(API_KEY, transport="aiohttp", base_url=url, **options) as client:
            try:
                return await Session.create_async(client, PARAMS)
            except LatticeError as exc:
                return exc

    return asyncio.run(go())


TRANSPORTS = pytest.mark.parametrize("transport", ["requests", "aiohttp"])


# -- what a user or a tool can render of an exception ----------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend((item.__cause__, item.__context__))


def _rendered(exc: BaseException) -> str:
    """Everything a tracker or a debugger shows: the traceback and every object in the chain."""
    parts = ["".join(traceback.format_exception(exc))]
    for link in _chain(exc):
        parts += [str(link), repr(link)]
        for name in dir(link):
            if name.startswith("__"):
                continue
            with contextlib.suppress(Exception):
                value = getattr(link, name)
                if not callable(value):
                    parts.append(f"{name}={value!r}")
                    parts.extend(
                        repr(v) for v in vars(value).values() if hasattr(value, "__dict__")
                    )
    return "\n".join(parts)


def _assert_no_secrets(text: str) -> None:
    # Never show the text: it is what might leak.
    assert KEY_SECRET not in text, "the API key leaked"
    assert CUSTOM_DOMAIN_SECRET not in text, "a portal url leaked"
    assert "Bearer sk_" not in text, "an Authorization value leaked"


# 1. A secret in the cause chain ------------------------------------------------------------


@TRANSPORTS
@pytest.mark.parametrize(
    "reply",
    [b"GARBAGE\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 2\r\n\r\n{}"],
    ids=["garbage", "header-without-colon"],
)
def test_a_malformed_answer_chains_no_object_that_holds_the_key(
    transport: str, reply: bytes
) -> None:
    with RawServer(reply) as server:
        error = _create(transport, server.url, max_retries=0)
    assert isinstance(error, APIConnectionError)
    assert isinstance(error.__cause__, CauseSummary)  # a sanitised copy of the library's
    cause_type = aiohttp.ClientError if transport == "aiohttp" else requests.RequestException
    assert isinstance(error.__cause__, cause_type)
    assert error.__cause__.__cause__ is None
    assert error.__context__ is None
    # What held the request (and its Authorization header) is there, and empty.
    assert getattr(error.__cause__, "request", None) is None
    assert getattr(error.__cause__, "request_info", None) is None
    _assert_no_secrets(_rendered(error))


def test_a_cause_summary_is_masked_short_and_picklable() -> None:
    summary = CauseSummary.of(RuntimeError(f"Authorization: Bearer {API_KEY} " + "x" * 1000))
    assert summary.type_name == "builtins.RuntimeError"
    assert isinstance(summary, RuntimeError)  # a sanitised copy: `except`-by-type still works
    assert len(str(summary)) < 400
    _assert_no_secrets(repr(summary))
    again = pickle.loads(pickle.dumps(summary))  # noqa: S301 - our own bytes, for pools
    assert (again.type_name, again.summary) == (summary.type_name, summary.summary)


# 2. Portal URLs on a custom domain ---------------------------------------------------------


def test_masking_knows_portal_urls_by_shape_on_any_host() -> None:
    for text in (
        CUSTOM_DOMAIN_URL,
        f"http://portal.example.org:8443/p/session/{CUSTOM_DOMAIN_SECRET}?x=1",
        f"https%3A%2F%2Fbilling.example.com%2Fp%2Fsession%2F{CUSTOM_DOMAIN_SECRET}",
        f'{{"url": "https:\\/\\/billing.example.com\\/p\\/session\\/{CUSTOM_DOMAIN_SECRET}"}}',
    ):
        masked = mask(text)
        assert CUSTOM_DOMAIN_SECRET not in masked
        assert mask(masked) == masked  # idempotent


def test_a_cut_session_body_is_never_quoted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="lattice")
    cut = f'{{"id": "bps_1", "object": "billing_portal.session", "url": "{CUSTOM_DOMAIN_URL}'
    stub = StubTransport(Response(200, {"request-id": "req_cut"}, cut.encode()))
    with Client(API_KEY, transport=stub) as client, pytest.raises(APIError) as info:
        Session.create(client, PARAMS)
    assert info.value.request_id == "req_cut"
    assert "not valid JSON" in info.value.message
    key = stub.requests[0].headers["Idempotency-Key"]
    assert f"idempotency_key={key!r}" in info.value.message  # how to fetch it safely
    _assert_no_secrets(_rendered(info.value))
    _assert_no_secrets("\n".join(f"{r.getMessage()} {vars(r)!r}" for r in caplog.records))


def test_the_cli_never_prints_a_cut_body(capsys: pytest.CaptureFixture[str]) -> None:
    cut = f'{{"id": "bps_1", "url": "{CUSTOM_DOMAIN_URL}'.encode()

    def app(method: str, path: str, headers: Any, body: bytes) -> Any:
        return 200, {"Content-Type": "application/json"}, cut

    with LoopbackServer(app) as server:
        code = lattice_cli.main(
            [
                *("billing_portal", "sessions", "create", "--api-key", API_KEY),
                *("--api-base", server.url, "-d", "customer=cus_1"),
            ]
        )
    out, err = capsys.readouterr()
    assert code == 1
    assert "APIError" in err
    _assert_no_secrets(out + err)


# 3. Malformed URLs -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["https://[abc", "https://example.com:99999/x", "https://:80/x"])
@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"return_url": "{url}"}, "return_url"),
        (
            {
                "flow_data": {
                    "type": "payment_method_update",
                    "after_completion": {"type": "redirect", "redirect": {"return_url": "{url}"}},
                }
            },
            "flow_data.after_completion.redirect.return_url",
        ),
    ],
    ids=["return_url", "redirect"],
)
def test_a_malformed_url_is_an_invalid_params_error(
    url: str, params: dict[str, Any], path: str
) -> None:
    filled = _fill(params, url)
    stub = StubTransport()
    with Client(API_KEY, transport=stub) as client, pytest.raises(InvalidParamsError) as info:
        Session.create(client, {"customer": "cus_1", **filled})
    assert (info.value.param, info.value.reason) == (path, "url")
    stub.assert_not_called()


@pytest.mark.parametrize("url", ["https://exa\x00mple.com", "https://a b.com", "https://a.com\r\n"])
def test_a_base_url_with_control_characters_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="control characters"):
        Client(API_KEY, transport=StubTransport(), base_url=url)


def _fill(value: Any, url: str) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, url) for k, v in value.items()}
    return url if value == "{url}" else value


# 4. Integers beyond Stripe's range ---------------------------------------------------------


def _confirm(quantity: int) -> dict[str, Any]:
    items = [{"id": "si_1", "quantity": quantity}]
    return {
        "customer": "cus_1",
        "flow_data": {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {"subscription": "sub_1", "items": items},
        },
    }


@pytest.mark.parametrize(
    "quantity", [10**5000, 2**63, -(2**63) - 1], ids=["5000-digits", "2**63", "-2**63-1"]
)
def test_an_integer_outside_64_bits_is_refused_before_sending(quantity: int) -> None:
    stub = StubTransport()
    with Client(API_KEY, transport=stub) as client:
        with pytest.raises(InvalidParamsError) as info:
            Session.create(client, _confirm(quantity))
        assert info.value.param == "flow_data.subscription_update_confirm.items[0].quantity"
        assert info.value.reason == "range"
        with pytest.raises(InvalidParamsError) as raw:  # the raw path too
            client.request("POST", "/v1/billing_portal/sessions", _confirm(quantity))
        assert raw.value.reason == "range"
    stub.assert_not_called()


@pytest.mark.parametrize("digits", ["9" * 5000, "9" * 20], ids=["5000-digits", "20-digits"])
def test_form_text_beyond_64_bits_is_refused_by_the_cli_and_the_fake(
    digits: str, capsys: pytest.CaptureFixture[str]
) -> None:
    field = "flow_data[subscription_update_confirm][items][0][quantity]"
    data = [
        "customer=cus_1",
        "flow_data[type]=subscription_update_confirm",
        "flow_data[subscription_update_confirm][subscription]=sub_1",
        "flow_data[subscription_update_confirm][items][0][id]=si_1",
        f"{field}={digits}",
    ]
    argv = ["billing_portal", "sessions", "create", "--api-key", API_KEY, "--api-base"]
    code = lattice_cli.main([*argv, "http://127.0.0.1:1", *(f"-d{pair}" for pair in data)])
    assert code == 2
    assert "64-bit" in capsys.readouterr().err
    fake = FakeStripe()
    headers = {"authorization": f"Bearer {API_KEY}"}
    status, _, body = fake("POST", "/v1/billing_portal/sessions", headers, "&".join(data).encode())
    assert status == 400  # Stripe's answer, not a crash of the fake
    assert json.loads(body)["error"]["param"] == field


def test_the_64_bit_edges_themselves_are_accepted() -> None:
    stub = StubTransport(json_response(200, SESSION_JSON), json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub) as client:
        Session.create(client, _confirm(2**63 - 1))
        Session.create(client, _confirm(-(2**63)))
    assert len(stub.requests) == 2


# 5. Deep and cyclic params -----------------------------------------------------------------


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"x": value}
    return value


def _cyclic_flow() -> dict[str, Any]:
    flow: dict[str, Any] = {"type": "payment_method_update"}
    flow["flow_data"] = flow
    return flow


def _cycle_in_list() -> dict[str, Any]:
    items: list[Any] = []
    items.append(items)
    return {"surprise": items}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"metadata": _deep(5000)}, "depth"),
        (
            {"flow_data": {"type": "payment_method_update", "after_completion": _deep(5000)}},
            "depth",
        ),
        ({"flow_data": _cyclic_flow()}, "cycle"),
        (_cycle_in_list(), "cycle"),
        ({"flow_data": {"type": "payment_method_update", 7: "x"}}, "type"),
    ],
    ids=["deep-unknown", "deep-flow", "flow-contains-itself", "list-contains-itself", "int-key"],
)
def test_hostile_shapes_are_invalid_params_errors(params: dict[str, Any], reason: str) -> None:
    stub = StubTransport()
    with Client(API_KEY, transport=stub) as client:
        with pytest.raises(InvalidParamsError) as info:
            Session.create(client, {"customer": "cus_1", **params})
        assert info.value.reason == reason
        if reason in ("depth", "cycle"):  # raw params: the encoder guards itself
            with pytest.raises(InvalidParamsError):
                client.request("POST", "/v1/billing_portal/sessions", params)
    stub.assert_not_called()


# 6. Deep response bodies -------------------------------------------------------------------


def test_a_body_nested_past_the_limit_is_an_api_error() -> None:
    body = dict(SESSION_JSON, surprise=_deep(800))
    stub = StubTransport(json_response(200, body, request_id="req_deep"))
    with Client(API_KEY, transport=stub) as client, pytest.raises(APIError) as info:
        Session.create(client, PARAMS)
    assert info.value.request_id == "req_deep"
    assert f"deeper than {MAX_DEPTH} levels" in info.value.message
    with pytest.raises(APIError, match="deeper than"):
        Session.from_dict(body)


def test_whatever_decodes_can_be_encoded_again() -> None:
    body = dict(SESSION_JSON, surprise=_deep(MAX_DEPTH - 2))
    session = Session.from_dict(body)
    assert session is not None
    assert session.to_dict()["surprise"] == body["surprise"]
    assert Session.from_dict(session.to_dict()) == session


def test_a_huge_error_body_keeps_only_the_error_object() -> None:
    # Masking a body walks every value: of a megabytes-long one, keep what handling reads.
    error = {"type": "api_error", "message": "overloaded"}
    body = {"error": error, "padding": [{"n": i, "url": CUSTOM_DOMAIN_URL} for i in range(5000)]}
    stub = StubTransport(json_response(500, body))
    with Client(API_KEY, transport=stub, max_retries=0) as client, pytest.raises(APIError) as info:
        Session.create(client, PARAMS)
    assert info.value.json_body == {"error": error}
    assert info.value.message == "overloaded"


# 7. A total time bound ---------------------------------------------------------------------

_TRICKLED = _http("200 OK", b'{"id": "bps_1", "url": "x"}' + b" " * 200)


@TRANSPORTS
def test_a_trickling_server_cannot_stretch_an_attempt_past_timeout(transport: str) -> None:
    # Each byte comes well within the timeout; the whole answer would take ~15 s.
    with RawServer(_TRICKLED, trickle=0.05) as server:
        started = time.monotonic()
        error = _create(transport, server.url, timeout=0.5, max_retries=0)
        elapsed = time.monotonic() - started
    assert isinstance(error, APIConnectionError)
    assert "timed out" in error.message
    assert elapsed < 0.5 + 1.0  # the bound, plus generous slack for a busy machine


@TRANSPORTS
def test_the_retry_deadline_bounds_the_whole_call(transport: str) -> None:
    with RawServer(_TRICKLED, trickle=0.05) as server:
        started = time.monotonic()
        error = _create(
            transport,
            server.url,
            timeout=0.6,
            max_retries=5,
            disable_plugins=["retry"],
            plugins=[Retry(deadline=1.5)],
        )
        elapsed = time.monotonic() - started
    assert isinstance(error, APIConnectionError)
    assert elapsed < 1.5 + 1.0


# 8. prepare() is inert ---------------------------------------------------------------------


def test_prepare_fires_nothing_and_a_call_runs_once() -> None:
    recorder = Recorder()
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub, plugins=[recorder]) as client:
        call = client.prepare("POST", "/v1/billing_portal/sessions", PARAMS, dict)
        unsent = client.prepare("POST", "/v1/billing_portal/sessions", PARAMS, dict)
        assert recorder.hooks == []
        del unsent  # dropped unsent: nothing to end
        assert client.send(call)["id"] == "bps_123"
        assert recorder.hooks == ["before_request", "after_response", "after_call"]
        with pytest.raises(ConfigurationError, match="already sent"):
            client.send(call)


def test_an_unsent_call_opens_no_span() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from lattice_core.builtin.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry = Telemetry(tracer=provider.get_tracer("test"))
    started: list[Any] = []
    original = telemetry.tracer.start_span
    telemetry.tracer.start_span = lambda *a, **k: started.append(1) or original(*a, **k)
    stub = StubTransport(json_response(200, SESSION_JSON))
    options: dict[str, Any] = {"disable_plugins": ["telemetry"], "plugins": [telemetry]}
    with Client(API_KEY, transport=stub, **options) as client:
        client.prepare("POST", "/v1/billing_portal/sessions", PARAMS, dict)
        assert started == []
        Session.create(client, PARAMS)
    assert len(started) == 2  # the sent call's span and its one attempt's
    assert len(exporter.get_finished_spans()) == 2  # both ended


# 9. Late plugin registration ---------------------------------------------------------------


def test_registering_a_plugin_on_a_built_client_is_refused() -> None:
    with Client(API_KEY, transport=StubTransport()) as client:
        with pytest.raises(ConfigurationError, match="plugins=") as info:
            client.hooks.pm.register(Recorder())
        assert "Client(" in str(info.value)
        with pytest.raises(ConfigurationError):
            client.hooks.pm.unregister(name="retry")
        assert "retry" in client.plugins


# 10. TLS verification failures -------------------------------------------------------------


@TRANSPORTS
def test_a_failed_certificate_check_is_not_retried(transport: str) -> None:
    with RawServer(b"", tls=True) as server:
        error = _create(transport, server.url, max_retries=3)
        connections = server.connections
    assert isinstance(error, APIConnectionError)
    assert error.should_retry is False
    assert connections == 1  # one handshake, not one per retry
    assert "certificate" in error.message
    assert "CA bundle" in error.message  # says what to check
    _assert_no_secrets(_rendered(error))


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", float("nan")),
        ("timeout", float("inf")),
        ("timeout", 10**5000),
        ("max_retries", 10**5000),
        ("max_retries", -1),
    ],
    ids=["timeout-nan", "timeout-inf", "timeout-huge", "retries-huge", "retries-negative"],
)
def test_a_client_option_no_socket_could_honour_is_a_configuration_error(
    option: str, value: object
) -> None:
    with pytest.raises(ConfigurationError, match=f"{option} must be"):
        Client(API_KEY, transport=StubTransport(), **{option: value})


@pytest.mark.parametrize("deadline", [float("nan"), float("inf"), 0, -1.0, "3"])
def test_a_deadline_that_bounds_nothing_is_a_configuration_error(deadline: object) -> None:
    with pytest.raises(ConfigurationError, match="deadline"):
        Retry(deadline=deadline)  # type: ignore[arg-type]
