"""What the fake Stripe's resources share: the answer type, the base class, shapes.

A fake resource (see `fake_billing_portal`) serves the operations one
resource declares. It gets params already checked against the operation's
table and answers with an [`Answer`][lattice_core.testing.fake_base.Answer]; the
objects it answers with are laid over the shape of the operation's model
([`shape_of`][lattice_core.testing.fake_base.shape_of]), so every key Stripe
sends is there, `None` where unset, and the shape cannot drift from the models.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol, TypeVar, Union

import attrs

from ..billing_portal.rules import FlowType
from ..model import Model
from ..resources import Operation, Resource
from ..rules import Rule

__all__ = ["Answer", "FakeHost", "FakeResource", "lay_over", "shape_of", "stripe_error"]


F = TypeVar("F", bound="FakeResource")


class Answer(NamedTuple):
    """A fake resource's answer: status, JSON body, and whether the request was executed.

    A request that was not executed (refused by validation) saves nothing under
    its idempotency key, as with Stripe.
    """

    status: int
    body: dict[str, Any]
    executed: bool = True


def stripe_error(
    status: int, err_type: str, message: str, **fields: str
) -> tuple[int, dict[str, Any]]:
    """Status and body of a Stripe-shaped error: `{"error": {"type": ..., "message": ...}}`."""
    return status, {"error": {"type": err_type, "message": message, **fields}}


def _model_in(annotation: Any) -> tuple[type[Model] | None, bool]:
    """The model an annotation holds (through `X | None` and `list[X]`), and whether in a list."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found[0] is not None:
                return found
        return None, False
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return _model_in(item)[0], True
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return annotation, False
    return None, False


def shape_of(model: type[Model]) -> dict[str, Any]:
    """The JSON shape Stripe answers `model` with: every key, `None` for a value.

    A nested model's key holds its shape, a list of models a one-element
    list of the item's shape; `extra` is left out.
    """
    known = _SHAPES.get(model)
    if known is not None:
        return known
    hints = typing.get_type_hints(model)
    shape: dict[str, Any] = {}
    for field in attrs.fields(model):  # type: ignore[arg-type]
        if field.name == "extra":
            continue
        nested, in_list = _model_in(hints[field.name])
        if nested is None:
            shape[field.name] = None
        else:
            shape[field.name] = [shape_of(nested)] if in_list else shape_of(nested)
    _SHAPES[model] = shape
    return shape


_SHAPES: dict[type[Model], dict[str, Any]] = {}


def lay_over(shape: Any, given: Any) -> Any:
    """`given` laid over `shape`; keys the shape lacks (a plugin's flow type) are kept."""
    if isinstance(shape, dict) and isinstance(given, Mapping):
        out = {key: lay_over(sub, given.get(key)) for key, sub in shape.items()}
        out.update((key, value) for key, value in given.items() if key not in shape)
        return out
    if isinstance(shape, list) and isinstance(given, list):
        return [lay_over(shape[0], item) for item in given]
    return given


class FakeHost(Protocol):
    """What a fake resource may read of the `FakeStripe` it serves in."""

    flow_types: tuple[FlowType, ...]
    """The flow types the fake accepts."""

    def served(self, kind: type[F]) -> F:
        """The fake resource of class `kind` this fake serves (for one resource to read another)."""
        ...


class FakeResource:
    """Serves one declared resource inside a [`FakeStripe`][lattice_core.testing.FakeStripe].

    Subclasses set `resource` and define one method per operation name,
    `create(params, object_id) -> Answer`, and so on.
    """

    resource: Resource
    """The declaration this fake serves."""

    def __init__(self, fake: FakeHost) -> None:
        self.fake = fake

    def records(self) -> dict[str, Any]:
        """What the fake exposes as attributes for tests to read (`{"sessions": [...]}`)."""
        return {}

    def rule(self, operation: Operation[Any]) -> Rule:
        """The table requests for `operation` are checked against."""
        return operation.rule_for()

    def serve(self, name: str, params: dict[str, Any], object_id: str | None) -> Answer:
        """Answer operation `name` with checked `params` (and the id in its path)."""
        handler: Any = getattr(self, name)
        answer: Answer = handler(params, object_id)
        return answer
