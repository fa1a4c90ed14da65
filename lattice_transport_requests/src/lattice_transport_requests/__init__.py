"""The ``requests`` transport for Lattice.

Installed, it registers itself as ``"requests"`` through the ``lattice``
entry-point group, so ``Client(api_key)`` finds it by name. Import
:class:`RequestsTransport` directly to configure it yourself.
"""

from ._version import __version__
from .transport import RequestsTransport

__all__ = ["RequestsTransport", "__version__"]
