"""Built-in `redaction` plugin: the default rules on the `redact` hook.

The rules themselves (:func:`~lattice_core.masking.mask`) are a core service:
the client applies them to every message that leaves the SDK whether or not
this plugin is registered, so disabling it cannot expose a key or a portal URL.
The plugin keeps the default rules visible in the hook's call order, where
user rules (your own `redact` implementations) chain with them. The names
below are re-exported from :mod:`lattice_core.masking` for older imports.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..masking import SENSITIVE_KEYS, mask, mask_value

__all__ = ["SENSITIVE_KEYS", "mask", "mask_value", "redact"]


@hookimpl
def redact(text: str) -> str | None:
    """The `redact` hook: :func:`lattice_core.masking.mask`."""
    return mask(text)
