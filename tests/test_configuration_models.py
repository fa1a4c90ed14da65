"""Decoding Stripe's portal configuration objects: typed, lossless, masked in repr.

The models are held to the shared extract: the response schema (`inlined`) plus the
`2026-10-28.endive` additions of `sdk_16_1_0_configuration_delta.json`, at every level.
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from lattice_core import APIError
from lattice_core.billing_portal.configuration import (
    AdjustableQuantity,
    BusinessProfile,
    CancellationReason,
    Configuration,
    ConfigurationFeatures,
    FeatureCustomerUpdate,
    FeatureInvoiceHistory,
    FeaturePaymentMethodUpdate,
    FeatureProduct,
    FeatureSubscriptionCancel,
    FeatureSubscriptionPause,
    FeatureSubscriptionUpdate,
    LoginPage,
    PauseDuration,
    PauseIntervalOption,
    ScheduleAtPeriodEnd,
    ScheduleCondition,
)
from lattice_core.converters import IdOrObject
from lattice_core.model import Model

from .conftest import SHARED

FIXTURE: dict[str, Any] = json.loads(
    (SHARED / "examples" / "fixture_configuration_openapi_fixtures3.json").read_text()
)
DELTA: dict[str, Any] = json.loads((SHARED / "sdk_16_1_0_configuration_delta.json").read_text())

LOGIN_SECRET = "https://billing.stripe.com/p/login/test_LOGINSECRET4242"
METADATA_SECRET = "METADATA-SECRET-9f3c"

# Every key of the object filled in, delta included: what to_dict() must give back exactly.
FULL: dict[str, Any] = {
    "id": "bpc_123",
    "object": "billing_portal.configuration",
    "active": True,
    "application": "ca_123",
    "business_profile": {
        "headline": "Acme billing",
        "privacy_policy_url": "https://example.com/privacy",
        "terms_of_service_url": "https://example.com/terms",
    },
    "created": 1764028800,
    "default_return_url": "https://example.com/account",
    "features": {
        "customer_update": {"allowed_updates": ["address", "email"], "enabled": True},
        "invoice_history": {"enabled": True},
        "payment_method_update": {"enabled": True, "payment_method_configuration": "pmc_123"},
        "subscription_cancel": {
            "cancellation_reason": {
                "enabled": True,
                "options": ["too_expensive", "other"],
                "feedback_options": ["fbo_1", {"id": "fbo_2", "object": "billing.feedback_option"}],
            },
            "enabled": True,
            "mode": "immediately",
            "proration_behavior": "create_prorations",
        },
        "subscription_pause": {
            "enabled": True,
            "duration": {
                "type": "interval_options",
                "interval_options": [
                    {"interval": "week", "interval_count": 2},
                    {"interval": "month", "interval_count": 1},
                ],
            },
        },
        "subscription_update": {
            "billing_cycle_anchor": "now",
            "default_allowed_updates": ["price", "quantity"],
            "enabled": True,
            "products": [
                {
                    "adjustable_quantity": {"enabled": True, "maximum": 10, "minimum": 1},
                    "prices": ["price_1", "price_2"],
                    "product": "prod_1",
                }
            ],
            "proration_behavior": "always_invoice",
            "schedule_at_period_end": {
                "conditions": [{"type": "decreasing_item_amount"}, {"type": "shortening_interval"}]
            },
            "trial_update_behavior": "continue_trial",
        },
    },
    "is_default": False,
    "livemode": False,
    "login_page": {"enabled": True, "url": LOGIN_SECRET},
    "metadata": {"internal_note": METADATA_SECRET},
    "name": "Self-serve",
    "updated": 1764032400,
}


def _decode(data: Any) -> Configuration:
    configuration = Configuration.from_dict(data)
    assert configuration is not None
    return configuration


def assert_lossless(back: Any, data: Any, path: str = "$") -> None:
    """`back` holds everything `data` held; keys it adds are only empty (None) fields."""
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


# -- decoding ------------------------------------------------------------------------------


def test_the_fixture_decodes_field_by_field() -> None:
    config = _decode(FIXTURE)
    assert config.id == "bpc_1Pgc70B7WZ01zgkWSnFO04Vt"
    assert config.object == Configuration.OBJECT_NAME == "billing_portal.configuration"
    assert config.active is True
    assert config.application is None
    assert config.business_profile == BusinessProfile(
        headline=None,
        privacy_policy_url="https://example.com/privacy",
        terms_of_service_url="https://example.com/terms",
    )
    assert config.created == 1234567890
    assert config.default_return_url is None
    assert config.is_default is True
    assert config.livemode is True
    assert config.login_page == LoginPage(enabled=False, url=None)
    assert config.metadata is None
    assert config.name is None
    assert config.updated == 1234567890
    assert config.extra == {}

    features = config.features
    assert features.customer_update == FeatureCustomerUpdate(
        allowed_updates=["email", "tax_id"], enabled=True
    )
    assert features.invoice_history == FeatureInvoiceHistory(enabled=True)
    assert features.payment_method_update == FeaturePaymentMethodUpdate(
        enabled=False, payment_method_configuration=None
    )
    assert features.subscription_cancel == FeatureSubscriptionCancel(
        cancellation_reason=CancellationReason(enabled=False, options=[]),
        enabled=False,
        mode="at_period_end",
        proration_behavior="none",
    )
    assert features.subscription_update == FeatureSubscriptionUpdate(
        default_allowed_updates=[],
        enabled=False,
        proration_behavior="none",
        schedule_at_period_end=ScheduleAtPeriodEnd(
            conditions=[ScheduleCondition(type="decreasing_item_amount")]
        ),
        trial_update_behavior="end_trial",
        billing_cycle_anchor=None,
    )
    assert features.subscription_update.products is None  # the fixture leaves it out
    assert features.subscription_pause is None  # the fixture predates 2026-10-28.endive
    assert features.extra == {}
    assert_lossless(config.to_dict(), FIXTURE)


def test_every_key_filled_in_round_trips_exactly() -> None:
    config = _decode(FULL)
    assert config.to_dict() == FULL
    assert Configuration.from_dict(config.to_dict()) == config


def test_the_endive_additions_decode() -> None:
    features = _decode(FULL).features
    assert features.subscription_pause == FeatureSubscriptionPause(
        enabled=True,
        duration=PauseDuration(
            type="interval_options",
            interval_options=[
                PauseIntervalOption(interval="week", interval_count=2),
                PauseIntervalOption(interval="month", interval_count=1),
            ],
        ),
    )
    reason = features.subscription_cancel.cancellation_reason
    # An id, and an expanded billing.feedback_option kept as the object it came as.
    assert reason.feedback_options == [
        "fbo_1",
        {"id": "fbo_2", "object": "billing.feedback_option"},
    ]


def test_an_indefinite_pause_and_a_product_without_maximum_decode() -> None:
    data = copy.deepcopy(FULL)
    data["features"]["subscription_pause"]["duration"] = {
        "type": "indefinite",
        "interval_options": [],
    }
    data["features"]["subscription_update"]["products"][0]["adjustable_quantity"] = {
        "enabled": False,
        "maximum": None,
        "minimum": 0,
    }
    features = _decode(data).features
    assert features.subscription_pause is not None
    assert features.subscription_pause.duration == PauseDuration(
        type="indefinite", interval_options=[]
    )
    products = features.subscription_update.products
    assert products is not None
    assert products[0].adjustable_quantity == AdjustableQuantity(enabled=False, minimum=0)


def test_an_expanded_application_is_kept_as_an_object() -> None:
    application = {"id": "ca_123", "object": "application", "name": "Acme"}
    assert _decode({**FULL, "application": application}).application == application


def test_from_dict_of_none_is_none() -> None:
    assert Configuration.from_dict(None) is None
    assert ConfigurationFeatures.from_dict(None) is None
    assert LoginPage.from_dict(None) is None


# -- unknown keys and newer enum values ------------------------------------------------------


def _objects(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON object in `node` that a model decodes, with its path."""
    if isinstance(node, dict):
        if node.get("object") in ("billing.feedback_option", "application"):
            return  # an expanded object: kept as it is, not modelled
        yield path, node
        for key, value in node.items():
            if key != "metadata":  # a string map, not a model
                yield from _objects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _objects(item, f"{path}[{index}]")


