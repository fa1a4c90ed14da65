"""The params of the portal configuration's operations, typed.

Each `TypedDict` mirrors one object of `/v1/billing_portal/configurations` at
the pinned API version (`2026-10-28.endive`): keys Stripe requires are
`Required`, enums are `Literal`, and where Stripe takes `""` to clear a list
or a mapping the type says `Literal[""]` (any `str` field takes `""` already).
Create and update require different keys, so the objects that differ come in
two: `ConfigurationCreate...Params` and `ConfigurationUpdate...Params`; the
others (`Configuration...Params`) serve both. A dict literal is checked by
mypy or pyright where it is written.

At run time these are plain mappings; the pre-flight checks
(`lattice_core.billing_portal.configuration_rules`) decide.
"""

import sys
from collections.abc import Mapping, Sequence
from typing import Literal

from .enums import (
    BillingCycleAnchor,
    CancellationReasonOption,
    ConditionType,
    CustomerUpdateAllowedUpdate,
    DefaultAllowedUpdate,
    PauseDurationType,
    PauseInterval,
    ProrationBehavior,
    SubscriptionCancelMode,
    TrialUpdateBehavior,
)

if sys.version_info >= (3, 11):
    from typing import Required, TypedDict
else:  # pragma: no cover - Python 3.10: typing's TypedDict does not know Required
    from typing_extensions import Required, TypedDict

__all__ = [
    "ConfigurationAdjustableQuantityParams",
    "ConfigurationConditionParams",
    "ConfigurationCreateBusinessProfileParams",
    "ConfigurationCreateCancellationReasonParams",
    "ConfigurationCreateCustomerUpdateParams",
    "ConfigurationCreateFeaturesParams",
    "ConfigurationCreateParams",
    "ConfigurationCreateScheduleAtPeriodEndParams",
    "ConfigurationCreateSubscriptionCancelParams",
    "ConfigurationCreateSubscriptionUpdateParams",
    "ConfigurationInvoiceHistoryParams",
    "ConfigurationListParams",
    "ConfigurationLoginPageParams",
    "ConfigurationPauseDurationParams",
    "ConfigurationPauseIntervalOptionParams",
    "ConfigurationPaymentMethodUpdateParams",
    "ConfigurationProductParams",
    "ConfigurationRetrieveParams",
    "ConfigurationSubscriptionPauseParams",
    "ConfigurationUpdateBusinessProfileParams",
    "ConfigurationUpdateCancellationReasonParams",
    "ConfigurationUpdateCustomerUpdateParams",
    "ConfigurationUpdateFeaturesParams",
    "ConfigurationUpdateParams",
    "ConfigurationUpdateScheduleAtPeriodEndParams",
    "ConfigurationUpdateSubscriptionCancelParams",
    "ConfigurationUpdateSubscriptionUpdateParams",
]

# -- the same on create and update ------------------------------------------------------------


class ConfigurationInvoiceHistoryParams(TypedDict, total=False):
    """`features.invoice_history`: whether customers see their invoices."""

    enabled: Required[bool]
    """Whether the feature is on."""


class ConfigurationPaymentMethodUpdateParams(TypedDict, total=False):
    """`features.payment_method_update`: whether customers may change payment methods."""

    enabled: Required[bool]
    """Whether the feature is on."""
    payment_method_configuration: str
    """The payment method configuration to use (`pmc_...`); `""` for the default one."""


class ConfigurationAdjustableQuantityParams(TypedDict, total=False):
    """`features.subscription_update.products[].adjustable_quantity`."""

    enabled: Required[bool]
    """Whether customers may change the quantity."""
    maximum: int
    """The most customers may choose."""
    minimum: int
    """The least customers may choose."""


class ConfigurationProductParams(TypedDict, total=False):
    """One of `features.subscription_update.products`: a product customers may switch to."""

    adjustable_quantity: ConfigurationAdjustableQuantityParams
    """Whether and how far customers may change the quantity."""
    prices: Required[list[str]]
    """The product's prices customers may choose (`price_...`); at least one."""
    product: Required[str]
    """The product id (`prod_...`)."""


class ConfigurationConditionParams(TypedDict, total=False):
    """One of `features.subscription_update.schedule_at_period_end.conditions`."""

    type: Required[ConditionType]
    """When an update waits for the end of the period."""


class ConfigurationPauseIntervalOptionParams(TypedDict, total=False):
    """One of `features.subscription_pause.duration.interval_options` (`2026-10-28.endive`)."""

    interval: Required[PauseInterval]
    """The unit of the pause: `"day"`, `"week"`, `"month"` or `"year"`."""
    interval_count: int
    """How many units (1 by default)."""


class ConfigurationPauseDurationParams(TypedDict, total=False):
    """`features.subscription_pause.duration` (`2026-10-28.endive`)."""

    interval_options: Sequence[ConfigurationPauseIntervalOptionParams] | Literal[""]
    """The pause lengths offered, with `type="interval_options"`; `""` clears them."""
    type: Required[PauseDurationType]
    """`"indefinite"` or `"interval_options"`."""


