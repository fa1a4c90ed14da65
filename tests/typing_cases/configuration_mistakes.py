"""Typical mistakes in portal configuration params, each one a `case_*` function.

A `# E: <code> <text>` comment marks the line below it as one mypy must
report, with its error code and a fragment of its message; `tests/test_typing.py`
runs mypy over this file and checks that the reported lines are exactly the
marked ones. Each case returns its params as a dict literal typed by the
operation's `TypedDict`; `tests/test_configuration_params.py` checks that the
pre-flight rules of that operation refuse them on the param the docstring names.
"""

from __future__ import annotations

from lattice_core.billing_portal.configuration_params import (
    ConfigurationCreateParams,
    ConfigurationListParams,
    ConfigurationUpdateParams,
)


def case_misspelt_top_level_key() -> ConfigurationCreateParams:
    """Refused at run time on `nmae`."""
    # E: typeddict-unknown-key "nmae"
    return {"features": {"invoice_history": {"enabled": True}}, "nmae": "Main portal"}


def case_misspelt_feature() -> ConfigurationUpdateParams:
    """Refused at run time on `features.invoice_histroy`."""
    # E: typeddict-unknown-key "invoice_histroy"
    return {"features": {"invoice_histroy": {"enabled": True}}}


def case_active_is_not_a_create_param() -> ConfigurationCreateParams:
    """Refused at run time on `active`."""
    # E: typeddict-unknown-key "active"
    return {"features": {"invoice_history": {"enabled": True}}, "active": True}


def case_wrong_cancel_mode() -> ConfigurationUpdateParams:
    """Refused at run time on `features.subscription_cancel.mode`."""
    # E: typeddict-item "mode"
    return {"features": {"subscription_cancel": {"mode": "at_end_of_period"}}}


def case_wrong_allowed_update() -> ConfigurationUpdateParams:
    """Refused at run time on `features.customer_update.allowed_updates[0]`."""
    # E: list-item 'emial'
    return {"features": {"customer_update": {"allowed_updates": ["emial"]}}}


def case_feature_without_enabled() -> ConfigurationCreateParams:
    """Refused at run time on `features.invoice_history.enabled`."""
    # E: typeddict-item "enabled"
    return {"features": {"invoice_history": {}}}


def case_enabled_is_not_text() -> ConfigurationUpdateParams:
    """Refused at run time on `login_page.enabled`."""
    # E: typeddict-item "enabled"
    return {"login_page": {"enabled": "true"}}


def case_create_without_features() -> ConfigurationCreateParams:
    """Refused at run time on `features`."""
    # E: typeddict-item "features"
    return {"name": "Main portal"}


def case_cancellation_reason_without_options() -> ConfigurationCreateParams:
    """Refused at run time on `features.subscription_cancel.cancellation_reason.options`."""
    return {
        "features": {
            "subscription_cancel": {
                "enabled": True,
                # E: typeddict-item "options"
                "cancellation_reason": {"enabled": True},
            }
        }
    }


def case_metadata_cleared_on_create() -> ConfigurationCreateParams:
    """Refused at run time on `metadata`."""
    # E: typeddict-item "metadata"
    return {"features": {"invoice_history": {"enabled": True}}, "metadata": ""}


def case_limit_as_text() -> ConfigurationListParams:
    """Refused at run time on `limit`."""
    # E: typeddict-item "limit"
    return {"limit": "10"}
