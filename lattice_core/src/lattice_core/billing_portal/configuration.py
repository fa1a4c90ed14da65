"""`billing_portal.Configuration`: what a customer can do in the portal, typed.

A configuration (Stripe object `billing_portal.configuration`, id `bpc_...`)
decides which features a portal session offers, how it looks and where it
leads. Each class below mirrors one `portal_*` schema of Stripe's API, plus
what API version `2026-10-28.endive` added:
[`ConfigurationFeatures.subscription_pause`][lattice_core.billing_portal.ConfigurationFeatures.subscription_pause]
and
[`CancellationReason.feedback_options`][lattice_core.billing_portal.CancellationReason.feedback_options].
Every level keeps keys it does not know in `extra`, so a newer API version
never breaks decoding, and an enum value newer than the pinned version is kept
as it came.

A field is required exactly where Stripe's schema requires it and `None` where
the schema allows `null`, with two exceptions: `object` defaults to its one
value, and `features.subscription_pause` is `None` in answers of API versions
before `2026-10-28.endive`, which do not have it. Inside `subscription_pause`,
every member is required, as the SDK of that version types them.

`repr` shows everything but two values: the login page
[`url`][lattice_core.billing_portal.LoginPage.url], a shareable link into the
portal, and the values of `metadata` (its keys show). Read them as attributes,
or call
[`Configuration.to_dict`][lattice_core.billing_portal.Configuration.to_dict]
to see everything.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ..client import AsyncClient, CallOptions, Client
from ..converters import IdOrObject
from ..model import Model, masked, masked_extra
from ..pagination import AsyncPage, Page
from ..resources import Operation, Resource
from .configuration_params import (  # at run time too: typing.get_type_hints(create)
    ConfigurationCreateParams,
    ConfigurationListParams,
    ConfigurationRetrieveParams,
    ConfigurationUpdateParams,
)
from .configuration_rules import (
    check_configuration_create,
    check_configuration_list,
    configuration_create_rule,
    configuration_list_rule,
    configuration_retrieve_rule,
    configuration_update_rule,
)
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

if sys.version_info >= (3, 11):  # at run time too: typing.get_type_hints(create)
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = [
    "AdjustableQuantity",
    "BusinessProfile",
    "CancellationReason",
    "Configuration",
    "ConfigurationFeatures",
    "FeatureCustomerUpdate",
    "FeatureInvoiceHistory",
    "FeaturePaymentMethodUpdate",
    "FeatureProduct",
    "FeatureSubscriptionCancel",
    "FeatureSubscriptionPause",
    "FeatureSubscriptionUpdate",
    "LoginPage",
    "PauseDuration",
    "PauseIntervalOption",
    "ScheduleAtPeriodEnd",
    "ScheduleCondition",
]


def _masked_metadata(metadata: Mapping[str, str] | None) -> str:
    """How `repr` shows `metadata`: its keys, never its values."""
    return "None" if metadata is None else masked_extra(metadata)


@attrs.frozen(slots=True, repr=False)
class BusinessProfile(Model):
    """`business_profile`: the business information shown in the portal."""

    headline: str | None = None
    """The messaging shown to customers in the portal."""
    privacy_policy_url: str | None = None
    """A link to the business's publicly available privacy policy."""
    terms_of_service_url: str | None = None
    """A link to the business's publicly available terms of service."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class LoginPage(Model):
    """`login_page`: the hosted page where customers log in to the portal themselves."""

    enabled: bool
    """Whether a shareable login [`url`][lattice_core.billing_portal.LoginPage.url] exists.

    Setting it to `False` deactivates the URL generated before, if any.
    """
    url: str | None = attrs.field(default=None, repr=masked)
    """The shareable URL of the hosted login page; masked in `repr`.

    Customers log in there with their email and receive a link to their portal.
    """
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FeatureCustomerUpdate(Model):
    """`features.customer_update`: whether and how customers update their details."""

    allowed_updates: list[CustomerUpdateAllowedUpdate]
    """What customers may update: `address`, `email`, `name`, `phone`, `shipping`, `tax_id`.

    When empty, customers cannot update anything.
    """
    enabled: bool
    """Whether the feature is enabled."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FeatureInvoiceHistory(Model):
    """`features.invoice_history`: whether customers see their past invoices."""

    enabled: bool
    """Whether the feature is enabled."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FeaturePaymentMethodUpdate(Model):
    """`features.payment_method_update`: whether customers update their payment methods."""

    enabled: bool
    """Whether the feature is enabled."""
    payment_method_configuration: str | None = None
    """The payment method configuration (`pmc_...`) whose options customers can pick from.

    `None` uses the default payment method configuration.
    """
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class CancellationReason(Model):
    """`features.subscription_cancel.cancellation_reason`: asking customers why they cancel."""

    enabled: bool
    """Whether the feature is enabled."""
    options: list[CancellationReasonOption]
    """The reasons offered to the customer.

    Any of `customer_service`, `low_quality`, `missing_features`, `other`,
    `switched_service`, `too_complex`, `too_expensive` and `unused`.
    """
    feedback_options: list[IdOrObject] | None = None
    """The custom feedback options offered (API `2026-10-28.endive`).

    Each is the id of a `billing.feedback_option`, or the object when expanded.
    """
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FeatureSubscriptionCancel(Model):
    """`features.subscription_cancel`: whether and how customers cancel subscriptions."""

    cancellation_reason: CancellationReason
    """Whether and how customers are asked why they cancel."""
    enabled: bool
    """Whether the feature is enabled."""
    mode: SubscriptionCancelMode
    """When a subscription is cancelled: `immediately` or `at_period_end`."""
    proration_behavior: ProrationBehavior
    """Whether cancelling creates prorations: `none` or `create_prorations`.

    The schema also lists `always_invoice`, which Stripe refuses here.
    """
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class PauseIntervalOption(Model):
    """One pause duration offered to the customer, e.g. two weeks."""

    interval: PauseInterval
    """The unit of the duration: `day`, `week`, `month` or `year`."""
    interval_count: int
    """How many `interval`s the pause lasts."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class PauseDuration(Model):
    """`features.subscription_pause.duration`: how long customers may pause."""

    interval_options: list[PauseIntervalOption]
    """The durations offered, when `type` is `interval_options`."""
    type: PauseDurationType
    """`indefinite` (until the customer resumes) or `interval_options` (one of those offered)."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FeatureSubscriptionPause(Model):
    """`features.subscription_pause` (API `2026-10-28.endive`): pausing subscriptions."""

    duration: PauseDuration
    """How long customers may pause a subscription."""
    enabled: bool
    """Whether the feature is enabled."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class AdjustableQuantity(Model):
    """`products[].adjustable_quantity`: whether and how far customers change quantities."""

    enabled: bool
    """If `True`, the quantity can be set to any non-negative integer within the bounds."""
    minimum: int
    """The smallest quantity that can be set."""
    maximum: int | None = None
    """The largest quantity that can be set; `None` for no maximum."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FeatureProduct(Model):
    """One product whose subscriptions customers can update, with the prices allowed."""

    adjustable_quantity: AdjustableQuantity
    """Whether and how far customers can change the quantity."""
    prices: list[str]
    """The ids of the prices (`price_...`) a subscription can be updated to."""
    product: str
    """The product id (`prod_...`)."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class ScheduleCondition(Model):
    """A condition under which an update waits for the end of the billing period."""

    type: ConditionType
    """`decreasing_item_amount` or `shortening_interval`."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class ScheduleAtPeriodEnd(Model):
    """`subscription_update.schedule_at_period_end`: which updates wait for the period's end."""

    conditions: list[ScheduleCondition]
    """When any of these holds, the update is scheduled at the end of the current period."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FeatureSubscriptionUpdate(Model):
    """`features.subscription_update`: whether and how customers change subscriptions."""

    default_allowed_updates: list[DefaultAllowedUpdate]
    """What customers may change on the listed products: `price`, `promotion_code`, `quantity`.

    When empty, subscriptions cannot be updated.
    """
    enabled: bool
    """Whether the feature is enabled."""
    proration_behavior: ProrationBehavior
    """How updates are prorated: `none`, `create_prorations` or `always_invoice`.

    `none` unless set when the configuration was created.
    """
    schedule_at_period_end: ScheduleAtPeriodEnd
    """Which updates are scheduled at the end of the current period instead of applied now."""
    trial_update_behavior: TrialUpdateBehavior
    """How updates treat a trialing subscription: `end_trial` or `continue_trial`.

    `end_trial` unless set when the configuration was created.
    """
    billing_cycle_anchor: BillingCycleAnchor | None = None
    """The billing cycle anchor after an update: `now` resets it, `unchanged` keeps it.

    `None` means `unchanged`.
    """
    products: list[FeatureProduct] | None = None
    """The products (up to 10) whose subscriptions can be updated."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class ConfigurationFeatures(Model):
    """`features`: what customers can do in the portal, feature by feature."""

    customer_update: FeatureCustomerUpdate
    """Updating the customer's details."""
    invoice_history: FeatureInvoiceHistory
    """Seeing past invoices."""
    payment_method_update: FeaturePaymentMethodUpdate
    """Updating payment methods."""
    subscription_cancel: FeatureSubscriptionCancel
    """Cancelling subscriptions."""
    subscription_update: FeatureSubscriptionUpdate
    """Changing subscriptions (price, quantity, promotion code)."""
    subscription_pause: FeatureSubscriptionPause | None = None
    """Pausing subscriptions (API `2026-10-28.endive`).

    `None` in an answer of an earlier API version, which does not have it.
    """
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class Configuration(Model):
    """A Customer Portal configuration (Stripe object `billing_portal.configuration`).

    Pass its [`id`][lattice_core.billing_portal.Configuration.id] as a
    session's `configuration` to use it instead of the default one. Keys
    Stripe adds in newer API versions land in
    [`extra`][lattice_core.billing_portal.Configuration.extra].
    """

    OBJECT_NAME = "billing_portal.configuration"
    """The `object` value of this resource in Stripe's JSON."""

    id: str
    """The configuration id (`bpc_...`)."""
    active: bool
    """Whether the configuration is active and can be used to create portal sessions."""
    business_profile: BusinessProfile
    """The business information shown in the portal."""
    created: int
    """When the configuration was created, in Unix seconds."""
    features: ConfigurationFeatures
    """What customers can do in the portal."""
    is_default: bool
    """Whether this is the account's default configuration.

    The default one can be managed in the Dashboard, and portal sessions use it
    unless they name another.
    """
    livemode: bool
    """`True` in live mode, `False` in test mode."""
    login_page: LoginPage
    """The hosted login page; its `url` is masked in `repr`."""
    updated: int
    """When the configuration was last updated, in Unix seconds."""
    object: Literal["billing_portal.configuration"] = "billing_portal.configuration"
    """Always `"billing_portal.configuration"`."""
    application: IdOrObject | None = None
    """The Connect application that created the configuration, if any.

    Its id (`ca_...`), or the object when expanded.
    """
    default_return_url: str | None = None
    """Where the portal's "return" link leads, unless a session sets its own `return_url`."""
    metadata: dict[str, str] | None = attrs.field(default=None, repr=_masked_metadata)
    """Your key-value pairs stored on the configuration; `repr` shows the keys only."""
    name: str | None = None
    """The name of the configuration."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""

    @classmethod
    def create(
        cls, client: Client, params: ConfigurationCreateParams, **options: Unpack[CallOptions]
    ) -> Configuration:
        """Create a portal configuration (`POST /v1/billing_portal/configurations`).

        Everything is checked before any request is sent: `features` is
        required, and `enabled` in each feature sent.

        Args:
            client: The [`Client`][lattice_core.Client] to send through (for an
                [`AsyncClient`][lattice_core.AsyncClient] use
                [`create_async`][lattice_core.billing_portal.Configuration.create_async]).
            params: The params as in Stripe's docs, e.g.
                `{"features": {"invoice_history": {"enabled": True}}}`.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this
                call only: `stripe_account`, `idempotency_key` (by default one is
                generated, and kept the same across automatic retries), `timeout`
                and `max_retries`.

        Returns:
            The new configuration.

        Raises:
            InvalidParamsError: `params` or an option is wrong; nothing was sent.
            ConfigurationError: `client` is an `AsyncClient`.
            StripeError: Stripe refused the request or could not be reached.
        """
        return _CREATE.call(client, params, options)

    @classmethod
    async def create_async(
        cls,
        client: AsyncClient,
        params: ConfigurationCreateParams,
        **options: Unpack[CallOptions],
    ) -> Configuration:
        """[`create`][lattice_core.billing_portal.Configuration.create] through an `AsyncClient`.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            params: The params as in Stripe's docs.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this call.

        Returns:
            The new configuration.

        Raises:
            InvalidParamsError: `params` or an option is wrong; nothing was sent.
            ConfigurationError: `client` is a `Client`.
            StripeError: Stripe refused the request or could not be reached.
        """
        return await _CREATE.call_async(client, params, options)

    @classmethod
    def retrieve(
        cls,
        client: Client,
        id: str,
        params: ConfigurationRetrieveParams | None = None,
        **options: Unpack[CallOptions],
    ) -> Configuration:
        """Fetch one configuration (`GET /v1/billing_portal/configurations/{id}`).

        Args:
            client: The [`Client`][lattice_core.Client] to send through.
            id: The configuration's id, `bpc_...`; anything else (a `/`, `?`, `#`,
                space, `..`) is refused before any request, never sent elsewhere.
            params: `{"expand": [...]}`, if anything.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this
                call (a GET takes no `idempotency_key`).

        Returns:
            The configuration.

        Raises:
            InvalidParamsError: The id, `params` or an option is wrong; nothing was sent.
            InvalidRequestError: No configuration has that id (`code` is
                `"resource_missing"`, `http_status` 404).
            StripeError: Stripe refused the request or could not be reached.
        """
        return _RETRIEVE.call(client, {} if params is None else params, options, id)

    @classmethod
    async def retrieve_async(
        cls,
        client: AsyncClient,
        id: str,
        params: ConfigurationRetrieveParams | None = None,
        **options: Unpack[CallOptions],
    ) -> Configuration:
        """[`retrieve`][lattice_core.billing_portal.Configuration.retrieve], awaited.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            id: The configuration's id, `bpc_...`.
            params: `{"expand": [...]}`, if anything.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this call.

        Returns:
            The configuration.

        Raises:
            InvalidParamsError: The id, `params` or an option is wrong; nothing was sent.
            StripeError: Stripe refused the request or could not be reached.
        """
        return await _RETRIEVE.call_async(client, {} if params is None else params, options, id)

    @classmethod
    def update(
        cls,
        client: Client,
        id: str,
        params: ConfigurationUpdateParams,
        **options: Unpack[CallOptions],
    ) -> Configuration:
        """Change a configuration (`POST /v1/billing_portal/configurations/{id}`).

        Only the keys sent change. `""` clears what Stripe lets it clear
        (`metadata`, a metadata key, `name`, ...); `{"active": False}` retires
        the configuration, so no new session can use it.

        Args:
            client: The [`Client`][lattice_core.Client] to send through.
            id: The configuration's id, `bpc_...`.
            params: What to change, e.g. `{"name": "Annual plans"}`.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this call.

        Returns:
            The configuration as it is now.

        Raises:
            InvalidParamsError: The id, `params` or an option is wrong; nothing was sent.
            InvalidRequestError: No configuration has that id.
            StripeError: Stripe refused the request or could not be reached.
        """
        return _UPDATE.call(client, params, options, id)

    @classmethod
    async def update_async(
        cls,
        client: AsyncClient,
        id: str,
        params: ConfigurationUpdateParams,
        **options: Unpack[CallOptions],
    ) -> Configuration:
        """[`update`][lattice_core.billing_portal.Configuration.update] through an `AsyncClient`.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            id: The configuration's id, `bpc_...`.
            params: What to change.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this call.

        Returns:
            The configuration as it is now.

        Raises:
            InvalidParamsError: The id, `params` or an option is wrong; nothing was sent.
            StripeError: Stripe refused the request or could not be reached.
        """
        return await _UPDATE.call_async(client, params, options, id)

    @classmethod
    def list(
        cls,
        client: Client,
        params: ConfigurationListParams | None = None,
        **options: Unpack[CallOptions],
    ) -> Page[Configuration]:
        """One page of configurations, newest first (`GET /v1/billing_portal/configurations`).

        `page.auto_paging_iter()` walks this page and every following one.

        Args:
            client: The [`Client`][lattice_core.Client] to send through.
            params: Filters and paging: `active`, `is_default`, `limit` (1 to 100,
                10 by default), `starting_after` or `ending_before`, `expand`.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this
                call and the pages fetched after it.

        Returns:
            The first [`Page`][lattice_core.pagination.Page].

        Raises:
            InvalidParamsError: `params` or an option is wrong; nothing was sent.
            StripeError: Stripe refused the request or could not be reached.
        """
        return _LIST.list(client, {} if params is None else params, options)

    @classmethod
    async def list_async(
        cls,
        client: AsyncClient,
        params: ConfigurationListParams | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPage[Configuration]:
        """[`list`][lattice_core.billing_portal.Configuration.list] through an `AsyncClient`.

        `async for configuration in page.auto_paging_iter()` walks every page.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            params: Filters and paging, as for `list`.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for this
                call and the pages fetched after it.

        Returns:
            The first [`AsyncPage`][lattice_core.pagination.AsyncPage].

        Raises:
            InvalidParamsError: `params` or an option is wrong; nothing was sent.
            StripeError: Stripe refused the request or could not be reached.
        """
        return await _LIST.list_async(client, {} if params is None else params, options)


_PATH = "/v1/billing_portal/configurations"
_CREATE: Operation[Configuration] = Operation(
    "create",
    "POST",
    _PATH,
    Configuration,
    configuration_create_rule,
    check=check_configuration_create,
    params=ConfigurationCreateParams,
)
_RETRIEVE: Operation[Configuration] = Operation(
    "retrieve",
    "GET",
    _PATH + "/{id}",
    Configuration,
    configuration_retrieve_rule,
    params=ConfigurationRetrieveParams,
    id_prefix="bpc_",
)
_UPDATE: Operation[Configuration] = Operation(
    "update",
    "POST",
    _PATH + "/{id}",
    Configuration,
    configuration_update_rule,
    params=ConfigurationUpdateParams,
    id_prefix="bpc_",
)
_LIST: Operation[Configuration] = Operation(
    "list",
    "GET",
    _PATH,
    Configuration,
    configuration_list_rule,
    check=check_configuration_list,
    params=ConfigurationListParams,
    lists=True,
)

RESOURCE = Resource.declare(Configuration, _CREATE, _RETRIEVE, _UPDATE, _LIST)
"""The configuration resource: create, retrieve, update and list."""
