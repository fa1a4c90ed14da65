"""Entry point `aiohttp` in group `lattice`: offers the transport by name.

Free of module-level imports of `aiohttp`, so discovering plugins for a
sync client never pays for importing it.
"""

from __future__ import annotations

from collections.abc import Callable

from lattice_core import TransportOptions, hookimpl
from lattice_core.transport import AnyTransport

Factory = Callable[[TransportOptions], AnyTransport]


def _factory(options: TransportOptions) -> AnyTransport:
    from .transport import AiohttpTransport

    return AiohttpTransport(timeout=options.timeout)


@hookimpl
def register_transports(register: Callable[[str, Factory], None]) -> None:
    """Register the `aiohttp` transport."""
    register("aiohttp", _factory)
