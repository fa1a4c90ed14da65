"""The enums of the pinned API version (`2026-10-28.endive`), as `Literal` types.

Transcribed from Stripe's OpenAPI schema plus the SDK delta of that version; a
conformance test holds each one to the schema. Params use them so a type
checker rejects a misspelt value at the call site. Decoded objects use them
too, but decoding keeps a value that a newer API version introduced (a type
checker cannot know it, but nothing is refused or lost at run time).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AfterCompletionType",
    "AfterExpirationType",
    "BillingCycleAnchor",
    "CancellationReasonOption",
    "ConditionType",
    "CustomerUpdateAllowedUpdate",
    "DefaultAllowedUpdate",
    "FlowDataType",
    "Locale",
    "PauseDurationType",
    "PauseInterval",
    "ProrationBehavior",
    "RetentionType",
    "SubscriptionCancelMode",
    "TrialUpdateBehavior",
]

FlowDataType = Literal[
    "customer_update",
    "payment_method_update",
    "subscription_cancel",
    "subscription_pause",
    "subscription_update",
    "subscription_update_confirm",
]
"""A deep-link flow: what the customer is sent to do (`flow_data.type`)."""

AfterCompletionType = Literal["hosted_confirmation", "portal_homepage", "redirect"]
"""What the portal shows once a flow is done (`flow_data.after_completion.type`)."""

RetentionType = Literal["coupon_offer"]
"""The kind of retention offer made before a cancellation."""

AfterExpirationType = Literal["customer_login"]
"""What an expired session URL offers (`after_expiration.type`)."""

Locale = Literal[
    "auto", "bg", "cs", "da", "de", "el", "en", "en-AU", "en-CA", "en-GB", "en-IE", "en-IN",
    "en-NZ", "en-SG", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr", "hu", "id", "it",
    "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl",
    "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
]  # fmt: skip
"""The IETF language tag the portal is shown in; `"auto"` follows the customer's browser."""

# -- the portal configuration (`billing_portal.configuration`) --------------------------------

CustomerUpdateAllowedUpdate = Literal["address", "email", "name", "phone", "shipping", "tax_id"]
"""A customer detail customers may change (`features.customer_update.allowed_updates`)."""

CancellationReasonOption = Literal[
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
]
"""A reason offered on cancelling (`subscription_cancel.cancellation_reason.options`)."""

SubscriptionCancelMode = Literal["at_period_end", "immediately"]
"""When a cancellation takes effect (`features.subscription_cancel.mode`)."""

ProrationBehavior = Literal["always_invoice", "create_prorations", "none"]
"""How changes are prorated (`proration_behavior` of both subscription features).

For `subscription_cancel`, the SDK of `2026-10-28.endive` says `always_invoice`
is refused and `create_prorations` needs `mode="immediately"`, though the
schema lists all three.
"""

BillingCycleAnchor = Literal["now", "unchanged"]
"""Whether a plan change resets the billing cycle (`subscription_update.billing_cycle_anchor`)."""

DefaultAllowedUpdate = Literal["price", "promotion_code", "quantity"]
"""What customers may change (`features.subscription_update.default_allowed_updates`)."""

ConditionType = Literal["decreasing_item_amount", "shortening_interval"]
"""When an update waits for the period's end (`schedule_at_period_end.conditions[].type`)."""

TrialUpdateBehavior = Literal["continue_trial", "end_trial"]
"""What a plan change does to a trial (`features.subscription_update.trial_update_behavior`)."""

PauseDurationType = Literal["indefinite", "interval_options"]
"""How long customers may pause (`subscription_pause.duration.type`, `2026-10-28.endive`)."""

PauseInterval = Literal["day", "month", "week", "year"]
"""The unit of a pause option (`subscription_pause.duration.interval_options[].interval`)."""
