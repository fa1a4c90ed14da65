"""The command line's grammar: commands made from the resource declarations, and params.

`build_parser` makes the `GROUP RESOURCES OPERATION` commands from
`lattice_core.billing_portal.RESOURCES` (see `lattice_core.cli`), each flag from
the operation's rule table; `params_of` turns the flags and `-d` pairs back into
params, decoded like Stripe's form parser, ready for the operation's checks.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import attrs

from .billing_portal import RESOURCES
from .cli_errors import example_leaf, explain, flag_of, flag_params, placeholder
from .cli_output import API_KEY_ENV, masked_paths, text_table
from .client import DEFAULT_API_VERSION
from .errors import (
    InvalidParamsError,
)
from .masking import mask
from .model import Model
from .resources import Operation, Resource
from .rules import Rule
from .validation import coerce_form

EXIT_OK, EXIT_API, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
DISABLE_PLUGINS_ENV = "LATTICE_DISABLE_PLUGINS"
"""Plugins the command line does not load, comma-separated (`telemetry,example`)."""
DISTRIBUTIONS = ("lattice-stripe-core", "lattice-stripe-requests", "lattice-stripe-aiohttp")
_PARAM_DEST = "param_"
_LOG_LEVELS = ("debug", "info", "warning", "error")
MAX_RETRIES = 100  # Client(max_retries=...) takes 0 to 100


_EXIT_1 = """\
  1  Stripe refused the request or could not be reached: its message, then the
     HTTP status, type, code, param and request id that it has"""
_EXIT_1_KEY = """; after a network
     error, 409, 429 or 5xx also the idempotency_key sent: rerun with
     --idempotency-key KEY so that the retry cannot {twice}"""


def _epilog(exit_1: str) -> str:
    """The exit codes and environment, with what status 1 says for this command."""
    return f"""\
exit status:
  0  success
{exit_1}
  2  bad input: the message names the field and how to pass it; nothing was sent
  3  an unexpected failure inside the command, such as a plugin's hook raising:
     one masked line, "lattice-stripe: error: CLASS: MESSAGE" (--log-level
     debug adds the traceback, masked)

An option that takes one value may be given once; --expand, -d and
--disable-plugin repeat.

environment:
  {API_KEY_ENV}           the API key when --api-key is not given (preferred:
                           a flag shows in the process list)
  {DISABLE_PLUGINS_ENV}  plugins not to load, comma-separated (telemetry,example);
                           added to --disable-plugin; a name no plugin has is
                           ignored with a warning
"""


EPILOG = _epilog(_EXIT_1 + _EXIT_1_KEY.format(twice="create a second session"))


class _Once(argparse._StoreAction):
    """A one-value option given twice is an error: "last one wins" hides a typo.

    Registered as every `_Parser`'s plain store action, so each option that
    takes one value (a param flag, `--api-base`, `--port`) is once-only
    without asking; `--expand`, `-d` and `--disable-plugin` append instead.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: set[str] = namespace.__dict__.setdefault("_given_once", set())
        if self.dest in given:
            # Never the values: one of them may be a key.
            raise argparse.ArgumentError(self, "given more than once; pass it once")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # "--api" is not "--api-key"
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self.register("action", None, _Once)
        self.register("action", "store", _Once)

    def error(self, message: str) -> Any:  # argparse's own exit code is 2, like ours
        # argparse quotes what it could not parse: a key pasted in the wrong place.
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {mask(message)}\n")


