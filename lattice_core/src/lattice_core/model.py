"""`Model`: the base every Stripe object Lattice decodes shares.

A model is a frozen attrs class whose fields are the object's keys. The base
gives all of them the same four things: `from_dict` (Stripe's JSON in, unknown
keys kept in `extra` at every level), `to_dict` (everything back out, unmasked),
a `repr` that never shows a secret, and the decoding the pipeline calls on an
answer body.

Which values `repr` shows is declared on the fields: `attrs.field(repr=masked)`
hides one (a session's `url`), and a class can hide every value, showing only
its shape, nested models and enum-like `type`s (the flow models do: flows name
the customer's subscriptions and coupons). The values of `extra` never show, its
keys do: a newer API version may put anything there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import attrs

from .converters import converter, structure_or_api_error
from .masking import mask

__all__ = ["Model", "masked", "masked_extra"]

M = TypeVar("M", bound="Model")

# Stripe's enum values; ids have digits, and a key that slips through is masked anyway.
_ENUM = re.compile(r"[a-z]+(?:_[a-z]+)*")


def masked(value: object) -> str:
    """How `repr` shows a secret value: `'***'`, or `None` when there is none.

    Args:
        value: The field's value.
    """
    return "None" if value is None else "'***'"


def masked_extra(extra: Mapping[str, Any]) -> str:
    """How `repr` shows `extra`: unknown keys are field names, so they show; values do not.

    Args:
        extra: The keys this version of Lattice does not model, and their values.
    """
    return repr(dict.fromkeys(extra, "***"))


def _shape_only(name: str, value: object) -> str:
    if isinstance(value, Model):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_shape_only(name, item) for item in value) + "]"
    if name == "extra" and isinstance(value, Mapping):
        return masked_extra(value)
    if name == "type" and isinstance(value, str) and _ENUM.fullmatch(value):
        return repr(mask(value))  # an enum such as 'subscription_cancel': no secret, and useful
    return masked(value)


class Model:
    """The base of Lattice's models of Stripe objects.

    Subclasses are `@attrs.frozen(slots=True, repr=False)` classes with an
    `extra: dict[str, Any]` field last, which keeps the keys this version of
    Lattice does not model.
    """

    __slots__ = ()

    OBJECT_NAME: ClassVar[str] = ""
    """The `object` value of this model in Stripe's JSON; `""` for a nested object."""
    # Whether `repr` hides every value but nested models and enum `type`s.
    _MASK_VALUES: ClassVar[bool] = False

    def __repr__(self) -> str:
        shown = []
        for field in attrs.fields(type(self)):  # type: ignore[arg-type]
            if field.repr is False:
                continue
            value = getattr(self, field.name)
            if callable(field.repr):
                text = field.repr(value)
            elif self._MASK_VALUES:
                text = _shape_only(field.name, value)
            elif field.name == "extra":
                text = masked_extra(value)
            else:
                text = repr(value)
            shown.append(f"{field.name}={text}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @classmethod
    def _what(cls) -> str:
        return cls.OBJECT_NAME or cls.__name__

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, Any] | None) -> M | None:
        """Decode Stripe's JSON (`None` gives `None`); unknown keys go to `extra`.

        An enum value newer than the pinned API version is kept as it is.

        Args:
            data: The object as Stripe's JSON has it (a webhook event's
                `data.object`, say), or `None`.

        Raises:
            APIError: `data` does not have the model's shape; the message names
                the fields at fault (never their values).
        """
        return None if data is None else structure_or_api_error(data, cls, cls._what())

    @classmethod
    def _decode(cls: type[M], data: Mapping[str, Any]) -> M:
        """Decode an answer body, whose nesting the pipeline has already bounded.

        Args:
            data: The JSON object of a 2xx answer.

        Raises:
            APIError: `data` does not have the model's shape.
        """
        return structure_or_api_error(
            data, cls, cls.OBJECT_NAME or cls.__name__, depth_checked=True
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything, unmasked, in Stripe's JSON shape (`extra` merged back in)."""
        result: dict[str, Any] = converter().unstructure(self)
        return result
