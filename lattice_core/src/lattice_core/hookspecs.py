"""The hooks a Lattice plugin can implement (pluggy project name `lattice`).

Every hook is synchronous and takes and returns plain data, so one plugin serves
the sync and the async client alike: pluggy never awaits. Plugins are found
through the `lattice` entry-point group (the built-in `retry`, `telemetry`
and `redaction` plugins and the transports are found that way too) or passed
as `Client(plugins=[...])`. An entry point may name a module or a class; a
class is instantiated once per client, so it can keep per-client state. An
implementation may take any of its hook's arguments, by name, and leave out
the others.

When a client is built:

```text
register_transports(register)                transports offer themselves by name
register_flow_types(register)                flow types newer than the pinned API
client_created(client)                       once, after the client is ready
```

Order of calls for one API call:

```text
before_request(request)                      every attempt, may add headers
-> transport sends it
after_response(request, response, error, elapsed)
                                             every attempt, success or failure
retry_delay(request, response, error, max_retries)
                                             failed attempts; first answer wins
after_call(request, response, error)         once, with the final outcome
redact(text)                                 on every message that leaves the SDK
```

Within one hook, pluggy calls implementations registered later first:
`Client(plugins=[...])` objects (last one first), then installed third-party
plugins and transports (reverse name order), then the built-ins (`telemetry`,
`retry`, `redaction`), except where an implementation asks for
`tryfirst` / `trylast`. The
built-in `telemetry` plugin's `before_request` is `trylast` (it stamps the
start time and sees every header other plugins added) and its
`after_response` is `tryfirst` (it measures before others run); the
`retry` plugin's `retry_delay` is `trylast`, so a user's decision wins
(`telemetry` wraps `retry_delay` only to log the decision).
Hooks nobody implements cost one attribute lookup and an empty loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .billing_portal.rules import FlowType
    from .errors import LatticeError
    from .http import Request, Response
    from .transport import TransportFactory

__all__ = ["hookimpl", "hookspec"]

PROJECT_NAME = "lattice"
"""pluggy's project name for Lattice's hooks, and the entry-point group plugins use."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a hook specification (Lattice's own; plugins do not need it)."""
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin's function or method as a hook implementation.

Use it bare (`@hookimpl`) or with pluggy's options, such as
`@hookimpl(tryfirst=True)`; also importable as `lattice_core.hookimpl`.
"""


@hookspec
def register_transports(register: Callable[[str, TransportFactory], None]) -> None:
    """Offer transports: call `register(name, factory)` once per transport.

    Called when a client is built. Import the HTTP library inside the factory,
    not at module level, so listing plugins stays cheap.

    Args:
        register: Takes the name users pass as `Client(transport=name)` and a
            factory: a callable that receives the client's
            [`TransportOptions`][lattice_core.TransportOptions] and returns a
            [`Transport`][lattice_core.Transport] (sync) or an
            [`AsyncTransport`][lattice_core.AsyncTransport]. The first
            registration of a name wins.
    """


@hookspec
def register_flow_types(register: Callable[[FlowType], None]) -> None:
    """Teach pre-flight validation a `flow_data.type`: call `register(flow_type)`.

    Called when a client is built. Use it when Stripe adds a flow type after
    the API version Lattice pins. A type registered under a built-in name
    replaces the built-in rule.

    Args:
        register: Takes a [`FlowType`][lattice_core.billing_portal.FlowType]: the
            type's name and the rule for its settings object (or `None` if it needs
            none).
    """


@hookspec
def client_created(client: Any) -> None:
    """Called once when a `Client` or `AsyncClient` is ready, before any call.

    A per-client plugin instance may keep what it needs, for example
    `client.hooks.redact` to mask what it logs. Return values are ignored.

    Args:
        client: The [`Client`][lattice_core.Client] or
            [`AsyncClient`][lattice_core.AsyncClient] just built.
    """


@hookspec
def before_request(request: Request) -> None:
    """Called before every attempt, just before the transport sends `request`.

    All implementations run; return values are ignored.

    Args:
        request: The attempt's [`Request`][lattice_core.Request]. An
            implementation may add or change `request.headers`, write to
            `request.context` and shorten `request.timeout` (this attempt's
            seconds to connect and to read); it must not replace
            `request.content` (the `Idempotency-Key` promises the same body on
            every attempt). `request.attempt` counts from 1.
    """


@hookspec
def after_response(
    request: Request, response: Response | None, error: LatticeError | None, elapsed: float
) -> None:
    """Called after every attempt, with its outcome and how long it took.

    Exactly one of `response` and `error` is set. Observe only: the return value
    is ignored and neither object should be changed.

    Args:
        request: The attempt's [`Request`][lattice_core.Request].
        response: The answer, of any HTTP status, `body` already decoded; `None`
            when no answer came.
        error: The [`APIConnectionError`][lattice_core.APIConnectionError] when no
            answer came (its message already redacted); else `None`.
        elapsed: The attempt's duration in seconds, measured around the transport.
    """


@hookspec(firstresult=True)
def retry_delay(
    request: Request,
    response: Response | None,
    error: LatticeError | None,
    max_retries: int,
) -> float | None:
    """Decide whether to retry after a failed attempt; first non-`None` wins.

    Only called for failed attempts (connection errors and non-2xx responses)
    while `request.attempt <= max_retries`. The built-in `retry` plugin
    implements Stripe's rules; disable it to never retry.

    Args:
        request: The failed attempt's [`Request`][lattice_core.Request];
            `request.attempt` counts from 1.
        response: The non-2xx answer, or `None` when no answer came.
        error: The [`APIConnectionError`][lattice_core.APIConnectionError] when no
            answer came; else `None`.
        max_retries: The client's `max_retries`.

    Returns:
        The seconds to wait before attempt `request.attempt + 1`, or `None` to
            give up (the error is then raised).
    """


@hookspec
def after_call(request: Request, response: Response | None, error: BaseException | None) -> None:
    """Called once per API call, after the last attempt, with the final outcome.

    The place to end a span, count a call or refund a retry budget. Observe only.

    Args:
        request: The call's [`Request`][lattice_core.Request], as its last
            attempt sent it.
        response: The last HTTP response, if there was one.
        error: The exception about to be raised (`None` on success): usually a
            [`LatticeError`][lattice_core.LatticeError], but also a cancellation
            (`asyncio.CancelledError`) or any other exception that ended the call.
    """


@hookspec
def redact(text: str) -> str | None:
    """Mask secrets in `text` before it leaves the SDK (messages, logs, reprs).

    Unlike other hooks, implementations are chained: each one receives the
    previous one's output, so rules from several plugins compose. Core masking
    ([`mask`][lattice_core.masking.mask]) runs after the chain whatever plugins
    are registered, so a rule here can only add to it.

    Args:
        text: The text to mask (the previous implementation's output).

    Returns:
        The masked text, or `None` to leave it as it is.
    """
