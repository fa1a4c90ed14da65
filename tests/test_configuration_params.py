"""The portal configuration's params: rule tables and TypedDicts agree with Stripe's schema.

Each operation's table (`lattice_core.billing_portal.configuration_rules`) and
`TypedDict` (`...configuration_params`) is flattened into rows of the shape of
the operation's `x-param-table` (shared/stripe-openapi, plus the
`2026-10-28.endive` additions of `sdk_16_1_0_configuration_delta.json`) and
compared with it row by row: every field, its type, whether it is required,
its enum, whether it takes `""` and its `maxLength`. Where a table is stricter
than the schema, the difference is listed here (`STRICTER`) and each is
something Stripe states in words.

Then every pre-flight rule is shown to refuse, naming the field's path, before
anything is sent (the checks are pure; no client is involved), and examples the
schema accepts pass unchanged.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import types
import typing
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lattice_core import InvalidParamsError
from lattice_core.billing_portal import configuration_params as params_module
from lattice_core.billing_portal.configuration_params import (
    ConfigurationCreateParams,
    ConfigurationListParams,
    ConfigurationRetrieveParams,
    ConfigurationUpdateParams,
)
from lattice_core.billing_portal.configuration_rules import (
    MAX_PRODUCTS,
    check_configuration_create,
    check_configuration_list,
    configuration_create_rule,
    configuration_list_rule,
    configuration_retrieve_rule,
    configuration_update_rule,
)
from lattice_core.rules import Rule
from lattice_core.validation import check_params, coerce_form

from .conftest import SHARED
from .typing_cases import configuration_correct, configuration_mistakes

_REQUESTS = json.loads((SHARED / "billing_portal_configuration_requests.json").read_text())
_DELTA = json.loads((SHARED / "sdk_16_1_0_configuration_delta.json").read_text())
_OPERATIONS = {op["operationId"]: op for op in _REQUESTS["operations"]}

# operation -> (operationId, rule, TypedDict, check across fields)
OPERATIONS: dict[str, tuple[str, Rule, Any, Callable[[dict[str, Any]], None] | None]] = {
    "create": (
        "PostBillingPortalConfigurations",
        configuration_create_rule(),
        ConfigurationCreateParams,
        check_configuration_create,
    ),
    "update": (
        "PostBillingPortalConfigurationsConfiguration",
        configuration_update_rule(),
        ConfigurationUpdateParams,
        None,
    ),
    "list": (
        "GetBillingPortalConfigurations",
        configuration_list_rule(),
        ConfigurationListParams,
        check_configuration_list,
    ),
    "retrieve": (
        "GetBillingPortalConfigurationsConfiguration",
        configuration_retrieve_rule(),
        ConfigurationRetrieveParams,
        None,
    ),
}

# Stricter than the schema on purpose, each stated by Stripe in words: the rows' extra
# limits. (operation, path) -> the attributes the table adds.
_METADATA = {"max_keys": 50, "key_max_length": 40}
STRICTER: dict[tuple[str, str], dict[str, Any]] = {
    **{
        (op, path): {"url": True}
        for op in ("create", "update")
        for path in (
            "default_return_url",
            "business_profile[privacy_policy_url]",
            "business_profile[terms_of_service_url]",
        )
    },
    **{
        (op, "features[subscription_update][products]"): {"max_items": MAX_PRODUCTS}
        for op in ("create", "update")
    },
    ("create", "metadata"): _METADATA,
    ("update", "metadata"): _METADATA,
    ("create", "metadata[<key>]"): {"maxLength": 500},
    ("update", "metadata[<key>]"): {"maxLength": 500},
    ("list", "limit"): {"minimum": 1, "maximum": 100},
    # A required list sent empty sends nothing: Stripe would find it missing.
    ("create", "features[subscription_cancel][cancellation_reason][options]"): {"non_empty": True},
    ("create", "features[subscription_update][products][][prices]"): {"non_empty": True},
    ("update", "features[subscription_update][products][][prices]"): {"non_empty": True},
}


def _schema_rows(operation: str) -> dict[str, dict[str, Any]]:
    """The x-param-table rows of an operation (path parameter left out: it is the id)."""
    op_id = OPERATIONS[operation][0]
    rows = [row for row in _OPERATIONS[op_id]["x-param-table"]["rows"] if row.get("in") != "path"]
    if operation in ("create", "update"):
        rows += _DELTA["request_additions"]["param_rows"]
    out = {}
    for row in rows:
        assert row["path"] not in out, row
        out[row["path"]] = {
            "type": row["type"],
            "required": row["required"],
            "emptyable": row.get("emptyable", False),
            "maxLength": row.get("maxLength"),
            "enum": sorted(row["enum"]) if "enum" in row else None,
        }
    return out


def _child(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


_RULE_TYPES = {
    "string": "string",
    "integer": "integer",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
    "map": "object",
}


def _rule_rows(
    rule: Rule, prefix: str = "", extras: dict[str, dict[str, Any]] | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """A table flattened into x-param-table rows, and each row's limits beyond the schema."""
    rows: dict[str, dict[str, Any]] = {}
    extras = {} if extras is None else extras

    def add(path: str, sub: Rule, required: bool) -> None:
        rows[path] = {
            "type": _RULE_TYPES[sub.kind],
            "required": required,
            "emptyable": sub.emptyable,
            "maxLength": sub.max_length if sub.kind == "string" else None,
            "enum": sorted(sub.enum) if sub.enum is not None else None,
        }
        extra = {
            name: value
            for name, value in (
                ("url", sub.url),
                ("non_empty", sub.non_empty),
                ("minimum", sub.minimum),
                ("maximum", sub.maximum),
            )
            if value
        }
        if sub.kind == "array" and sub.max_items is not None:
            extra["max_items"] = sub.max_items
        if sub.kind == "map":
            extra["max_keys"] = sub.max_items
            extra["key_max_length"] = sub.key_max_length
        if extra:
            extras[path] = extra
        walk(sub, path)

    def walk(node: Rule, path: str) -> None:
        if node.kind == "object":
            for key, sub in node.fields.items():
                add(_child(path, key), sub, sub.required)
        elif node.kind == "array":
            assert node.items is not None
            add(f"{path}[]", node.items, True)  # the table marks elements required
        elif node.kind == "map":
            assert node.values is not None
            add(f"{path}[<key>]", node.values, False)

    walk(rule, prefix)
    return rows, extras


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `| Literal[""]`; whether `""` was there.

    `get_type_hints` has already taken `Required[...]` off.
    """
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a != Literal[""]]
        assert len(rest) == 1, annotation
        return rest[0], len(rest) < len(args)
    return annotation, False


def _typed_rows(typed: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """A TypedDict flattened into x-param-table rows (`maxLength` it cannot say: None)."""
    rows: dict[str, dict[str, Any]] = {}
    hints = typing.get_type_hints(typed)
    for key, annotation in hints.items():
        path = _child(prefix, key)
        rows.update(_annotation_rows(path, annotation, key in typed.__required_keys__))
    return rows


def _annotation_rows(path: str, annotation: Any, required: bool) -> dict[str, dict[str, Any]]:
    inner, emptyable = _unwrap(annotation)
    origin = typing.get_origin(inner)
    row: dict[str, Any] = {"required": required, "emptyable": emptyable, "enum": None}
    below: dict[str, dict[str, Any]] = {}
    if inner is bool:
        row["type"] = "boolean"
    elif inner is int:
        row["type"] = "integer"
    elif inner is str:
        row["type"] = "string"
        row["emptyable"] = None  # a `str` takes "" anyway: nothing to compare
    elif origin is Literal:
        row["type"], row["enum"] = "string", sorted(typing.get_args(inner))
    elif origin in (list, Sequence):
        row["type"] = "array"
        below = _annotation_rows(f"{path}[]", typing.get_args(inner)[0], True)
    elif origin is Mapping:
        assert typing.get_args(inner) == (str, str), path
        row["type"] = "object"
        below = _annotation_rows(f"{path}[<key>]", str, False)
    else:
        assert typing.is_typeddict(inner), (path, inner)
        row["type"] = "object"
        below = _typed_rows(inner, path)
    return {path: row, **below}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_table_has_the_schemas_fields_types_requirements_enums_and_lengths(
    operation: str,
) -> None:
    schema = _schema_rows(operation)
    rows, extras = _rule_rows(OPERATIONS[operation][1])
    assert sorted(rows) == sorted(schema)
    stricter = {path: dict(extra) for (op, path), extra in STRICTER.items() if op == operation}
    for path, want in schema.items():
        got = dict(rows[path])
        limit = stricter.get(path, {}).pop("maxLength", None)
        if limit is not None:  # a documented length the schema lacks
            assert want["maxLength"] is None, path
            want = {**want, "maxLength": limit}
        assert got == want, path
    for path, limits in stricter.items():
        limits.pop("maxLength", None)
        if limits:
            assert extras.get(path) == limits, path
    assert set(extras) <= set(stricter), "an undocumented stricter rule"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_typed_dict_has_the_schemas_fields_requirements_enums_and_empty_strings(
    operation: str,
) -> None:
    schema = _schema_rows(operation)
    typed = _typed_rows(OPERATIONS[operation][2])
    assert sorted(typed) == sorted(schema)
    for path, want in schema.items():
        got = typed[path]
        assert got["type"] == want["type"], path
        assert got["required"] == want["required"], path
        assert got["enum"] == want["enum"], path
        if got["emptyable"] is not None:
            assert got["emptyable"] == want["emptyable"], path


def test_the_typed_dicts_are_exported_and_resolve_at_run_time() -> None:
    for name in params_module.__all__:
        typed = getattr(params_module, name)
        assert typing.is_typeddict(typed), name
        typing.get_type_hints(typed)
        for key in typed.__annotations__:
            assert key in typing.get_type_hints(typed), (name, key)


def test_the_rule_callables_ignore_flow_types_and_return_one_rule() -> None:
    for _, rule, _, _ in OPERATIONS.values():
        assert rule.kind == "object"
    assert configuration_create_rule(()) is configuration_create_rule(("x",))
    assert configuration_update_rule() is configuration_update_rule(())
    assert configuration_list_rule() is configuration_list_rule(())
    assert configuration_retrieve_rule() is configuration_retrieve_rule(())


# -- the schema itself accepts what the tables accept ------------------------------------------


def _body_schema(operation: str) -> dict[str, Any]:
    op = _OPERATIONS[OPERATIONS[operation][0]]["operation"]
    if operation in ("list", "retrieve"):
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                p["name"]: p["schema"] for p in op.get("parameters", ()) if p["in"] == "query"
            },
        }
    content = op["requestBody"]["content"]["application/x-www-form-urlencoded"]
    schema = copy.deepcopy(content["schema"])
    additions = _with_empty_strings(_DELTA["request_additions"])
    features = schema["properties"]["features"]["properties"]
    features["subscription_pause"] = additions["features.subscription_pause"]
    reason = features["subscription_cancel"]["properties"]["cancellation_reason"]
    reason["properties"]["feedback_options"] = additions[
        "features.subscription_cancel.cancellation_reason.feedback_options"
    ]
    return schema


def _with_empty_strings(node: Any) -> Any:
    """The delta's `x-emptyable` spelt as the spec spells it: `anyOf` with `""`."""
    if isinstance(node, list):
        return [_with_empty_strings(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: _with_empty_strings(value)
        for key, value in node.items()
        if key != "x-emptyable" and not (key == "required" and isinstance(value, bool))
    }
    if node.get("x-emptyable"):
        return {"anyOf": [out, {"enum": [""], "type": "string"}]}
    return out


FULL_CREATE: dict[str, Any] = {
    "business_profile": {
        "headline": "Acme billing",
        "privacy_policy_url": "https://example.com/privacy",
        "terms_of_service_url": "https://example.com/terms",
    },
    "default_return_url": "https://example.com/account",
    "expand": ["application"],
    "features": {
        "customer_update": {"allowed_updates": ["email", "tax_id"], "enabled": True},
        "invoice_history": {"enabled": True},
        "payment_method_update": {"enabled": False, "payment_method_configuration": "pmc_1"},
        "subscription_cancel": {
            "cancellation_reason": {
                "enabled": True,
                "options": ["too_expensive", "other"],
                "feedback_options": ["bfo_1"],
            },
            "enabled": True,
            "mode": "at_period_end",
            "proration_behavior": "none",
        },
        "subscription_pause": {
            "enabled": True,
            "duration": {
                "type": "interval_options",
                "interval_options": [{"interval": "month", "interval_count": 2}],
            },
        },
        "subscription_update": {
            "billing_cycle_anchor": "unchanged",
            "default_allowed_updates": ["price", "quantity"],
            "enabled": True,
            "products": [
                {
                    "product": "prod_1",
                    "prices": ["price_1", "price_2"],
                    "adjustable_quantity": {"enabled": True, "minimum": 1, "maximum": 5},
                }
            ],
            "proration_behavior": "create_prorations",
            "schedule_at_period_end": {"conditions": [{"type": "shortening_interval"}]},
            "trial_update_behavior": "continue_trial",
        },
    },
    "login_page": {"enabled": True},
    "metadata": {"team": "billing", "unset_me": ""},
    "name": "Main portal",
}
MINIMAL_CREATE: dict[str, Any] = {"features": {"invoice_history": {"enabled": True}}}
CLEARING_UPDATE: dict[str, Any] = {
    "active": False,
    "business_profile": {"headline": "", "privacy_policy_url": "", "terms_of_service_url": ""},
    "default_return_url": "",
    "features": {
        "customer_update": {"allowed_updates": ""},
        "payment_method_update": {"enabled": True, "payment_method_configuration": ""},
        "subscription_cancel": {
            "cancellation_reason": {"enabled": False, "options": "", "feedback_options": ""}
        },
        "subscription_pause": {"duration": {"type": "indefinite", "interval_options": ""}},
        "subscription_update": {
            "default_allowed_updates": "",
            "products": "",
            "schedule_at_period_end": {"conditions": ""},
        },
    },
    "metadata": "",
    "name": "",
}

ACCEPTED = [
    ("create", FULL_CREATE),
    ("create", MINIMAL_CREATE),
    (
        "create",
        {
            "features": {
                "subscription_cancel": {
                    "enabled": True,
                    "cancellation_reason": {"enabled": True, "options": ""},
                },
                "subscription_update": {"enabled": False, "products": []},
            },
            "name": "",
            "default_return_url": "",
        },
    ),
    ("update", {}),
    ("update", CLEARING_UPDATE),
    ("update", {"metadata": {"old_key": ""}, "features": {"subscription_update": {}}}),
    ("update", {k: v for k, v in FULL_CREATE.items() if k != "metadata"}),
    ("list", {}),
    ("list", {"active": True, "is_default": False, "limit": 1, "starting_after": "bpc_1"}),
    ("list", {"limit": 100, "ending_before": "bpc_1", "expand": ["data.application"]}),
    ("retrieve", {}),
    ("retrieve", {"expand": ["application"]}),
]


@pytest.mark.parametrize(("operation", "params"), ACCEPTED)
def test_examples_accepted_by_the_table_and_the_schema(
    operation: str, params: dict[str, Any]
) -> None:
    _, rule, _, check = OPERATIONS[operation]
    assert check_params(rule, params, check) == params
    jsonschema.Draft7Validator(_body_schema(operation)).validate(_strip_none(params))


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


# -- every pre-flight rule refuses, naming the path, before anything is sent -------------------


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `base` with `value` at the dotted `path` (`None` removes it)."""
    out = copy.deepcopy(base)
    node: Any = out
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if value is None:
        del node[last]
    else:
        node[last] = value
    return out


PRODUCT = {"product": "prod_1", "prices": ["price_1"]}
URL_VALUE = "example.com/terms-of-service"
LONG_KEY = "k" * 41

REFUSED: list[tuple[str, str, dict[str, Any], str, str]] = [
    # (id, operation, params, path, reason)
    ("features missing", "create", {"name": "x"}, "features", "required"),
    ("features empty", "create", {"features": {}}, "features", "required"),
    ("misspelt top key", "create", {**MINIMAL_CREATE, "nmae": "x"}, "nmae", "unknown"),
    ("active is update-only", "create", {**MINIMAL_CREATE, "active": True}, "active", "unknown"),
    (
        "misspelt feature",
        "update",
        {"features": {"invoice_histroy": {"enabled": True}}},
        "features.invoice_histroy",
        "unknown",
    ),
    ("name too long", "create", {**MINIMAL_CREATE, "name": "n" * 257}, "name", "max_length"),
    ("name too long on update", "update", {"name": "n" * 257}, "name", "max_length"),
    (
        "headline too long",
        "create",
        {**MINIMAL_CREATE, "business_profile": {"headline": "h" * 61}},
        "business_profile.headline",
        "max_length",
    ),
    (
        "bad terms url",
        "create",
        {**MINIMAL_CREATE, "business_profile": {"terms_of_service_url": URL_VALUE}},
        "business_profile.terms_of_service_url",
        "url",
    ),
    (
        "bad return url",
        "update",
        {"default_return_url": "ftp://example.com/x"},
        "default_return_url",
        "url",
    ),
    (
        "privacy url '' on create",
        "create",
        {**MINIMAL_CREATE, "business_profile": {"privacy_policy_url": ""}},
        "business_profile.privacy_policy_url",
        "url",
    ),
    ("metadata '' on create", "create", {**MINIMAL_CREATE, "metadata": ""}, "metadata", "type"),
    (
        "conditions '' on create",
        "create",
        {
            "features": {
                "subscription_update": {
                    "enabled": True,
                    "schedule_at_period_end": {"conditions": ""},
                }
            }
        },
        "features.subscription_update.schedule_at_period_end.conditions",
        "type",
    ),
    (
        "enum '' never",
        "update",
        {"features": {"subscription_cancel": {"mode": ""}}},
        "features.subscription_cancel.mode",
        "enum",
    ),
    (
        "enabled '' never",
        "update",
        {"login_page": {"enabled": ""}},
        "login_page.enabled",
        "type",
    ),
    (
        "11 products",
        "update",
        {"features": {"subscription_update": {"products": [PRODUCT] * (MAX_PRODUCTS + 1)}}},
        "features.subscription_update.products",
        "max_items",
    ),
    (
        "product without prices",
        "create",
        {"features": {"subscription_update": {"enabled": True, "products": [{"product": "p"}]}}},
        "features.subscription_update.products[0].prices",
        "required",
    ),
    (
        "product with no prices",
        "update",
        {"features": {"subscription_update": {"products": [PRODUCT, {**PRODUCT, "prices": []}]}}},
        "features.subscription_update.products[1].prices",
        "non_empty",
    ),
    (
        "product without product",
        "update",
        {"features": {"subscription_update": {"products": [{"prices": ["price_1"]}]}}},
        "features.subscription_update.products[0].product",
        "required",
    ),
    (
        "adjustable quantity without enabled",
        "update",
        {
            "features": {
                "subscription_update": {"products": [{**PRODUCT, "adjustable_quantity": {}}]}
            }
        },
        "features.subscription_update.products[0].adjustable_quantity.enabled",
        "required",
    ),
    ("limit 0", "list", {"limit": 0}, "limit", "range"),
    ("limit 101", "list", {"limit": 101}, "limit", "range"),
    ("limit as text", "list", {"limit": "10"}, "limit", "type"),
    ("active as text", "list", {"active": "true"}, "active", "type"),
    ("is_default as 1", "list", {"is_default": 1}, "is_default", "type"),
    (
        "both cursors",
        "list",
        {"starting_after": "bpc_1", "ending_before": "bpc_2"},
        "ending_before",
        "exclusive",
    ),
    ("retrieve takes only expand", "retrieve", {"limit": 3}, "limit", "unknown"),
    (
        "51 metadata keys",
        "update",
        {"metadata": {f"key{i}": "v" for i in range(51)}},
        "metadata",
        "max_items",
    ),
    (
        "41-character metadata key",
        "create",
        {**MINIMAL_CREATE, "metadata": {LONG_KEY: "v"}},
        "metadata.<a 41-character key>",
        "max_length",
    ),
    (
        "501-character metadata value",
        "update",
        {"metadata": {"note": "v" * 501}},
        "metadata.note",
        "max_length",
    ),
    ("metadata value not text", "update", {"metadata": {"count": 3}}, "metadata.count", "type"),
]
for _feature in ("customer_update", "invoice_history", "payment_method_update"):
    REFUSED.append(
        (
            f"{_feature} without enabled",
            "create",
            {"features": {_feature: {}}},
            f"features.{_feature}.enabled",
            "required",
        )
    )
REFUSED += [
    (
        f"{feature} without enabled",
        "create",
        {"features": {feature: {"proration_behavior": "none"}}},
        f"features.{feature}.enabled",
        "required",
    )
    for feature in ("subscription_cancel", "subscription_update")
]
REFUSED += [
    (
        "login page without enabled",
        "update",
        {"login_page": {}},
        "login_page.enabled",
        "required",
    ),
    (
        "invoice history without enabled on update",
        "update",
        {"features": {"invoice_history": {}}},
        "features.invoice_history.enabled",
        "required",
    ),
    (
        "cancellation reason without options on create",
        "create",
        {
            "features": {
                "subscription_cancel": {"enabled": True, "cancellation_reason": {"enabled": True}}
            }
        },
        "features.subscription_cancel.cancellation_reason.options",
        "required",
    ),
    (
        "cancellation reason without enabled on update",
        "update",
        {"features": {"subscription_cancel": {"cancellation_reason": {"options": ["other"]}}}},
        "features.subscription_cancel.cancellation_reason.enabled",
        "required",
    ),
    (
        "wrong cancellation reason",
        "update",
        {
            "features": {
                "subscription_cancel": {
                    "cancellation_reason": {"enabled": True, "options": ["too_pricey"]}
                }
            }
        },
        "features.subscription_cancel.cancellation_reason.options[0]",
        "enum",
    ),
    (
        "wrong allowed update",
        "update",
        {"features": {"customer_update": {"allowed_updates": ["emial"]}}},
        "features.customer_update.allowed_updates[0]",
        "enum",
    ),
    (
        "wrong proration",
        "update",
        {"features": {"subscription_update": {"proration_behavior": "prorate"}}},
        "features.subscription_update.proration_behavior",
        "enum",
    ),
    (
        "wrong billing cycle anchor",
        "update",
        {"features": {"subscription_update": {"billing_cycle_anchor": "later"}}},
        "features.subscription_update.billing_cycle_anchor",
        "enum",
    ),
    (
        "wrong default allowed update",
        "update",
        {"features": {"subscription_update": {"default_allowed_updates": ["coupon"]}}},
        "features.subscription_update.default_allowed_updates[0]",
        "enum",
    ),
    (
        "wrong condition",
        "update",
        {
            "features": {
                "subscription_update": {"schedule_at_period_end": {"conditions": [{"type": "x"}]}}
            }
        },
        "features.subscription_update.schedule_at_period_end.conditions[0].type",
        "enum",
    ),
    (
        "condition without type",
        "update",
        {"features": {"subscription_update": {"schedule_at_period_end": {"conditions": [{}]}}}},
        "features.subscription_update.schedule_at_period_end.conditions[0].type",
        "required",
    ),
    (
        "wrong trial behaviour",
        "update",
        {"features": {"subscription_update": {"trial_update_behavior": "restart"}}},
        "features.subscription_update.trial_update_behavior",
        "enum",
    ),
    (
        "wrong pause duration type",
        "update",
        {"features": {"subscription_pause": {"duration": {"type": "forever"}}}},
        "features.subscription_pause.duration.type",
        "enum",
    ),
    (
        "wrong pause interval",
        "update",
        {
            "features": {
                "subscription_pause": {
                    "duration": {
                        "type": "interval_options",
                        "interval_options": [{"interval": "hour"}],
                    }
                }
            }
        },
        "features.subscription_pause.duration.interval_options[0].interval",
        "enum",
    ),
    (
        "pause duration without type",
        "create",
        {"features": {"subscription_pause": {"duration": {}}}},
        "features.subscription_pause.duration.type",
        "required",
    ),
]


@pytest.mark.parametrize(
    ("operation", "params", "path", "reason"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_each_pre_flight_rule_refuses_naming_the_path(
    operation: str, params: dict[str, Any], path: str, reason: str
) -> None:
    _, rule, _, check = OPERATIONS[operation]
    with pytest.raises(InvalidParamsError) as caught:
        check_params(rule, params, check)
    error = caught.value
    assert (error.param, error.reason) == (path, reason), str(error)
    message = str(error)
    assert path.split(".<")[0] in message, message
    for secretish in (URL_VALUE, LONG_KEY, "bpc_1", "bpc_2", "ftp://example.com/x"):
        assert secretish not in message, message


def test_messages_say_what_to_pass() -> None:
    def message(operation: str, params: dict[str, Any]) -> str:
        _, rule, _, check = OPERATIONS[operation]
        with pytest.raises(InvalidParamsError) as caught:
            check_params(rule, params, check)
        return str(caught.value)

    assert message("list", {"limit": 0}) == "limit must be an integer from 1 to 100, got 0."
    assert message("list", {"starting_after": "bpc_1", "ending_before": "bpc_2"}) == (
        "starting_after and ending_before are mutually exclusive: pass one of them, not both."
    )
    assert message("update", {"login_page": {}}) == (
        "login_page.enabled is required; pass True or False."
    )
    assert message("update", {"login_page": {"enabled": "yes"}}) == (
        "login_page.enabled must be True or False, not str."
    )
    assert message("update", {"metadata": {"k": "v" * 501}}) == (
        "metadata.k must be at most 500 characters, got 501."
    )
    assert message("update", {"metadata": {f"k{i}": "v" for i in range(51)}}) == (
        "metadata must have at most 50 keys, got 51."
    )
    assert message("create", {**MINIMAL_CREATE, "metadata": {LONG_KEY: "v"}}) == (
        "metadata has a 41-character key; its keys must be at most 40 characters."
    )
    assert "taken only on update" in message("create", {**MINIMAL_CREATE, "metadata": ""})
    assert "'too_expensive'" in message(
        "create",
        {
            "features": {
                "subscription_cancel": {"enabled": True, "cancellation_reason": {"enabled": True}}
            }
        },
    )
    assert (
        message("update", {"features": {"subscription_update": {"products": [PRODUCT] * 11}}})
        == "features.subscription_update.products must have at most 10 items, got 11."
    )


# -- the engine's additions, beyond the configuration -----------------------------------------


def test_coerce_form_reads_booleans_and_integers_back_from_form_text() -> None:
    coerced = coerce_form(
        configuration_list_rule(), {"active": "true", "is_default": "false", "limit": "20"}
    )
    assert coerced == {"active": True, "is_default": False, "limit": 20}
    assert check_params(configuration_list_rule(), coerced) == coerced
    # Anything else is left as text, for the checks to refuse by name.
    odd = coerce_form(configuration_list_rule(), {"active": "True", "is_default": ["true"]})
    assert odd == {"active": "True", "is_default": ["true"]}
    update = coerce_form(
        configuration_update_rule(),
        {
            "features": {"invoice_history": {"enabled": "false"}},
            "metadata": {"flag": "true"},
            "active": "false",
        },
    )
    assert update == {
        "features": {"invoice_history": {"enabled": False}},
        "metadata": {"flag": "true"},  # a map of strings stays text
        "active": False,
    }


def test_none_counts_as_absent_in_a_map_and_an_object() -> None:
    params = {"metadata": {"a": None, "b": "x"}, "login_page": None}
    assert check_params(configuration_update_rule(), params) == params


# -- the typing cases hold at run time too --------------------------------------------------

_BY_TYPED_DICT = {typed: (rule, check) for _, rule, typed, check in OPERATIONS.values()}


def _typing_cases(module: Any) -> list[Callable[[], Any]]:
    cases = [f for name, f in vars(module).items() if name.startswith("case_")]
    assert len(cases) >= 5
    return cases


@pytest.mark.parametrize("case", _typing_cases(configuration_mistakes), ids=lambda f: f.__name__)
def test_each_typing_mistake_is_refused_before_sending(case: Callable[[], Any]) -> None:
    rule, check = _BY_TYPED_DICT[typing.get_type_hints(case)["return"]]
    match = re.search(r"on `([^`]+)`", inspect.getdoc(case) or "")
    assert match is not None, case.__name__
    with pytest.raises(InvalidParamsError) as caught:
        check_params(rule, case(), check)
    assert caught.value.param == match[1], str(caught.value)


@pytest.mark.parametrize("case", _typing_cases(configuration_correct), ids=lambda f: f.__name__)
def test_each_typed_correct_example_passes_unchanged(case: Callable[[], Any]) -> None:
    rule, check = _BY_TYPED_DICT[typing.get_type_hints(case)["return"]]
    params = case()
    assert check_params(rule, params, check) == params


# -- a property: the tables never accept what the schema refuses --------------------------------

# Where a table is stricter than the schema: each reason code is one of these, and each is
# listed in configuration_rules' docstring. "required-empty" is "" for a required string.
DOCUMENTED_DIFFERENCES = {
    "url",
    "unknown",
    "non_empty",
    "required-empty",
    "max_items",
    "max_length",
    "range",
    "exclusive",
    "features-empty",
}
_VALID = {
    "create": [FULL_CREATE, MINIMAL_CREATE],
    "update": [CLEARING_UPDATE, {k: v for k, v in FULL_CREATE.items() if k != "metadata"}],
    "list": [{"active": True, "limit": 10, "starting_after": "bpc_1", "expand": ["data.x"]}],
    "retrieve": [{"expand": ["application"]}],
}
_WRONG = st.sampled_from(
    [0, 1, 101, True, False, "", "x", "true", "https://example.com/x", [], ["x"], {}, {"x": "y"}]
)


def _slots(node: Any) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            found.extend(_slots(value))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((node, index))
            found.extend(_slots(value))
    return found


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(sorted(_VALID)))
    params = copy.deepcopy(draw(st.sampled_from(_VALID[operation])))
    for _ in range(draw(st.integers(0, 2))):
        slots = _slots(params)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["drop", "wrong", "empty", "unknown", "emptylist", "long"]))
        if action == "drop" and isinstance(container, dict):
            del container[key]
        elif action == "wrong":
            container[key] = copy.deepcopy(draw(_WRONG))  # never mutate a shared one
        elif action == "empty":
            container[key] = ""
        elif action == "unknown" and isinstance(container[key], dict):
            container[key]["surprise"] = "x"
        elif action == "emptylist" and isinstance(container[key], list):
            container[key] = []
        elif action == "long" and isinstance(container[key], str):
            container[key] = "y" * draw(st.sampled_from([41, 61, 257, 501, 5001]))
    return operation, params


def _difference(exc: InvalidParamsError, wire: dict[str, Any]) -> str:
    reason = exc.reason or ""
    if reason == "required" and exc.param == "features" and "features" in wire:
        return "features-empty"
    if reason == "required" and exc.param:
        node: Any = wire
        for part in re.findall(r"[^.\[\]]+", exc.param):
            node = node[int(part)] if isinstance(node, list) else node.get(part)
        if node == "":
            return "required-empty"
    return reason


SCHEMA_OUTCOMES: Counter[str] = Counter()


@settings(max_examples=1500, derandomize=True, database=None, deadline=None)
@given(_mutated())
def test_the_tables_agree_with_the_schema(case: tuple[str, dict[str, Any]]) -> None:
    operation, params = case
    _, rule, _, check = OPERATIONS[operation]
    schema_errors = list(jsonschema.Draft7Validator(_body_schema(operation)).iter_errors(params))
    try:
        check_params(rule, params, check)
    except InvalidParamsError as exc:
        if schema_errors:
            SCHEMA_OUTCOMES["both reject"] += 1
            return
        reason = _difference(exc, params)
        assert reason in DOCUMENTED_DIFFERENCES, (exc.param, exc.reason, str(exc))  # noqa: PT017
        SCHEMA_OUTCOMES[f"stricter: {reason}"] += 1
    else:
        assert schema_errors == [], [e.message for e in schema_errors]
        SCHEMA_OUTCOMES["both accept"] += 1


def test_both_outcomes_of_the_property_were_exercised() -> None:
    if not SCHEMA_OUTCOMES:  # run alone: drive the property once more
        test_the_tables_agree_with_the_schema()
    assert SCHEMA_OUTCOMES["both accept"] >= 100, SCHEMA_OUTCOMES
    assert SCHEMA_OUTCOMES["both reject"] >= 100, SCHEMA_OUTCOMES
