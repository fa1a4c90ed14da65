"""The ``billing_portal`` resources: portal sessions and their parameters."""

from .params import SessionCreateParams
from .session import Session

__all__ = ["Session", "SessionCreateParams"]
