"""Pre-flight errors reworded for the command line: its spelling, and the flag that fixes them.

The validator words an `InvalidParamsError` for Python callers: dotted paths
(`flow_data.subscription_cancel.subscription`) and hints such as
`pass params['customer'] = ...`. On the command line the same field is
`flow_data[subscription_cancel][subscription]` and the fix is `--customer
cus_...` or `-d "flow_data[subscription_cancel][subscription]=sub_..."`.
`explain` rebuilds the message from the error's structured fields (`param`,
`reason`), the param table (what each field takes) and the decoded params
(what was given); only the did-you-mean places of an unknown key, which the
error holds in its message alone, are read from the text.

Flags are made from the same table: `flag_params` is every top-level param
that holds a value or a list of values. Each function takes the table of the
operation the command sends (`table`); without one, it is the session's create.

Errors about an option rather than a param (`ConfigurationError`, whose
`option` names it, and the per-call `stripe_account` / `idempotency_key`
checks) name it as `Client` does: `base_url`, `disable_plugins=['x']`.
`option_message` respells them with the command line's flags (`OPTION_FLAGS`):
`--api-base`, `--disable-plugin x`. Lattice's own words in a `StripeError`
(a network error's "check ... base_url") get the same treatment.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from .billing_portal.rules import Rule, session_create_rule
from .billing_portal.validation import form_param
from .encoding import form_segments
from .errors import ConfigurationError, InvalidParamsError
from .masking import mask
from .wording import count, with_article

__all__ = [
    "OPTION_FLAGS",
    "example_leaf",
    "explain",
    "explain_configuration",
    "flag_of",
    "flag_params",
    "option_message",
    "placeholder",
]

# Exactly one of them names whom the session is for (a rule beside the table).
_OWNERS = ("customer", "customer_account")
_MISSING: Any = object()
_TEXT = Rule("string")


@functools.cache
def _rule() -> Rule:
    return session_create_rule()


@functools.cache
def flag_params(table: Rule | None = None) -> tuple[tuple[str, Rule], ...]:
    """The top-level params that get a flag: those holding a value or a list of values.

    Args:
        table: The operation's params rule (default: the session's create).
    """
    found = []
    for name, rule in (table or _rule()).fields.items():
        item = rule.items if rule.kind == "array" else rule
        if item is not None and item.kind in ("string", "integer"):
            found.append((name, rule))
    return tuple(found)


def flag_of(name: str) -> str:
    """`--return-url` for `return_url`."""
    return "--" + name.replace("_", "-")


def explain(
    error: InvalidParamsError, params: Mapping[str, Any], table: Rule | None = None
) -> InvalidParamsError:
    """`error` worded for the command line, `param` in form spelling.

    Args:
        error: What the validator (or the form decoder's type coercion) raised.
        params: The decoded params that were checked.
        table: The params rule they were checked against (default: the session's create).

    Returns:
        A new `InvalidParamsError` with the same `reason`.
    """
    if error.param is None:
        return error
    if error.param in CALL_OPTIONS:  # an option of the call, not a param
        message = option_message(error.message, error.param)
        return InvalidParamsError(message, param=error.param, reason=error.reason)
    form = form_param(error.param)
    message = _message(error, form, params, table or _rule())
    return InvalidParamsError(message, param=form, reason=error.reason)


def _message(error: InvalidParamsError, form: str, params: Mapping[str, Any], table: Rule) -> str:
    reason = error.reason
    rule = _rule_at(form, table)
    value = _value_at(params, form)
    if reason == "exclusive":  # the check names the pair: named here by their flags
        return _flagged(error.message, table)
    if reason == "unknown":
        return _unknown(error.message, form, table)
    if rule is None:  # a flow type a plugin added, or a check the table does not drive
        return _translated(error.message, error.param or "", form)
    if reason in ("required", "requires"):
        if value is not _MISSING and value is not None:
            return f"{form} is empty; pass {_what(rule)}: {_fix(form, rule, table)}."
        if form in _OWNERS and all(name in table.fields for name in _OWNERS):
            (owner, owner_rule), (other, other_rule) = (
                (name, _rule_at(name, table) or rule) for name in _OWNERS
            )
            return (
                f"{owner} is required: pass {_how(owner, owner_rule, table)}; for an Accounts v2 "
                f"account, {flag_of(other)} {_placeholder(other, other_rule)} instead."
            )
        when = ""
        if reason == "requires":
            parent = _parent(form)
            when = f" when {parent}[type] is {_shown(_value_at(params, f'{parent}[type]'))}"
        return f"{form} is required{when}; pass {_fix(form, rule, table)}."
    if reason == "type":
        return _wrong_type(form, rule, value, table)
    if reason == "enum" and rule.enum is not None:
        near = _DID_YOU_MEAN.search(error.message)  # a listed value: safe to repeat
        hint = " Did you mean " + near[1].strip("'") + "?" if near else ""
        return f"{form} must be one of: {', '.join(rule.enum)}; got {_shown(value)}.{hint}"
    if reason == "max_length" and rule.max_length is not None:
        got = f", got {len(value)}" if isinstance(value, str) else ""
        return f"{form} must be at most {count(rule.max_length, 'character')}{got}."
    if reason == "non_empty" and rule.items is not None:
        return f"{form} needs at least one item: pass {_fix(form, rule, table)}."
    if reason == "url":
        return f"{form} must be {_what(rule)}: {_fix(form, rule, table)}."
    return _translated(error.message, error.param or "", form)


def _wrong_type(form: str, rule: Rule, value: Any, table: Rule) -> str:
    if rule.kind == "object":
        if _leaves(form, rule):
            return f"{form} takes nested keys, not a value: pass {_fix(form, rule, table)}."
        keys = ", ".join(rule.fields)
        return f'{form} takes nested keys, not a value: -d "{form}[KEY]=VALUE", KEY one of: {keys}.'
    if rule.kind == "array":
        return f"{form} is a list: pass {_fix(form, rule, table)}, once per item."
    if rule.kind == "integer" and isinstance(value, str):
        return f"{form} must be a whole number: pass {_how(form, rule, table)}."
    if isinstance(value, (Mapping, list)):
        how = _how(form, rule, table)
        return f"{form} takes a single value, not nested keys or a list: pass {how}."
    return f"{form} must be {_what(rule)}: pass {_how(form, rule, table)}."


def _flagged(message: str, table: Rule) -> str:
    """`message` with each top-level param that has a flag named by it (`--customer`)."""
    names = sorted((name for name, _ in flag_params(table)), key=len, reverse=True)
    if not names:
        return message
    pattern = re.compile(r"(?<![\w\[-])(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda found: flag_of(found[1]), message)


def _unknown(message: str, form: str, table: Rule) -> str:
    parent = _parent(form)
    holder = _rule_at(parent, table) if parent else table
    where = f"in {parent}" if parent else "at the top level"
    text = f"{form} is not a parameter {where}"
    places = _did_you_mean(message, parent, holder, table)
    if places:
        text += f"; did you mean {' or '.join(places)}?"
    else:
        text += "."
    if holder is not None:
        text += f" Known {where}: {', '.join(holder.fields)}."
    return text


_DID_YOU_MEAN = re.compile(r"Did you mean (.+?)\?")
_QUOTED = re.compile(r"'([^']+)'")


def _did_you_mean(message: str, parent: str, holder: Rule | None, table: Rule) -> list[str]:
    """The places the validator suggests, in form spelling (`[i]` becomes `[0]`).

    It names a neighbour by its name alone and any other place by its full path.
    """
    found = _DID_YOU_MEAN.search(message)
    if found is None:
        return []
    places = []
    for place in _QUOTED.findall(found[1]):
        if holder is not None and parent and place in holder.fields:
            places.append(f"{parent}[{place}]")
        elif any(name == place for name, _ in flag_params(table)):
            places.append(f"{place} ({flag_of(place)})")
        else:
            places.append(form_param(place.replace("[i]", "[0]")))
    return places


_DOTTED = re.compile(r"\b[a-z_]+(?:\.[a-z_]+|\[\d+\])+")
_PYTHON_HINT = re.compile(r"params\['(\w+)'\]( = )?")


def _translated(message: str, path: str, form: str) -> str:
    """A message the table cannot rebuild, with its paths and Python hints respelled."""
    text = message.replace(path, form) if path else message
    text = _DOTTED.sub(lambda m: form_param(m[0]), text)
    return _PYTHON_HINT.sub(lambda m: f"-d {m[1]}=" if m[2] else f"-d {m[1]}=...", text)


# ---------------------------------------------------------------------------------------
# The table, walked by form spelling


def _parent(form: str) -> str:
    return form.rpartition("[")[0]


def _rule_at(form: str, table: Rule) -> Rule | None:
    rule: Rule | None = table
    for segment in form_segments(form):
        if rule is None:
            return None
        if rule.kind == "array":
            rule = rule.items if segment == "" or segment.isdigit() else None
        elif rule.kind == "object":
            rule = rule.fields.get(segment)
        elif rule.kind == "map":
            rule = rule.values or _TEXT
        else:
            return None
    return rule


def _value_at(params: Mapping[str, Any], form: str) -> Any:
    node: Any = params
    for segment in form_segments(form):
        if isinstance(node, Mapping) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return _MISSING
    return node


# ---------------------------------------------------------------------------------------
# Words and fixes


_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_EXAMPLE = re.compile(r"'([^']+)'")  # "a customer id such as 'cus_123'"
_ID = re.compile(r"([a-z]+_)[A-Za-z0-9.]*")


def _shown(value: Any) -> str:
    """A given value, fit to quote: masked, and only when it looks like a token."""
    if isinstance(value, str):
        if _TOKEN.fullmatch(value):
            return repr(mask(value))
        return with_article(f"{len(value)}-character string")
    return "nothing" if value is _MISSING or value is None else with_article(type(value).__name__)


def _what(rule: Rule) -> str:
    if rule.what:
        return rule.what
    if rule.enum is not None:
        return "one of: " + ", ".join(rule.enum)
    return {
        "integer": "an integer",
        "boolean": "true or false",
        "array": "a list",
        "object": "nested keys",
        "map": "keys and values",
    }.get(rule.kind, "a value")


def _placeholder(form: str, rule: Rule) -> str:
    """A value to show in a fix: the table's example (`cus_...` for an id) or a name for one."""
    if rule.kind == "integer":
        return "N"
    if rule.kind == "boolean":
        return "true"
    example = _EXAMPLE.search(rule.what)
    if example is not None:
        prefix = _ID.fullmatch(example[1])
        return f"{prefix[1]}..." if prefix else example[1]
    names = [s for s in form_segments(form) if s and not s.isdigit()]
    return names[-1].upper() if names else "VALUE"


def _leaves(form: str, rule: Rule) -> list[tuple[str, Rule]]:
    """The values to give so that `rule` at `form` is satisfied, in form spelling."""
    if rule.kind == "array" and rule.items is not None:
        item = rule.items
        return _leaves(f"{form}[0]", item) if item.kind == "object" else [(f"{form}[]", item)]
    if rule.kind == "object":
        found = []
        for key, sub in rule.fields.items():
            if sub.required:
                found += _leaves(f"{form}[{key}]", sub)
        return found
    if rule.kind == "map":
        return [(f"{form}[KEY]", rule.values or _TEXT)]
    return [(form, rule)]


def _how(form: str, rule: Rule, table: Rule) -> str:
    """The flag or `-d` that gives `form` a value."""
    value = _placeholder(form, rule)
    data = f'-d "{form}={value}"' if "[" in form else f"-d {form}={value}"
    top = form.removesuffix("[]")
    if "[" not in top and any(name == top for name, _ in flag_params(table)):
        return f"{flag_of(top)} {value} (or {data})"
    return data


def example_leaf(form: str, rule: Rule) -> tuple[str, Rule] | None:
    """One value to give so that `form` is sent: of an object, its key needing fewest values.

    `features[invoice_history][enabled]` for a configuration's `features`, where any
    one feature will do; `None` when `rule` holds nothing that takes a value.
    """
    if rule.kind == "object":
        options = [_leaves(f"{form}[{key}]", sub) for key, sub in rule.fields.items()]
        options = [leaves for leaves in options if leaves]
        return min(options, key=len)[0] if options else None
    leaves = _leaves(form, rule)
    return leaves[0] if leaves else None


def placeholder(form: str, rule: Rule) -> str:
    """A value to show for `form` in an example: `cus_...`, `N`, `true`, `NAME`."""
    return _placeholder(form, rule)


def _fix(form: str, rule: Rule, table: Rule) -> str:
    """What to pass for `form`: each value it needs, and the choices of enum ones."""
    leaves = _leaves(form, rule)
    example = example_leaf(form, rule) if not leaves and rule.kind == "object" else None
    if example is not None:  # any one of its keys will do
        keys = ", ".join(rule.fields)
        return f"one of its keys, e.g. {_how(*example, table)} ({form} takes: {keys})"
    leaves = leaves or [(f"{form}[KEY]", _TEXT)]
    text = " ".join(_how(leaf, sub, table) for leaf, sub in leaves)
    choices = [f"{leaf} is one of: {', '.join(sub.enum)}" for leaf, sub in leaves if sub.enum]
    return text + (f" ({'; '.join(choices)})" if choices else "")


# ---------------------------------------------------------------------------------------
# Options: Client's names for them, and the command line's

OPTION_FLAGS: dict[str, str] = {
    "api_key": "--api-key",
    "base_url": "--api-base",
    "stripe_account": "--stripe-account",
    "idempotency_key": "--idempotency-key",
    "max_retries": "--max-retries",
    "disable_plugins": "--disable-plugin",
    "force": "--force",
    "transport": "--transport",
}
"""The flag for each option `Client`, `Session.create` or `LoopbackServer` takes that the
command line has; an option it does not have (`timeout`, `plugins`) has no flag."""
CALL_OPTIONS = ("stripe_account", "idempotency_key")
"""Options of the call that are checked with the params (an `InvalidParamsError`)."""
_KEY_OPTION = "the API key (--api-key or STRIPE_API_KEY)"
_PLUGIN_LIST = re.compile(r"disable_plugins=\[([^\]]*)\]")


def _disable(found: re.Match[str]) -> str:
    names = _QUOTED.findall(found[1]) or ["NAME"]
    flags = " ".join(f"--disable-plugin {name}" for name in names)
    return f"{flags} (or LATTICE_DISABLE_PLUGINS={','.join(names)})"


# Python's spelling of an option, and of the values it takes, in the command line's.
# Names with an underscore only: a plain word ("transport", "force") is not replaced.
_RESPELL: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"\bthe API key as api_key\b"), "the API key with --api-key or STRIPE_API_KEY"),
    (re.compile(r"^api_key\b"), _KEY_OPTION),
    (re.compile(r"\bapi_key\b"), "the API key"),
    # Python code with no counterpart on a command line: the sentence stands without it.
    (re.compile(r", e\.g\. (?:key\.strip\(\)|os\.environ\[[^\]]*\])"), ""),
    (_PLUGIN_LIST, _disable),
    (re.compile(r"\bforce=True\b"), "--force"),
    (re.compile(r"\bmust be an int from\b"), "must be a whole number from"),
    (re.compile(r"\bidempotency_key=('[^']*'|\S+?)(?=[\s,;)]|\.?$)"), r"--idempotency-key \1"),
    *(
        (re.compile(rf"\b{name}\b"), flag)
        for name, flag in OPTION_FLAGS.items()
        if "_" in name and name != "api_key"
    ),
)
_OR_NONE = re.compile(r",? or None\b")


def option_message(message: str, option: str | None = None) -> str:
    """`message`, which names options as `Client` does, with the command line's flags.

    Args:
        message: A `ConfigurationError`'s message, an `InvalidParamsError`'s about a
            call option, or Lattice's own words in a `StripeError`.
        option: The option it is about (`ConfigurationError.option`), if any: an
            optional one's "or None" becomes leaving the flag out.

    Returns:
        The message in the command line's spelling.
    """
    text = message
    if option in CALL_OPTIONS:
        text = _OR_NONE.sub(" or leave the flag out", text)
    for pattern, spelled in _RESPELL:
        text = pattern.sub(spelled, text)
    return text


def explain_configuration(error: ConfigurationError) -> ConfigurationError:
    """`error` with its options spelled as the command line's flags (`option_message`)."""
    worded = ConfigurationError(option_message(error.message, error.option), option=error.option)
    worded.__cause__ = error.__cause__
    return worded
