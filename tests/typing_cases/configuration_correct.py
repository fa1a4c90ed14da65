"""Portal configuration params that must type-check cleanly under `mypy --strict`.

`tests/test_typing.py` type-checks this file (no error allowed);
`tests/test_configuration_params.py` runs every `case_*` function and checks
that the pre-flight rules of the operation its return type names accept what
it returns, unchanged.
"""

from __future__ import annotations

from lattice_core.billing_portal.configuration_params import (
    ConfigurationCreateFeaturesParams,
    ConfigurationCreateParams,
    ConfigurationListParams,
    ConfigurationProductParams,
    ConfigurationRetrieveParams,
    ConfigurationUpdateParams,
)
from lattice_core.billing_portal.enums import CancellationReasonOption


def case_minimal_create() -> ConfigurationCreateParams:
    return {"features": {"invoice_history": {"enabled": True}}}


def case_full_create() -> ConfigurationCreateParams:
    reasons: list[CancellationReasonOption] = ["too_expensive", "missing_features"]
    product: ConfigurationProductParams = {
        "product": "prod_1",
        "prices": ["price_1"],
        "adjustable_quantity": {"enabled": True, "maximum": 10},
    }
    features: ConfigurationCreateFeaturesParams = {
        "customer_update": {"enabled": True, "allowed_updates": ["email", "address"]},
        "payment_method_update": {"enabled": True},
        "subscription_cancel": {
            "enabled": True,
            "mode": "at_period_end",
            "cancellation_reason": {"enabled": True, "options": reasons},
        },
        "subscription_pause": {"duration": {"type": "indefinite"}},
        "subscription_update": {
            "enabled": True,
            "default_allowed_updates": ["price"],
            "products": [product],
            "proration_behavior": "create_prorations",
            "schedule_at_period_end": {"conditions": [{"type": "decreasing_item_amount"}]},
        },
    }
    return {
        "business_profile": {"headline": "Acme", "privacy_policy_url": "https://example.com/p"},
        "default_return_url": "https://example.com/account",
        "features": features,
        "login_page": {"enabled": False},
        "metadata": {"team": "billing"},
        "name": "Main portal",
    }


def case_update_clears_with_empty_strings() -> ConfigurationUpdateParams:
    return {
        "active": False,
        "business_profile": {"privacy_policy_url": ""},
        "features": {
            "customer_update": {"allowed_updates": ""},
            "subscription_cancel": {"cancellation_reason": {"enabled": False, "options": ""}},
            "subscription_update": {"products": "", "schedule_at_period_end": {"conditions": ""}},
        },
        "metadata": "",
    }


def case_update_unsets_one_metadata_key() -> ConfigurationUpdateParams:
    return {"metadata": {"old_key": ""}, "name": ""}


def case_list_a_page() -> ConfigurationListParams:
    return {"active": True, "is_default": False, "limit": 100, "starting_after": "bpc_1"}


def case_retrieve_expanded() -> ConfigurationRetrieveParams:
    return {"expand": ["application"]}