class ConfigurationSubscriptionPauseParams(TypedDict, total=False):
    """`features.subscription_pause`: whether customers may pause (`2026-10-28.endive`)."""

    duration: ConfigurationPauseDurationParams
    """How long customers may pause."""
    enabled: bool
    """Whether the feature is on."""


class ConfigurationLoginPageParams(TypedDict, total=False):
    """`login_page`: a shareable link to the portal's hosted login page."""

    enabled: Required[bool]
    """`True` makes a login `url`; `False` turns off the one made before."""


# -- create -------------------------------------------------------------------------------------


class ConfigurationCreateBusinessProfileParams(TypedDict, total=False):
    """`business_profile` on create: what the portal shows about your business."""

    headline: str
    """The headline shown in the portal (at most 60 characters)."""
    privacy_policy_url: str
    """An absolute URL to your privacy policy."""
    terms_of_service_url: str
    """An absolute URL to your terms of service."""


class ConfigurationCreateCustomerUpdateParams(TypedDict, total=False):
    """`features.customer_update` on create: whether customers may change their details."""

    allowed_updates: list[CustomerUpdateAllowedUpdate] | Literal[""]
    """The details customers may change; `""` for none."""
    enabled: Required[bool]
    """Whether the feature is on."""


class ConfigurationCreateCancellationReasonParams(TypedDict, total=False):
    """`features.subscription_cancel.cancellation_reason` on create."""

    enabled: Required[bool]
    """Whether customers are asked why they cancel."""
    feedback_options: list[str] | Literal[""]
    """Ids of `billing.feedback_option`s to offer (`2026-10-28.endive`); `""` for none."""
    options: Required[list[CancellationReasonOption] | Literal[""]]
    """The reasons offered; `""` for none."""


class ConfigurationCreateSubscriptionCancelParams(TypedDict, total=False):
    """`features.subscription_cancel` on create: whether customers may cancel."""

    cancellation_reason: ConfigurationCreateCancellationReasonParams
    """Whether and how customers are asked why they cancel."""
    enabled: Required[bool]
    """Whether the feature is on."""
    mode: SubscriptionCancelMode
    """Cancel at once or at the end of the period."""
    proration_behavior: ProrationBehavior
    """How a cancellation at once is prorated."""


class ConfigurationCreateScheduleAtPeriodEndParams(TypedDict, total=False):
    """`features.subscription_update.schedule_at_period_end` on create."""

    conditions: Sequence[ConfigurationConditionParams]
    """When updates wait for the end of the period."""


class ConfigurationCreateSubscriptionUpdateParams(TypedDict, total=False):
    """`features.subscription_update` on create: whether customers may change plans."""

    billing_cycle_anchor: BillingCycleAnchor
    """Whether a change resets the billing cycle (`"unchanged"` by default)."""
    default_allowed_updates: list[DefaultAllowedUpdate] | Literal[""]
    """What customers may change; `""` for nothing."""
    enabled: Required[bool]
    """Whether the feature is on."""
    products: Sequence[ConfigurationProductParams] | Literal[""]
    """The products customers may switch to (at most 10); `""` for none."""
    proration_behavior: ProrationBehavior
    """How changes are prorated (`"none"` by default)."""
    schedule_at_period_end: ConfigurationCreateScheduleAtPeriodEndParams
    """When updates wait for the end of the period."""
    trial_update_behavior: TrialUpdateBehavior
    """What a change does to a trial (`"end_trial"` by default)."""


class ConfigurationCreateFeaturesParams(TypedDict, total=False):
    """`features` on create: what customers may do in the portal; each one sent needs `enabled`."""

    customer_update: ConfigurationCreateCustomerUpdateParams
    """Changing their details."""
    invoice_history: ConfigurationInvoiceHistoryParams
    """Seeing their invoices."""
    payment_method_update: ConfigurationPaymentMethodUpdateParams
    """Changing payment methods."""
    subscription_cancel: ConfigurationCreateSubscriptionCancelParams
    """Cancelling subscriptions."""
    subscription_pause: ConfigurationSubscriptionPauseParams
    """Pausing subscriptions (`2026-10-28.endive`)."""
    subscription_update: ConfigurationCreateSubscriptionUpdateParams
    """Changing plans."""


class ConfigurationCreateParams(TypedDict, total=False):
    """Params of `POST /v1/billing_portal/configurations`; only `features` is required."""

    business_profile: ConfigurationCreateBusinessProfileParams
    """What the portal shows about your business."""
    default_return_url: str
    """Where customers go back to when a session names no `return_url`: an absolute URL."""
    expand: list[str]
    """Fields of the answer to expand."""
    features: Required[ConfigurationCreateFeaturesParams]
    """What customers may do in the portal: at least one feature."""
    login_page: ConfigurationLoginPageParams
    """A shareable link to the portal's hosted login page."""
    metadata: Mapping[str, str]
    """Your own key-value pairs: at most 50 keys of at most 40 characters, values of 500."""
    name: str
    """A name for your own reference (at most 256 characters)."""


# -- update -------------------------------------------------------------------------------------


