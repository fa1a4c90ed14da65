"""Deep-link flows: models, pre-flight validators, encoding of models, plugin flow types."""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest

from lattice_core import Client, InvalidParamsError, hookimpl
from lattice_core.billing_portal import (
    AfterCompletion,
    CouponOffer,
    CustomerUpdate,
    FlowData,
    FlowType,
    Redirect,
    Retention,
    Session,
    SubscriptionCancel,
    SubscriptionUpdateConfirm,
    SubscriptionUpdateConfirmItem,
)
from lattice_core.billing_portal.rules import BUILTIN_FLOW_TYPES, obj, string
from lattice_core.billing_portal.validation import validate_create_params
from lattice_core.encoding import encode_form
from lattice_core.testing import FakeStripe, LoopbackServer, StubTransport, json_response

from .conftest import API_KEY, SESSION_JSON, SHARED

# -- the seed's examples, end to end over real HTTP against the fake -----------------------


@pytest.fixture
def fake_client() -> Iterator[tuple[FakeStripe, Client]]:
    fake = FakeStripe()
    with LoopbackServer(fake) as server, Client(API_KEY, base_url=server.url) as client:
        yield fake, client


def test_basic_session(fake_client: tuple[FakeStripe, Client]) -> None:
    fake, client = fake_client
    session = Session.create(
        client, {"customer": "cus_1", "return_url": "https://example.com/account"}
    )
    assert session.flow is None
    assert session.return_url == "https://example.com/account"
    assert fake.requests[0][3] == {"customer": "cus_1", "return_url": "https://example.com/account"}


def test_subscription_cancel_flow(fake_client: tuple[FakeStripe, Client]) -> None:
    fake, client = fake_client
    session = Session.create(
        client,
        {
            "customer": "cus_1",
            "flow_data": {
                "type": "subscription_cancel",
                "subscription_cancel": {
                    "subscription": "sub_1",
                    "retention": {"type": "coupon_offer", "coupon_offer": {"coupon": "STAY20"}},
                },
                "after_completion": {
                    "type": "redirect",
                    "redirect": {"return_url": "https://example.com/bye"},
                },
            },
        },
    )
    flow = session.flow
    assert flow is not None
    assert flow.type == "subscription_cancel"
    assert flow.subscription_cancel is not None
    assert flow.subscription_cancel.subscription == "sub_1"
    assert flow.subscription_cancel.retention == Retention(
        type="coupon_offer", coupon_offer=CouponOffer(coupon="STAY20")
    )
    assert flow.after_completion == AfterCompletion(
        type="redirect", redirect=Redirect(return_url="https://example.com/bye")
    )
    assert fake.requests[0][3]["flow_data"]["subscription_cancel"]["subscription"] == "sub_1"


def test_payment_method_update_flow(fake_client: tuple[FakeStripe, Client]) -> None:
    _, client = fake_client
    session = Session.create(
        client, {"customer": "cus_1", "flow_data": {"type": "payment_method_update"}}
    )
    assert session.flow is not None
    assert session.flow.type == "payment_method_update"
    assert session.flow.after_completion is not None
    assert session.flow.after_completion.type == "portal_homepage"


def test_connect_session_via_stripe_account(fake_client: tuple[FakeStripe, Client]) -> None:
    fake, client = fake_client
    Session.create(client, {"customer": "cus_1"}, stripe_account="acct_connected")
    assert fake.requests[0][2]["stripe-account"] == "acct_connected"


# -- pre-flight: each case fails with the full path, and nothing is sent --------------------

BASE = {"customer": "cus_1"}


def _with_flow(flow_data: Any) -> dict[str, Any]:
    return {**BASE, "flow_data": flow_data}


