"""Pre-flight checks of params: fail before any network call.

One walker over a declarative table of [`Rule`][lattice_core.rules.Rule]s;
every failure is an `InvalidParamsError` whose message names the full path
(`flow_data.subscription_update_confirm.items[0].id`) and says what to pass.
`None` counts as absent, as on the wire. Messages never echo IDs or URLs: a
rejected enum value or unknown key is quoted only when it is a short token,
and then masked (someone will paste a key into `locale`). An unknown key that
is a parameter elsewhere in the table is pointed to where it belongs
(`flow_data.subscription` to `flow_data.subscription_cancel.subscription`, as
the flow's `type` chose); any other gets the nearest spelling, if one is close.

Deliberate differences from the JSON schema (each stricter, each something
Stripe itself rejects): required strings must not be empty, URLs must be
absolute http(s), unknown keys are refused at every level (the schema only
says so at the top), and an integer must be an `int` (JSON Schema calls `2.0`
an integer, but it would be form-encoded as `2.0`, which Stripe refuses).
Each resource documents its own (a session's flow type requires its settings
object, say).

`""` is Stripe's way to unset a field, clear a list or unset a map's keys; a
rule marked `emptyable` takes it whatever else it says. Elsewhere `""` is
judged like any other value: a list, a map, a boolean or an integer refuses it,
and so does a required string. Bounds that Stripe states only in words are
checked too, where a table gives them: an integer's range (a list's `limit`,
1 to 100), an array's most items (10 `products`), and metadata's limits (50
keys, keys of at most 40 characters, values of at most 500).

Before the table is consulted, `lattice_core.plain.plain_params` walks
the whole params tree once, so hostile shapes are typed errors too, not
crashes: nesting deeper than `MAX_DEPTH`, a
mapping or list that contains itself, keys that are not strings, bytes,
integers outside signed 64-bit, and text holding NUL or a lone surrogate.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .errors import InvalidParamsError
from .limits import INT_MAX, INT_MIN
from .masking import mask
from .plain import plain_params
from .rules import Rule
from .wording import count, with_article

__all__ = ["check_params", "coerce_form", "fail", "form_param", "not_both"]

_KIND_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "object": "a mapping",
    "array": "a list",
    "boolean": "True or False",
    "map": "a mapping of strings to strings",
}
# What an enum value or a parameter name looks like; anything else is not quoted.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def fail(path: str, reason: str, message: str) -> InvalidParamsError:
    """The `InvalidParamsError` for `path`; `reason` is a short code such as `"required"`.

    Args:
        path: The param at fault, as its `param` attribute will give it
            (`features.invoice_history.enabled`).
        reason: The rule that failed, as its `reason` attribute will give it.
        message: What to tell the caller: what to pass, never the value passed.
    """
    return InvalidParamsError(message, param=path, reason=reason)


def _what(rule: Rule) -> str:
    if rule.what:
        return rule.what
    if rule.enum is not None:
        return "one of " + ", ".join(repr(v) for v in rule.enum)
    if rule.emptyable and rule.kind != "string":
        return f"{_KIND_WORDS[rule.kind]}, or '' to clear it"
    return _KIND_WORDS[rule.kind]


def _shown(value: str) -> str | None:
    """`value` masked, fit to quote in a message, or `None` when it could hold a secret."""
    return mask(value) if _TOKEN.fullmatch(value) else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def not_both(first: str, second: str) -> Callable[[Mapping[str, Any]], None]:
    """A check across fields: at most one of two top-level params may be given.

    Pass it as `check` to [`check_params`][lattice_core.validation.check_params]
    (a list's cursors: `not_both("starting_after", "ending_before")`). `None`
    counts as absent; the error names `second`, with reason `"exclusive"`.

    Args:
        first: One param's name.
        second: The other's.
    """

    def check(params: Mapping[str, Any]) -> None:
        if params.get(first) is not None and params.get(second) is not None:
            raise fail(
                second,
                "exclusive",
                f"{first} and {second} are mutually exclusive: pass one of them, not both.",
            )

    return check


def _check(rule: Rule, value: Any, path: str, root: _Root) -> None:
    kind = rule.kind
    if rule.emptyable and isinstance(value, str) and not value:
        return  # Stripe's "" to unset, where the table allows it
    if kind == "string":
        if not isinstance(value, str):
            raise fail(path, "type", f"{path} must be {_what(rule)}, not {type(value).__name__}.")
        if rule.enum is not None and value not in rule.enum:
            shown = _shown(value)
            described = with_article(f"{len(value)}-character string")
            got = repr(shown) if shown is not None else described
            hint = _enum_hint(value, rule.enum) if shown is not None else ""
            raise fail(path, "enum", f"{path} must be {_what(rule)}; got {got}.{hint}")
        if rule.max_length is not None and len(value) > rule.max_length:
            raise fail(
                path,
                "max_length",
                f"{path} must be at most {count(rule.max_length, 'character')}, got {len(value)}.",
            )
        if rule.url and not _is_web_url(value):
            raise fail(path, "url", f"{path} must be {_what(rule)}.")
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok and rule.unix_time and isinstance(value, datetime.datetime):
            ok = value.tzinfo is not None
        if not ok:
            raise fail(path, "type", f"{path} must be {_what(rule)}, not {type(value).__name__}.")
        if isinstance(value, int):
            _check_bounds(rule, value, path)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise fail(path, "type", f"{path} must be {_what(rule)}, not {type(value).__name__}.")
    elif kind == "array":
        if not isinstance(value, (list, tuple)):
            raise fail(path, "type", f"{path} must be {_what(rule)}, not {type(value).__name__}.")
        if rule.non_empty and not value:
            raise fail(path, "non_empty", f"{path} must be {_what(rule)}; got an empty list.")
        if rule.max_items is not None and len(value) > rule.max_items:
            raise fail(
                path,
                "max_items",
                f"{path} must have at most {count(rule.max_items, 'item')}, got {len(value)}.",
            )
        assert rule.items is not None  # noqa: S101 - arrays are built with items
        for index, item in enumerate(value):
            if item is None:
                raise fail(f"{path}[{index}]", "type", f"{path}[{index}] must not be None.")
            _check(rule.items, item, f"{path}[{index}]", root)
    elif kind == "map":
        _check_map(rule, value, path, root)
    else:
        _check_object(rule, value, path, root)


def _check_bounds(rule: Rule, value: int, path: str) -> None:
    """An integer within the rule's `minimum` and `maximum`, if it has them."""
    low, high = rule.minimum, rule.maximum
    if (low is None or value >= low) and (high is None or value <= high):
        return
    if low is not None and high is not None:
        bounds = f"from {low} to {high}"
    elif low is not None:
        bounds = f"at least {low}"
    else:
        bounds = f"at most {high}"
    raise fail(path, "range", f"{path} must be {_what(rule)} {bounds}, got {value}.")


def _check_map(rule: Rule, value: Any, path: str, root: _Root) -> None:
    """A mapping of string keys to values that follow `rule.values` (metadata)."""
    if not isinstance(value, Mapping):
        raise fail(path, "type", f"{path} must be {_what(rule)}, not {type(value).__name__}.")
    if rule.max_items is not None and len(value) > rule.max_items:
        raise fail(
            path,
            "max_items",
            f"{path} must have at most {count(rule.max_items, 'key')}, got {len(value)}.",
        )
    for key, item in value.items():
        if not isinstance(key, str):  # plain_params refuses these first
            raise fail(path, "type", f"{path} keys must be strings, not {type(key).__name__}.")
        name = _shown(key)
        where = _join(path, name if name is not None else f"<{_described_key(key)}>")
        if rule.key_max_length is not None and len(key) > rule.key_max_length:
            raise fail(
                where,
                "max_length",
                f"{path} has {_described_key(key)}; its keys must be at most "
                f"{count(rule.key_max_length, 'character')}.",
            )
        if item is not None and rule.values is not None:  # None: absent, as on the wire
            _check(rule.values, item, where, root)


def _described_key(key: str) -> str:
    return with_article(f"{len(key)}-character key")


def _is_web_url(value: str) -> bool:
    """An absolute http(s) URL with a host, a valid port and no whitespace or control chars."""
    # Apps pass the same return_url call after call: remember the verdict on short ones.
    return _is_short_web_url(value) if len(value) <= 2048 else _judge_web_url(value)


def _judge_web_url(value: str) -> bool:
    if " " in value or not value.isprintable():  # CR/LF/tab/NUL are not printable
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:  # "https://[abc": an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


_is_short_web_url = functools.lru_cache(maxsize=256)(_judge_web_url)


# The whole params and their rule, which an unknown key's did-you-mean searches.
_Root = tuple[Rule, Any]


def _check_object(rule: Rule, value: Any, path: str, root: _Root | None = None) -> None:
    if not isinstance(value, Mapping):
        raise fail(path, "type", f"{path} must be {_what(rule)}, not {type(value).__name__}.")
    if root is None:
        root = (rule, value)
    for key, item in value.items():
        if item is None:  # absent, as on the wire
            continue
        sub_rule = rule.fields.get(key) if isinstance(key, str) else None
        if sub_rule is None:
            raise _unknown(rule, key, path, root)
        _check(sub_rule, item, _join(path, key), root)
    for key, sub_rule in _required(rule):
        given = value.get(key)
        if given is None or (given == "" and not sub_rule.emptyable):
            sub_path = _join(path, key)
            raise fail(sub_path, "required", f"{sub_path} is required; pass {_what(sub_rule)}.")
    if not rule.by_type:
        return
    kind_of = value.get("type")
    needed = rule.by_type.get(kind_of) if isinstance(kind_of, str) else None
    if needed is not None and value.get(needed) is None:
        sub_path = _join(path, needed)
        raise fail(
            sub_path,
            "requires",
            f"{sub_path} is required when {_join(path, 'type')} is {kind_of!r}; "
            f"pass {_what(rule.fields[needed])}.",
        )


def _required(rule: Rule) -> tuple[tuple[str, Rule], ...]:
    """The fields `rule` requires, worked out once per rule (rules live for the process)."""
    found = _REQUIRED.get(id(rule))
    if found is None or found[0] is not rule:
        found = _REQUIRED[id(rule)] = (
            rule,
            tuple((key, sub) for key, sub in rule.fields.items() if sub.required),
        )
    return found[1]


_REQUIRED: dict[int, tuple[Rule, tuple[tuple[str, Rule], ...]]] = {}


def _unknown(rule: Rule, key: object, path: str, root: _Root) -> InvalidParamsError:
    name = _shown(str(key))
    described = f"<{with_article(f'{len(str(key))}-character key')}>"
    where = _join(path, name if name is not None else described)
    hint = _did_you_mean(rule, key, path, root) if isinstance(key, str) else ""
    if not rule.fields:  # a type-only flow's settings: `{}` is all it takes
        return fail(
            where,
            "unknown",
            f"{where} is not a parameter of this request: {path} takes no settings; "
            f"pass {{}} or leave it out.{hint}",
        )
    known = ", ".join(sorted(rule.fields))
    return fail(
        where,
        "unknown",
        f"{where} is not a parameter of this request (known here: {known}).{hint}",
    )


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}[-_][A-Za-z0-9]{2,4}")


