"""`lattice-stripe`: portal sessions from the command line, in the Stripe CLI's style.

    lattice-stripe billing_portal sessions create --customer cus_123 \\
        -d "flow_data[type]=payment_method_update"
    lattice-stripe billing_portal sessions create --customer cus_123 | jq -r .url
    lattice-stripe fake-stripe --port 12111
    lattice-stripe plugins
    lattice-stripe --version

`create` prints the whole session as JSON on stdout, `url` and `flow` as
Stripe sent them (the url is what the command is for); `--mask` hides them for
output meant to be shared. Every top-level param has a flag made from the
param table (`--customer`, `--return-url`, `--expand`, ...); nested ones are
given with `-d` in Stripe's bracket form. Bad params are reported in that
spelling (`flow_data[subscription_cancel][subscription]`), with the flag or
`-d` that fixes them (`lattice_core.cli_errors`).

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
import warnings
from collections.abc import Iterator, Sequence
from typing import IO, Any, cast
from urllib.parse import urlencode

from .billing_portal import Session, SessionCreateParams
from .billing_portal.rules import Rule
from .billing_portal.validation import coerce_form_values
from .cli_errors import (
    explain,
    explain_configuration,
    flag_of,
    flag_params,
    option_message,
)
from .client import DEFAULT_API_VERSION, AsyncClient, Client
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
from .pipeline import new_idempotency_key
from .plugins import PluginInfo, find_transport, list_plugins, make_plugin_manager
from .transport import AnyTransport, AsyncTransport, Transport, TransportOptions

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

EPILOG = f"""\
exit status:
  0  success
  1  Stripe refused the request or could not be reached: its message, then the
     HTTP status, type, code, param and request id that it has; after a network
     error, 409, 429 or 5xx also the idempotency_key sent: rerun with
     --idempotency-key KEY so that the retry cannot create a second session
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

    portal = commands.add_parser("billing_portal", help="Billing portal resources.")
    resources = portal.add_subparsers(dest="resource", required=True, parser_class=_Parser)
    sessions = resources.add_parser("sessions", help="Portal sessions.")
    actions = sessions.add_subparsers(dest="action", required=True, parser_class=_Parser)
    create = actions.add_parser(
        "create",
        help="Create a portal session.",
        description="Create a portal session (POST /v1/billing_portal/sessions) and print it "
        "as JSON, url included.\nGive exactly one of --customer and --customer-account; "
        "nested params with -d in Stripe's bracket form.",
        epilog=EPILOG,
    )
    _add_param_arguments(create.add_argument_group("parameters"))
    request = create.add_argument_group("request")
    request.add_argument(
        "--api-key", help=f"secret or restricted key (default: ${API_KEY_ENV}); never printed"
    )
    request.add_argument("--api-base", help="API base URL (default: https://api.stripe.com)")
    request.add_argument("--stripe-account", help="connected account id, sent as Stripe-Account")
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
    output = create.add_argument_group("output")
    shown = output.add_mutually_exclusive_group()
    shown.add_argument(
        "--mask",
        action="store_true",
        help="mask the url, and the flow's ids, for output meant to be shared",
    )
    shown.add_argument("--show-url", action="store_true", help="print only the session url")
    output.add_argument(
        "--log-level",
        choices=_LOG_LEVELS,
        default="error",
        help="log records from this level up go to stderr, masked; other libraries' from "
        "warning up (default: error: the command's own report says what failed); debug "
        "also prints the traceback of an unexpected failure, masked",
    )
    _add_disable_plugin(create)

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


def _add_param_arguments(group: argparse._ArgumentGroup) -> None:
    """A flag for each top-level param the table allows a flag for, then `-d`."""
    for name, rule in flag_params():
        options: dict[str, Any] = {"dest": _PARAM_DEST + name, "help": _flag_help(rule)}
        if rule.kind == "array":
            options.update(action="append", metavar=name.upper().removesuffix("S"))
        elif rule.enum is not None:
            options.update(choices=rule.enum, metavar=name.upper())
        else:
            options.update(metavar=name.upper())
        group.add_argument(flag_of(name), **options)
    group.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any param in Stripe's form spelling, e.g. -d customer=cus_123 -d "
        "'flow_data[type]=payment_method_update'; repeat for more; "
        "-d 'expand[]=flow' appends to a list",
    )