BAD_FLOWS = [
    # (flow_data, param path, reason, words the message must contain)
    ({}, "flow_data.type", "required", "is required"),
    ({"type": "subscription_cancle"}, "flow_data.type", "enum", "'subscription_update_confirm'"),
    ({"type": 3}, "flow_data.type", "type", "not int"),
    (
        {"type": "subscription_cancel"},
        "flow_data.subscription_cancel",
        "requires",
        "when flow_data.type is 'subscription_cancel'",
    ),
    (
        {"type": "subscription_cancel", "subscription_cancel": {}},
        "flow_data.subscription_cancel.subscription",
        "required",
        "'sub_123'",
    ),
    (
        {"type": "subscription_update"},
        "flow_data.subscription_update",
        "requires",
        '{"subscription": "sub_..."}',
    ),
    (
        {"type": "subscription_update", "subscription_update": {"subscription": 7}},
        "flow_data.subscription_update.subscription",
        "type",
        "not int",
    ),
    ({"type": "subscription_pause"}, "flow_data.subscription_pause", "requires", "sub_"),
    (
        {"type": "subscription_update_confirm"},
        "flow_data.subscription_update_confirm",
        "requires",
        "items",
    ),
    (
        {"type": "subscription_update_confirm", "subscription_update_confirm": {"items": []}},
        "flow_data.subscription_update_confirm.items",
        "non_empty",
        'must be a non-empty list of {"id": ..., "price"/"quantity": ...}',
    ),
    (
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {"subscription": "sub_1"},
        },
        "flow_data.subscription_update_confirm.items",
        "required",
        'a non-empty list of {"id": ..., "price"/"quantity": ...}',
    ),
    (
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {"subscription": "sub_1", "items": [{"price": "p"}]},
        },
        "flow_data.subscription_update_confirm.items[0].id",
        "required",
        "si_",
    ),
    (
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": "sub_1",
                "items": [{"id": "si_1", "quantity": "2"}],
            },
        },
        "flow_data.subscription_update_confirm.items[0].quantity",
        "type",
        "an integer quantity, not str",
    ),
    (
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {"subscription": "sub_1", "items": ["si_1"]},
        },
        "flow_data.subscription_update_confirm.items[0]",
        "type",
        "not str",
    ),
    (
        {"type": "payment_method_update", "after_completion": {"type": "redirect"}},
        "flow_data.after_completion.redirect",
        "requires",
        "when flow_data.after_completion.type is 'redirect'",
    ),
    (
        {
            "type": "payment_method_update",
            "after_completion": {"type": "redirect", "redirect": {"return_url": "/relative"}},
        },
        "flow_data.after_completion.redirect.return_url",
        "url",
        "absolute URL",
    ),
    (
        {"type": "payment_method_update", "after_completion": {"type": "popup"}},
        "flow_data.after_completion.type",
        "enum",
        "'hosted_confirmation', 'portal_homepage', 'redirect'",
    ),
    (
        {
            "type": "payment_method_update",
            "after_completion": {
                "type": "hosted_confirmation",
                "hosted_confirmation": {"custom_message": "x" * 501},
            },
        },
        "flow_data.after_completion.hosted_confirmation.custom_message",
        "max_length",
        "at most 500 characters, got 501",
    ),
    (
        {
            "type": "subscription_cancel",
            "subscription_cancel": {"subscription": "sub_1", "retention": {"type": "coupon_offer"}},
        },
        "flow_data.subscription_cancel.retention.coupon_offer",
        "required",
        '{"coupon": "<coupon id>"}',
    ),
    (
        {"type": "payment_method_update", "subscription_cancle": {}},
        "flow_data.subscription_cancle",
        "unknown",
        "Did you mean 'subscription_cancel'?",
    ),
    ("payment_method_update", "flow_data", "type", "must be a mapping, not str"),
    (
        {"type": "payment_method_update", "payment_method_update": {"x": "1"}},
        "flow_data.payment_method_update.x",
        "unknown",
        "flow_data.payment_method_update takes no settings; pass {} or leave it out.",
    ),
    (
        {"type": "subscription_cancle"},
        "flow_data.type",
        "enum",
        "Did you mean 'subscription_cancel'?",
    ),
    (
        {"type": "customer_update", "after_completion": {"type": "redirct"}},
        "flow_data.after_completion.type",
        "enum",
        "Did you mean 'redirect'?",
    ),
]


@pytest.mark.parametrize(
    ("locale", "meant"),
    [("en_GB", "en-GB"), ("EN-gb", "en-GB"), ("en-US", "en"), ("pt_br", "pt-BR"), ("frr", "fr")],
)
def test_an_unlisted_locale_gets_the_listed_one_it_was_probably_meant_as(
    locale: str, meant: str
) -> None:
    with pytest.raises(InvalidParamsError, match=f"Did you mean '{meant}'") as info:
        validate_create_params({"customer": "cus_1", "locale": locale})
    assert info.value.param == "locale"


