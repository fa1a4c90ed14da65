"""Built-in `redaction` plugin: the default rules on the `redact` hook.

The rules themselves ([`mask`][lattice_core.masking.mask]) are a core service:
the client applies them to every message that leaves the SDK whether or not
this plugin is registered, so disabling it cannot expose a key or a portal URL.
The plugin keeps the default rules visible in the hook's call order, where
user rules (your own `redact` implementations) chain with them. The names
`mask`, `mask_value` and `SENSITIVE_KEYS` are re-exported from
[`lattice_core.masking`][lattice_core.masking] for older imports.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..masking import SENSITIVE_KEYS, mask, mask_value

__all__ = ["SENSITIVE_KEYS", "mask", "mask_value", "redact"]

# What this module registered a second time would do, for the message that refuses it.
_lattice_twice = "its rules would run twice on every message"


@hookimpl
def redact(text: str) -> str | None:
    """The `redact` hook: [`mask`][lattice_core.masking.mask].

    Args:
        text: The text to mask.

    Returns:
        The masked text.
    """
    return mask(text)
