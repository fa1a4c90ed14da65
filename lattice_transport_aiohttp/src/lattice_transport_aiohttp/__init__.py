"""The ``aiohttp`` transport for Lattice.

Installed, it registers itself as ``"aiohttp"`` through the ``lattice``
entry-point group, so ``AsyncClient(api_key)`` finds it by name. Import
:class:`AiohttpTransport` directly to configure it yourself.
"""

from ._version import __version__
from .transport import AiohttpTransport

__all__ = ["AiohttpTransport", "__version__"]
