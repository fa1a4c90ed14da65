"""The `requests` transport for Lattice.

Installed, it registers itself as `"requests"` through the `lattice`
entry-point group, so `Client(api_key)` finds it by name. Import
[`RequestsTransport`][lattice_transport_requests.RequestsTransport] directly to
configure it yourself. Importing this package
does not import requests: the transport module does, when it is first used.
"""

import typing as _typing

from ._version import __version__

if _typing.TYPE_CHECKING:
    from .transport import RequestsTransport

__all__ = ["RequestsTransport", "__version__"]


def __getattr__(name: str) -> object:
    # Imported on first use: finding the plugin by entry point (which imports this
    # package) must not import requests for a client that uses another transport.
    if name == "RequestsTransport":
        from .transport import RequestsTransport

        return RequestsTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