def _models(node: Any, path: str = "$") -> Iterator[tuple[str, Model]]:
    """Every model in a decoded configuration, with the path of its JSON object."""
    if isinstance(node, Model):
        yield path, node
        for field in attrs.fields(type(node)):  # type: ignore[arg-type]
            if field.name != "extra":
                yield from _models(getattr(node, field.name), f"{path}.{field.name}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _models(item, f"{path}[{index}]")


def test_unknown_keys_at_every_level_land_in_extra_and_round_trip() -> None:
    data = copy.deepcopy(FULL)
    added = {}
    for path, obj in list(_objects(data)):
        value = {"path": path, "nested": [1, {"x": None}]}
        obj["zz_added_later"] = value
        added[path] = {"zz_added_later": value}
    assert len(added) == 19  # 16 models; two interval options and two conditions

    config = _decode(data)
    found = {path: getattr(model, "extra", None) for path, model in _models(config)}
    assert found == added
    assert config.to_dict() == data


ENUM_PATHS = [
    ("features", "customer_update", "allowed_updates", 0),
    ("features", "subscription_cancel", "cancellation_reason", "options", 0),
    ("features", "subscription_cancel", "mode"),
    ("features", "subscription_cancel", "proration_behavior"),
    ("features", "subscription_pause", "duration", "type"),
    ("features", "subscription_pause", "duration", "interval_options", 0, "interval"),
    ("features", "subscription_update", "billing_cycle_anchor"),
    ("features", "subscription_update", "default_allowed_updates", 0),
    ("features", "subscription_update", "proration_behavior"),
    ("features", "subscription_update", "schedule_at_period_end", "conditions", 0, "type"),
    ("features", "subscription_update", "trial_update_behavior"),
]


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part] if isinstance(data, (dict, list)) else getattr(data, part)
    return data


