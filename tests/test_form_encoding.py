"""Stripe form encoding, proven against the official ``stripe`` package's encoder.

The property test generates nested param shapes and demands the same
``(key, value)`` pairs, in the same order, and the same body bytes as
``stripe._encode._api_encode`` + the SDK's bracket-preserving ``urlencode``.
The two documented differences (booleans and datetimes inside lists) have
their own tests.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stripe._encode import _api_encode

from lattice_core.encoding import encode_form, flatten_params

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
