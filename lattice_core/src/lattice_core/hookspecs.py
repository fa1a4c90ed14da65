"""The hooks a Lattice plugin can implement (pluggy project name ``lattice``).

Every hook is synchronous and takes and returns plain data, so one plugin serves
the sync and the async client alike: pluggy never awaits. Plugins are found
through the ``lattice`` entry-point group (the built-in ``retry``, ``telemetry``
and ``redaction`` plugins and the transports are found that way too) or passed
as ``Client(plugins=[...])``.

When a client is built::

    register_transports(register)                transports offer themselves by name
    register_flow_types(register)                flow types newer than the pinned API

Order of calls for one API call::

    before_request(request)                      every attempt, may add headers
    -> transport sends it
    after_response(request, response, error)     every attempt, success or failure
    retry_delay(request, response, error, ...)   first non-None answer wins
    redact(text)                                 on every message that leaves the SDK
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .billing_portal.rules import FlowType
    from .errors import LatticeError
    from .http import Request, Response
    from .transport import TransportFactory

__all__ = ["hookimpl", "hookspec"]

PROJECT_NAME = "lattice"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_transports(register: Callable[[str, TransportFactory], None]) -> None:
    """Offer transports: call ``register(name, factory)`` once per transport.

    Called when a client is built. ``factory(options)`` receives
    :class:`lattice_core.transport.TransportOptions` and returns a
    :class:`~lattice_core.transport.Transport` (sync) or
    :class:`~lattice_core.transport.AsyncTransport`. Import the HTTP library
    inside the factory, not at module level, so listing plugins stays cheap.
    """


@hookspec
def register_flow_types(register: Callable[[FlowType], None]) -> None:
    """Teach pre-flight validation a ``flow_data.type``: call ``register(flow_type)``.

    Called when a client is built. Use it when Stripe adds a flow type after
    the API version Lattice pins: pass a
    :class:`lattice_core.billing_portal.rules.FlowType` with the rule for its
    settings object (or ``None`` if it needs none). A type registered under a
    built-in name replaces the built-in rule.
    """


@hookspec
def before_request(request: Request) -> None:
    """Called before every attempt, just before the transport sends ``request``.

    An implementation may add or change ``request.headers`` and write to
    ``request.context``; it must not replace ``request.content`` (the
    ``Idempotency-Key`` promises the same body on every attempt).
    All implementations run; return values are ignored.
    """


@hookspec
def after_response(request: Request, response: Response | None, error: LatticeError | None) -> None:
    """Called after every attempt, with its outcome.

    Exactly one of ``response`` (any HTTP status, ``body`` already decoded) and
    ``error`` (an :class:`~lattice_core.errors.APIConnectionError`) is set.
    Observe only: the return value is ignored and neither object should be
    changed. ``request.attempt`` says which attempt this was.
    """


@hookspec(firstresult=True)
def retry_delay(
    request: Request,
    response: Response | None,
    error: LatticeError | None,
    max_retries: int,
) -> float | None:
    """Decide whether to retry after a failed attempt; first non-``None`` wins.

    Return the seconds to wait before attempt ``request.attempt + 1``, or
    ``None`` to give up (the error is then raised). Only called for failed
    attempts (connection errors and non-2xx responses). The built-in ``retry``
    plugin implements Stripe's rules; disable it to never retry.
    """


@hookspec
def redact(text: str) -> str | None:
    """Mask secrets in ``text`` before it leaves the SDK (messages, logs, reprs).

    Return the masked text, or ``None`` to leave it as it is. Unlike other
    hooks, implementations are chained: each one receives the previous one's
    output, so rules from several plugins compose.
    """