def _enum_hint(value: str, enum: tuple[str, ...]) -> str:
    """The listed value `value` was probably meant as (case, `_`/`-` or a typo), if any."""
    folded = {option.lower().replace("_", "-"): option for option in enum}
    near = folded.get(value.lower().replace("_", "-"))
    if near is None and _LANGUAGE_TAG.fullmatch(value):  # a region the portal lacks: "en-US"
        near = folded.get(value.lower().replace("_", "-").partition("-")[0])
    if near is None:
        close = difflib.get_close_matches(value, enum, n=1, cutoff=0.8)
        near = close[0] if close else None
    return f" Did you mean {near!r}?" if near is not None else ""


_Steps = tuple[str, ...]  # field names, and "[]" for an item of a list
_CLOSE_ENOUGH = 0.6  # difflib's default cutoff
_SHOWN_PLACES = 4


def _did_you_mean(rule: Rule, key: str, path: str, root: _Root) -> str:
    """The hint for an unknown `key` at `path`: where it belongs, or what it is a typo of.

    A key that is a parameter somewhere else in the params (a misplaced one,
    like `flow_data.subscription`) gets that place as a full path; else the
    closest spelling of any parameter name, a neighbour's first. Where a name
    lives in several places, the ones that fit best come first: those the
    `type` values already given select, those inside the object at hand,
    those nearest to it. Our own names only: nothing of `key` is repeated.
    """
    root_rule, params = root
    places = _places(root_rule)
    here = _steps(path)
    name = key if key in places else _closest_name(key, places, rule)
    if name is None:
        return ""
    if name in rule.fields:  # a typo of a neighbour: its name is enough
        return f" Did you mean {name!r}?"
    ranks = {steps: _place_rank(steps, here, root_rule, params) for steps in places[name]}
    best = min(ranks.values())
    tier = [steps for steps, rank in ranks.items() if rank == best]  # in the table's order
    shown = [_format_steps(steps) for steps in tier[:_SHOWN_PLACES]]
    more = len(tier) - len(shown)
    if more:
        shown.append(f"{more} more")
    options = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    if name != key:
        return f" Did you mean {options}?"
    there = "there" if len(shown) == 1 else "in one of those"
    not_here = f"in {path}" if path else "at the top level"
    return f" Did you mean {options}? {name!r} goes {there}, not {not_here}."


