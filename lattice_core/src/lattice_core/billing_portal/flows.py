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

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from ..converters import converter, structure_or_api_error
from ..masking import mask
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

_M = TypeVar("_M")


# Stripe's enum values; ids have digits, and a key that slips through is masked anyway.
_ENUM = re.compile(r"[a-z]+(?:_[a-z]+)*")


def _masked(value: object) -> str:
    return "None" if value is None else "'***'"


def _masked_extra(extra: Mapping[str, Any]) -> str:
    """Unknown keys are field names, so they show; their values do not."""
    return repr(dict.fromkeys(extra, "***"))


def _masked_field(name: str, value: object) -> str:
    if isinstance(value, _Model):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_masked_field(name, item) for item in value) + "]"
    if name == "extra" and isinstance(value, Mapping):
        return _masked_extra(value)
    if name == "type" and isinstance(value, str) and _ENUM.fullmatch(value):
        return repr(mask(value))  # an enum such as 'subscription_cancel': no secret, and useful
    return _masked(value)


class _Model:
    """Shared `from_dict` / `to_dict` and the masking `repr` for the flow models."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{field.name}={_masked_field(field.name, getattr(self, field.name))}"
            for field in attrs.fields(type(self))  # type: ignore[arg-type]
        )
        return f"{type(self).__name__}({shown})"

    @classmethod
    def from_dict(cls: type[_M], data: Mapping[str, Any] | None) -> _M | None:
        """Decode Stripe's JSON (`None` gives `None`); unknown keys go to `extra`.

        Raises:
            APIError: `data` does not have the model's shape; the message names
                the fields at fault, as
                [`Session.from_dict`][lattice_core.billing_portal.Session.from_dict] does.
        """
        return None if data is None else structure_or_api_error(data, cls, cls.__name__)

    def to_dict(self) -> dict[str, Any]:
        """Stripe's JSON shape, `extra` merged back in; `None` fields included."""
        result: dict[str, Any] = converter().unstructure(self)
        return result


@attrs.frozen(slots=True, repr=False)
class HostedConfirmation(_Model):
    """`after_completion.hosted_confirmation`: the message shown after the flow."""

    custom_message: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class Redirect(_Model):
    """`after_completion.redirect`: where the customer goes after the flow."""

    return_url: str
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class AfterCompletion(_Model):
    """What happens after the flow: `hosted_confirmation`, `portal_homepage` or `redirect`."""

    type: AfterCompletionType
    hosted_confirmation: HostedConfirmation | None = None
    redirect: Redirect | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class CouponOffer(_Model):
    """A coupon offered to keep the customer from cancelling."""

    coupon: str
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class Retention(_Model):
    """`subscription_cancel.retention`: the retention offer (type `coupon_offer`)."""

    type: RetentionType
    coupon_offer: CouponOffer | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class SubscriptionCancel(_Model):
    """Flow `subscription_cancel`: cancel one subscription, optionally with an offer."""

    subscription: str
    retention: Retention | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdate(_Model):
    """Flow `subscription_update`: let the customer pick a new plan."""

    subscription: str
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdateConfirmItem(_Model):
    """One subscription item to change: its `id` and new `price` and/or `quantity`."""

    id: str | None = None
    price: str | None = None
    quantity: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdateConfirmDiscount(_Model):
    """A discount applied to the confirmed update: a `coupon` or a `promotion_code`."""

    coupon: str | None = None
    promotion_code: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class SubscriptionUpdateConfirm(_Model):
    """Flow `subscription_update_confirm`: confirm a prepared plan change."""

    subscription: str
    items: list[SubscriptionUpdateConfirmItem] = attrs.field(factory=list)
    discounts: list[SubscriptionUpdateConfirmDiscount] | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class SubscriptionPause(_Model):
    """Flow `subscription_pause` (API `2026-10-28.endive`): pause one subscription."""

    subscription: str
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class CustomerUpdate(_Model):
    """Flow `customer_update` (API `2026-10-28.endive`): it takes no settings."""

    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class FlowData(_Model):
    """A deep-link flow: `type` plus the settings object of that type."""

    type: FlowDataType
    after_completion: AfterCompletion | None = None
    subscription_cancel: SubscriptionCancel | None = None
    subscription_update: SubscriptionUpdate | None = None
    subscription_update_confirm: SubscriptionUpdateConfirm | None = None
    subscription_pause: SubscriptionPause | None = None
    customer_update: CustomerUpdate | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class CustomerLogin(_Model):
    """`after_expiration.customer_login`: until when the customer may log back in."""

    expires_at: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen(slots=True, repr=False)
class AfterExpiration(_Model):
    """What an expired session URL offers (API `2026-10-28.endive`): `customer_login`."""

    type: AfterExpirationType
    customer_login: CustomerLogin | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