@pytest.mark.parametrize("path", ENUM_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_an_enum_value_newer_than_the_pinned_version_decodes_as_it_is(
    path: tuple[Any, ...],
) -> None:
    data = copy.deepcopy(FULL)
    _set(data, path, "added_in_a_later_version")
    config = _decode(data)
    assert _get(config, path) == "added_in_a_later_version"
    assert config.to_dict() == data


# -- wrong shapes ----------------------------------------------------------------------------

# (where, the wrong value, what the message names). The values are recognisable so the
# test can tell they are never echoed.
WRONG_SHAPES: list[tuple[tuple[Any, ...], Any, str]] = [
    (("active",), "WRONG-VALUE-true", "active"),
    (("created",), "WRONG-VALUE-1764028800", "created"),
    (("updated",), True, "updated"),
    (("application",), 4242, "application"),
    (("business_profile",), "WRONG-VALUE-profile", "business_profile"),
    (("business_profile", "headline"), ["WRONG-VALUE-headline"], "headline"),
    (("login_page", "enabled"), "WRONG-VALUE-yes", "enabled"),
    (("login_page", "url"), {"href": "WRONG-VALUE-url"}, "url"),
    (("metadata",), {"internal_note": 4242}, "metadata"),
    (("metadata",), ["WRONG-VALUE-metadata"], "metadata"),
    (("name",), 4242, "name"),
    (("features",), None, "features"),
    (("features", "customer_update", "allowed_updates", 0), 4242, "allowed_updates"),
    (("features", "invoice_history", "enabled"), "WRONG-VALUE-on", "invoice_history"),
    (("features", "subscription_cancel", "mode"), 4242, "mode"),
    (
        ("features", "subscription_cancel", "cancellation_reason", "feedback_options", 0),
        4242,
        "feedback_options",
    ),
    (("features", "subscription_pause", "duration", "type"), 4242, "duration"),
    (
        ("features", "subscription_pause", "duration", "interval_options", 1, "interval_count"),
        "WRONG-VALUE-2",
        "interval_count",
    ),
    (
        ("features", "subscription_update", "products", 0, "adjustable_quantity", "maximum"),
        1.5,
        "maximum",
    ),
    (("features", "subscription_update", "products", 0, "prices", 1), 4242, "prices"),
    (
        ("features", "subscription_update", "schedule_at_period_end", "conditions", 0),
        "WRONG-VALUE-condition",
        "conditions",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "named"),
    WRONG_SHAPES,
    ids=[".".join(map(str, path)) + f"={type(value).__name__}" for path, value, _ in WRONG_SHAPES],
)
def test_a_wrong_shape_raises_api_error_naming_the_field_not_the_value(
    path: tuple[Any, ...], value: Any, named: str
) -> None:
    data = copy.deepcopy(FULL)
    _set(data, path, value)
    with pytest.raises(APIError) as info:
        Configuration.from_dict(data)
    message = str(info.value)
    assert named in message
    assert "WRONG-VALUE" not in message
    assert "4242" not in message
    assert LOGIN_SECRET not in message
    assert METADATA_SECRET not in message


@pytest.mark.parametrize(
    "path",
    [
        ("id",),
        ("features", "subscription_cancel", "mode"),
        ("features", "subscription_update", "products", 0, "product"),
        ("features", "subscription_pause", "enabled"),
        ("login_page", "enabled"),
    ],
    ids=lambda p: ".".join(map(str, p)),
)
def test_a_missing_required_field_raises_api_error_naming_it(path: tuple[Any, ...]) -> None:
    data = copy.deepcopy(FULL)
    del _get(data, path[:-1])[path[-1]]
    with pytest.raises(APIError, match=str(path[-1])) as info:
        Configuration.from_dict(data)
    assert LOGIN_SECRET not in str(info.value)


def test_a_string_where_a_list_of_strings_belongs_is_refused() -> None:
    data = copy.deepcopy(FULL)
    data["features"]["customer_update"]["allowed_updates"] = "email"
    with pytest.raises(APIError, match="allowed_updates"):
        Configuration.from_dict(data)


# -- repr ------------------------------------------------------------------------------------


def test_repr_hides_the_login_url_and_metadata_values_and_shows_the_rest() -> None:
    data = copy.deepcopy(FULL)
    data["features"]["zz_added_later"] = {"url": LOGIN_SECRET}
    config = _decode(data)
    for shown in (repr(config), repr(config.login_page), str(config), f"{config!r:}"):
        assert "LOGINSECRET" not in shown
        assert METADATA_SECRET not in shown
    text = repr(config)
    assert "url='***'" in text
    assert "metadata={'internal_note': '***'}" in text  # the key shows, not the value
    assert "zz_added_later" in text
    for visible in ("bpc_123", "Self-serve", "https://example.com/account", "pmc_123", "prod_1"):
        assert visible in text
    assert repr(LoginPage(enabled=False)) == "LoginPage(enabled=False, url=None, extra={})"
    assert "metadata=None" in repr(_decode(FIXTURE))
    # Nothing is lost: to_dict() shows everything.
    assert config.to_dict()["login_page"]["url"] == LOGIN_SECRET
    assert config.to_dict()["metadata"] == {"internal_note": METADATA_SECRET}


# -- conformance: the models hold exactly the schema's properties, at every level -----------


def _response_schema() -> dict[str, Any]:
    """`inlined` plus the 2026-10-28.endive response additions, with their requirements.

    The SDK types every member of `subscription_pause` as non-Optional (so: required, not
    nullable) and `feedback_options` as Optional (nullable or absent).
    """
    extract = json.loads((SHARED / "billing_portal_configuration.json").read_text())
    schema: dict[str, Any] = copy.deepcopy(extract["inlined"])
    additions = copy.deepcopy(DELTA["response_additions"])

    def require_all(node: dict[str, Any]) -> None:
        if node.get("type") == "object":
            node["required"] = sorted(node["properties"])
            for member in node["properties"].values():
                require_all(member)
        elif node.get("type") == "array":
            require_all(node["items"])

    pause = additions["features.subscription_pause"]
    require_all(pause)
    features = schema["properties"]["features"]
    features["properties"]["subscription_pause"] = pause
    features["required"].append("subscription_pause")
    feedback = additions["features.subscription_cancel.cancellation_reason.feedback_options"]
    feedback["nullable"] = True
    cancel = features["properties"]["subscription_cancel"]
    cancel["properties"]["cancellation_reason"]["properties"]["feedback_options"] = feedback
    return schema


SCHEMA = _response_schema()
# Optional although the schema requires them, on purpose: `object` has its only value as
# default, and an answer of an API version before 2026-10-28.endive has no subscription_pause
# (so it decodes as None).
OPTIONAL_ON_PURPOSE = {"$.object", "$.features.subscription_pause"}
SCALARS = {"string": str, "integer": int, "boolean": bool}


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """`annotation` without `None`, and whether it allowed `None`."""
    if annotation == IdOrObject | None:
        return IdOrObject, True
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, type(int | None)) and type(None) in args:
        rest = [arg for arg in args if arg is not type(None)]
        return (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True  # noqa: UP007
    return annotation, False


def _is_expandable(spec: dict[str, Any]) -> bool:
    return "anyOf" in spec and any("$ref" in o or "x-object" in o for o in spec["anyOf"])


def _check_value(annotation: Any, spec: dict[str, Any], path: str) -> list[type]:
    """Check one value's type against its schema; return the models it reaches."""
    if _is_expandable(spec):
        assert annotation == IdOrObject, path
        return []
    if "enum" in spec:
        assert typing.get_origin(annotation) is typing.Literal, path
        assert sorted(typing.get_args(annotation)) == sorted(spec["enum"]), path
        return []
    kind = spec["type"]
    if kind == "array":
        assert typing.get_origin(annotation) is list, path
        return _check_value(typing.get_args(annotation)[0], spec["items"], path + "[]")
    if kind == "object" and "properties" in spec:
        assert isinstance(annotation, type), path
        assert issubclass(annotation, Model), path
        return [annotation, *_check_model(annotation, spec, path)]
    if kind == "object":  # metadata: a string map
        value_type = SCALARS[spec["additionalProperties"]["type"]]
        assert annotation == dict[str, value_type], path  # type: ignore[valid-type]
        return []
    assert annotation is SCALARS[kind], path
    return []


def _check_model(model: type[Model], schema: dict[str, Any], path: str) -> list[type]:
    """Check `model` against an object schema, every level down; return the models seen."""
    fields = attrs.fields(model)  # type: ignore[arg-type]
    hints = typing.get_type_hints(model)
    assert fields[-1].name == "extra", path
    assert fields[-1].kw_only, path
    assert hints["extra"] == dict[str, Any], path
    modelled = {field.name: field for field in fields[:-1]}
    assert set(modelled) == set(schema["properties"]), path

    seen: list[type] = []
    required = set(schema.get("required", ()))
    for name, spec in schema["properties"].items():
        where = f"{path}.{name}"
        annotation, allows_none = _without_none(hints[name])
        has_default = modelled[name].default is not attrs.NOTHING
        if where in OPTIONAL_ON_PURPOSE:
            assert has_default, where
        else:
            assert allows_none == bool(spec.get("nullable")), where
            # Required exactly where the schema requires a value; nullable members default to None.
            assert has_default == (name not in required or allows_none), where
            if has_default:
                assert modelled[name].default is None, where
        seen += _check_value(annotation, spec, where)
    return seen


def test_every_property_of_the_schema_is_a_field_of_its_model_and_back() -> None:
    seen = _check_model(Configuration, SCHEMA, "$")
    assert sorted(model.__name__ for model in seen) == sorted(
        model.__name__
        for model in (
            AdjustableQuantity,
            BusinessProfile,
            CancellationReason,
            ConfigurationFeatures,
            FeatureCustomerUpdate,
            FeatureInvoiceHistory,
            FeaturePaymentMethodUpdate,
            FeatureProduct,
            FeatureSubscriptionCancel,
            FeatureSubscriptionPause,
            FeatureSubscriptionUpdate,
            LoginPage,
            PauseDuration,
            PauseIntervalOption,
            ScheduleAtPeriodEnd,
            ScheduleCondition,
        )
    )


def test_the_schema_check_sees_the_endive_additions() -> None:
    features = SCHEMA["properties"]["features"]["properties"]
    assert set(features["subscription_pause"]["properties"]) == {"enabled", "duration"}
    reason = features["subscription_cancel"]["properties"]["cancellation_reason"]
    assert "feedback_options" in reason["properties"]


def test_every_model_is_documented_field_by_field() -> None:
    import ast
    import inspect

    from lattice_core.billing_portal import configuration

    tree = ast.parse(inspect.getsource(configuration))
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        assert ast.get_docstring(node), node.name
        body = node.body
        for index, statement in enumerate(body):
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                following = body[index + 1] if index + 1 < len(body) else None
                assert isinstance(following, ast.Expr), f"{node.name}.{statement.target.id}"
                assert isinstance(following.value, ast.Constant), statement.target.id
    assert sorted(configuration.__all__) == configuration.__all__
    defined_here = {
        name
        for name, value in vars(configuration).items()
        if isinstance(value, type)
        and attrs.has(value)
        and value.__module__ == configuration.__name__
    }
    assert defined_here == set(configuration.__all__)


def test_enum_fields_use_the_public_enums() -> None:
    from lattice_core.billing_portal import enums

    hints = typing.get_type_hints
    assert (
        hints(FeatureCustomerUpdate)["allowed_updates"] == list[enums.CustomerUpdateAllowedUpdate]
    )
    assert hints(CancellationReason)["options"] == list[enums.CancellationReasonOption]
    assert hints(FeatureSubscriptionCancel)["mode"] == enums.SubscriptionCancelMode
    assert hints(FeatureSubscriptionCancel)["proration_behavior"] == enums.ProrationBehavior
    update = hints(FeatureSubscriptionUpdate)
    assert update["proration_behavior"] == enums.ProrationBehavior
    assert update["billing_cycle_anchor"] == enums.BillingCycleAnchor | None
    assert update["default_allowed_updates"] == list[enums.DefaultAllowedUpdate]
    assert update["trial_update_behavior"] == enums.TrialUpdateBehavior
    assert hints(ScheduleCondition)["type"] == enums.ConditionType
    assert hints(PauseDuration)["type"] == enums.PauseDurationType
    assert hints(PauseIntervalOption)["interval"] == enums.PauseInterval
