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
import io
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import IO, Any, cast

from .cli_errors import (
    explain,
    explain_configuration,
    option_message,
)
from .cli_output import API_KEY_ENV, MaskedStream, Printer, logs_to, secrets_in, text_table
from .cli_parser import (
    DISABLE_PLUGINS_ENV,
    EXIT_API,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    build_parser,
    installed_version,
    pairs_of,
    params_of,
)
from .client import AsyncClient, CallOptions, Client
from .errors import (
    APIConnectionError,
    APIError,
    ConfigurationError,
    ConflictError,
    InvalidParamsError,
    RateLimitError,
    StripeError,
)
from .masking import mask
from .pipeline import new_idempotency_key
from .plugins import PluginInfo, find_transport, list_plugins, make_plugin_manager
from .resources import Operation
from .transport import AnyTransport, AsyncTransport, Transport, TransportOptions

__all__ = ["DISABLE_PLUGINS_ENV", "main"]

# Failures after which the same call may still succeed: the key lets a rerun not
# create a second session (a 4xx other than 409 and 429 is answered the same again).
_RETRY_SAME_KEY = (APIConnectionError, APIError, ConflictError, RateLimitError)

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
                (installed_version(plugin.distribution) or "") if plugin.distribution else "",
                plugin.value,
            )
        )
    print(text_table(rows))
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


def _send(args: argparse.Namespace, disabled: Sequence[str], printer: Printer) -> None:
    """Check, send and print the command's operation.

    A POST's `args.idempotency_key` must be set (the report shows it).
    """
    operation: Operation[Any] = args.operation
    table = operation.rule_for()
    decoded = params_of(pairs_of(args, table), table)  # bad input before the key is looked for
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
    printer: Printer,
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
    printer: Printer,
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
    printer = Printer(sys.stdout, masked=args.mask, url_only=bool(getattr(args, "show_url", False)))
    # stdout is for the result: a plugin's prints go to (masked) stderr meanwhile.
    with logs_to(sys.stderr, args.log_level), contextlib.redirect_stdout(sys.stderr):
        _send(args, disabled, printer)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the console script).

    Args:
        argv: The arguments, without the program name (default: `sys.argv[1:]`).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    errors = MaskedStream(sys.stderr, secrets_in(argv))
    args: argparse.Namespace | None = None
    with contextlib.redirect_stderr(cast(IO[str], errors)):
        try:
            args = build_parser().parse_args(argv)
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