class ConfigurationUpdateBusinessProfileParams(TypedDict, total=False):
    """`business_profile` on update; `""` unsets a field."""

    headline: str
    """The headline shown in the portal (at most 60 characters)."""
    privacy_policy_url: str
    """An absolute URL to your privacy policy, or `""`."""
    terms_of_service_url: str
    """An absolute URL to your terms of service, or `""`."""


class ConfigurationUpdateCustomerUpdateParams(TypedDict, total=False):
    """`features.customer_update` on update."""

    allowed_updates: list[CustomerUpdateAllowedUpdate] | Literal[""]
    """The details customers may change; `""` for none."""
    enabled: bool
    """Whether the feature is on."""


class ConfigurationUpdateCancellationReasonParams(TypedDict, total=False):
    """`features.subscription_cancel.cancellation_reason` on update."""

    enabled: Required[bool]
    """Whether customers are asked why they cancel."""
    feedback_options: list[str] | Literal[""]
    """Ids of `billing.feedback_option`s to offer (`2026-10-28.endive`); `""` for none."""
    options: list[CancellationReasonOption] | Literal[""]
    """The reasons offered; `""` for none."""


class ConfigurationUpdateSubscriptionCancelParams(TypedDict, total=False):
    """`features.subscription_cancel` on update."""

    cancellation_reason: ConfigurationUpdateCancellationReasonParams
    """Whether and how customers are asked why they cancel."""
    enabled: bool
    """Whether the feature is on."""
    mode: SubscriptionCancelMode
    """Cancel at once or at the end of the period."""
    proration_behavior: ProrationBehavior
    """How a cancellation at once is prorated."""


class ConfigurationUpdateScheduleAtPeriodEndParams(TypedDict, total=False):
    """`features.subscription_update.schedule_at_period_end` on update."""

    conditions: Sequence[ConfigurationConditionParams] | Literal[""]
    """When updates wait for the end of the period; `""` clears them."""


class ConfigurationUpdateSubscriptionUpdateParams(TypedDict, total=False):
    """`features.subscription_update` on update."""

    billing_cycle_anchor: BillingCycleAnchor
    """Whether a change resets the billing cycle."""
    default_allowed_updates: list[DefaultAllowedUpdate] | Literal[""]
    """What customers may change; `""` for nothing."""
    enabled: bool
    """Whether the feature is on."""
    products: Sequence[ConfigurationProductParams] | Literal[""]
    """The products customers may switch to (at most 10); `""` for none."""
    proration_behavior: ProrationBehavior
    """How changes are prorated."""
    schedule_at_period_end: ConfigurationUpdateScheduleAtPeriodEndParams
    """When updates wait for the end of the period."""
    trial_update_behavior: TrialUpdateBehavior
    """What a change does to a trial."""


class ConfigurationUpdateFeaturesParams(TypedDict, total=False):
    """`features` on update: only what changes."""

    customer_update: ConfigurationUpdateCustomerUpdateParams
    """Changing their details."""
    invoice_history: ConfigurationInvoiceHistoryParams
    """Seeing their invoices."""
    payment_method_update: ConfigurationPaymentMethodUpdateParams
    """Changing payment methods."""
    subscription_cancel: ConfigurationUpdateSubscriptionCancelParams
    """Cancelling subscriptions."""
    subscription_pause: ConfigurationSubscriptionPauseParams
    """Pausing subscriptions (`2026-10-28.endive`)."""
    subscription_update: ConfigurationUpdateSubscriptionUpdateParams
    """Changing plans."""


class ConfigurationUpdateParams(TypedDict, total=False):
    """Params of `POST /v1/billing_portal/configurations/{configuration}`; none is required."""

    active: bool
    """Whether portal sessions may use the configuration."""
    business_profile: ConfigurationUpdateBusinessProfileParams
    """What the portal shows about your business."""
    default_return_url: str
    """Where customers go back to when a session names no `return_url`, or `""`."""
    expand: list[str]
    """Fields of the answer to expand."""
    features: ConfigurationUpdateFeaturesParams
    """What customers may do in the portal."""
    login_page: ConfigurationLoginPageParams
    """A shareable link to the portal's hosted login page."""
    metadata: Mapping[str, str] | Literal[""]
    """Your own key-value pairs; a value of `""` unsets that key, `""` for all unsets them all."""
    name: str
    """A name for your own reference (at most 256 characters), or `""`."""


# -- list and retrieve ----------------------------------------------------------------------


class ConfigurationListParams(TypedDict, total=False):
    """Query of `GET /v1/billing_portal/configurations`; none is required."""

    active: bool
    """Only active (`True`) or inactive (`False`) configurations."""
    ending_before: str
    """A configuration id (`bpc_...`): the page before it. Not with `starting_after`."""
    expand: list[str]
    """Fields of the answer to expand."""
    is_default: bool
    """Only the default configuration (`True`) or the others (`False`)."""
    limit: int
    """How many per page: 1 to 100 (10 by default)."""
    starting_after: str
    """A configuration id (`bpc_...`): the page after it. Not with `ending_before`."""


class ConfigurationRetrieveParams(TypedDict, total=False):
    """Query of `GET /v1/billing_portal/configurations/{configuration}`."""

    expand: list[str]
    """Fields of the answer to expand."""
