"""A transport made by name for the wrong kind of client is closed before the error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lattice_core import (
    AsyncClient,
    AsyncTransport,
    Client,
    ConfigurationError,
    Request,
    Response,
    Transport,
    TransportOptions,
    hookimpl,
)
from lattice_core.transport import AnyTransport


class SyncMade(Transport):
    def __init__(self) -> None:
        self.closed = False

    def handle_request(self, request: Request) -> Response:
        raise AssertionError("never sent")

    def close(self) -> None:
        self.closed = True


class AsyncMade(AsyncTransport):
    def __init__(self) -> None:
        self.closed = False

    async def handle_async_request(self, request: Request) -> Response:
        raise AssertionError("never sent")

    async def aclose(self) -> None:
        self.closed = True


class Offers:
    """A plugin offering one transport by name, keeping what its factory made."""

    def __init__(self, kind: type[SyncMade | AsyncMade]) -> None:
        self.kind = kind
        self.made: list[SyncMade | AsyncMade] = []

    def _factory(self, options: TransportOptions) -> AnyTransport:
        self.made.append(self.kind())
        return self.made[-1]

    @hookimpl
    def register_transports(
        self, register: Callable[[str, Callable[[TransportOptions], AnyTransport]], None]
    ) -> None:
        register("made", self._factory)


@pytest.mark.parametrize(
    ("client_class", "made_kind"), [(Client, AsyncMade), (AsyncClient, SyncMade)]
)
def test_a_transport_made_for_the_wrong_client_is_closed(
    client_class: type[Client | AsyncClient], made_kind: type[SyncMade | AsyncMade]
) -> None:
    offers = Offers(made_kind)
    with pytest.raises(ConfigurationError, match="transport 'made' is not"):
        client_class("sk_test_123", transport="made", plugins=[offers])
    assert [made.closed for made in offers.made] == [True]


def test_a_transport_instance_of_the_wrong_kind_is_left_to_its_owner() -> None:
    mine = AsyncMade()
    with pytest.raises(ConfigurationError, match="not synchronous"):
        Client("sk_test_123", transport=mine)
    assert not mine.closed
