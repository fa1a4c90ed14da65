"""Typed models of a session's `flow` (and of the `flow_data` param it echoes).

Each class mirrors one `portal_flows_*` schema of Stripe's API (plus what
API version `2026-10-28.endive` added: `customer_update`,
`subscription_pause` and `after_expiration`). Every level keeps keys it
does not know in `extra`, so a newer API version never breaks decoding.

The same classes can be passed inside `Session.create` params wherever the
matching dict goes; they are encoded exactly as the equivalent mapping.

`repr` shows the shape and every `type` but no other value: flows name the
customer's subscriptions, coupons and return URLs (which may carry tokens).
Read values as attributes, or call `to_dict()` to see everything.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..model import Model
from .enums import AfterCompletionType, AfterExpirationType, FlowDataType, RetentionType

__all__ = [
    "AfterCompletion",
    "AfterExpiration",
    "CouponOffer",
    "CustomerLogin",
    "CustomerUpdate",
    "FlowData",
    "HostedConfirmation",
    "Redirect",
    "Retention",
    "SubscriptionCancel",
    "SubscriptionPause",
    "SubscriptionUpdate",
    "SubscriptionUpdateConfirm",
    "SubscriptionUpdateConfirmDiscount",
    "SubscriptionUpdateConfirmItem",
]


class _Flow(Model):
    """A flow model: `repr` shows the shape and every `type`, no other value."""

    __slots__ = ()
    _MASK_VALUES = True


@attrs.frozen(slots=True, repr=False)
class HostedConfirmation(_Flow):
    """`after_completion.hosted_confirmation`: the message shown after the flow."""

    custom_message: str | None = None
    """A custom message shown to the customer after the flow (at most 500 characters)."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class Redirect(_Flow):
    """`after_completion.redirect`: where the customer goes after the flow."""

    return_url: str
    """The absolute URL the customer is sent to after the flow."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class AfterCompletion(_Flow):
    """What happens after the flow: `hosted_confirmation`, `portal_homepage` or `redirect`."""

    type: AfterCompletionType
    """What happens: `hosted_confirmation`, `portal_homepage` or `redirect`."""
    hosted_confirmation: HostedConfirmation | None = None
    """The message shown, when `type` is `hosted_confirmation`."""
    redirect: Redirect | None = None
    """Where the customer goes, when `type` is `redirect`."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class CouponOffer(_Flow):
    """A coupon offered to keep the customer from cancelling."""

    coupon: str
    """The id of the coupon offered."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class Retention(_Flow):
    """`subscription_cancel.retention`: the retention offer (type `coupon_offer`)."""

    type: RetentionType
    """The kind of offer: `coupon_offer`."""
    coupon_offer: CouponOffer | None = None
    """The coupon offered, when `type` is `coupon_offer`."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class SubscriptionCancel(_Flow):
    """Flow `subscription_cancel`: cancel one subscription, optionally with an offer."""

    subscription: str
    """The id of the subscription to cancel (`sub_...`)."""
    retention: Retention | None = None
    """An offer shown before the customer cancels, if any."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdate(_Flow):
    """Flow `subscription_update`: let the customer pick a new plan."""

    subscription: str
    """The id of the subscription to update (`sub_...`)."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdateConfirmItem(_Flow):
    """One subscription item to change: its `id` and new `price` and/or `quantity`."""

    id: str | None = None
    """The id of the subscription item to change (`si_...`)."""
    price: str | None = None
    """The price to switch the item to (`price_...`)."""
    quantity: int | None = None
    """The item's new quantity."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdateConfirmDiscount(_Flow):
    """A discount applied to the confirmed update: a `coupon` or a `promotion_code`."""

    coupon: str | None = None
    """The id of a coupon to apply."""
    promotion_code: str | None = None
    """The id of a promotion code to apply (`promo_...`)."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdateConfirm(_Flow):
    """Flow `subscription_update_confirm`: confirm a prepared plan change."""

    subscription: str
    """The id of the subscription to update (`sub_...`)."""
    items: list[SubscriptionUpdateConfirmItem] = attrs.field(factory=list)
    """The items to change and how; at least one."""
    discounts: list[SubscriptionUpdateConfirmDiscount] | None = None
    """The coupon or promotion code to apply to the update, if any."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class SubscriptionPause(_Flow):
    """Flow `subscription_pause` (API `2026-10-28.endive`): pause one subscription."""

    subscription: str
    """The id of the subscription to pause (`sub_...`)."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class CustomerUpdate(_Flow):
    """Flow `customer_update` (API `2026-10-28.endive`): it takes no settings."""

    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class FlowData(_Flow):
    """A deep-link flow: `type` plus the settings object of that type."""

    type: FlowDataType
    """Which flow this is.

    One of `customer_update`, `payment_method_update`, `subscription_cancel`,
    `subscription_pause`, `subscription_update` and `subscription_update_confirm`,
    or a newer type (kept as it came when decoded, accepted when a plugin registered it).
    """
    after_completion: AfterCompletion | None = None
    """What happens after the flow; the portal homepage when `None`."""
    subscription_cancel: SubscriptionCancel | None = None
    """The settings of a `subscription_cancel` flow."""
    subscription_update: SubscriptionUpdate | None = None
    """The settings of a `subscription_update` flow."""
    subscription_update_confirm: SubscriptionUpdateConfirm | None = None
    """The settings of a `subscription_update_confirm` flow."""
    subscription_pause: SubscriptionPause | None = None
    """The settings of a `subscription_pause` flow."""
    customer_update: CustomerUpdate | None = None
    """The settings of a `customer_update` flow (it has none)."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class CustomerLogin(_Flow):
    """`after_expiration.customer_login`: until when the customer may log back in."""

    expires_at: int | None = None
    """Until when the customer may log back in, in Unix seconds."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""


@attrs.frozen(slots=True, repr=False)
class AfterExpiration(_Flow):
    """What an expired session URL offers (API `2026-10-28.endive`): `customer_login`."""

    type: AfterExpirationType
    """What the expired URL offers: `customer_login`."""
    customer_login: CustomerLogin | None = None
    """The login offered, when `type` is `customer_login`."""
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    """Keys Stripe sent that this version of Lattice does not model, kept as they came."""
