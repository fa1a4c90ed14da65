"""Typed shape of ``Session.create`` params, for type checkers and editors.

Plain mappings are what goes on the wire; these ``TypedDict`` s only describe
them. Field names follow ``POST /v1/billing_portal/sessions``.
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = ["SessionCreateParams"]


class SessionCreateParams(TypedDict, total=False):
    """Params of ``POST /v1/billing_portal/sessions``.

    Give exactly one of ``customer`` (``cus_...``) and ``customer_account``
    (an Accounts v2 id).
    """

    customer: str
    customer_account: str
    configuration: str
    expand: list[str]
    flow_data: dict[str, Any]
    locale: str
    on_behalf_of: str
    return_url: str
    after_expiration: dict[str, Any]
