"""`lattice-stripe`: billing portal resources from the command line, in the Stripe CLI's style.

    lattice-stripe billing_portal sessions create --customer cus_123 \\
        -d "flow_data[type]=payment_method_update"
    lattice-stripe billing_portal sessions create --customer cus_123 | jq -r .url
    lattice-stripe billing_portal configurations create \\
        -d "features[invoice_history][enabled]=true"
    lattice-stripe billing_portal configurations update bpc_123 -d active=false
    lattice-stripe billing_portal configurations list --limit 3 -d active=true
    lattice-stripe billing_portal configurations list --all   # JSON lines
    lattice-stripe fake-stripe --port 12111
    lattice-stripe plugins
    lattice-stripe --version

The `GROUP RESOURCES OPERATION` commands are made from the declarations in
`lattice_core.billing_portal.RESOURCES`, not written one by one: the object
name gives the group and the command (`billing_portal.configuration` is
`billing_portal configurations`), each `Operation` a subcommand, an `{id}` in
its path a positional `ID`, its rule table a flag for each top-level param
that holds a value (`--customer`, `--return-url`, `--expand`, `--limit`, ...),
and `lists` the page output and `--all`. Nested params are given with `-d` in
Stripe's bracket form; form text gets its integers and booleans back from the
same table. Bad params (and a bad id) are reported in that spelling
(`flow_data[subscription_cancel][subscription]`), with the flag or `-d` that
fixes them (`lattice_core.cli_errors`), before anything is sent.

`create`, `retrieve` and `update` print the whole object as JSON on stdout
(a session's `url` and `flow` as Stripe sent them: the url is what the command
is for); `list` prints the page (`{"object": "list", "data": [...], ...}`),
and `list --all` walks every page, one object a line. `--mask` hides what the
model declares secret (a session's url and flow, a configuration's
`login_page.url` and `metadata`) for output meant to be shared
(the model's `repr` declares what).

Only the result goes to stdout: whatever a plugin prints while the command
runs goes to stderr, and everything on stderr (errors, warnings, log records
at `--log-level`) is masked, so it carries neither the portal url nor the key.

An option that takes one value may be given once: a second `--customer` (or
`--api-base`) is an error, not "last one wins"; `--expand`, `-d` and
`--disable-plugin` repeat. Errors name options by their flags (`--api-base`,
`--disable-plugin NAME`), never by `Client`'s argument names.

Exit codes: 0 success; 1 Stripe refused the request or could not be reached
(with the idempotency key sent, when rerunning with it is the safe retry);
2 bad input (the message names the field and how to pass it; nothing was sent);
3 something failed unexpectedly inside the command, a plugin's hook raising say:
one masked line, `lattice-stripe: error: <class>: <message>`; `--log-level debug`
adds the traceback, masked too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import io
import json
import logging
import os
import platform
import sys
import traceback
import typing
import warnings
from collections.abc import Iterator, Sequence
from typing import IO, Any, cast
from urllib.parse import urlencode

import attrs

from .billing_portal import RESOURCES
from .cli_errors import (
    example_leaf,
    explain,
    explain_configuration,
    flag_of,
    flag_params,
    option_message,
    placeholder,
)
from .client import DEFAULT_API_VERSION, AsyncClient, CallOptions, Client
from .errors import (
    APIConnectionError,
    APIError,
    ConfigurationError,
    ConflictError,
    InvalidParamsError,
    RateLimitError,
    StripeError,
)
from .masking import mask, mask_value
from .model import Model
from .pagination import AsyncPage, Page
from .pipeline import new_idempotency_key
from .plugins import PluginInfo, find_transport, list_plugins, make_plugin_manager
from .resources import Operation, Resource
from .rules import Rule
from .transport import AnyTransport, AsyncTransport, Transport, TransportOptions
from .validation import coerce_form

__all__ = ["DISABLE_PLUGINS_ENV", "main"]

EXIT_OK, EXIT_API, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
DISABLE_PLUGINS_ENV = "LATTICE_DISABLE_PLUGINS"
"""Plugins the command line does not load, comma-separated (`telemetry,example`)."""
API_KEY_ENV = "STRIPE_API_KEY"
DISTRIBUTIONS = ("lattice-stripe-core", "lattice-stripe-requests", "lattice-stripe-aiohttp")
_PARAM_DEST = "param_"
_LOG_LEVELS = ("debug", "info", "warning", "error")
MAX_RETRIES = 100  # Client(max_retries=...) takes 0 to 100
# Failures after which the same call may still succeed: the key lets a rerun not
# create a second session (a 4xx other than 409 and 429 is answered the same again).
_RETRY_SAME_KEY = (APIConnectionError, APIError, ConflictError, RateLimitError)

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
    rows = [(name, _installed_version(name) or "not installed") for name in DISTRIBUTIONS]
    rows += [("Stripe API version", DEFAULT_API_VERSION), ("Python", platform.python_version())]
    return _table(rows)


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _build_parser() -> argparse.ArgumentParser:
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
    table = operation.rule(())
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
    paths = _masked_paths(resource.model)
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


def _pairs(args: argparse.Namespace, table: Rule) -> list[tuple[str, str]]:
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


def _params(pairs: Sequence[tuple[str, str]], table: Rule) -> dict[str, Any]:
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


# ---------------------------------------------------------------------------------------
# Plugins


def disabled_plugins(flagged: Sequence[str]) -> tuple[str, ...]:
    """The plugins not to load: `--disable-plugin` names, then `LATTICE_DISABLE_PLUGINS` ones.

    A flag naming no installed plugin is an error; a name in the environment
    variable that no plugin has is left out with a warning (one environment
    may serve several virtual environments).
    """
    installed = {plugin.name for plugin in list_plugins()}
    unknown = sorted(set(flagged) - installed)
    if unknown:
        raise ConfigurationError(
            f"--disable-plugin: no installed plugin is named "
            f"{mask(', '.join(map(repr, unknown)))}; installed: {', '.join(sorted(installed))} "
            "(see lattice-stripe plugins)."
        )
    from_env = [name.strip() for name in os.environ.get(DISABLE_PLUGINS_ENV, "").split(",")]
    from_env = [name for name in from_env if name]
    stray = sorted(set(from_env) - installed)
    if stray:
        print(
            f"lattice-stripe: warning: {DISABLE_PLUGINS_ENV} names no installed plugin: "
            f"{mask(', '.join(map(repr, stray)))}; ignored.",
            file=sys.stderr,
        )
    return tuple(dict.fromkeys([*flagged, *(n for n in from_env if n in installed)]))


def _print_plugins(disabled: Sequence[str]) -> None:
    """The table on stdout; why each failing plugin fails on stderr, as a warning."""
    plugins = list_plugins()
    rows = [("NAME", "STATUS", "DISTRIBUTION", "VERSION", "LOADS")]
    failures: dict[str, ConfigurationError] = {}
    for plugin in plugins:
        if plugin.name in disabled:
            status = "disabled"  # never imported, as for a client
        else:
            failure = failures.get(plugin.name) or _plugin_failure(plugin, plugins)
            if failure is None:
                status = "enabled"
            else:
                failures[plugin.name] = failure
                cause = failure.__cause__
                status = f"error: {type(cause).__name__ if cause else 'not a valid plugin'}"
        rows.append(
            (
                plugin.name,
                status,
                plugin.distribution,
                (_installed_version(plugin.distribution) or "") if plugin.distribution else "",
                plugin.value,
            )
        )
    print(_table(rows))
    for failure in failures.values():
        print(f"lattice-stripe: warning: {explain_configuration(failure)}", file=sys.stderr)


def _plugin_failure(plugin: PluginInfo, plugins: Sequence[PluginInfo]) -> ConfigurationError | None:
    """Why `plugin` cannot be loaded, or `None`: a client's plugin manager with it alone.

    It is loaded as a client loads it (imported, made, its hooks checked), with every
    other plugin disabled so that one failing does not hide another.
    """
    others = {other.name for other in plugins} - {plugin.name}
    # stdout is for the table: what a plugin prints on import goes to stderr.
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")  # the probe's, not the user's
        try:
            make_plugin_manager(disable_plugins=sorted(others))
        except ConfigurationError as exc:
            return exc
    return None


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as columns two spaces apart, each as wide as its widest cell."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


# ---------------------------------------------------------------------------------------
# create


def _installed_transport(disabled: Sequence[str]) -> str:
    names = {plugin.name for plugin in list_plugins()} - set(disabled)
    for name in ("requests", "aiohttp"):
        if name in names:
            return name
    raise ConfigurationError(
        "no transport is installed (or all are disabled): pip install lattice-stripe-requests"
        " (or lattice-stripe-aiohttp)."
    )


def _transport(name: str, disabled: Sequence[str]) -> str | AnyTransport:
    """The named transport, made once so its kind (not its name) picks the client.

    A name no plugin registers is returned as it is: the client's own error
    says what to install.
    """
    factory = find_transport(name, disabled)  # no plugin manager: the client builds its own
    return name if factory is None else factory(TransportOptions())


class _Printer:
    """Where and how a command prints its result: stdout as it was when the command began.

    A plugin's prints go to stderr while the command runs; the result must not.
    """

    def __init__(self, stream: IO[str], *, masked: bool, url_only: bool) -> None:
        self._stream = stream
        self._masked = masked
        self._url_only = url_only

    def one(self, obj: Model) -> None:
        text = str(getattr(obj, "url", "")) if self._url_only else None
        self._print(text if text is not None else _object_json(obj, masked=self._masked))

    def page(self, page: Page[Any] | AsyncPage[Any]) -> None:
        self._print(_page_json(page, masked=self._masked))

    def line(self, obj: Model) -> None:
        self._print(_line_json(obj, masked=self._masked))

    def _print(self, text: str) -> None:
        print(text, file=self._stream, flush=True)


def _send(args: argparse.Namespace, disabled: Sequence[str], printer: _Printer) -> None:
    """Check, send and print the command's operation.

    A POST's `args.idempotency_key` must be set (the report shows it).
    """
    operation: Operation[Any] = args.operation
    table = operation.rule(())
    decoded = _params(_pairs(args, table), table)  # bad input before the key is looked for
    object_id: str | None = getattr(args, "id", None)
    if object_id is not None:
        try:
            operation.path_for(object_id)  # a bad id is bad input too: nothing is sent
        except InvalidParamsError as exc:
            raise explain(exc, decoded, table) from None
    api_key = args.api_key or os.environ.get(API_KEY_ENV)
    if not api_key:
        raise ConfigurationError(f"no API key: pass --api-key or set {API_KEY_ENV}.")
    transport = _transport(args.transport or _installed_transport(disabled), disabled)
    options: dict[str, Any] = {"max_retries": args.max_retries, "disable_plugins": disabled}
    if args.api_base:
        options["base_url"] = args.api_base
    call: CallOptions = {"stripe_account": args.stripe_account}
    if operation.method == "POST":
        call["idempotency_key"] = args.idempotency_key
    walk = bool(getattr(args, "all", False))
    try:
        if isinstance(transport, AsyncTransport):

            async def run() -> None:
                async with AsyncClient(api_key, transport=transport, **options) as client:
                    await _invoke_async(client, operation, decoded, call, object_id, walk, printer)

            asyncio.run(run())
            return
        try:
            client = Client(api_key, transport=transport, **options)
        except ConfigurationError:
            if isinstance(transport, Transport):
                transport.close()
            raise
        with client:
            _invoke(client, operation, decoded, call, object_id, walk, printer)
    except InvalidParamsError as exc:
        raise explain(exc, decoded, table) from None


def _invoke(
    client: Client,
    operation: Operation[Any],
    params: dict[str, Any],
    call: CallOptions,
    object_id: str | None,
    walk: bool,
    printer: _Printer,
) -> None:
    if not operation.lists:
        printer.one(operation.call(client, params, call, object_id))
        return
    page = operation.list(client, params, call)
    if not walk:
        printer.page(page)
        return
    for item in page.auto_paging_iter():  # each line as its page arrives
        printer.line(item)


async def _invoke_async(
    client: AsyncClient,
    operation: Operation[Any],
    params: dict[str, Any],
    call: CallOptions,
    object_id: str | None,
    walk: bool,
    printer: _Printer,
) -> None:
    if not operation.lists:
        printer.one(await operation.call_async(client, params, call, object_id))
        return
    page = await operation.list_async(client, params, call)
    if not walk:
        printer.page(page)
        return
    async for item in page.auto_paging_iter():
        printer.line(item)


# ---------------------------------------------------------------------------------------
# What reaches stdout
#
# Every object is printed whole, as Stripe sent it (`to_dict()`). `--mask` hides what
# the model declares secret, as its `repr` does, for output meant to be shared: a
# field made with `attrs.field(repr=masked)` (a session's `url`, a configuration's
# `login_page.url`, its `metadata` values) prints "***" (a map keeps its keys), a
# model that shows only its shape (a session's `flow`) keeps its `type`s and nulls,
# and everything else goes through `mask_value`, so an unknown field or an expanded
# object holding a portal url or a key is hidden too.

_MAX_DEPTH = 8  # models nest a few levels; a self-referencing one must not loop


def _object_data(model: Model, *, masked: bool = False) -> dict[str, Any]:
    """`model` as JSON data: all of it, or masked for sharing (see the module)."""
    data = model.to_dict()
    return _masked(model, data) if masked else data


def _object_json(model: Model, *, masked: bool = False) -> str:
    """`model` as the command prints one object: indented JSON."""
    return json.dumps(_object_data(model, masked=masked), indent=2)


def _line_json(model: Model, *, masked: bool = False) -> str:
    """`model` on one line, as `list --all` prints each object (JSON lines)."""
    return json.dumps(_object_data(model, masked=masked))


def _page_json(page: Page[Any] | AsyncPage[Any], *, masked: bool = False) -> str:
    """A page as Stripe's list object: `object`, `data`, `has_more` and `url`, indented."""
    data = [_object_data(item, masked=masked) for item in page.data]
    listed = {"object": "list", "data": data, "has_more": page.has_more, "url": page.url}
    return json.dumps(listed, indent=2)


