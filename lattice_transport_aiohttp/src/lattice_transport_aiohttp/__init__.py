"""The `aiohttp` transport for Lattice.

Installed, it registers itself as `"aiohttp"` through the `lattice`
entry-point group, so `AsyncClient(api_key)` finds it by name. Import
[`AiohttpTransport`][lattice_transport_aiohttp.AiohttpTransport] directly to
configure it yourself. Importing this package
does not import aiohttp: the transport module does, when it is first used.
"""

import typing as _typing

from ._version import __version__

if _typing.TYPE_CHECKING:
    from .transport import AiohttpTransport

__all__ = ["AiohttpTransport", "__version__"]


def __getattr__(name: str) -> object:
    # Imported on first use: finding the plugin by entry point (which imports this
    # package) must not import aiohttp for a client that uses another transport.
    if name == "AiohttpTransport":
        from .transport import AiohttpTransport

        return AiohttpTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
