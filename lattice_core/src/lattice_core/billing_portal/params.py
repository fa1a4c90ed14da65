"""The params of [`Session.create`][lattice_core.billing_portal.Session.create], typed.

Each `TypedDict` mirrors one object of `POST /v1/billing_portal/sessions` at
the pinned API version (`2026-10-28.endive`): keys Stripe requires are
`Required`, enums are `Literal`. A dict literal passed to `Session.create` is
checked by mypy or pyright at the call site; wherever a flow object goes, the
matching model ([`FlowData`][lattice_core.billing_portal.FlowData], ...) may
stand in for the dict.

At run time these are plain mappings: any `Mapping` is accepted, and the
pre-flight checks (which also know flow types added by plugins) decide.
"""

import datetime
import sys
from collections.abc import Sequence

from .enums import AfterCompletionType, AfterExpirationType, FlowDataType, Locale, RetentionType
from .flows import (
    AfterCompletion,
    AfterExpiration,
    CouponOffer,
    CustomerLogin,
    CustomerUpdate,
    FlowData,
    HostedConfirmation,
    Redirect,
    Retention,
    SubscriptionCancel,
    SubscriptionPause,
    SubscriptionUpdate,
    SubscriptionUpdateConfirm,
    SubscriptionUpdateConfirmDiscount,
    SubscriptionUpdateConfirmItem,
)

if sys.version_info >= (3, 11):
    from typing import Required, TypedDict
else:  # pragma: no cover - Python 3.10: typing's TypedDict does not know Required
    from typing_extensions import Required, TypedDict

__all__ = [
    "AfterCompletionParams",
    "AfterExpirationParams",
    "CouponOfferParams",
    "CustomerLoginParams",
    "CustomerUpdateParams",
    "FlowDataParams",
    "HostedConfirmationParams",
    "RedirectParams",
    "RetentionParams",
    "SessionCreateParams",
    "SubscriptionCancelParams",
    "SubscriptionPauseParams",
    "SubscriptionUpdateConfirmDiscountParams",
    "SubscriptionUpdateConfirmItemParams",
    "SubscriptionUpdateConfirmParams",
    "SubscriptionUpdateParams",
]


class HostedConfirmationParams(TypedDict, total=False):
    """`flow_data.after_completion.hosted_confirmation`: the message shown after the flow."""

    custom_message: str
    """A custom message shown to the customer (at most 500 characters)."""


class RedirectParams(TypedDict, total=False):
    """`flow_data.after_completion.redirect`: where the customer goes after the flow."""

    return_url: Required[str]
    """An absolute `http(s)` URL to send the customer to."""


class AfterCompletionParams(TypedDict, total=False):
    """`flow_data.after_completion`: what happens once the customer finishes the flow."""

    type: Required[AfterCompletionType]
    """`"hosted_confirmation"`, `"portal_homepage"` or `"redirect"` (which needs `redirect`)."""
    hosted_confirmation: HostedConfirmationParams | HostedConfirmation
    """Settings of the `"hosted_confirmation"` type."""
    redirect: RedirectParams | Redirect
    """Settings of the `"redirect"` type; required with it."""


class CouponOfferParams(TypedDict, total=False):
    """`flow_data.subscription_cancel.retention.coupon_offer`."""

    coupon: Required[str]
    """The coupon id offered to keep the customer."""


class RetentionParams(TypedDict, total=False):
    """`flow_data.subscription_cancel.retention`: an offer made before cancelling."""

    type: Required[RetentionType]
    """The kind of offer: `"coupon_offer"`."""
    coupon_offer: Required[CouponOfferParams | CouponOffer]
    """The coupon to offer."""


class SubscriptionCancelParams(TypedDict, total=False):
    """`flow_data.subscription_cancel`: settings of the `"subscription_cancel"` flow."""

    subscription: Required[str]
    """The id of the subscription to cancel (`sub_...`)."""
    retention: RetentionParams | Retention
    """An offer shown before the cancellation goes through."""


class SubscriptionPauseParams(TypedDict, total=False):
    """`flow_data.subscription_pause`: settings of the `"subscription_pause"` flow."""

    subscription: Required[str]
    """The id of the subscription to pause (`sub_...`)."""


