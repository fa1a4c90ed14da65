"""aiohttp transport for Lattice (placeholder: the transport lands with the async work)."""

__version__ = "0.1.0"
__all__ = ["__version__"]
