"""`lattice-stripe`: portal sessions from the command line, in the Stripe CLI's style.

::

    lattice-stripe billing_portal sessions create -d customer=cus_123 \\
        -d "flow_data[type]=payment_method_update"
    lattice-stripe fake-stripe --port 12111
    lattice-stripe plugins

Exit codes: 0 success, 2 bad input (the message names the field; nothing was
sent), 1 Stripe or network error (with Stripe's message and request id).
The session prints as JSON with its `url` masked and its `flow` reduced to
its shape and `type` values (as `repr` does: the flow names the customer's
subscriptions); `--show-url` prints the url alone, for piping into a browser
or an email.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlencode

from .billing_portal import Session, SessionCreateParams
from .billing_portal.validation import coerce_form_values
from .client import AsyncClient, Client
from .errors import ConfigurationError, InvalidParamsError, StripeError
from .masking import mask, mask_value
from .plugins import Hooks, list_plugins, make_plugin_manager
from .testing.fake_stripe import decode_form
from .transport import AnyTransport, AsyncTransport, Transport, TransportOptions

__all__ = ["main"]

EXIT_OK, EXIT_API, EXIT_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit code is 2, like ours
        # argparse quotes what it could not parse: a key pasted in the wrong place.
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {mask(message)}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lattice-stripe",
        description="Create Stripe Customer Portal sessions and run a local fake Stripe.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    portal = commands.add_parser("billing_portal", help="Billing portal resources.")
    resources = portal.add_subparsers(dest="resource", required=True, parser_class=_Parser)
    sessions = resources.add_parser("sessions", help="Portal sessions.")
    actions = sessions.add_subparsers(dest="action", required=True, parser_class=_Parser)
    create = actions.add_parser(
        "create",
        help="Create a portal session.",
        description="Create a portal session (POST /v1/billing_portal/sessions).",
    )
    create.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a param in Stripe's form spelling, e.g. -d customer=cus_123 "
        "-d 'flow_data[type]=payment_method_update'; repeat for more; "
        "-d 'expand[]=flow' appends to a list",
    )
    create.add_argument("--api-key", help="secret or restricted key (default: $STRIPE_API_KEY)")
    create.add_argument("--api-base", help="API base URL (default: https://api.stripe.com)")
    create.add_argument("--stripe-account", help="connected account id, sent as Stripe-Account")
    create.add_argument("--idempotency-key", help="sent as Idempotency-Key (default: a UUID4)")
    create.add_argument(
        "--transport", help="transport name (default: requests if installed, else aiohttp)"
    )
    create.add_argument(
        "--max-retries",
        type=_retries,
        default=2,
        help="retries after a network error, 409, 429 or 5xx (default: 2)",
    )
    create.add_argument("--show-url", action="store_true", help="print only the session url")

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

    commands.add_parser("plugins", help="List the installed Lattice plugins.")
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {port}")
    return port


def _retries(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"max retries must be a whole number >= 0, got {text!r}")
    return int(text)


def _params(pairs: Sequence[str]) -> dict[str, Any]:
    """Decode `-d` pairs like Stripe's form parser, but refuse a repeated scalar.

    Stripe keeps the last of two `customer=` values; on a command line that
    is almost always a typo, so it is an error here. `key[]=v` appends.
    """
    items = []
    seen = set()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            # The pair may be a pasted secret: show it only through the redaction rules.
            raise InvalidParamsError(f"-d expects KEY=VALUE, got {mask(repr(pair))}.")
        if key in seen and not key.endswith("[]"):
            raise InvalidParamsError(
                f"-d {key} is given more than once; pass it once (key[]=... appends to a list).",
                param=key,
            )
        seen.add(key)
        items.append((key, value))
    try:
        body = urlencode(items).encode()
    except UnicodeError:
        raise InvalidParamsError("-d values must be valid UTF-8 text.") from None
    params: dict[str, Any] = coerce_form_values(decode_form(body))
    return params


def _installed_transport() -> str:
    names = {plugin.name for plugin in list_plugins()}
    for name in ("requests", "aiohttp"):
        if name in names:
            return name
    raise ConfigurationError(
        "no transport is installed: pip install lattice-stripe-requests"
        " (or lattice-stripe-aiohttp)."
    )


def _transport(name: str) -> str | AnyTransport:
    """The named transport, made once so its kind (not its name) picks the client.

    A name no plugin registers is returned as it is: the client's own error
    says what to install.
    """
    factory = Hooks(make_plugin_manager()).transports().get(name)
    return name if factory is None else factory(TransportOptions())


def _create(args: argparse.Namespace) -> Session:
    api_key = args.api_key or os.environ.get("STRIPE_API_KEY")
    if not api_key:
        raise ConfigurationError("no API key: pass --api-key or set STRIPE_API_KEY.")
    # Checked at run time by Session.create, like any mapping built at run time.
    params = cast(SessionCreateParams, _params(args.data))
    transport = _transport(args.transport or _installed_transport())
    options: dict[str, Any] = {"max_retries": args.max_retries}
    if args.api_base:
        options["base_url"] = args.api_base
    call = {"stripe_account": args.stripe_account, "idempotency_key": args.idempotency_key}
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


def _print_session(session: Session, show_url: bool) -> None:
    if show_url:
        print(session.url)
        return
    data = session.to_dict()
    data["url"] = "***" if data.get("url") else data.get("url")
    data["flow"] = _flow_shape(data.get("flow"))
    # Unknown fields and expanded objects may hold a portal url (or worse): masked too.
    shown = {k: v if k in ("url", "flow") else mask_value(v) for k, v in data.items()}
    print(json.dumps(shown, indent=2))


def _flow_shape(node: Any, key: str = "") -> Any:
    """The flow with every value masked but `type` (an enum) and `null`."""
    if isinstance(node, dict):
        return {k: _flow_shape(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_flow_shape(item) for item in node]
    if node is None or (key == "type" and isinstance(node, str)):
        return node
    return "***"


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the console script)."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "billing_portal":
            _print_session(_create(args), args.show_url)
        elif args.command == "fake-stripe":
            _serve(args)
        else:
            for plugin in list_plugins():
                print(f"{plugin.name:<12} {plugin.value:<45} {plugin.distribution}")
    except (InvalidParamsError, ConfigurationError) as exc:
        print(f"lattice-stripe: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except StripeError as exc:
        kind = type(exc).__name__
        print(f"lattice-stripe: {kind}: {exc.message}", file=sys.stderr)
        print(f"request_id: {exc.request_id or 'none'}", file=sys.stderr)
        return EXIT_API
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