class _Version(argparse.Action):
    """`--version`: every Lattice distribution, the pinned API version, Python."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(version_text())
        parser.exit(EXIT_OK)


def version_text() -> str:
    """What `--version` prints: one aligned line per distribution, the API version, Python."""
    rows = [(name, installed_version(name) or "not installed") for name in DISTRIBUTIONS]
    rows += [("Stripe API version", DEFAULT_API_VERSION), ("Python", platform.python_version())]
    return text_table(rows)


def installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lattice-stripe",
        description="Create Stripe Customer Portal sessions and run a local fake Stripe.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action=_Version, help="print the versions and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    _add_resource_commands(commands)

    fake = commands.add_parser(
        "fake-stripe",
        help="Serve a fake Stripe billing portal API on a loopback address.",
        description="Serve a fake Stripe billing portal API (stripe-mock's port by default).",
    )
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=_port, default=12111, help="0 picks a free port")
    fake.add_argument(
        "--force", action="store_true", help="allow a non-loopback host (exposes the fake)"
    )

    listing = commands.add_parser(
        "plugins",
        help="List the installed Lattice plugins.",
        description="List the installed Lattice plugins, and which are disabled.",
        epilog=EPILOG,
    )
    _add_disable_plugin(listing)
    return parser


# ---------------------------------------------------------------------------------------
# The resource commands, made from the declarations in RESOURCES


# What the command line adds to a declaration, where the table cannot say it.
_NOTES = {
    ("billing_portal.session", "create"): "Give exactly one of --customer and --customer-account; "
}
_MASK_HELP = {
    "billing_portal.session": "mask the url, and the flow's ids, for output meant to be shared"
}
_DATA_HELP = {
    ("billing_portal.session", "create"): "-d customer=cus_123 -d "
    "'flow_data[type]=payment_method_update'; repeat for more; -d 'expand[]=flow' appends "
    "to a list",
}
_HELP_WIDTH = 80
_VERBS = {"create": "Create", "retrieve": "Retrieve", "update": "Update", "list": "List"}


def _names(resource: Resource) -> tuple[str, str, str]:
    """The group, command and noun of a resource: `billing_portal`, `configurations`,
    `portal configuration` for `billing_portal.configuration`."""
    group, _, name = resource.object_name.rpartition(".")
    last = group.rpartition("_")[2]
    noun = f"{last} {name.replace('_', ' ')}" if last else name.replace("_", " ")
    return group or name, name + "s", noun


def _add_resource_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """`GROUP RESOURCES OPERATION` for each declared operation: `billing_portal sessions create`."""
    groups: dict[str, argparse._SubParsersAction[Any]] = {}
    for resource in RESOURCES:
        group, command, noun = _names(resource)
        if group not in groups:
            words = group.replace("_", " ").capitalize()
            parser = commands.add_parser(group, help=f"{words} resources.")
            groups[group] = parser.add_subparsers(
                dest="resource", required=True, parser_class=_Parser
            )
        plural = groups[group].add_parser(command, help=f"{noun.capitalize()}s.")
        actions = plural.add_subparsers(dest="action", required=True, parser_class=_Parser)
        for operation in resource.operations.values():
            _add_operation(actions, resource, operation, noun)


def _add_operation(
    actions: argparse._SubParsersAction[Any],
    resource: Resource,
    operation: Operation[Any],
    noun: str,
) -> None:
    key = (resource.object_name, operation.name)
    verb = _VERBS.get(operation.name, operation.name.capitalize())
    what = f"{noun}s" if operation.lists else f"a {noun}"
    where = f"({operation.method} {operation.path.replace('{id}', 'ID')})"
    shows_url = "url" in _field_names(resource.model)
    if operation.lists:
        printed = (
            'the page as JSON:\n  {"object": "list", "data": [...], "has_more": ..., "url": ...}'
            f"\n--all walks every page instead and prints one {noun.rpartition(' ')[2]} a line "
            "(JSON lines)"
        )
    else:
        printed = "it as JSON" + (", url included" if shows_url else "")
    table = operation.rule_for()
    note = _NOTES.get(key, "")
    if any(rule.kind in ("object", "map") for rule in table.fields.values()):
        data = "nested params with -d in Stripe's bracket form."
    else:
        data = "other params with -d in Stripe's form spelling."
    parser = actions.add_parser(
        operation.name,
        help=f"{verb} {what}.",
        description=f"{verb} {what} {where} and print {printed}.\n"
        f"{note}{data if note else data[0].upper() + data[1:]}",
        epilog=_epilog(_exit_1(operation, noun)),
    )
    parser.set_defaults(operation=operation)
    params = parser.add_argument_group("parameters")
    if "{id}" in operation.path:
        prefix = operation.id_prefix or ""
        params.add_argument(
            "id", metavar="ID", help=f"the {noun}'s id" + (f" ({prefix}...)" if prefix else "")
        )
    _add_param_arguments(params, table, _DATA_HELP.get(key) or _data_help(table))
    request = parser.add_argument_group("request")
    request.add_argument(
        "--api-key", help=f"secret or restricted key (default: ${API_KEY_ENV}); never printed"
    )
    request.add_argument("--api-base", help="API base URL (default: https://api.stripe.com)")
    request.add_argument("--stripe-account", help="connected account id, sent as Stripe-Account")
    if operation.method == "POST":  # a GET is safe to repeat, and Stripe takes no key on one
        request.add_argument("--idempotency-key", help="sent as Idempotency-Key (default: a UUID4)")
    request.add_argument(
        "--transport", help="transport name (default: requests if installed, else aiohttp)"
    )
    request.add_argument(
        "--max-retries",
        type=_retries,
        default=2,
        metavar="N",
        help=f"retries after a network error, 409, 429 or 5xx, 0 to {MAX_RETRIES} (default: 2)",
    )
    output = parser.add_argument_group("output")
    if operation.lists:
        output.add_argument(
            "--all",
            action="store_true",
            help="walk every page (--limit items a request) and print each "
            f"{noun.rpartition(' ')[2]} on a line of its own",
        )
    shown = output.add_mutually_exclusive_group()
    shown.add_argument("--mask", action="store_true", help=_mask_help(resource))
    if shows_url and not operation.lists:
        last = noun.rpartition(" ")[2]
        shown.add_argument("--show-url", action="store_true", help=f"print only the {last} url")
    output.add_argument(
        "--log-level",
        choices=_LOG_LEVELS,
        default="error",
        help="log records from this level up go to stderr, masked; other libraries' from "
        "warning up (default: error: the command's own report says what failed); debug "
        "also prints the traceback of an unexpected failure, masked",
    )
    _add_disable_plugin(parser)


def _field_names(model: type[Model]) -> set[str]:
    return {field.name for field in attrs.fields(model)}  # type: ignore[arg-type]


def _exit_1(operation: Operation[Any], noun: str) -> str:
    """What exit status 1 says: with the idempotency key for a POST, which sends one."""
    if operation.method != "POST":
        return _EXIT_1
    last = noun.rpartition(" ")[2]
    twice = f"create a second {last}" if operation.name == "create" else "apply it twice"
    text = _EXIT_1 + _EXIT_1_KEY.format(twice=twice)
    if len(text.rpartition("\n")[2]) > _HELP_WIDTH:
        text = text.replace(" so that", "\n     so that")
    return text


def _mask_help(resource: Resource) -> str:
    if resource.object_name in _MASK_HELP:
        return _MASK_HELP[resource.object_name]
    paths = masked_paths(resource.model)
    hidden = ", ".join(paths[:-1]) + " and " + paths[-1] if len(paths) > 1 else "".join(paths)
    return f"mask {hidden or 'any key or portal url'}, for output meant to be shared"


def _data_help(table: Rule) -> str:
    """`-d` examples from the table: params without a flag, required ones first."""
    flagged = {name for name, _ in flag_params(table)}
    examples = []
    fields = sorted(table.fields.items(), key=lambda field: not field[1].required)
    for name, rule in fields:
        found = None if name in flagged else example_leaf(name, rule)
        if found is not None:
            leaf, sub = found
            pair = f"{leaf}={placeholder(leaf, sub)}"
            examples.append(f"-d '{pair}'" if "[" in pair else f"-d {pair}")
        if len(examples) == 2:
            break
    text = " ".join(examples or ["-d KEY=VALUE"]) + "; repeat for more"
    if "expand" in table.fields:
        text += "; -d 'expand[]=FIELD' appends to a list"
    return text


def _add_param_arguments(group: argparse._ArgumentGroup, table: Rule, examples: str) -> None:
    """A flag for each top-level param the table allows a flag for, then `-d`."""
    for name, rule in flag_params(table):
        options: dict[str, Any] = {"dest": _PARAM_DEST + name, "help": _flag_help(rule)}
        if rule.kind == "array":
            options.update(action="append", metavar=name.upper().removesuffix("S"))
        elif rule.enum is not None:
            options.update(choices=rule.enum, metavar=name.upper())
        elif rule.kind == "integer":
            options.update(metavar="N")
        else:
            options.update(metavar=name.upper())
        group.add_argument(flag_of(name), **options)
    group.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"any param in Stripe's form spelling, e.g. {examples}",
    )


def _flag_help(rule: Rule) -> str:
    item = rule.items if rule.kind == "array" and rule.items is not None else rule
    if item.what:
        words = item.what
    elif item.enum is not None:
        words = "one of: " + ", ".join(item.enum)
    else:
        words = "an integer" if item.kind == "integer" else "a string"
    if item.kind == "integer" and item.minimum is not None and item.maximum is not None:
        words += f" from {item.minimum} to {item.maximum}"
    if rule.kind == "array":
        words += "; repeat for more"
    return words.replace("%", "%%")  # argparse formats help with %


def _add_disable_plugin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--disable-plugin",
        action="append",
        default=[],
        metavar="NAME",
        help=f"do not load this plugin (see lattice-stripe plugins); repeat for more; "
        f"${DISABLE_PLUGINS_ENV} adds more",
    )


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {port}")
    return port


def _retries(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_RETRIES):
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {MAX_RETRIES}, got {mask(repr(text[:40]))}"
        )
    return int(text)


# ---------------------------------------------------------------------------------------
# Params: flags and -d pairs, decoded like Stripe's form parser


def pairs_of(args: argparse.Namespace, table: Rule) -> list[tuple[str, str]]:
    """The flags' and the `-d` pairs' keys and values, in Stripe's form spelling."""
    pairs: list[tuple[str, str]] = []
    flagged: dict[str, str] = {}
    for name, rule in flag_params(table):
        value = getattr(args, _PARAM_DEST + name)
        if value is None:
            continue
        flagged[name] = flag_of(name)
        if rule.kind == "array":
            pairs += [(f"{name}[]", item) for item in value]
        else:
            pairs.append((name, value))
    for pair in args.data:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            # The pair may be a pasted secret: show it only through the redaction rules.
            raise InvalidParamsError(f"-d expects KEY=VALUE, got {mask(repr(pair))}.")
        top = key.partition("[")[0]
        if top in flagged:
            raise InvalidParamsError(
                f"{flagged[top]} and -d {mask(key)}=... both give {top}; pass it one way.",
                param=top,
            )
        pairs.append((key, value))
    return pairs


def params_of(pairs: Sequence[tuple[str, str]], table: Rule) -> dict[str, Any]:
    """Decode pairs like Stripe's form parser, but refuse a repeated scalar.

    Integers and booleans get their types back from `table` (`coerce_form`).
    Stripe keeps the last of two `customer=` values; on a command line that
    is almost always a typo, so it is an error here. `key[]=v` appends.
    """
    seen = set()
    for key, _ in pairs:
        if key in seen and not key.endswith("[]"):
            raise InvalidParamsError(
                f"-d {mask(key)} is given more than once; pass it once "
                "(key[]=... appends to a list).",
                param=key,
            )
        seen.add(key)
    try:
        body = urlencode(pairs).encode()
    except UnicodeError:
        raise InvalidParamsError("-d values must be valid UTF-8 text.") from None
    from .encoding import decode_form  # Stripe's form parser

    decoded = decode_form(body)  # a key in two shapes: already worded in form spelling
    try:
        params: dict[str, Any] = coerce_form(table, decoded)
    except InvalidParamsError as exc:
        raise explain(exc, decoded, table) from None
    return params