def test_no_enum_suggestion_for_a_value_that_is_not_quoted() -> None:
    secret = "sk_test_" + "q" * 30
    with pytest.raises(InvalidParamsError) as info:
        validate_create_params({"customer": "cus_1", "locale": secret})
    assert "Did you mean" not in str(info.value)
    assert secret not in str(info.value)


@pytest.mark.parametrize(("flow_data", "path", "reason", "words"), BAD_FLOWS)
def test_bad_flow_data_fails_before_any_request(
    flow_data: Any, path: str, reason: str, words: str
) -> None:
    stub = StubTransport()
    with (
        Client(API_KEY, transport=stub) as client,
        pytest.raises(InvalidParamsError) as info,
    ):
        Session.create(client, _with_flow(flow_data))
    err = info.value
    assert (err.param, err.reason) == (path, reason)
    assert str(err).startswith(path)
    assert words in str(err)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("params", "path", "reason"),
    [
        ({**BASE, "locale": "xx"}, "locale", "enum"),
        ({**BASE, "locale": ""}, "locale", "enum"),
        ({**BASE, "return_url": "example.com/account"}, "return_url", "url"),
        ({**BASE, "return_url": "ftp://example.com"}, "return_url", "url"),
        ({**BASE, "return_url": "https://example.com/a b"}, "return_url", "url"),
        ({**BASE, "return_url": "https://example.com/\r\nSet-Cookie: x"}, "return_url", "url"),
        ({**BASE, "return_url": "https://example.com/\ud800"}, "return_url", "type"),
        ({"customer": "cus_\udc80"}, "customer", "type"),
        ({**BASE, "return_url": 5}, "return_url", "type"),
        ({**BASE, "configuration": "b" * 5001}, "configuration", "max_length"),
        ({**BASE, "expand": "flow"}, "expand", "type"),
        ({**BASE, "expand": ["flow", 1]}, "expand[1]", "type"),
        ({**BASE, "flow_date": {}}, "flow_date", "unknown"),
        ({**BASE, "after_expiration": {}}, "after_expiration.type", "required"),
        (
            {
                **BASE,
                "after_expiration": {
                    "type": "customer_login",
                    "customer_login": {"expires_at": "1"},
                },
            },
            "after_expiration.customer_login.expires_at",
            "type",
        ),
        (
            {
                **BASE,
                "after_expiration": {
                    "type": "customer_login",
                    "customer_login": {"expires_at": True},
                },
            },
            "after_expiration.customer_login.expires_at",
            "type",
        ),
    ],
)
def test_bad_top_level_params_fail_before_any_request(
    params: dict[str, Any], path: str, reason: str
) -> None:
    stub = StubTransport()
    with Client(API_KEY, transport=stub) as client, pytest.raises(InvalidParamsError) as info:
        Session.create(client, params)
    assert (info.value.param, info.value.reason) == (path, reason)
    assert stub.requests == []


def test_unknown_param_message_suggests_the_right_name() -> None:
    with (
        Client(API_KEY, transport=StubTransport()) as client,
        pytest.raises(InvalidParamsError, match="Did you mean 'flow_data'") as info,
    ):
        Session.create(client, {**BASE, "flow_date": {"type": "x"}})
    assert "known here: after_expiration, configuration, customer" in str(info.value)


_CONFIRM = {"subscription": "sub_1", "items": [{"id": "si_1"}]}


