"""Stripe's form codec, proven against the official ``stripe`` package's encoder.

The property test generates nested param shapes and demands the same
``(key, value)`` pairs, in the same order, and the same body bytes as
``stripe._encode._api_encode`` + the SDK's bracket-preserving ``urlencode``.
The two documented differences (booleans and datetimes inside lists) have
their own tests. The query string of a GET is checked against the URL
stripe-python builds, and ``decode_form`` must read back what ``encode_form`` writes.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stripe._api_requestor import _APIRequestor
from stripe._encode import _api_encode
from stripe._requestor_options import RequestorOptions

import lattice_core.testing
import lattice_core.testing.fake_stripe
from lattice_core.encoding import decode_form, encode_form, encode_query, flatten_params
from lattice_core.errors import InvalidParamsError

SHAPES_SEEN: set[str] = set()


def _stripe_pairs(params: dict[str, Any]) -> list[tuple[str, str]]:
    # urlencode str()s every non-str value; do the same before comparing.
    return [(k, v if isinstance(v, str) else str(v)) for k, v in _api_encode(params)]


def _stripe_body(params: dict[str, Any]) -> str:
    # What stripe-python sends: stripe/_api_requestor.py keeps brackets literal.
    return urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")


keys = st.one_of(
    st.sampled_from(["customer", "return_url", "flow_data", "type", "items", "id", "price"]),
    st.text(
        alphabet=st.characters(blacklist_characters="[]", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=8,
    ),
)
text_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12
) | st.sampled_from(["", "a b", "x&y=z", "100%", "[brackets]", "é✓", "https://e.com/?a=1"])
aware_datetimes = st.datetimes(
    min_value=datetime.datetime(1971, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))]
    ),
)
leaf = st.one_of(
    text_values,
    st.integers(-(2**40), 2**40),
    st.booleans(),
    st.none(),
    aware_datetimes,
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
# Inside lists only what both encoders treat alike (see the difference tests below).
list_leaf = st.one_of(text_values, st.integers(-1000, 1000))


def _values(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.dictionaries(keys, children, max_size=4),
        st.lists(list_leaf, max_size=3),
        st.lists(st.dictionaries(keys, children, max_size=3), max_size=3),
        st.lists(st.lists(list_leaf, max_size=3), max_size=2),
    )


values = st.recursive(leaf, _values, max_leaves=12)
params_strategy = st.dictionaries(keys, values, max_size=6)


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(params_strategy)
def test_same_pairs_and_body_as_the_official_encoder(params: dict[str, Any]) -> None:
    SHAPES_SEEN.add(repr(params))
    assert flatten_params(params) == _stripe_pairs(params)
    assert encode_form(params).decode("ascii") == _stripe_body(params)


def test_at_least_200_distinct_shapes_were_compared() -> None:
    if not SHAPES_SEEN:  # run alone: drive the property once more
        test_same_pairs_and_body_as_the_official_encoder()
    assert len(SHAPES_SEEN) >= 200


def test_flow_data_with_indexed_items() -> None:
    params = {
        "customer": "cus_1",
        "flow_data": {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": "sub_1",
                "items": [{"id": "si_1", "price": "price_1", "quantity": 2}],
                "discounts": [{"coupon": "C1"}, {"promotion_code": "P2"}],
            },
        },
    }
    assert encode_form(params) == (
        b"customer=cus_1"
        b"&flow_data[type]=subscription_update_confirm"
        b"&flow_data[subscription_update_confirm][subscription]=sub_1"
        b"&flow_data[subscription_update_confirm][items][0][id]=si_1"
        b"&flow_data[subscription_update_confirm][items][0][price]=price_1"
        b"&flow_data[subscription_update_confirm][items][0][quantity]=2"
        b"&flow_data[subscription_update_confirm][discounts][0][coupon]=C1"
        b"&flow_data[subscription_update_confirm][discounts][1][promotion_code]=P2"
    )


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"locale": ""}, b"locale="),
        ({"a": None, "b": [], "c": {}, "d": "x"}, b"d=x"),
        ({"z": "1", "a": "2", "m": "3"}, b"z=1&a=2&m=3"),
        ({"expand": ("flow", "configuration")}, b"expand[0]=flow&expand[1]=configuration"),
        ({"q": "a b&c=d+e"}, b"q=a+b%26c%3Dd%2Be"),
        ({"name": "Zoë ✓"}, b"name=Zo%C3%AB+%E2%9C%93"),
        ({"livemode": True, "x": False}, b"livemode=true&x=false"),
        ({"n": 3, "f": 1.5}, b"n=3&f=1.5"),
        (
            {"at": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},
            b"at=1767225600",
        ),
        ({"m": [[1, 2], [3]]}, b"m[0][0]=1&m[0][1]=2&m[1][0]=3"),
        ({"v": "[x]"}, b"v=[x]"),
    ],
)
def test_encoding_rules(params: dict[str, Any], body: bytes) -> None:
    assert encode_form(params) == body


def test_difference_booleans_inside_lists_are_true_false() -> None:
    params = {"flags": [True, False]}
    assert encode_form(params) == b"flags[0]=true&flags[1]=false"
    # stripe-python sends Python's spelling there, which Stripe does not accept.
    assert _stripe_body(params) == "flags[0]=True&flags[1]=False"


def test_difference_datetimes_inside_lists_are_unix_seconds() -> None:
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    assert encode_form({"at": [moment]}) == b"at[0]=1767225600"
    assert _stripe_body({"at": [moment]}) != "at[0]=1767225600"


def _stripe_get_query(params: dict[str, Any]) -> str:
    # The URL stripe-python builds for a GET with these params.
    requestor = _APIRequestor(RequestorOptions(api_key="sk_test_oracle"))
    _, url, *_ = requestor._args_for_request_with_retries(
        "get", "/v1/billing_portal/configurations", params, {}, base_address="api", api_mode="V1"
    )
    return urlsplit(url).query


def test_query_string_of_a_get() -> None:
    params = {"expand": ["x"], "limit": 3}
    assert encode_query(params) == "expand[0]=x&limit=3"
    assert encode_query(params) == _stripe_get_query(params)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(params_strategy)
def test_same_query_string_as_the_official_get(params: dict[str, Any]) -> None:
    assert encode_query(params) == _stripe_get_query(params)
    assert encode_form(params) == encode_query(params).encode("ascii")


# Decoding: what encode_form writes reads back as the plain form of the params.
plain_keys = st.text(
    alphabet=st.characters(blacklist_characters="[]", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=8,
).filter(lambda key: not key.isdigit())  # an all-digit key set reads back as a list
plain_leaf = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


def _plain_values(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.dictionaries(plain_keys, children, min_size=1, max_size=4),
        st.lists(children, min_size=1, max_size=3),
    )


plain_params = st.dictionaries(
    plain_keys, st.recursive(plain_leaf, _plain_values, max_leaves=12), max_size=6
)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(plain_params)
def test_decode_form_reads_back_what_encode_form_writes(params: dict[str, Any]) -> None:
    assert decode_form(encode_form(params)) == params


def test_decode_form_is_still_importable_from_the_testing_kit() -> None:
    assert lattice_core.testing.decode_form is decode_form
    assert lattice_core.testing.fake_stripe.decode_form is decode_form


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"expand[]=flow&expand[]=configuration", {"expand": ["flow", "configuration"]}),
        (b"expand[0]=flow&expand[1]=configuration", {"expand": ["flow", "configuration"]}),
        (
            b"items[][id]=si_1&items[][quantity]=2&items[][id]=si_2",
            {"items": [{"id": "si_1", "quantity": "2"}, {"id": "si_2"}]},
        ),
        (b"customer=cus_1&customer=cus_2", {"customer": "cus_2"}),  # Stripe keeps the last
        (b"customer=cus_%C3%A9", {"customer": "cus_\u00e9"}),
    ],
)
def test_decode_form_spellings(body: bytes, expected: dict[str, Any]) -> None:
    assert decode_form(body) == expected


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"customer=cus_1&customer[a]=1", "customer"),
        (b"customer[a]=1&customer=cus_1", "customer"),
        (b"expand[]=a&expand[x]=b", "expand"),
        (b"expand[0]=a&expand[]=b", "expand"),
        (b"flow_data[type]=x&flow_data[type][a]=1", "flow_data[type]"),
    ],
)
def test_decode_form_refuses_one_key_in_two_shapes(body: bytes, param: str) -> None:
    with pytest.raises(InvalidParamsError) as info:
        decode_form(body)
    assert info.value.param == param