def _closest_name(key: str, places: Mapping[str, Sequence[_Steps]], rule: Rule) -> str | None:
    """The parameter name `key` is most likely a typo of; a neighbour's wins a near tie."""
    best: tuple[float, str] | None = None
    matcher = difflib.SequenceMatcher(b=key)
    for name in places:
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() < _CLOSE_ENOUGH or matcher.quick_ratio() < _CLOSE_ENOUGH:
            continue
        ratio = matcher.ratio() + (0.05 if name in rule.fields else 0.0)
        if ratio >= _CLOSE_ENOUGH and (best is None or ratio > best[0]):
            best = (ratio, name)
    return None if best is None else best[1]


def _place_rank(
    steps: _Steps, here: _Steps, rule: Rule, params: Any
) -> tuple[bool, bool, int, int]:
    """Sort key of a place for a name: fits the `type`s given, inside `here`, near it, shallow."""
    shared = 0
    for mine, theirs in zip(steps, here, strict=False):
        if mine != theirs:
            break
        shared += 1
    inside = shared == len(here)
    return (not _fits_types(steps, rule, params), not inside, -shared, len(steps))


def _fits_types(steps: _Steps, rule: Rule, value: Any) -> bool:
    """Whether `steps` avoid settings of a type other than one the params chose.

    `{"type": "subscription_cancel", ...}` chooses `subscription_cancel`, so a
    place under `subscription_pause` beside it does not fit.
    """
    node: Rule | None = rule
    for step in steps:
        if node is None:
            return True
        if step == "[]":
            node = node.items
            value = value[0] if isinstance(value, (list, tuple)) and value else None
            continue
        if isinstance(value, Mapping):
            chosen, kinds = value.get("type"), node.fields.get("type")
            enum = kinds.enum if kinds is not None else None
            if enum and chosen in enum and step in enum and step != chosen:
                return False
            value = value.get(step)
        else:
            value = None
        node = node.fields.get(step)
    return True