@pytest.mark.parametrize(
    ("params", "param", "hint"),
    [
        # A key misplaced: the place it belongs, the one the flow's type chose.
        (
            _with_flow({"type": "subscription_cancel", "subscription": "sub_1"}),
            "flow_data.subscription",
            "Did you mean 'flow_data.subscription_cancel.subscription'? "
            "'subscription' goes there, not in flow_data.",
        ),
        (
            _with_flow({"type": "subscription_pause", "subscription": "sub_1"}),
            "flow_data.subscription",
            "Did you mean 'flow_data.subscription_pause.subscription'?",
        ),
        # A type given elsewhere in the params still chooses the place.
        (
            {**BASE, "subscription": "sub_1", "flow_data": {"type": "subscription_update"}},
            "subscription",
            "Did you mean 'flow_data.subscription_update.subscription'? "
            "'subscription' goes there, not at the top level.",
        ),
        # No type to choose by: every place, in the table's order.
        (
            _with_flow({"subscription": "sub_1"}),
            "flow_data.subscription",
            "Did you mean 'flow_data.subscription_cancel.subscription', "
            "'flow_data.subscription_pause.subscription', "
            "'flow_data.subscription_update.subscription' or "
            "'flow_data.subscription_update_confirm.subscription'? "
            "'subscription' goes in one of those, not in flow_data.",
        ),
        (
            {**BASE, "type": "customer_update"},
            "type",
            "Did you mean 'flow_data.type' or 'after_expiration.type'?",
        ),
        # Deeper, and through lists.
        (
            _with_flow({"type": "customer_update", "return_url": "https://example.com"}),
            "flow_data.return_url",
            "Did you mean 'flow_data.after_completion.redirect.return_url'?",
        ),
        (
            {**BASE, "quantity": 2},
            "quantity",
            "Did you mean 'flow_data.subscription_update_confirm.items[i].quantity'?",
        ),
        (
            _with_flow(
                {
                    "type": "subscription_update_confirm",
                    "subscription_update_confirm": {
                        **_CONFIRM,
                        "items": [{"id": "si_1", "coupon": "c_1"}],
                    },
                }
            ),
            "flow_data.subscription_update_confirm.items[0].coupon",
            "Did you mean 'flow_data.subscription_update_confirm.discounts[i].coupon'? 'coupon' "
            "goes there, not in flow_data.subscription_update_confirm.items[0].",
        ),
        (
            _with_flow({"type": "customer_update", "customer": "cus_1"}),
            "flow_data.customer",
            "Did you mean 'customer'? 'customer' goes there, not in flow_data.",
        ),
        # Misspelled: the nearest name, a neighbour's first.
        ({**BASE, "retrun_url": "https://example.com"}, "retrun_url", "Did you mean 'return_url'?"),
        ({**BASE, "flow_dat": {}}, "flow_dat", "Did you mean 'flow_data'?"),
        ({**BASE, "locael": "en"}, "locael", "Did you mean 'locale'?"),
        # Misspelled and misplaced.
        (
            _with_flow({"type": "subscription_cancel", "subscripton": "sub_1"}),
            "flow_data.subscripton",
            "Did you mean 'flow_data.subscription_cancel.subscription'?",
        ),
    ],
)
def test_did_you_mean_points_to_where_an_unknown_key_belongs(
    params: dict[str, Any], param: str, hint: str
) -> None:
    with pytest.raises(InvalidParamsError) as info:
        validate_create_params(params)
    assert (info.value.param, info.value.reason) == (param, "unknown")
    assert f"). {hint}" in str(info.value)


def test_an_unknown_key_like_no_parameter_gets_no_guess() -> None:
    with pytest.raises(InvalidParamsError) as info:
        validate_create_params({**BASE, "zzzqqq": 1})
    assert "Did you mean" not in str(info.value)


def test_messages_never_echo_ids_or_urls() -> None:
    secret_url = "nothttps://billing.example/SECRETPATH"
    after = {"type": "redirect", "redirect": {"return_url": secret_url}}
    with (
        Client(API_KEY, transport=StubTransport()) as client,
        pytest.raises(InvalidParamsError) as info,
    ):
        Session.create(
            client, _with_flow({"type": "payment_method_update", "after_completion": after})
        )
    assert "SECRETPATH" not in str(info.value)


GOOD_FLOWS: list[dict[str, Any]] = [
    {"type": "customer_update"},
    {"type": "payment_method_update"},
    {"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_1"}},
    {"type": "subscription_pause", "subscription_pause": {"subscription": "sub_1"}},
    {"type": "subscription_update", "subscription_update": {"subscription": "sub_1"}},
    {
        "type": "subscription_update_confirm",
        "subscription_update_confirm": {
            "subscription": "sub_1",
            "items": [{"id": "si_1", "price": "price_1", "quantity": 2}],
            "discounts": [{"coupon": "C"}, {"promotion_code": "promo_1"}],
        },
        "after_completion": {
            "type": "hosted_confirmation",
            "hosted_confirmation": {"custom_message": "x" * 500},
        },
    },
]


