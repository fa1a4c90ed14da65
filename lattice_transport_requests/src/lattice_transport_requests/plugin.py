"""Entry point `requests` in group `lattice`: offers the transport by name.

Kept free of module-level imports of `requests` so that discovering plugins
(for an async client, say) never pays for importing it.
"""

from __future__ import annotations

from collections.abc import Callable

from lattice_core import TransportOptions, hookimpl
from lattice_core.transport import AnyTransport


def _factory(options: TransportOptions) -> AnyTransport:
    from .transport import RequestsTransport

    return RequestsTransport(timeout=options.timeout)


@hookimpl
def register_transports(
    register: Callable[[str, Callable[[TransportOptions], AnyTransport]], None],
) -> None:
    """Register the `requests` transport."""
    register("requests", _factory)