@functools.lru_cache(maxsize=16)
def _places(rule: Rule) -> dict[str, tuple[_Steps, ...]]:
    """Every place a parameter name occurs in `rule`'s tree, by name (made on the first miss)."""
    found: dict[str, list[_Steps]] = {}

    def walk(node: Rule, trail: _Steps) -> None:
        if node.items is not None:
            walk(node.items, (*trail, "[]"))
        for field, sub in node.fields.items():
            found.setdefault(field, []).append((*trail, field))
            walk(sub, (*trail, field))

    walk(rule, ())
    return {name: tuple(places) for name, places in found.items()}


_STEP = re.compile(r"\[[0-9]+\]|[^.\[\]]+")


def _steps(path: str) -> _Steps:
    """`("flow_data", "items", "[]")` for `"flow_data.items[0]"`."""
    return tuple("[]" if step[0] == "[" else step for step in _STEP.findall(path))


def _format_steps(steps: _Steps) -> str:
    """`'flow_data.items[i].id'`, quoted, for a place."""
    out = ""
    for step in steps:
        out += "[i]" if step == "[]" else f".{step}" if out else step
    return repr(out)


def check_params(
    rule: Rule, params: object, check: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """Check `params` against `rule`; return them as plain data, ready to encode.

    Args:
        rule: The table of the operation's params (an `obj` rule).
        params: What the caller passed: any mapping.
        check: A check across fields the table cannot say (exactly one of
            two keys, say), run on the plain params after the table's.

    Raises:
        InvalidParamsError: A param is wrong; the message names its path.
    """
    if type(params) is dict and _passes_flat(params, rule):
        plain = dict(params)
    else:
        plain = plain_params(params)
        _check_object(rule, plain, "")
    if check is not None:
        check(plain)
    return plain


def _passes_flat(params: dict[Any, Any], rule: Rule) -> bool:
    """Whether flat text `params` pass every check, in one loop; never raises.

    Most calls pass a few ASCII strings (`customer`, `return_url`), and the
    full walk spends most of its time getting ready to explain a failure. This
    only ever says yes to what the full walk accepts unchanged (a property test
    holds it to that); anything else (nesting, a bad value, an unknown key) is
    left to the full walk, which says what is wrong.
    """
    flat = _flat_checks(rule)
    if flat is None:
        return False
    for key, value in params.items():
        if value is None:
            if type(key) is not str or not key.isascii() or "\x00" in key:
                return False
            continue
        check = flat.get(key) if type(value) is str else None
        if check is None or not value.isascii() or "\x00" in value:
            return False
        enum, max_length, url = check
        if (
            (enum is not None and value not in enum)
            or len(value) > max_length
            or (url and not _is_web_url(value))
        ):
            return False
    return True


_FlatCheck = tuple["frozenset[str] | None", int, bool]  # enum, max length, url


def _flat_checks(rule: Rule) -> dict[str, _FlatCheck] | None:
    """What each string field of `rule` allows, by name; `None` when the loop cannot judge.

    Worked out once per rule. A rule with required fields or `type`-driven
    requirements at its top is left to the full walk.
    """
    found = _FLAT.get(id(rule))
    if found is None or found[0] is not rule:
        checks: dict[str, _FlatCheck] | None = {
            key: (
                None if sub.enum is None else frozenset(sub.enum),
                sys.maxsize if sub.max_length is None else sub.max_length,
                sub.url,
            )
            for key, sub in rule.fields.items()
            if sub.kind == "string"
        }
        if rule.by_type or _required(rule):
            checks = None
        found = _FLAT[id(rule)] = (rule, checks)
    return found[1]


_FLAT: dict[int, tuple[Rule, dict[str, _FlatCheck] | None]] = {}


def coerce_form(rule: Rule, value: Any) -> Any:
    """Give form-decoded params (all strings) their types back, guided by the table.

    Integer fields written as digits become `int`, boolean fields written
    `true` or `false` become `True` or `False`; everything else is left for
    [`check_params`][lattice_core.validation.check_params] to judge. Used by
    the fake Stripe and the command line, which both start from `key=value` text.

    Args:
        rule: The table the params follow (an `obj` rule).
        value: The form-decoded params.

    Raises:
        InvalidParamsError: An integer field's digits are past Stripe's 64-bit range.
    """
    return _coerce(rule, value)


_INT_TEXT = re.compile(r"-?[0-9]+")
_INT64_DIGITS = 19  # 2**63 has 19 digits: a longer number cannot fit
_BOOL_TEXT = {"true": True, "false": False}  # as the encoder writes them


def _coerce(rule: Rule, value: Any, path: str = "") -> Any:
    if rule.kind == "integer" and isinstance(value, str) and _INT_TEXT.fullmatch(value):
        if len(value.lstrip("-")) > _INT64_DIGITS:  # int() would refuse past 4,300 digits
            raise fail(
                path,
                "range",
                f"{path} must be an integer from {INT_MIN} to {INT_MAX} (Stripe's 64-bit "
                f"range), got {with_article(str(len(value.lstrip('-'))) + '-digit number')}.",
            )
        return int(value)
    if rule.kind == "boolean" and isinstance(value, str) and value in _BOOL_TEXT:
        return _BOOL_TEXT[value]
    if rule.kind == "object" and isinstance(value, Mapping):
        return {
            key: _coerce(rule.fields[key], item, _join(path, key)) if key in rule.fields else item
            for key, item in value.items()
        }
    if rule.kind == "array" and rule.items is not None and isinstance(value, list):
        return [_coerce(rule.items, item, f"{path}[{i}]") for i, item in enumerate(value)]
    return value


def form_param(path: str) -> str:
    """Stripe's spelling of a param path: `a.b[0].c` -> `a[b][0][c]`.

    Args:
        path: The path as an `InvalidParamsError`'s `param` gives it.
    """
    head, *rest = path.replace("[", ".").replace("]", "").split(".")
    return head + "".join(f"[{part}]" for part in rest)
