"""The `billing_portal` resources: portal sessions, their flows and parameters."""

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
from .params import SessionCreateParams
from .rules import FlowType, Rule
from .session import Session

__all__ = [
    "AfterCompletion",
    "AfterExpiration",
    "CouponOffer",
    "CustomerLogin",
    "CustomerUpdate",
    "FlowData",
    "FlowType",
    "HostedConfirmation",
    "Redirect",
    "Retention",
    "Rule",
    "Session",
    "SessionCreateParams",
    "SubscriptionCancel",
    "SubscriptionPause",
    "SubscriptionUpdate",
    "SubscriptionUpdateConfirm",
    "SubscriptionUpdateConfirmDiscount",
    "SubscriptionUpdateConfirmItem",
]
