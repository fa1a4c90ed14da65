"""Test doubles shipped with Lattice: a stub transport, a fake Stripe, a loopback server."""

from .fake_stripe import FakeStripe, decode_form
from .server import LoopbackServer
from .stub import AsyncStubTransport, StubTransport, connection_error, json_response

__all__ = [
    "AsyncStubTransport",
    "FakeStripe",
    "LoopbackServer",
    "StubTransport",
    "connection_error",
    "decode_form",
    "json_response",
]
