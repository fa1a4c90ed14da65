"""Stripe's refusals become precise typed errors, over every sync transport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from lattice_core import (
    APIConnectionError,
    APIError,
    AsyncClient,
    AuthenticationError,
    CardError,
    Client,
    ConfigurationError,
    ConflictError,
    IdempotencyError,
    InvalidRequestError,
    LatticeError,
    PermissionDeniedError,
    RateLimitError,
    StripeError,
    hookimpl,
)
from lattice_core.billing_portal import Session
from lattice_core.billing_portal.flows import AfterCompletion
from lattice_core.billing_portal.validation import coerce_form_values, validate_create_params
from lattice_core.checks import stripe_account_problem
from lattice_core.converters import structure_or_api_error
from lattice_core.plain import plain_params
from lattice_core.testing import AsyncStubTransport, StubTransport
from lattice_core.wording import count, with_article

from .conftest import API_KEY, SHARED, UNMASKED_KEY, ScriptedApp, Wire
from .harness import free_port


def _error_body(err_type: str, code: str | None = None, **extra: str) -> dict[str, object]:
    error: dict[str, object] = {
        "type": err_type,
        "message": f"{err_type} happened",
        "doc_url": f"https://docs.stripe.com/error-codes/{code or 'x'}",
        **extra,
    }
    if code is not None:
        error["code"] = code
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "err_type", "code", "expected"),
    [
        (400, "invalid_request_error", "parameter_missing", InvalidRequestError),
        (404, "invalid_request_error", "resource_missing", InvalidRequestError),
        (401, "invalid_request_error", "api_key_expired", AuthenticationError),
        (402, "card_error", "card_declined", CardError),
        (403, "invalid_request_error", "secret_key_required", PermissionDeniedError),
        (409, "invalid_request_error", "lock_timeout", ConflictError),
        (429, "invalid_request_error", "lock_timeout", RateLimitError),
        (400, "idempotency_error", "idempotency_key_in_use", IdempotencyError),
        (409, "idempotency_error", None, IdempotencyError),
        (400, "invalid_request_error", "rate_limit", RateLimitError),
        (500, "api_error", "unexpected", APIError),
        (503, "api_error", None, APIError),
        (418, "brand_new_error_type", "teapot", APIError),
        (500, "invalid_request_error", "unexpected", APIError),
        (502, "card_error", None, APIError),
        (500, "idempotency_error", None, IdempotencyError),
        (503, "api_error", "rate_limit", RateLimitError),
        (422, "card_error", "weird", CardError),
    ],
)
def test_each_error_class_from_stripe_json_and_status(
    wire: Wire, status: int, err_type: str, code: str | None, expected: type[StripeError]
) -> None:
    body = _error_body(err_type, code, param="customer", decline_code="insufficient_funds")
    wire.answer(status, body, {"Request-Id": "req_err_42"})

    with pytest.raises(StripeError) as info:
        wire.client().create({"customer": "cus_123"})

    err = info.value
    assert type(err) is expected
    assert isinstance(err, LatticeError)
    assert err.http_status == status
    assert err.request_id == "req_err_42"
    assert err.type == err_type
    assert err.code == code
    assert err.param == "customer"
    assert err.decline_code == "insufficient_funds"
    assert err.doc_url == f"https://docs.stripe.com/error-codes/{code or 'x'}"
    assert err.message == f"{err_type} happened"
    assert err.json_body == body
    assert err.headers["request-id"] == "req_err_42"
    assert str(err) == f"{err_type} happened (HTTP {status}, request_id=req_err_42)"


def test_shared_error_example_decodes_with_all_fields(wire: Wire) -> None:
    body = json.loads((SHARED / "examples" / "constructed_error_resource_missing.json").read_text())
    wire.answer(404, body, {"Request-Id": "req_EXAMPLE"})

    with pytest.raises(InvalidRequestError) as info:
        wire.client().create({"customer": "cus_doesnotexist"})

    assert info.value.code == "resource_missing"
    assert info.value.param == "customer"
    assert info.value.message == "No such customer: 'cus_doesnotexist'"
    assert info.value.request_id == "req_EXAMPLE"


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected", "snippet"),
    [
        (
            502,
            b"<html><body><h1>502 Bad Gateway</h1>\n  <p>nginx</p></body></html>",
            "text/html",
            APIError,
            "<html><body><h1>502 Bad Gateway</h1> <p>nginx</p></body></html>",
        ),
        (503, b"", "text/plain", APIError, "an empty body"),
        (429, b"slow down", "text/plain", RateLimitError, "slow down"),
        # JSON is never quoted (it may hold a session); its size is.
        (400, b'{"not_error": 1}', "application/json", InvalidRequestError, "JSON body (16 bytes)"),
        (401, b"\xff\xfe not utf8", "text/plain", AuthenticationError, "not utf8"),
    ],
)
def test_non_json_error_bodies_still_give_typed_errors(
    wire: Wire,
    status: int,
    body: bytes,
    content_type: str,
    expected: type[StripeError],
    snippet: str,
) -> None:
    wire.answer(status, body, {"Content-Type": content_type, "Request-Id": "req_proxy"})

    with pytest.raises(StripeError) as info:
        wire.client().create({"customer": "cus_123"})

    err = info.value
    assert type(err) is expected
    assert err.http_status == status
    assert err.request_id == "req_proxy"
    assert err.headers["content-type"] == content_type
    assert snippet in err.message
    assert err.code is None


def test_long_html_error_is_cut_to_a_snippet(wire: Wire) -> None:
    wire.answer(502, b"<p>" + b"x" * 5000 + b"</p>", {"Content-Type": "text/html"})
    with pytest.raises(APIError) as info:
        wire.client().create({"customer": "cus_123"})
    assert len(info.value.message) < 400
    assert info.value.message.endswith("…")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b""])
def test_success_status_with_a_non_object_body_is_an_api_error(wire: Wire, body: bytes) -> None:
    wire.answer(200, body, {"Request-Id": "req_odd"})
    with pytest.raises(APIError) as info:
        wire.client().create({"customer": "cus_123"})
    assert info.value.http_status == 200
    assert info.value.request_id == "req_odd"


def test_success_with_the_wrong_shape_names_fields_not_values(wire: Wire) -> None:
    wire.answer(200, {"object": "billing_portal.session", "created": "yesterday"})
    with pytest.raises(APIError) as info:
        wire.client().create({"customer": "cus_123"})
    assert "billing_portal.session" in info.value.message
    assert "yesterday" not in info.value.message


def test_success_with_the_wrong_shape_keeps_status_request_id_and_headers(wire: Wire) -> None:
    ended: list[BaseException | None] = []

    class CallEnd:
        @hookimpl
        def after_call(self, error: BaseException | None) -> None:
            ended.append(error)

    wire.answer(200, {"id": 5}, {"Request-Id": "req_shape"})
    with pytest.raises(APIError) as info:
        wire.client(plugins=[CallEnd()]).create({"customer": "cus_123"})
    err = info.value
    assert (err.http_status, err.request_id) == (200, "req_shape")
    assert err.headers["request-id"] == "req_shape"
    assert "could not decode" in err.message
    assert err.json_body is None  # a session body holds the portal url
    assert ended == [err]  # plugins see the call fail, not succeed


def test_a_session_call_with_the_other_kind_of_client_says_which_to_use() -> None:
    sync_stub, async_stub = StubTransport(), AsyncStubTransport()
    with (
        Client(API_KEY, transport=sync_stub) as client,
        pytest.raises(ConfigurationError, match=r"Session.create\(client"),
    ):
        asyncio.run(Session.create_async(client, {"customer": "cus_123"}))  # type: ignore[arg-type]
    async_client = AsyncClient(API_KEY, transport=async_stub)
    with pytest.raises(ConfigurationError, match=r"await Session.create_async\(client"):
        Session.create(async_client, {"customer": "cus_123"})  # type: ignore[arg-type]
    sync_stub.assert_not_called()
    async_stub.assert_not_called()


def test_connection_refused_is_an_api_connection_error_with_cause() -> None:
    client = Client(API_KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with client, pytest.raises(APIConnectionError) as info:
        Session.create(client, {"customer": "cus_123"})
    err = info.value
    assert err.http_status is None
    assert err.__cause__ is not None
    assert f"could not reach Stripe at {client.base_url.split('//')[1]} (POST " in str(err)
    assert "(ConnectionRefusedError: [Errno 111] Connection refused)" in str(err)
    assert not UNMASKED_KEY.search(str(err))
    assert not UNMASKED_KEY.search(repr(err))


def test_a_timeout_is_an_api_connection_error(scripted: tuple[ScriptedApp, str]) -> None:
    app, url = scripted
    app.release.clear()  # the server holds its answer until released: no sleeping
    app.add(200, {"id": "bps_late"})
    client = Client(API_KEY, base_url=url, timeout=0.2, max_retries=0)
    try:
        with client, pytest.raises(APIConnectionError, match="timed out") as info:
            Session.create(client, {"customer": "cus_123"})
    finally:
        app.release.set()
    assert info.value.__cause__ is not None
    assert str(info.value).startswith(
        f"timed out after 0.2 s talking to Stripe at {url.split('//')[1]} "
        "(POST /v1/billing_portal/sessions): requests."
    )


def test_error_messages_are_redacted(wire: Wire) -> None:
    leaky = {
        "error": {
            "type": "invalid_request_error",
            "message": f"Invalid API Key provided: {API_KEY}; see "
            "https://billing.stripe.com/p/session/test_LEAK and Bearer abc.def",
        }
    }
    wire.answer(401, leaky)
    with pytest.raises(AuthenticationError) as info:
        wire.client().create({"customer": "cus_123"})
    for text in (str(info.value), repr(info.value), info.value.message):
        assert API_KEY not in text
        assert not UNMASKED_KEY.search(text)
        assert "test_LEAK" not in text
        assert "abc.def" not in text
    assert "sk_test_…" in info.value.message


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("8-character string", "an 8-character string"),
        ("11-character string", "an 11-character string"),
        ("18-character string", "an 18-character string"),
        ("80-digit number", "an 80-digit number"),
        ("800-character key", "an 800-character key"),
        ("11000-character key", "an 11000-character key"),
        ("1-character key", "a 1-character key"),
        ("10-character key", "a 10-character key"),
        ("110-character key", "a 110-character key"),
        ("180-character key", "a 180-character key"),
        ("AfterCompletion", "an AfterCompletion"),
        ("billing_portal.session", "a billing_portal.session"),
        ("user", "a user"),
        ("hour", "an hour"),
    ],
)
def test_messages_put_the_right_article_before_numbers_and_names(
    phrase: str, expected: str
) -> None:
    assert with_article(phrase) == expected


def test_messages_count_in_the_singular_and_the_plural() -> None:
    assert (count(1, "character"), count(0, "character")) == ("1 character", "0 characters")
    assert "; 1 character given)" in str(stripe_account_problem("x"))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (
            lambda: validate_create_params({"customer": "cus_1", "locale": "abcdefgh ijklmnopq"}),
            "got an 18-character string.",
        ),
        (
            lambda: validate_create_params({"customer": "cus_1", "weird ke": "x"}),
            "<an 8-character key> is not a parameter",
        ),
        (lambda: plain_params({"weird ke": b"x"}), "<an 8-character key> must be text"),
        (
            lambda: coerce_form_values(
                {"flow_data": {"subscription_update_confirm": {"items": [{"quantity": "9" * 80}]}}}
            ),
            "got an 80-digit number.",
        ),
        (
            lambda: structure_or_api_error({"type": 5}, AfterCompletion, "AfterCompletion"),
            "could not decode an AfterCompletion from Stripe's answer",
        ),
    ],
    ids=["enum", "unknown-key", "plain-path", "coerce-range", "decode"],
)
def test_every_message_that_counts_reads_right(make: Callable[[], object], says: str) -> None:
    with pytest.raises(LatticeError) as info:
        make()
    assert says in str(info.value)
