"""Decoding Stripe's session objects: typed, lossless, masked in repr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lattice_core import APIError
from lattice_core.billing_portal import FlowData, Session

from .conftest import SESSION_JSON, SHARED

SESSION_EXAMPLES = sorted(
    path
    for path in (SHARED / "examples").glob("*.json")
    if json.loads(path.read_text()).get("object") == "billing_portal.session"
)


def test_the_shared_examples_are_found() -> None:
    assert len(SESSION_EXAMPLES) == 5


@pytest.mark.parametrize("path", SESSION_EXAMPLES, ids=lambda p: p.stem)
def test_every_example_decodes_without_loss(path: Path) -> None:
    data = json.loads(path.read_text())
    session = Session.from_dict(data)
    assert session is not None

    assert session.id == data["id"]
    assert session.url == data["url"]
    assert session.customer == data["customer"]
    assert session.created == data["created"]
    assert session.livemode is data["livemode"]
    assert session.extra == {}
    assert_lossless(session.to_dict(), data)


def assert_lossless(back: Any, data: Any, path: str = "$") -> None:
    """``back`` holds everything ``data`` held; keys it adds are only empty (None) fields."""
    if isinstance(data, dict):
        assert isinstance(back, dict), path
        for key, value in data.items():
            assert key in back, f"{path}.{key} lost"
            assert_lossless(back[key], value, f"{path}.{key}")
        added = {key: value for key, value in back.items() if key not in data}
        assert added == dict.fromkeys(added), f"{path}: invented values {added}"
    elif isinstance(data, list):
        assert isinstance(back, list), path
        assert len(back) == len(data), path
        for index, (b, d) in enumerate(zip(back, data, strict=True)):
            assert_lossless(b, d, f"{path}[{index}]")
    else:
        assert back == data, path


def test_unknown_keys_are_kept_in_extra_and_round_trip() -> None:
    data: dict[str, Any] = {
        **SESSION_JSON,
        "brand_new_field": {"nested": [1, 2]},
        "another": "x",
    }
    session = Session.from_dict(data)
    assert session is not None
    assert session.extra == {"brand_new_field": {"nested": [1, 2]}, "another": "x"}
    assert session.to_dict() == {**data, "after_expiration": None}


def test_from_dict_of_none_is_none() -> None:
    assert Session.from_dict(None) is None


def test_expanded_configuration_is_kept_as_an_object() -> None:
    expanded = {"id": "bpc_1", "object": "billing_portal.configuration", "active": True}
    session = Session.from_dict({**SESSION_JSON, "configuration": expanded})
    assert session is not None
    assert session.configuration == expanded


def test_after_expiration_from_the_pinned_version_decodes() -> None:
    after = {"type": "customer_login", "customer_login": {"expires_at": 1764032400}}
    session = Session.from_dict({**SESSION_JSON, "after_expiration": after})
    assert session is not None
    assert session.after_expiration is not None
    assert session.after_expiration.type == "customer_login"
    assert session.after_expiration.customer_login is not None
    assert session.after_expiration.customer_login.expires_at == 1764032400
    assert session.to_dict()["after_expiration"] == {
        **after,
        "customer_login": {"expires_at": 1764032400},
    }
    assert session.extra == {}


@pytest.mark.parametrize(
    "data",
    [
        {"url": "https://billing.stripe.com/p/session/test_SECRET"},  # no id
        {**SESSION_JSON, "configuration": 12},
        {**SESSION_JSON, "flow": "subscription_cancel"},
        [SESSION_JSON],
    ],
)
def test_wrong_shapes_raise_api_error_without_values(data: Any) -> None:
    with pytest.raises(APIError, match=r"billing_portal\.session") as info:
        Session.from_dict(data)
    assert "SECRET" not in str(info.value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"livemode": "false"}, "livemode"),
        ({"livemode": 0}, "livemode"),
        ({"created": 1.9}, "created"),
        ({"created": True}, "created"),
        ({"created": "1700000000"}, "created"),
        ({"url": 123}, "url"),
        ({"flow": {"type": 5}}, "flow.type"),
    ],
)
def test_wrong_types_are_errors_not_silent_coercions(change: dict[str, Any], field: str) -> None:
    # cattrs' defaults would turn "false" into True and 1.9 into 1; money-adjacent data
    # must fail loudly instead.
    with pytest.raises(APIError, match=rf"\$\.{field}\b"):
        Session.from_dict({**SESSION_JSON, **change})


def test_flow_from_dict_of_the_wrong_shape_is_an_api_error_naming_the_field() -> None:
    with pytest.raises(APIError, match=r"FlowData.*\$\.type") as info:
        FlowData.from_dict({"type": 5, "subscription_cancel": {"subscription": "sub_SECRET"}})
    assert "SECRET" not in str(info.value)
    with pytest.raises(APIError, match="FlowData"):
        FlowData.from_dict(["subscription_cancel"])  # type: ignore[arg-type]


def test_session_is_frozen_with_slots() -> None:
    session = Session.from_dict(SESSION_JSON)
    assert session is not None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        session.url = "x"  # type: ignore[misc]
    assert not hasattr(session, "__dict__")


def test_repr_masks_url_and_flow_but_attributes_and_to_dict_show_them() -> None:
    flow = {"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_SECRET1"}}
    session = Session.from_dict({**SESSION_JSON, "flow": flow})
    assert session is not None
    text = repr(session)
    assert "SECRET_PORTAL_TOKEN" not in text
    assert "billing.stripe.com" not in text
    assert "sub_SECRET1" not in text
    assert "url='***'" in text
    assert "flow='***'" in text
    assert "bps_123" in text
    assert session.url.endswith("SECRET_PORTAL_TOKEN")
    assert session.to_dict()["flow"]["subscription_cancel"]["subscription"] == "sub_SECRET1"
    assert str(session) == text


_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(max_size=8),
    st.floats(allow_nan=False),
    st.just({}),
    st.just({"id": "bpc_1"}),
    st.just([]),
)


@settings(max_examples=400, deadline=None)
@given(
    values=st.dictionaries(
        st.sampled_from([a.name for a in attrs.fields(Session) if a.name != "extra"]),
        _JSON_SCALARS,
    ),
    base=st.booleans(),
)
def test_a_flat_body_decodes_exactly_as_cattrs_generated_code_does(
    values: dict[str, Any], base: bool
) -> None:
    # Bodies whose values already have their field's type skip cattrs' per-field
    # calls; the outcome, object or refusal, must be the same as without that.
    from cattrs.gen import make_dict_structure_fn

    from lattice_core.converters import converter

    body = {**(SESSION_JSON if base else {}), **values}
    generated = make_dict_structure_fn(Session, converter())

    def outcome(decode: Any) -> Any:
        try:
            return decode()
        except Exception as exc:  # which failure is what is compared
            return type(exc).__name__

    fast = outcome(lambda: Session.from_dict(body))
    slow = outcome(lambda: generated({**body, "extra": {}}, Session))
    assert fast == slow or (fast == "APIError" and isinstance(slow, str))


@settings(max_examples=1500, deadline=None)
@given(
    st.binary(max_size=24)
    | st.text(alphabet='{}[]":,0123456789 \n\ttruefalsnl-.eEé\\u', max_size=16).map(str.encode)
    | st.sampled_from(["utf-16", "utf-16-be", "utf-32-le", "utf-8-sig"]).map(
        lambda encoding: '{"a": "é"}'.encode(encoding)
    )
)
def test_response_bodies_decode_exactly_as_json_loads_would(content: bytes) -> None:
    # The pipeline scans plain UTF-8 itself; every other body goes to json.loads.
    from lattice_core.pipeline import _json

    def outcome(decode: Any) -> Any:
        try:
            return ("value", repr(decode(content)))  # repr: NaN equals itself
        except (ValueError, RecursionError) as exc:
            return ("error", type(exc).__name__)

    assert outcome(_json) == outcome(json.loads)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"locale": 5}, "expected a string or null @ $.locale"),
        ({"flow": {"type": 5}}, "expected a string @ $.flow.type"),
        ({"configuration": 5}, "expected a string or an object or null @ $.configuration"),
        ({"created": "x"}, "expected an integer or null @ $.created"),
        ({"flow": 5}, "expected an object or null @ $.flow"),
        ({"url": None}, "expected a string @ $.url"),
    ],
)
def test_a_body_of_the_wrong_shape_is_described_in_json_words(
    body: dict[str, Any], words: str
) -> None:
    """Not Python's typing names (`Optional`, `Literal`, `Union`): what Stripe sent wrong."""
    with pytest.raises(APIError) as info:
        Session.from_dict({"id": "bps_1", "url": "https://example.com/p", **body})
    assert str(info.value).endswith(words), str(info.value)
