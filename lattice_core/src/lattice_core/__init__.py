"""Lattice: a typed, pluggable SDK for Stripe Billing Portal Sessions.

```python
from lattice_core import Client
from lattice_core.billing_portal import Session

with Client("sk_test_YOUR_KEY") as client:
    session = Session.create(client, {"customer": "cus_123"})
```

Importing this package loads no HTTP library; transports are plugins.
"""

from ._version import __version__
from .client import DEFAULT_API_VERSION, DEFAULT_BASE_URL, AsyncClient, Client
from .errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    CardError,
    ConfigurationError,
    ConflictError,
    IdempotencyError,
    InvalidParamsError,
    InvalidRequestError,
    LatticeError,
    PermissionDeniedError,
    PluginNotFoundError,
    RateLimitError,
    StripeError,
)
from .hookspecs import hookimpl
from .http import Request, Response
from .plugins import PluginInfo, list_plugins, refresh_plugins
from .transport import AsyncTransport, Transport, TransportOptions

__all__ = [
    "APIConnectionError",
    "APIError",
    "AsyncClient",
    "AsyncTransport",
    "AuthenticationError",
    "CardError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "DEFAULT_API_VERSION",
    "DEFAULT_BASE_URL",
    "IdempotencyError",
    "InvalidParamsError",
    "InvalidRequestError",
    "LatticeError",
    "PermissionDeniedError",
    "PluginInfo",
    "PluginNotFoundError",
    "RateLimitError",
    "Request",
    "Response",
    "StripeError",
    "Transport",
    "TransportOptions",
    "__version__",
    "hookimpl",
    "list_plugins",
    "refresh_plugins",
]
