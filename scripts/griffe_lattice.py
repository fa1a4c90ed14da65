"""Griffe extension for the API reference: show what a user writes, not how it is built.

mkdocstrings reads the source statically, which gets two things wrong for Lattice:

- **attrs classes.** A field written `url: str = attrs.field(repr=_masked)` would show that
  call (and a private helper) as its value, and the class would have no constructor
  signature, since attrs writes `__init__` at run time. Here each attrs class gets the
  `__init__` attrs made (its parameters in attrs' order, keyword-only ones last, each
  described by its field's docstring), and each field shows its default as a value:
  `None`, `{}`, `'billing_portal.session'`, or nothing when the field is required.
- **Defaults that name a constant.** `base_url: str = DEFAULT_BASE_URL` shows the value
  users get, `'https://api.stripe.com'`.
- **Values set in `__init__`.** `self.timeout = float(timeout)` is how an attribute is
  set, not a default: such attributes show their type and docstring only.
- **Private helpers.** A private base class (`_BaseClient`, `_Model`) is not shown as a
  base: its public methods and attributes are listed on each public subclass instead,
  as users see them. Module-level `TypeVar`s (not in `__all__`) are left out, and so
  is `Generic[...]` as a base.

Both read the imported objects (the three distributions are installed in the docs
environment), so what the reference says is what the code does.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import attrs
import griffe

_PLAIN = (str, int, float, bool, type(None))
_SHORT = 120  # characters of a constant's expression worth showing as its value
_PRIVATE = re.compile(r"(?<![\w.])_[A-Za-z]")
_TYPEVAR = {"typing.TypeVar", "typing_extensions.TypeVar"}
_GENERIC = {"typing.Generic", "typing_extensions.Generic"}
_LITERAL = {"typing.Literal", "typing_extensions.Literal"}


def _runtime(obj: griffe.Object) -> Any:
    """The imported object `obj` describes, or `None` when it cannot be imported."""
    module = obj.module
    try:
        found: Any = importlib.import_module(module.path)
        for part in obj.path[len(module.path) + 1 :].split(".") if obj is not module else ():
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return found


def _shown(value: object) -> str | None:
    """`repr(value)` for a plain literal (or an empty container); `None` for anything else."""
    if isinstance(value, _PLAIN) or (type(value) in (dict, list, tuple) and not value):
        return repr(value)
    return None


def _field_default(field: attrs.Attribute[Any]) -> str | None:
    default = field.default
    if default is attrs.NOTHING:
        return None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory = default.factory
        if factory in (dict, list, tuple):
            return repr(factory())
        return f"{getattr(factory, '__qualname__', 'factory')}()"
    return _shown(default) or repr(default)


def _attrs_init(cls: griffe.Class, runtime: type) -> None:
    fields = attrs.fields(runtime)
    parameters = [
        griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword),
    ]
    ordered = [f for f in fields if f.init and not f.kw_only] + [
        f for f in fields if f.init and f.kw_only
    ]
    for field in ordered:
        member = cls.all_members.get(field.name)
        annotation = getattr(member, "annotation", None) if member is not None else None
        default = _field_default(field)
        parameters.append(
            griffe.Parameter(
                field.alias or field.name,
                annotation=annotation,
                kind=griffe.ParameterKind.keyword_only
                if field.kw_only
                else griffe.ParameterKind.positional_or_keyword,
                default=default,
                docstring=getattr(member, "docstring", None) if member is not None else None,
            )
        )
    for field in fields:
        member = cls.members.get(field.name)
        if isinstance(member, griffe.Attribute):
            member.value = _field_default(field)
            member.labels.discard("class-attribute")  # attrs makes it a slot, not a class value
    if "__init__" not in cls.members:
        cls.set_member(
            "__init__",
            griffe.Function(
                "__init__",
                lineno=cls.lineno,
                endlineno=cls.lineno,
                parent=cls,
                parameters=griffe.Parameters(*parameters),
                returns="None",
            ),
        )


def _hide_init_values(cls: griffe.Class) -> None:
    """`self.timeout = float(timeout)` in `__init__` is how, not what: show no value."""
    for member in cls.members.values():
        if isinstance(member, griffe.Attribute) and "class-attribute" not in member.labels:
            member.value = None


def _module_value(attribute: griffe.Attribute) -> None:
    """A constant's value: the literal it is, a `Literal[...]` alias's values, or a short
    public expression; nothing for a built table (its docstring says what it holds)."""
    value = _shown(_runtime(attribute))
    written = str(attribute.value)
    literal = isinstance(attribute.value, griffe.ExprSubscript) and (
        attribute.value.canonical_path in _LITERAL
    )
    if value is not None:
        attribute.value = value
    elif literal:
        pass  # a Literal type alias: its values are what it documents
    elif len(written) > _SHORT or _PRIVATE.search(written):
        attribute.value = None  # a built table: the docstring says what it holds


def _constant_defaults(func: griffe.Function, runtime: Any) -> None:
    """Parameter defaults written as a name (a module constant) shown as their value."""
    try:
        signature = inspect.signature(runtime)
    except (TypeError, ValueError):
        return
    for parameter in func.parameters:
        if not isinstance(parameter.default, griffe.Expr):
            continue  # a literal already, or no default
        actual = signature.parameters.get(parameter.name)
        if actual is None or actual.default is inspect.Parameter.empty:
            continue
        shown = _shown(actual.default)
        if shown is not None:
            parameter.default = shown


def _is_private_base(base: str | griffe.Expr) -> bool:
    name = str(base).split("[", 1)[0].rsplit(".", 1)[-1]
    generic = isinstance(base, griffe.Expr) and base.canonical_path in _GENERIC
    return name.startswith("_") or generic or name == "Generic"


def _absorb_private_bases(cls: griffe.Class) -> None:
    """List the members of private bases on `cls` itself, and drop those bases."""
    private = [base for base in cls.bases if _is_private_base(base)]
    if not private:
        return
    absorbed: dict[str, griffe.Object | griffe.Alias] = {}
    for base in reversed(private):
        path = base if isinstance(base, str) else base.canonical_path
        try:
            found = cls.modules_collection.get_member(path)
        except (KeyError, griffe.AliasResolutionError):
            continue  # Generic, or a base outside the packages: nothing to list
        klass = found.final_target if isinstance(found, griffe.Alias) else found
        if isinstance(klass, griffe.Class):
            for owner in [*reversed(klass.mro()), klass]:
                absorbed.update(owner.members)
    cls.bases = [base for base in cls.bases if base not in private]
    for name, member in absorbed.items():
        if name not in cls.members:
            target = member.final_target if isinstance(member, griffe.Alias) else member
            own = _bound_to(target, cls) if isinstance(target, griffe.Function) else None
            cls.set_member(name, own or griffe.Alias(name, target, parent=cls))


def _bound_to(method: griffe.Function, cls: griffe.Class) -> griffe.Function | None:
    """`method` with `cls: type[M]`'s `M` read as `cls`, as a type checker would."""
    first = next(iter(method.parameters), None)
    annotation = first.annotation if first is not None else None
    if first is None or first.name != "cls" or not isinstance(annotation, griffe.ExprSubscript):
        return None
    typevar = str(annotation.slice)
    returns = method.returns
    if returns is None or typevar not in str(returns):
        return None
    copy = griffe.Function(
        method.name,
        lineno=method.lineno,
        endlineno=method.endlineno,
        parent=cls,
        parameters=griffe.Parameters(*list(method.parameters)[1:]),
        returns=re.sub(rf"\b{re.escape(typevar)}\b", cls.name, str(returns)),
        decorators=method.decorators,
        docstring=method.docstring,
    )
    copy.labels |= method.labels
    return copy


def _is_typevar(member: griffe.Object | griffe.Alias) -> bool:
    value = getattr(member, "value", None)
    return isinstance(value, griffe.ExprCall) and value.canonical_path in _TYPEVAR


def _visit(obj: griffe.Object, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    for member in list(obj.members.values()):
        if member.is_alias:
            continue
        if isinstance(obj, griffe.Module) and _is_typevar(member) and not member.is_exported:
            obj.del_member(member.name)
        elif isinstance(obj, griffe.Module) and isinstance(member, griffe.Attribute):
            _module_value(member)
        elif isinstance(member, (griffe.Module, griffe.Class)):
            if isinstance(member, griffe.Class):
                _absorb_private_bases(member)
                runtime = _runtime(member)
                if isinstance(runtime, type) and attrs.has(runtime):
                    _attrs_init(member, runtime)
                else:
                    _hide_init_values(member)
            _visit(member, seen)
        elif isinstance(member, griffe.Function):
            runtime = _runtime(member)
            if runtime is not None:
                _constant_defaults(member, runtime)


class LatticeReference(griffe.Extension):
    """Give attrs classes their constructor and field defaults; show constants' values."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _visit(pkg, set())
