"""The one cattrs converter Lattice uses, made by `make_converter`.

Lenient about *new keys*: keys Stripe adds in a newer API version are kept in
each model's `extra` mapping instead of failing or being dropped, so decoding
never loses data. Strict about *types*: cattrs would happily turn `"false"`
into `True` or `1.9` into `1`; a wrong type is an error instead, because
silently coerced money-adjacent data is worse than a loud failure. cattrs'
global converter is never touched.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Optional, TypeVar, Union

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.gen import make_dict_structure_fn

from .errors import APIError, CauseSummary
from .limits import MAX_DEPTH, nested_deeper_than
from .plain import EXTRA_FIELD
from .wording import with_article

__all__ = ["EXTRA_FIELD", "IdOrObject", "converter", "make_converter", "structure_or_api_error"]

T = TypeVar("T")


IdOrObject = Union[str, dict[str, Any]]  # noqa: UP007 - a runtime value for cattrs
"""An expandable field: the object's id, or the whole object (a dict) when expanded.

E.g. `Session.configuration` is `"bpc_123"`, or the configuration object when the
session was created with `expand=["configuration"]`.
"""


def _structure_id_or_object(value: Any, _: Any) -> IdOrObject | None:
    if value is None or isinstance(value, (str, dict)):
        return value
    raise TypeError(f"expected an id string or an expanded object, got {type(value).__name__}")


def _exact(kind: type[Any]) -> Callable[[Any, Any], Any]:
    """A structure hook that accepts only `kind` itself (`bool` is not an `int`)."""

    def hook(value: Any, _: Any) -> Any:
        if type(value) is kind or (isinstance(value, kind) and not isinstance(value, bool)):
            return value
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")

    return hook


def _exact_or_none(kind: type[Any]) -> Callable[[Any, Any], Any]:
    """`_exact` for an optional field: `None` passes as it is."""
    exact = _exact(kind)

    def hook(value: Any, _: Any) -> Any:
        return None if value is None else exact(value, _)

    return hook


def _is_str_literal(field_type: Any) -> bool:
    return typing.get_origin(field_type) is typing.Literal and all(
        isinstance(arg, str) for arg in typing.get_args(field_type)
    )


def _is_open_enum(field_type: Any) -> bool:
    """A `Literal` of strings, optional or not: an enum of the pinned API version.

    Decoded as any string, not only the listed ones: a value that a newer API
    version introduced is kept, not refused (the type checker cannot know it).
    """
    if typing.get_origin(field_type) in (Union, types.UnionType):
        args = [arg for arg in typing.get_args(field_type) if arg is not type(None)]
        return len(args) == 1 and _is_str_literal(args[0])
    return _is_str_literal(field_type)


def _has_extra(cls: type) -> bool:
    return attrs.has(cls) and any(a.name == EXTRA_FIELD for a in attrs.fields(cls))


def _json_kinds(field_type: Any) -> tuple[type, ...]:
    """The JSON value types the converter passes through unchanged for `field_type`.

    `str`, `int` and `bool` (exactly), `None` for an optional field and
    `dict` for an expandable one. Anything else (a nested model, a list) is
    left to cattrs, so it contributes nothing here.
    """
    if field_type in (str, int, bool):
        return (field_type,)
    if _is_str_literal(field_type):  # an enum: any string decodes (see _is_open_enum)
        return (str,)
    if typing.get_origin(field_type) in (Union, types.UnionType):
        return tuple(kind for arg in typing.get_args(field_type) for kind in _json_kinds(arg))
    if field_type is type(None):
        return (type(None),)
    if typing.get_origin(field_type) is dict:  # IdOrObject's expanded object
        return (dict,)
    return ()


def _extra_bucket_hook(cls: type[Any], conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Structure `cls` from a mapping, routing unknown keys into `extra`.

    A body whose every value already has its field's exact type (the usual
    answer: ids, flags, timestamps, `null` for absent models) is passed to
    `cls` as it is; cattrs' generated function, which checks the same types
    one call per field, handles everything else and says what is wrong.
    """
    structure = make_dict_structure_fn(cls, conv)
    fields = attrs.fields(attrs.resolve_types(cls))
    known = frozenset(a.name for a in fields if a.name != EXTRA_FIELD)
    # Every (field, JSON type) pair passed through as it is: one set test checks a body.
    plain = frozenset((a.name, kind) for a in fields for kind in _json_kinds(a.type))

    def hook(data: Any, _: Any) -> Any:
        if type(data) is dict and known.issuperset(data):  # no new keys: nothing to route
            if plain.issuperset(zip(data, map(type, data.values()), strict=True)):
                try:
                    return cls(**data)
                except TypeError:  # a required field is missing: cattrs says which
                    pass
            return structure(data, cls)
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        kept: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            (kept if key in known else extra)[key] = value
        kept[EXTRA_FIELD] = extra
        return structure(kept, cls)

    return hook