def _flag_help(rule: Rule) -> str:
    item = rule.items if rule.kind == "array" and rule.items is not None else rule
    if item.what:
        words = item.what
    elif item.enum is not None:
        words = "one of: " + ", ".join(item.enum)
    else:
        words = "an integer" if item.kind == "integer" else "a string"
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


def _pairs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The flags' and the `-d` pairs' keys and values, in Stripe's form spelling."""
    pairs: list[tuple[str, str]] = []
    flagged: dict[str, str] = {}
    for name, rule in flag_params():
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


def _params(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Decode pairs like Stripe's form parser, but refuse a repeated scalar.

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
        params: dict[str, Any] = coerce_form_values(decoded)
    except InvalidParamsError as exc:
        raise explain(exc, decoded) from None
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


def _create(args: argparse.Namespace, disabled: Sequence[str]) -> Session:
    """Create the session; `args.idempotency_key` must be set (the report shows it)."""
    decoded = _params(_pairs(args))  # bad input is reported before the key is looked for
    api_key = args.api_key or os.environ.get(API_KEY_ENV)
    if not api_key:
        raise ConfigurationError(f"no API key: pass --api-key or set {API_KEY_ENV}.")
    # Checked at run time by Session.create, like any mapping built at run time.
    params = cast(SessionCreateParams, decoded)
    transport = _transport(args.transport or _installed_transport(disabled), disabled)
    options: dict[str, Any] = {"max_retries": args.max_retries, "disable_plugins": disabled}
    if args.api_base:
        options["base_url"] = args.api_base
    call = {"stripe_account": args.stripe_account, "idempotency_key": args.idempotency_key}
    try:
        if isinstance(transport, AsyncTransport):

            async def run() -> Session:
                async with AsyncClient(api_key, transport=transport, **options) as client:
                    return await Session.create_async(client, params, **call)

            return asyncio.run(run())
        try:
            client = Client(api_key, transport=transport, **options)
        except ConfigurationError:
            if isinstance(transport, Transport):
                transport.close()
            raise
        with client:
            return Session.create(client, params, **call)
    except InvalidParamsError as exc:
        raise explain(exc, decoded) from None


def session_json(session: Session, *, masked: bool = False) -> str:
    """The session as the command prints it: all of it, or with `url` and `flow` masked."""
    data = session.to_dict()
    if masked:
        data["url"] = "***" if data.get("url") else data.get("url")
        data["flow"] = _flow_shape(data.get("flow"))
        # Unknown fields and expanded objects may hold a portal url (or worse): masked too.
        data = {k: v if k in ("url", "flow") else mask_value(v) for k, v in data.items()}
    return json.dumps(data, indent=2)


def _flow_shape(node: Any, key: str = "") -> Any:
    """The flow with every value masked but `type` (an enum) and `null`."""
    if isinstance(node, dict):
        return {k: _flow_shape(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_flow_shape(item) for item in node]
    if node is None or (key == "type" and isinstance(node, str)):
        return node
    return "***"


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
    # Chosen here, not by the client, so that a failed call's report can show it.
    args.idempotency_key = args.idempotency_key or new_idempotency_key()
    # stdout is for the result: a plugin's prints go to (masked) stderr meanwhile.
    with _logs_to(sys.stderr, args.log_level), contextlib.redirect_stdout(sys.stderr):
        session = _create(args, disabled)
    print(session.url if args.show_url else session_json(session, masked=args.mask))


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
        except Exception as exc:  # a plugin's bug (or ours): masked, never a raw traceback
            _report_unexpected(exc, debug=getattr(args, "log_level", None) == "debug")
            return EXIT_INTERNAL
    return EXIT_OK


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