class SubscriptionUpdateParams(TypedDict, total=False):
    """`flow_data.subscription_update`: settings of the `"subscription_update"` flow."""

    subscription: Required[str]
    """The id of the subscription the customer may change (`sub_...`)."""


class SubscriptionUpdateConfirmItemParams(TypedDict, total=False):
    """One item of `flow_data.subscription_update_confirm.items`."""

    id: Required[str]
    """The subscription item id (`si_...`)."""
    price: str
    """The new price id (`price_...`)."""
    quantity: int
    """The new quantity."""


class SubscriptionUpdateConfirmDiscountParams(TypedDict, total=False):
    """One discount of `flow_data.subscription_update_confirm.discounts`."""

    coupon: str
    """A coupon id to apply."""
    promotion_code: str
    """A promotion code id to apply (`promo_...`)."""


class SubscriptionUpdateConfirmParams(TypedDict, total=False):
    """`flow_data.subscription_update_confirm`: a prepared plan change to confirm."""

    subscription: Required[str]
    """The id of the subscription to change (`sub_...`)."""
    items: Required[Sequence[SubscriptionUpdateConfirmItemParams | SubscriptionUpdateConfirmItem]]
    """The items to change; at least one."""
    discounts: Sequence[SubscriptionUpdateConfirmDiscountParams | SubscriptionUpdateConfirmDiscount]
    """Discounts to apply to the changed subscription."""


class CustomerUpdateParams(TypedDict, total=False):
    """`flow_data.customer_update`: the `"customer_update"` flow takes no settings (`{}`)."""


class FlowDataParams(TypedDict, total=False):
    """`flow_data`: send the customer straight to one task (a deep link).

    Give the settings object named by `type` when that type has one, e.g.
    `{"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_123"}}`.
    """

    type: Required[FlowDataType]
    """Which flow the customer goes through."""
    after_completion: AfterCompletionParams | AfterCompletion
    """What happens once the flow is done; by default the portal's homepage."""
    customer_update: CustomerUpdateParams | CustomerUpdate
    """Settings of the `"customer_update"` flow (none: `{}`)."""
    subscription_cancel: SubscriptionCancelParams | SubscriptionCancel
    """Settings of the `"subscription_cancel"` flow; required with it."""
    subscription_pause: SubscriptionPauseParams | SubscriptionPause
    """Settings of the `"subscription_pause"` flow; required with it."""
    subscription_update: SubscriptionUpdateParams | SubscriptionUpdate
    """Settings of the `"subscription_update"` flow; required with it."""
    subscription_update_confirm: SubscriptionUpdateConfirmParams | SubscriptionUpdateConfirm
    """Settings of the `"subscription_update_confirm"` flow; required with it."""


class CustomerLoginParams(TypedDict, total=False):
    """`after_expiration.customer_login`: how long the customer may log back in."""

    expires_at: int | datetime.datetime
    """Unix time (seconds) or an aware `datetime` after which the session cannot be recovered."""


class AfterExpirationParams(TypedDict, total=False):
    """`after_expiration`: what an expired session URL offers."""

    type: Required[AfterExpirationType]
    """`"customer_login"`: the customer may log in again."""
    customer_login: CustomerLoginParams | CustomerLogin
    """Settings of the `"customer_login"` type."""


class SessionCreateParams(TypedDict, total=False):
    """Params of `POST /v1/billing_portal/sessions`.

    Give exactly one of `customer` and `customer_account`; everything else is
    optional.
    """

    customer: str
    """The id of an existing customer (`cus_...`)."""
    customer_account: str
    """The id of an existing Accounts v2 account (`acct_...`), instead of `customer`."""
    configuration: str
    """The portal configuration to use (`bpc_...`); by default the account's default one."""
    expand: list[str]
    """Fields of the answer to expand, e.g. `["configuration"]`."""
    flow_data: FlowDataParams | FlowData
    """A deep link: send the customer straight to one task."""
    locale: Locale
    """The language the portal is shown in; `"auto"` (the default) follows the browser."""
    on_behalf_of: str
    """The connected account (`acct_...`) whose subscriptions and invoices are shown."""
    return_url: str
    """Where the portal's "return" link leads: an absolute `http(s)` URL on your site."""
    after_expiration: AfterExpirationParams | AfterExpiration
    """What an expired session URL offers (API `2026-10-28.endive`)."""