@pytest.mark.parametrize("flow_data", GOOD_FLOWS, ids=lambda f: f["type"])
def test_every_flow_type_is_sent_as_given(flow_data: dict[str, Any]) -> None:
    fake = FakeStripe()
    stub = StubTransport.from_app(fake)
    with Client(API_KEY, transport=stub) as client:
        session = Session.create(client, _with_flow(flow_data))
    assert stub.params(stub.requests[0])["flow_data"]["type"] == flow_data["type"]
    assert session.flow is not None
    assert session.flow.type == flow_data["type"]


def test_after_expiration_with_a_datetime_is_sent_as_unix_seconds() -> None:
    stub = StubTransport.from_app(FakeStripe())
    moment = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
    params = {
        **BASE,
        "after_expiration": {"type": "customer_login", "customer_login": {"expires_at": moment}},
    }
    with Client(API_KEY, transport=stub) as client:
        Session.create(client, params)
    assert b"after_expiration[customer_login][expires_at]=1796083200" in stub.requests[0].content


# -- models inside params encode exactly as the equivalent dicts ----------------------------


def test_models_encode_exactly_as_dicts() -> None:
    as_models = {
        **BASE,
        "flow_data": FlowData(
            type="subscription_update_confirm",
            subscription_update_confirm=SubscriptionUpdateConfirm(
                subscription="sub_1",
                items=[SubscriptionUpdateConfirmItem(id="si_1", quantity=3)],
            ),
            after_completion=AfterCompletion(
                type="redirect", redirect=Redirect(return_url="https://example.com/done")
            ),
        ),
    }
    as_dicts = {
        **BASE,
        "flow_data": {
            "type": "subscription_update_confirm",
            "after_completion": {
                "type": "redirect",
                "redirect": {"return_url": "https://example.com/done"},
            },
            "subscription_update_confirm": {
                "subscription": "sub_1",
                "items": [{"id": "si_1", "quantity": 3}],
            },
        },
    }
    stubs = [StubTransport.from_app(FakeStripe()) for _ in range(2)]
    for stub, params in zip(stubs, (as_models, as_dicts), strict=True):
        with Client(API_KEY, transport=stub) as client:
            Session.create(client, params)
    assert stubs[0].requests[0].content == stubs[1].requests[0].content


def test_nested_models_inside_dicts_are_accepted_and_validated() -> None:
    stub = StubTransport.from_app(FakeStripe())
    cancel = {"type": "subscription_cancel", "subscription_cancel": SubscriptionCancel("sub_9")}
    with Client(API_KEY, transport=stub) as client:
        Session.create(client, _with_flow(cancel))
        with pytest.raises(InvalidParamsError) as missing:
            Session.create(client, _with_flow(FlowData(type="subscription_cancel")))
        with pytest.raises(InvalidParamsError) as empty:
            Session.create(
                client, _with_flow({**cancel, "subscription_cancel": SubscriptionCancel("")})
            )
    assert missing.value.param == "flow_data.subscription_cancel"
    assert empty.value.param == "flow_data.subscription_cancel.subscription"
    assert b"flow_data[subscription_cancel][subscription]=sub_9" in stub.requests[0].content
    assert len(stub.requests) == 1


def test_a_flow_data_model_round_trips_through_encoding() -> None:
    flow = FlowData(
        type="subscription_cancel",
        subscription_cancel=SubscriptionCancel(
            subscription="sub_1",
            retention=Retention(type="coupon_offer", coupon_offer=CouponOffer(coupon="C")),
        ),
    )
    assert encode_form({"flow_data": flow.to_dict()}) == (
        b"flow_data[type]=subscription_cancel"
        b"&flow_data[subscription_cancel][subscription]=sub_1"
        b"&flow_data[subscription_cancel][retention][type]=coupon_offer"
        b"&flow_data[subscription_cancel][retention][coupon_offer][coupon]=C"
    )


# -- a plugin teaches the validator a newer flow type ---------------------------------------


class ResumeFlow:
    """What a user writes when Stripe ships a flow type after our pinned version."""

    @hookimpl
    def register_flow_types(self, register: Any) -> None:
        register(
            FlowType(
                "subscription_resume",
                obj({"subscription": string(required=True, what="the subscription id")}),
            )
        )