def _unstructure_extra_hook(cls: type, conv: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    """Unstructure `cls` back to Stripe's shape: `extra` merged in at its level."""
    names = [a.name for a in attrs.fields(cls) if a.name != EXTRA_FIELD]

    def hook(obj: Any) -> dict[str, Any]:
        out = {name: conv.unstructure(getattr(obj, name)) for name in names}
        out.update(conv.unstructure(getattr(obj, EXTRA_FIELD)))
        return out

    return hook


def _is_list(kind: Any) -> bool:
    return typing.get_origin(kind) is list


def _strict_list(kind: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """A list field takes a JSON array only: cattrs would turn `"email"` into its letters."""
    items = list_structure_factory(kind, conv)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return items(value, _)

    return hook


def make_converter() -> cattrs.Converter:
    """Build a converter with every Lattice structure and unstructure hook registered."""
    conv = cattrs.Converter()
    for kind in (str, int, bool):
        conv.register_structure_hook(kind, _exact(kind))
        # One call per optional field instead of cattrs' optional-then-exact two.
        conv.register_structure_hook(Optional[kind], _exact_or_none(kind))  # noqa: UP045
        conv.register_structure_hook(kind | None, _exact_or_none(kind))
    # An expandable field: an id string, or the expanded object left as a mapping.
    conv.register_structure_hook(IdOrObject, _structure_id_or_object)
    conv.register_structure_hook(Optional[IdOrObject], _structure_id_or_object)  # noqa: UP045
    conv.register_structure_hook_factory(
        _is_open_enum,
        lambda kind: _exact(str) if _is_str_literal(kind) else _exact_or_none(str),
    )
    conv.register_structure_hook_factory(_is_list, lambda kind: _strict_list(kind, conv))
    conv.register_structure_hook_factory(_has_extra, lambda cls: _extra_bucket_hook(cls, conv))
    conv.register_unstructure_hook_factory(
        _has_extra, lambda cls: _unstructure_extra_hook(cls, conv)
    )
    return conv


@functools.cache
def converter() -> cattrs.Converter:
    """The shared converter, built on first use (hooks compile once per class)."""
    return make_converter()


def _structure_hook(cls: type[T]) -> Callable[[Any, Any], T]:
    """The converter's structure function for `cls`, looked up once per class."""
    hook = _STRUCTURE_HOOKS.get(cls)
    if hook is None:
        hook = _STRUCTURE_HOOKS[cls] = converter().get_structure_hook(cls)
    return hook


_STRUCTURE_HOOKS: dict[type[Any], Callable[[Any, Any], Any]] = {}


_WORDS: dict[Any, str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    float: "a number",
    type(None): "null",
}


def _type_words(expected: Any) -> str:
    """`expected` as a reader of Stripe's JSON says it: "a string or null", "a list"."""
    if expected in _WORDS:
        return _WORDS[expected]
    if _is_str_literal(expected):  # an enum; any string decodes
        return "a string"
    if typing.get_origin(expected) in (Union, types.UnionType):
        words = dict.fromkeys(_type_words(arg) for arg in typing.get_args(expected))
        return " or ".join(words)
    if typing.get_origin(expected) is list:
        return "a list"
    if expected is dict or typing.get_origin(expected) is dict or attrs.has(expected):
        return "an object"
    return getattr(expected, "__name__", "another type")


def _describe_error(exc: BaseException, expected: Any) -> str:
    """cattrs' wording for one failure, with the expected type in JSON words."""
    if isinstance(exc, (TypeError, ValueError)) and expected is not None:
        return f"expected {_type_words(expected)}"
    return cattrs.v.format_exception(exc, expected)


def structure_or_api_error(data: Any, cls: type[T], what: str, *, depth_checked: bool = False) -> T:
    """Structure `data` as `cls`; a body of the wrong shape is an `APIError`.

    The message names the fields at fault, never their values (a portal URL is a
    credential). `what` names the object for the message, e.g. `"flow"`.
    Data nested deeper than `MAX_DEPTH` is refused
    up front, so whatever decodes can be unstructured again (`to_dict()`);
    `depth_checked` skips that walk for a body the pipeline already measured.
    The chained cause is a `CauseSummary`, not
    cattrs' exception (which holds the values it failed on).
    """
    if not depth_checked and nested_deeper_than(data):
        raise APIError(
            f"could not decode {with_article(what)} from Stripe's answer: it nests deeper than "
            f"{MAX_DEPTH} levels, which no Stripe object does."
        )
    try:
        return _structure_hook(cls)(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        where = (
            "; ".join(cattrs.transform_error(exc, format_exception=_describe_error))
            if isinstance(exc, cattrs.BaseValidationError)
            else type(exc).__name__
        )
        cause = CauseSummary.of(exc)
    # Raised outside the except block, so cattrs' exception is not chained as __context__.
    raise APIError(
        f"could not decode {with_article(what)} from Stripe's answer: {where}"
    ) from cause
