"""Secrets never leave the SDK: masking rules, and every place that formats user data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from lattice_core import (
    Client,
    ConfigurationError,
    InvalidParamsError,
    InvalidRequestError,
    LatticeError,
    Request,
    Response,
    hookimpl,
)
from lattice_core.billing_portal import FlowData, Session
from lattice_core.billing_portal.validation import validate_create_params
from lattice_core.builtin.redaction import mask, mask_value
from lattice_core.testing import StubTransport, json_response

from .conftest import (
    API_KEY,
    SESSION_JSON,
    UNMASKED_BEARER,
    UNMASKED_KEY,
    UNMASKED_PORTAL_URL,
    Wire,
    leaked_errors,
)

LIVE_KEY = "sk_" + "live_51HSecretTail0123456789wxyz"
PORTAL_TOKEN = "test_YWNjdF8xSecretPortalToken"


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("prefix_" + LIVE_KEY, "SecretTail", "prefix_sk_live_…wxyz"),
        ("key=" + LIVE_KEY + "&x=1", "SecretTail", "key=sk_live_…wxyz&x=1"),
        ("sk_test_abc-def.ghijklmnopqrstu", "ghijk", "sk_test_…"),
        ("rk_" + "test_tail\u200bHIDDENPART", "HIDDENPART", "rk_test_…"),
        ("sk_test_ab\x00HIDDENPART rest", "HIDDENPART", "sk_test_… rest"),
        ("Authorization: Basic c2tfdGVzdF9zZWNyZXQ6", "c2tf", "Authorization: Basic ***"),
        ("{'authorization': 'Token tok_HIDDEN', 'x': 1}", "HIDDEN", "'authorization': 'Token ***'"),
        ('{"Authorization":"c2tfSECRET"}', "SECRET", '{"Authorization":"***"}'),
        ("see http://billing.stripe.com/p/session/" + PORTAL_TOKEN, "Secret", "session/***"),
        (
            "return=https%3A%2F%2Fbilling.stripe.com%2Fp%2Fsession%2F" + PORTAL_TOKEN,
            "Secret",
            "https%3A%2F%2Fbilling.stripe.com%2Fp%2Fsession%2F***",
        ),
    ],
    ids=[
        "key-after-underscore",
        "key-in-query",
        "key-with-dash",
        "key-with-zero-width-space",
        "key-with-nul",
        "basic-auth",
        "token-auth-in-dict-repr",
        "schemeless-auth-in-json",
        "portal-url-over-http",
        "portal-url-encoded",
    ],
)
def test_mask_hides_every_spelling_of_a_secret_and_is_idempotent(
    text: str, secret: str, kept: str
) -> None:
    masked = mask(text)
    assert secret not in masked
    assert kept in masked
    assert mask(masked) == masked


@pytest.mark.parametrize("text", ["task_1 desk_lamp", "pass 'sk_...' or 'rk_...'", "a Basic plan"])
def test_mask_leaves_ordinary_words_alone(text: str) -> None:
    assert mask(text) == text


def test_mask_value_hides_any_authorization_scheme_and_flow_values_in_mappings() -> None:
    headers = {"authorization": "Basic c2tfSECRET", "Stripe-Version": "2026-10-28.endive"}
    params = {"customer": "cus_1", "flow_data": {"after_completion": {"type": "redirect"}}}
    assert mask_value(headers) == {"authorization": "***", "Stripe-Version": "2026-10-28.endive"}
    assert mask_value(params) == {"customer": "cus_1", "flow_data": "***"}


@pytest.mark.parametrize(
    "key",
    [
        "sk_test_abc-def.ghijklmnopqrstu",
        "sk_test_51Abc\u00e9SECRETTAIL",
        "sk_test_51Abc\x00SECRETTAIL",
        "rk_test_51Abc\u200bSECRETTAIL",
        "sk_",
        "rk_",
        "sk_test_",
        "sk_1234",
    ],
    ids=[
        "dash-and-dot",
        "non-ascii",
        "nul",
        "zero-width-space",
        "bare-sk",
        "bare-rk",
        "no-body",
        "short",
    ],
)
def test_keys_of_the_wrong_shape_are_refused_without_echoing_them(key: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(key, transport=StubTransport())
    message = str(info.value)
    assert not key[3:] or key[3:] not in message
    assert "SECRETTAIL" not in message
    invisible = any(char in key for char in "\x00\u200b")
    says = "holds an invisible character" if invisible else "'sk_' or 'rk_' followed by at least 8"
    assert says in message
    assert "dashboard.stripe.com/apikeys" in message


@pytest.mark.parametrize("key", ["sk_test_123", "rk_" + "live_51Abc_defGHI"])
def test_keys_of_the_right_shape_are_accepted_and_masked_in_repr(key: str) -> None:
    with Client(key, transport=StubTransport()) as client:
        text = repr(client)
    assert key not in text
    assert key[:3] + key[3:].split("_")[0] in text


SECRETS = {
    "key": "sk_test_51SECRETabcdefghijklmnop",
    "portal-url": "https://billing.stripe.com/p/session/" + PORTAL_TOKEN,
    "url-with-token": "https://example.com/back?token=SECRETabc",
}
_FLOW = {"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_1"}}
MISTAKES = {
    "enum-locale": lambda secret: {"locale": secret},
    "enum-flow-type": lambda secret: {"flow_data": {"type": secret}},
    "enum-after-completion-type": lambda secret: {
        "flow_data": {**_FLOW, "after_completion": {"type": secret}}
    },
    "unknown-top-level-key": lambda secret: {secret: "x"},
    "unknown-nested-key": lambda secret: {"flow_data": {**_FLOW, secret: "x"}},
}


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_invalid_params_messages_never_echo_a_secret(
    mistake: Callable[[str], dict[str, Any]], secret: str
) -> None:
    stub = StubTransport()
    with Client(API_KEY, transport=stub) as client, pytest.raises(InvalidParamsError) as info:
        Session.create(client, {"customer": "cus_1", **mistake(secret)})
    error = info.value
    for text in (str(error), repr(error), str(error.param)):
        assert "SECRET" not in text
    assert error.reason in ("enum", "unknown")
    assert stub.requests == []


def test_invalid_params_messages_still_quote_a_plain_wrong_token() -> None:
    with pytest.raises(InvalidParamsError, match=r"got 'xx'\.$"):
        validate_create_params({"customer": "cus_1", "locale": "xx"})
    with pytest.raises(InvalidParamsError, match=r"^flow_date is not a parameter") as info:
        validate_create_params({"customer": "cus_1", "flow_date": {}})
    assert info.value.param == "flow_date"


FLOW_WITH_SECRETS: dict[str, Any] = {
    "type": "subscription_update_confirm",
    "after_completion": {
        "type": "redirect",
        "redirect": {"return_url": "https://e.com/?t=SECRET1", "later": "SECRET2"},
        "hosted_confirmation": {"custom_message": "SECRET3"},
    },
    "subscription_cancel": {
        "subscription": "sub_SECRET4",
        "retention": {"type": "coupon_offer", "coupon_offer": {"coupon": "SECRET5"}},
    },
    "subscription_update": {"subscription": "sub_SECRET6"},
    "subscription_update_confirm": {
        "subscription": "sub_SECRET7",
        "items": [{"id": "si_SECRET8", "price": "price_SECRET9", "quantity": 31337}],
        "discounts": [{"coupon": "SECRET10", "promotion_code": "SECRET11"}],
    },
    "subscription_pause": {"subscription": "sub_SECRET12"},
    "customer_update": {"newer": "SECRET13"},
    "newer_setting": {"nested": "SECRET14"},
}


def _models(node: object) -> list[object]:
    """``node`` and every flow model inside it."""
    found = [node]
    for field in attrs.fields(type(node)):  # type: ignore[misc]
        value = getattr(node, field.name)
        for item in value if isinstance(value, list) else [value]:
            if attrs.has(type(item)):
                found += _models(item)
    return found


def test_no_flow_value_is_reachable_through_repr_of_any_flow_model() -> None:
    flow = FlowData.from_dict(FLOW_WITH_SECRETS)
    assert flow is not None
    models = _models(flow)
    assert len(models) == 13  # every flow model class but the after_expiration ones
    for model in models:
        text = repr(model)
        assert "SECRET" not in text, type(model).__name__
        assert "31337" not in text
    assert "type='subscription_update_confirm'" in repr(flow)
    assert "AfterCompletion(type='redirect'" in repr(flow)
    assert "'newer_setting': '***'" in repr(flow)
    assert flow.after_completion is not None
    assert flow.after_completion.redirect is not None
    assert flow.after_completion.redirect.return_url == "https://e.com/?t=SECRET1"
    assert flow.to_dict() == FLOW_WITH_SECRETS


def test_a_type_that_is_not_an_enum_value_is_masked_in_repr() -> None:
    text = repr(FlowData(type=SECRETS["key"]))
    assert "SECRET" not in text
    assert "abcdefghijklmnop" not in text


def test_session_repr_masks_flow_and_extra_values_and_to_dict_shows_everything() -> None:
    data = {**SESSION_JSON, "flow": FLOW_WITH_SECRETS, "newer_field": {"token": "SECRET15"}}
    session = Session.from_dict(data)
    assert session is not None
    text = repr(session)
    assert "SECRET" not in text
    assert "extra={'newer_field': '***'}" in text
    assert "flow='***'" in text
    assert session.extra == {"newer_field": {"token": "SECRET15"}}
    assert session.to_dict() == {**data, "after_expiration": None}


class MaskIdempotencyKeys:
    """A user's rule: these idempotency keys embed a customer's email."""

    @hookimpl
    def redact(self, text: str) -> str:
        return text.replace("jane@example.com", "[email]")


def test_structured_log_fields_go_through_every_redact_rule(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    stub = StubTransport(json_response(200, SESSION_JSON))
    idempotency_key = "portal-jane@example.com-" + SECRETS["key"]
    with Client(API_KEY, transport=stub, plugins=[MaskIdempotencyKeys()]) as client:
        Session.create(client, {"customer": "cus_1"}, idempotency_key=idempotency_key)
    records = [r for r in no_secret_in_logs if r.name == "lattice"]
    assert [r.levelname for r in records] == ["DEBUG", "INFO"]
    for record in records:
        fields = record.lattice  # type: ignore[attr-defined]
        assert fields["idempotency_key"] == "portal-[email]-sk_test_…mnop"
        assert fields["method"] == "POST"
        assert "jane@example.com" not in record.getMessage()
    assert stub.last_request.headers["Idempotency-Key"] == idempotency_key


def _sent_once(params: dict[str, Any]) -> StubTransport:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub) as client:
        Session.create(client, params, stripe_account="acct_1")
    return stub


def test_stub_assertion_messages_mask_params_and_name_where_they_differ() -> None:
    flow = {"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_SECRET"}}
    stub = _sent_once({"customer": "cus_1", "flow_data": flow, "locale": "en"})
    wanted = {
        "customer": "cus_1",
        "flow_data": {**flow, "subscription_cancel": {"subscription": "sub_OTHERSECRET"}},
        "locale": "en",
    }
    with pytest.raises(AssertionError) as info:
        stub.assert_called_once_with(params=wanted)
    message = str(info.value)
    assert "SECRET" not in message
    assert message.startswith("params differ at flow_data[subscription_cancel][subscription]:")
    assert "'locale': 'en'" in message


def test_stub_assertion_messages_mask_headers_and_urls() -> None:
    stub = _sent_once({"customer": "cus_1"})
    with pytest.raises(AssertionError) as info:
        stub.assert_called_once_with(authorization="Bearer " + SECRETS["key"])
    assert str(info.value).startswith(
        "header Authorization: the value sent differs from the one expected (both masked"
    )
    assert SECRETS["key"][8:] not in str(info.value)
    with pytest.raises(AssertionError) as info:
        stub.assert_called_once_with(stripe_account=SECRETS["key"])
    assert str(info.value) == "header Stripe-Account: expected 'sk_test_…mnop', got 'acct_1'"
    with pytest.raises(AssertionError) as info:
        stub.assert_called_once_with(path=SECRETS["portal-url"])
    assert str(info.value) == (
        "expected a request to https://billing.stripe.com/p/session/***, "
        "got https://api.stripe.com/v1/billing_portal/sessions"
    )


def test_the_error_guard_sees_errors_a_test_catches(no_key_in_errors: list[LatticeError]) -> None:
    error = InvalidParamsError("pasted")
    error.message = f"pasted {API_KEY}"  # made masked; a careless plugin may change it
    with pytest.raises(InvalidParamsError):
        raise error
    ConfigurationError(f"made, never raised: {mask(API_KEY)}")
    assert leaked_errors(no_key_in_errors) == ["InvalidParamsError"]
    no_key_in_errors.clear()  # this test's leak was on purpose


def test_a_param_stripe_echoes_back_is_redacted() -> None:
    # Stripe's ``param`` names a field, but a proxy or a future error may echo a value there.
    url = "https://billing.stripe.com/p/session/" + PORTAL_TOKEN
    error = {"error": {"type": "invalid_request_error", "message": "bad", "param": url}}
    stub = StubTransport(json_response(400, error))
    with Client(API_KEY, transport=stub) as client, pytest.raises(InvalidRequestError) as info:
        Session.create(client, {"customer": "cus_1"})
    assert info.value.param is not None
    assert PORTAL_TOKEN not in info.value.param
    assert PORTAL_TOKEN not in repr(info.value)


def test_an_unknown_disable_plugins_name_is_masked_in_the_warning() -> None:
    from lattice_core import plugins

    plugins._warn_unknown_disabled.cache_clear()
    with pytest.warns(UserWarning, match="names no installed plugin") as caught:
        Client(API_KEY, transport=StubTransport(), disable_plugins=[LIVE_KEY]).close()
    assert "SecretTail" not in str(caught[0].message)


class _Keeps:
    """A plugin that keeps what every hook is handed, as a careless logging plugin might."""

    def __init__(self) -> None:
        self.seen: list[object] = []

    @hookimpl
    def before_request(self, request: Request) -> None:
        self.seen.append(request)

    @hookimpl
    def after_response(self, request: Request, response: Response | None) -> None:
        self.seen.extend([request, response])

    @hookimpl
    def after_call(self, request: Request, response: Response | None) -> None:
        self.seen.extend([request, response])


def test_repr_of_everything_a_plugin_or_a_test_holds_hides_the_secrets(wire: Wire) -> None:
    keeps = _Keeps()
    wire.answer(200, SESSION_JSON)
    caller = wire.client(plugins=[keeps])
    session = caller.create({"customer": "cus_1"})
    held: list[object] = [
        *keeps.seen,
        caller.client,
        session,
        session.flow,
        getattr(caller.client, "_transport", None),
    ]
    assert any(isinstance(item, Request) for item in held)
    assert any(isinstance(item, Response) for item in held)
    patterns = (UNMASKED_KEY, UNMASKED_BEARER, UNMASKED_PORTAL_URL)
    # Only the names of the leaking objects, so a failure never prints the secret itself.
    leaking = [type(item).__name__ for item in held if any(p.search(repr(item)) for p in patterns)]
    assert leaking == []


def _failing_requests_transport(exc: BaseException) -> Any:
    import requests

    from lattice_transport_requests import RequestsTransport

    class Failing(requests.Session):
        def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
            raise exc

    return RequestsTransport(session=Failing())


def _failing_aiohttp_transport(exc: BaseException) -> Any:
    from lattice_transport_aiohttp import AiohttpTransport

    class Failing(AiohttpTransport):
        def _get_session(self) -> Any:
            return self

        async def request(self, *args: object, **kwargs: object) -> None:
            raise exc

    return Failing()


def _connection_failure(kind: str, wrapped: bool) -> BaseException:
    """A library exception whose text (or whose cause's text) carries every kind of secret."""
    leaky = (
        f"reset at https://billing.stripe.com/p/session/{PORTAL_TOKEN} with Bearer {LIVE_KEY} "
        "and url: /v1/customers?email=SECRETQUERY"
    )
    if kind == "requests":
        import requests

        outer: BaseException = requests.ConnectionError("pool failed" if wrapped else leaky)
    else:
        import aiohttp

        outer = aiohttp.ClientConnectionError("session failed" if wrapped else leaky)
    if wrapped:
        outer.__cause__ = ConnectionResetError(104, leaky)
    return outer


@pytest.mark.parametrize("wrapped", [False, True], ids=["own-text", "cause-text"])
@pytest.mark.parametrize("kind", ["requests", "aiohttp"])
def test_a_connection_error_names_its_cause_with_every_secret_masked(
    kind: str, wrapped: bool
) -> None:
    import asyncio

    from lattice_core import APIConnectionError, AsyncClient

    failure = _connection_failure(kind, wrapped)

    def sync_create() -> None:
        transport = _failing_requests_transport(failure)
        with Client(API_KEY, transport=transport, max_retries=0) as client:
            Session.create(client, {"customer": "cus_1"})

    async def async_create() -> None:
        transport = _failing_aiohttp_transport(failure)
        async with AsyncClient(API_KEY, transport=transport, max_retries=0) as client:
            await Session.create_async(client, {"customer": "cus_1"})

    create = sync_create if kind == "requests" else lambda: asyncio.run(async_create())
    with pytest.raises(APIConnectionError) as info:
        create()
    error = info.value
    for text in (str(error), repr(error), error.message, str(error.__cause__)):
        assert "SecretTail" not in text
        assert "SecretPortalToken" not in text
        assert not UNMASKED_KEY.search(text)
        assert not UNMASKED_PORTAL_URL.search(text)
    message = str(error)
    assert "SECRETQUERY" not in message  # a URL's query never reaches the message
    # A reset connection had been made, so the call may have landed; a bare error says less.
    assert message.startswith(
        "the connection to Stripe at api.stripe.com:443 closed before an answer "
        "(POST /v1/billing_portal/sessions): "
        if wrapped
        else "could not reach Stripe at api.stripe.com:443 (POST /v1/billing_portal/sessions): "
    )
    library = "requests.ConnectionError" if kind == "requests" else "aiohttp.ClientConnectionError"
    cause = " (ConnectionResetError: [Errno 104] reset" if wrapped else ": reset"
    assert f"{library}{cause} at https://billing.stripe.com/p/session/***" in message
    assert "Bearer ***" in message


@pytest.mark.parametrize(
    "text",
    [
        "https://billing.stripe.com/p/login/test_LoginSecret123",
        "https://portal.example.org:8443/p/login/test_LoginSecret123?x=1",
        "https%3A%2F%2Fbilling.stripe.com%2Fp%2Flogin%2Ftest_LoginSecret123",
        '{"url": "https:\\/\\/billing.stripe.com\\/p\\/login\\/test_LoginSecret123"}',
    ],
)
def test_a_configurations_login_page_url_is_masked_like_a_session_url(text: str) -> None:
    # A configuration's login_page.url takes any customer with an email to their portal.
    masked = mask(text)
    assert "LoginSecret123" not in masked
    assert mask(masked) == masked