def test_plugin_registered_flow_type_is_validated_and_sent() -> None:
    resume = FlowType("subscription_resume", obj({"subscription": string(required=True)}))
    stub = StubTransport.from_app(FakeStripe(flow_types=(*BUILTIN_FLOW_TYPES, resume)))
    with Client(API_KEY, transport=stub, plugins=[ResumeFlow()]) as client:
        with pytest.raises(InvalidParamsError) as info:
            Session.create(client, _with_flow({"type": "subscription_resume"}))
        assert info.value.param == "flow_data.subscription_resume"
        Session.create(
            client,
            _with_flow(
                {"type": "subscription_resume", "subscription_resume": {"subscription": "sub_1"}}
            ),
        )
    assert b"flow_data[subscription_resume][subscription]=sub_1" in stub.requests[0].content

    with (
        Client(API_KEY, transport=StubTransport()) as plain,
        pytest.raises(InvalidParamsError, match="'subscription_resume'") as info,
    ):
        Session.create(plain, _with_flow({"type": "subscription_resume"}))
    assert info.value.reason == "enum"


# -- decoding: unknown keys at every level land in ``extra`` --------------------------------


def _add_unknown_keys(node: Any, depth: int = 0) -> Any:
    if isinstance(node, dict):
        out = {key: _add_unknown_keys(value, depth + 1) for key, value in node.items()}
        out[f"future_field_{depth}"] = {"v": depth}
        return out
    if isinstance(node, list):
        return [_add_unknown_keys(item, depth + 1) for item in node]
    return node


SESSION_EXAMPLES = sorted(
    path
    for path in (SHARED / "examples").glob("*.json")
    if json.loads(path.read_text()).get("object") == "billing_portal.session"
)


@pytest.mark.parametrize("path", SESSION_EXAMPLES, ids=lambda p: p.stem)
def test_unknown_keys_at_every_level_land_in_extra_and_round_trip(path: Any) -> None:
    data = json.loads(path.read_text())
    noisy = _add_unknown_keys(data)
    session = Session.from_dict(noisy)
    assert session is not None
    assert session.extra == {"future_field_0": {"v": 0}}
    if data["flow"] is not None:
        flow = session.flow
        assert flow is not None
        assert flow.extra == {"future_field_1": {"v": 1}}
        assert flow.after_completion is not None
        assert flow.after_completion.extra == {"future_field_2": {"v": 2}}
        if flow.subscription_update_confirm is not None:
            item = flow.subscription_update_confirm.items[0]
            assert item.extra == {"future_field_4": {"v": 4}}
    from .test_decoding import assert_lossless

    assert_lossless(session.to_dict(), noisy)


def test_customer_update_flow_decodes() -> None:
    flow = {
        "type": "customer_update",
        "after_completion": {"type": "portal_homepage"},
        "customer_update": {},
    }
    session = Session.from_dict({**SESSION_JSON, "flow": flow})
    assert session is not None
    assert session.flow is not None
    assert session.flow.customer_update is not None
    assert session.flow.type == "customer_update"


def test_a_decoded_customer_update_flow_can_be_sent_back() -> None:
    # Stripe answers ``customer_update: {}``; the request has no such sub-hash, and an
    # empty mapping is never sent, so the decoded model is accepted as params.
    session = Session.from_dict(
        {**SESSION_JSON, "flow": {"type": "customer_update", "customer_update": {}}}
    )
    assert session is not None
    assert session.flow is not None
    stub = StubTransport(handler=lambda _: json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub) as client:
        Session.create(client, {"customer": "cus_1", "flow_data": session.flow})
        Session.create(
            client,
            {
                "customer": "cus_1",
                "flow_data": FlowData(type="customer_update", customer_update=CustomerUpdate()),
            },
        )
        with pytest.raises(InvalidParamsError) as info:
            Session.create(
                client,
                _with_flow({"type": "customer_update", "customer_update": {"email": "x"}}),
            )
    assert info.value.param == "flow_data.customer_update.email"
    assert info.value.reason == "unknown"
    assert [request.content for request in stub.requests] == [
        b"customer=cus_1&flow_data[type]=customer_update"
    ] * 2


def test_repr_of_a_session_with_a_flow_shows_no_ids_or_url() -> None:
    data = json.loads(
        (SHARED / "examples" / "constructed_subscription_cancel_flow.json").read_text()
    )
    session = Session.from_dict(copy.deepcopy(data))
    assert session is not None
    for text in (repr(session), repr(session.flow)):
        assert "sub_1QxExampleSubscription" not in text
        assert "SECRET" not in text
        assert "billing.stripe.com" not in text