def _masked(model: Model, data: dict[str, Any]) -> dict[str, Any]:
    fields = {field.name: field for field in attrs.fields(type(model))}  # type: ignore[arg-type]
    shown: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        held = getattr(model, key) if field is not None else None
        if isinstance(held, Model) and type(held)._MASK_VALUES:
            shown[key] = _shape(value)
        elif field is not None and callable(field.repr):
            shown[key] = _hidden(value)
        elif isinstance(held, Model) and isinstance(value, dict):
            shown[key] = _masked(held, value)
        elif isinstance(held, list) and isinstance(value, list) and len(held) == len(value):
            shown[key] = [
                _masked(item, raw)
                if isinstance(item, Model) and isinstance(raw, dict)
                # an item that is no model: masked like any other value
                else mask_value(raw)
                for item, raw in zip(held, value, strict=True)
            ]
        else:
            shown[key] = mask_value(value)
    return shown


def _hidden(value: Any) -> Any:
    """A secret value as `--mask` prints it: `"***"`; a map keeps its keys; null stays."""
    if value is None or value == "":
        return value
    if isinstance(value, dict):
        return dict.fromkeys(value, "***")
    return "***"


def _shape(node: Any, key: str = "") -> Any:
    """Every value masked but `type` (an enum) and `null`: what a shape-only model shows."""
    if isinstance(node, dict):
        return {k: _shape(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_shape(item) for item in node]
    if node is None or (key == "type" and isinstance(node, str)):
        return node
    return "***"


def _masked_paths(model: type[Model], prefix: str = "", depth: int = 0) -> list[str]:
    """The dotted paths `--mask` hides in `model` (`login_page.url`), for `--help`."""
    try:
        hints = typing.get_type_hints(model)
    except (NameError, TypeError):  # an annotation only a type checker can resolve
        hints = {}
    paths: list[str] = []
    for field in attrs.fields(model):  # type: ignore[arg-type]
        path = prefix + field.name
        if callable(field.repr):
            paths.append(path)
        elif depth < _MAX_DEPTH:
            for inner in _models_in(hints.get(field.name)):
                paths += _masked_paths(inner, path + ".", depth + 1)
    return paths


def _models_in(hint: Any) -> Iterator[type[Model]]:
    """The model classes a type hint names: `LoginPage | None`, `list[FeatureProduct]`."""
    if isinstance(hint, type) and issubclass(hint, Model):
        yield hint
    for arg in typing.get_args(hint):
        yield from _models_in(arg)


# ---------------------------------------------------------------------------------------
# What reaches stderr


class _MaskedStream(io.TextIOBase):
    """A text stream that masks what it is given before passing it on.

    Masked: whatever [`mask`][lattice_core.masking.mask] recognises, and the
    API key as given (a key of another shape is hidden too).
    """

    def __init__(self, stream: IO[str], secrets: Sequence[str]) -> None:
        super().__init__()
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        shown = text
        for secret in self._secrets:
            shown = shown.replace(secret, "***")
        self._stream.write(mask(shown))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


_SHORTEST_SECRET = 8  # a shorter "key" is no key; hiding every "abc" would garble messages


def _secrets(argv: Sequence[str]) -> tuple[str, ...]:
    """The API key as given on the command line and in the environment, to hide verbatim."""
    found = [os.environ.get(API_KEY_ENV, "")]
    for index, word in enumerate(argv):
        if word == "--api-key" and index + 1 < len(argv):
            found.append(argv[index + 1])
        elif word.startswith("--api-key="):
            found.append(word.partition("=")[2])
    return tuple({key for key in found if len(key) >= _SHORTEST_SECRET})


@contextlib.contextmanager
def _logs_to(stream: IO[str], level: str) -> Iterator[None]:
    """Log records from `level` up to `stream` while the command runs; others' from warning up.

    Lattice's own logger is set to `level` (and set back after); the root logger is
    left as it is, so other libraries' debug and info records stay where they were.
    """
    lattice = logging.getLogger("lattice")
    saved = lattice.level
    chosen = logging.getLevelName(level.upper())
    others = max(chosen, logging.WARNING)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(
        lambda record: (
            record.levelno >= chosen
            and (record.levelno >= others or record.name.partition(".")[0] == "lattice")
        )
    )
    lattice.setLevel(chosen)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        lattice.setLevel(saved)


def _report_stripe_error(exc: StripeError, idempotency_key: str | None) -> None:
    """The error's class and message, then one line per field that has a value.

    Lattice's own words (an error with no body from Stripe) name options by
    their flags. After a failure that the same call may get past,
    `idempotency_key` is the key sent, for a rerun with `--idempotency-key`.
    """
    message = exc.message if exc.json_body is not None else option_message(exc.message)
    print(f"lattice-stripe: {type(exc).__name__}: {message}", file=sys.stderr)
    key = idempotency_key if isinstance(exc, _RETRY_SAME_KEY) else None
    fields = (
        ("http_status", exc.http_status),
        ("type", exc.type),
        ("code", exc.code),
        ("decline_code", exc.decline_code),
        ("param", exc.param),
        ("request_id", exc.request_id),
        ("doc_url", exc.doc_url),
        ("idempotency_key", key),
    )
    for label, value in fields:
        if value is not None and value != "":
            print(f"{label}: {value}", file=sys.stderr)


# ---------------------------------------------------------------------------------------
# The commands


def _serve(args: argparse.Namespace) -> None:
    from .testing.fake_stripe import FakeStripe
    from .testing.server import LoopbackServer

    try:
        server = LoopbackServer(FakeStripe(), args.host, args.port, force=args.force)
    except (OSError, OverflowError) as exc:  # port taken, address not available here
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigurationError(
            f"cannot serve on {args.host} port {args.port}: {reason}."
        ) from None
    with server:
        print(f"fake Stripe listening on {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()


def _run(args: argparse.Namespace) -> None:
    if args.command == "fake-stripe":
        _serve(args)
        return
    disabled = disabled_plugins(args.disable_plugin)
    if args.command == "plugins":
        _print_plugins(disabled)
        return
    if args.operation.method == "POST":
        # Chosen here, not by the client, so that a failed call's report can show it.
        args.idempotency_key = args.idempotency_key or new_idempotency_key()
    printer = _Printer(
        sys.stdout, masked=args.mask, url_only=bool(getattr(args, "show_url", False))
    )
    # stdout is for the result: a plugin's prints go to (masked) stderr meanwhile.
    with _logs_to(sys.stderr, args.log_level), contextlib.redirect_stdout(sys.stderr):
        _send(args, disabled, printer)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the console script).

    Args:
        argv: The arguments, without the program name (default: `sys.argv[1:]`).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    errors = _MaskedStream(sys.stderr, _secrets(argv))
    args: argparse.Namespace | None = None
    with contextlib.redirect_stderr(cast(IO[str], errors)):
        try:
            args = _build_parser().parse_args(argv)
            _run(args)
        except InvalidParamsError as exc:
            print(f"lattice-stripe: error: {exc}", file=sys.stderr)
            return EXIT_INPUT
        except ConfigurationError as exc:
            print(f"lattice-stripe: error: {explain_configuration(exc)}", file=sys.stderr)
            return EXIT_INPUT
        except StripeError as exc:
            _report_stripe_error(exc, getattr(args, "idempotency_key", None))
            return EXIT_API
        except BrokenPipeError:  # `... | head`: the reader has all it wants
            _drop_stdout()
            return EXIT_OK
        except Exception as exc:  # a plugin's bug (or ours): masked, never a raw traceback
            _report_unexpected(exc, debug=getattr(args, "log_level", None) == "debug")
            return EXIT_INTERNAL
    return EXIT_OK


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _report_unexpected(exc: Exception, *, debug: bool) -> None:
    """One masked line, `lattice-stripe: error: <class>: <message>`; the traceback first if asked.

    Written while stderr is still the masked stream, and masked here as well:
    the message may quote a request's `Authorization` header.
    """
    if debug:
        sys.stderr.write(mask("".join(traceback.format_exception(exc))))
    try:
        text = str(exc)
    except Exception:  # a plugin's exception may fail even at this
        text = "(its message could not be read)"
    message = " ".join(mask(text).split())  # one line, whatever the message holds
    report = f"lattice-stripe: error: {type(exc).__qualname__}"
    print(f"{report}: {message}" if message else report, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
