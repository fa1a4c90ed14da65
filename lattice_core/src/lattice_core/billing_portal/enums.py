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
    "FlowDataType",
    "Locale",
    "RetentionType",
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
