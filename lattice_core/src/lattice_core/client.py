"""`Client`: configuration checked up front, then a short loop that only does I/O.

Everything a call decides (headers, hooks, retries, errors) lives in
`lattice_core.pipeline`; the client drives that flow with a blocking
transport and `time.sleep`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, TypedDict, TypeVar, overload

from . import pipeline
from ._version import __version__
from .checks import (
    check_api_key,
    check_api_version,
    check_base_url,
    check_call_options,
    check_disable_plugins,
    check_max_retries,
    check_sleep,
    check_stripe_account,
    check_timeout,
)
from .hooks import Hooks
from .masking import mask
from .plain import plain_params
from .plugins import find_plugin, make_plugin_manager, plugin_names
from .transport import (
    DEFAULT_TIMEOUT,
    AnyTransport,
    AsyncTransport,
    Transport,
    TransportOptions,
    TransportT,
    closed_error,
    resolve_transport,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["DEFAULT_API_VERSION", "DEFAULT_BASE_URL", "AsyncClient", "CallOptions", "Client"]

DEFAULT_BASE_URL: Final = "https://api.stripe.com"
"""Where a client sends its calls unless given `base_url`."""
DEFAULT_API_VERSION: Final = "2026-10-28.endive"
"""The Stripe API version Lattice's models and checks are written for, sent as `Stripe-Version`."""
T = TypeVar("T")
P = TypeVar("P")


class CallOptions(TypedDict, total=False):
    """Per-call options: keyword arguments every API call takes, after its params.

    For example `Session.create(client, params, idempotency_key="order-42")`.
    """

    stripe_account: str | None
    """Connected account for this call; overrides the client's."""
    idempotency_key: str | None
    """Sent as `Idempotency-Key` on a POST; a fresh UUID4 when missing. GETs take none."""
    timeout: float | None
    """Seconds each attempt of this call may take to connect, and again to read; overrides
    the client's `timeout` (same range: 0.001 to 86400)."""
    max_retries: int | None
    """How many times this call may be retried; overrides the client's `max_retries` (0 to 100)."""


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # here, so that a sync client never imports asyncio

    await asyncio.sleep(seconds)


class _BaseClient(Generic[TransportT]):
    """Configuration, plugins and request building shared by the sync and async clients."""

    _transport_kind: type[TransportT]
    _default_transport: str
    _sleep: Callable[[float], Any]
    _awaits_sleep = False  # an AsyncClient awaits what its sleep returns; a Client cannot

    def __init__(
        self,
        api_key: str,
        *,
        transport: str | AnyTransport | None = None,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        stripe_account: str | None = None,
        max_retries: int = 2,
        timeout: float = DEFAULT_TIMEOUT,
        plugins: Iterable[object] = (),
        disable_plugins: Iterable[str] = (),
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        """Check every option, load the plugins and pick the transport; nothing is sent.

        Args:
            api_key: Your Stripe secret key (`sk_...`) or restricted key (`rk_...`),
                exactly as the Dashboard shows it. It is never shown: `repr`, messages
                and logs mask it.
            transport: The name of an installed transport (`"requests"`, `"aiohttp"`) or
                a [`Transport`][lattice_core.Transport] /
                [`AsyncTransport`][lattice_core.AsyncTransport] instance of the client's
                kind. `None` picks `"requests"` for a `Client` and `"aiohttp"` for an
                `AsyncClient`.
            base_url: The API origin, without `/v1`. It must be `https://`, or `http://`
                to a loopback host such as a local fake Stripe (`http://127.0.0.1:12111`).
            api_version: The Stripe API version, sent as `Stripe-Version` on every call.
            stripe_account: A connected account id (`acct_...`) every call acts as, sent
                as `Stripe-Account`; a call's own `stripe_account` overrides it.
            max_retries: How many times a failed call may be retried, from 0 to 100
                (the built-in `retry` plugin decides which failures are worth it).
            timeout: Seconds each attempt may take to connect, and again to read the
                answer, from 0.001 to 86400.
            plugins: Plugins to register besides the installed ones: modules or objects
                with [`hookimpl`][lattice_core.hookimpl] methods.
            disable_plugins: Names of installed plugins not to load, such as
                `["retry"]`.
            sleep: What waits between retries, called with the seconds; `None` means
                `time.sleep` for a `Client` and `asyncio.sleep` for an `AsyncClient`. An
                `AsyncClient` takes a plain function too (`lambda seconds: None`), or an
                `async def` one: it awaits what the call returns only when that is
                awaitable. Tests pass a fake clock's.

        Raises:
            ConfigurationError: An option is invalid, the transport is not installed or
                not of the client's kind, or a plugin fails to load. The message says
                what to pass instead.
        """
        self._api_key = check_api_key(api_key)
        self.base_url: str = check_base_url(base_url)
        """The API origin calls go to (`base_url`, without a trailing slash)."""
        self.api_version: str = check_api_version(api_version, DEFAULT_API_VERSION)
        """The Stripe API version sent as `Stripe-Version`."""
        self.stripe_account: str | None = check_stripe_account(stripe_account)
        """The connected account calls act as unless they name their own; `None`: yours."""
        self.max_retries: int = check_max_retries(max_retries)
        """How many times a failed call may be retried."""
        self.timeout: float = check_timeout(timeout)
        """Seconds each attempt may take to connect, and again to read."""
        check_disable_plugins(disable_plugins)
        self.hooks = Hooks(make_plugin_manager(plugins, disable_plugins))
        """Typed calls into this client's plugins, e.g. `client.hooks.redact(text)`."""
        self._transport: TransportT = resolve_transport(
            self._default_transport if transport is None else transport,
            self.hooks,
            TransportOptions(timeout=self.timeout),
            want=self._transport_kind,
        )
        self._base_headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Stripe-Version": self.api_version,
            "User-Agent": f"lattice-python/{__version__} {self._transport.user_agent}",
        }
        if sleep is not None:  # tests pass a fake clock's sleep; no wall time spent
            self._sleep = check_sleep(sleep, awaits=self._awaits_sleep)
        self.closed: bool = False
        """Whether `close()` was called; a closed client sends nothing more."""
        self.hooks.client_created(self)

    def prepare(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        decode: Callable[[dict[str, Any]], T],
        *,
        stripe_account: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> pipeline.Call[T]:
        """Build one API call for `send`; nothing is sent, no hook fires.

        Resources use it (with `send`) to make their calls; [`request`][lattice_core.Client.request]
        is the shortcut for one call with plain params.

        Args:
            method: The HTTP method, such as `"POST"`.
            path: The API path, such as `"/v1/billing_portal/sessions"`.
            params: The params, already checked: they are form-encoded as they are.
            decode: Turns the 2xx JSON object into the result, inside the call: an
                [`APIError`][lattice_core.APIError] it raises (a body of the wrong shape)
                keeps the response's status and request id, and plugins see the call fail.
            stripe_account: The connected account for this call; `None` uses the
                client's.
            idempotency_key: Sent as `Idempotency-Key` on every attempt of a POST;
                `None` makes a fresh UUID4. A GET takes none.
            timeout: Seconds each attempt may take to connect, and again to read;
                `None` uses the client's.
            max_retries: How many times the call may be retried; `None` uses the
                client's.

        Returns:
            The prepared [`Call`][lattice_core.pipeline.Call], inert until `send` runs it.

        Raises:
            ConfigurationError: The client is closed.
            InvalidParamsError: An option is malformed or out of range, or a GET was
                given an `idempotency_key`.
        """
        self._check_open()
        if timeout is not None or max_retries is not None:
            check_call_options(None, None, timeout, max_retries)
        request = pipeline.build_request(
            method=method,
            url=self.base_url + path,
            params=params,
            base_headers=self._base_headers,
            stripe_account=stripe_account if stripe_account is not None else self.stripe_account,
            idempotency_key=idempotency_key,
            timeout=self.timeout if timeout is None else float(timeout),
        )
        retries = self.max_retries if max_retries is None else max_retries
        return pipeline.Call(pipeline.call_flow(request, self.hooks, retries, decode))

    def _check_open(self) -> None:
        if self.closed:
            raise closed_error()

    @property
    def plugins(self) -> list[str]:
        """Names of the plugins this client registered, in registration order.

        Entry points by their name (`"retry"`), as is an object in `plugins=[...]`
        that replaces a disabled one (a `Telemetry` with
        `disable_plugins=["telemetry"]`); other objects in `plugins=[...]` by their
        class (or module) name. Disabled ones are left out.
        """
        return [name for name, _ in plugin_names(self.hooks.pm)]

    @overload
    def get_plugin(self, name: str) -> object: ...

    @overload
    def get_plugin(self, name: str, kind: type[P]) -> P: ...

    def get_plugin(self, name: str, kind: type[Any] = object) -> Any:
        """The plugin object this client registered as `name`.

        For an installed plugin whose entry point names a class (`retry`,
        `telemetry`), the instance this client made; for one that names a module
        (`redaction`, the transports' `requests` and `aiohttp`), the module. An
        object you passed in `plugins=[...]` is found by its class (or module) name,
        or by the name of the installed plugin it replaces. Lookup is by name
        only; pass the class as well to have it checked and typed:
        `client.get_plugin("retry", Retry)` is a `Retry` to mypy too.

        Args:
            name: The plugin's name, as [`plugins`][lattice_core.Client.plugins]
                lists it, such as `"telemetry"`.
            kind: The class the plugin must be an instance of; the result is typed
                as it. `object` (the default) accepts any plugin.

        Returns:
            The plugin object.

        Raises:
            PluginNotFoundError: No plugin has that name on this client (it is
                unknown, or disabled by `disable_plugins`), or two objects of one
                class in `plugins=[...]` share it. The message lists the client's
                plugins.
            ConfigurationError: `name` is not a str, `kind` is not a class, or the
                plugin is not an instance of `kind`.
        """
        return find_plugin(self.hooks.pm, name, kind)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(api_key={mask(self._api_key)!r}, "
            f"base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"transport={self._transport.user_agent!r})"
        )


class Client(_BaseClient[Transport]):
    """A synchronous Stripe client; reusable and safe to share between threads.

    Its transport is `"requests"` unless told otherwise (`pip install
    lattice-stripe-requests`). Use it as a context manager (`with Client(...) as
    client:`), or call [`close`][lattice_core.Client.close], to release pooled
    connections. For asyncio, use [`AsyncClient`][lattice_core.AsyncClient].
    """

    _transport_kind = Transport
    _default_transport = "requests"
    _sleep: Callable[[float], None] = staticmethod(time.sleep)

    def request(
        self, method: str, path: str, params: Mapping[str, Any], **options: Unpack[CallOptions]
    ) -> dict[str, Any]:
        """Send one API call with plain params and return the decoded JSON object.

        A way to reach an endpoint Lattice has no model for; retries, hooks and errors
        work as for [`Session.create`][lattice_core.billing_portal.Session.create].

        Args:
            method: The HTTP method, such as `"POST"`.
            path: The API path, such as `"/v1/billing_portal/sessions"`.
            params: The params, as in Stripe's API reference; checked as plain data
                first (see [`plain_params`][lattice_core.plain.plain_params]).
            **options: The [`CallOptions`][lattice_core.client.CallOptions]:
                `stripe_account`, `idempotency_key`, `timeout` and `max_retries`.

        Returns:
            The JSON object Stripe answered with.

        Raises:
            InvalidParamsError: `params` or an option cannot be sent; nothing was.
            StripeError: Stripe refused the call, or could not be reached, after any
                retries.
            ConfigurationError: The client is closed.
        """
        return self.send(self.prepare(method, path, plain_params(params), dict, **options))

    def send(self, call: pipeline.Call[T]) -> T:
        """Run a call made by [`prepare`][lattice_core.Client.prepare] to its end.

        Args:
            call: The prepared call; a call runs once.

        Returns:
            What the call's `decode` made of Stripe's answer.

        Raises:
            StripeError: Stripe refused the call, or could not be reached, after any
                retries.
            ConfigurationError: The call was already sent, or the client is closed.
        """
        call.start()
        while call.step is not None:
            call.feed(self._perform(call.step))
        return call.result

    def _perform(self, step: pipeline.Step) -> pipeline.Outcome:
        try:
            if isinstance(step, float):
                self._sleep(step)
                return None
            if self.closed:  # closed by another thread while this call waited
                raise closed_error()
            return self._transport.handle_request(step)
        except BaseException as exc:  # the flow reports it, then retries or re-raises it
            return exc

    def close(self) -> None:
        """Close the transport's connection pool; calling it twice is harmless.

        Calls still running fail with a [`ConfigurationError`][lattice_core.ConfigurationError]
        at their next attempt; none can start after.
        """
        if not self.closed:
            self.closed = True
            self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_BaseClient[AsyncTransport]):
    """An asyncio Stripe client; the same options and behaviour as [`Client`][lattice_core.Client].

    Its transport is `"aiohttp"` unless told otherwise (`pip install
    lattice-stripe-aiohttp`). Use `async with AsyncClient(...)`, or
    `await client.close()`; a client that sent requests and is dropped unclosed
    warns with `ResourceWarning`. Use one client per event loop.

    `sleep=` takes what a `Client` takes, a plain function such as
    `lambda seconds: None`, or an `async def` function (a fake clock's, say):
    what it returns is awaited only when it is awaitable.
    """

    _transport_kind = AsyncTransport
    _default_transport = "aiohttp"
    _sleep: Callable[[float], Awaitable[None] | None] = staticmethod(_asyncio_sleep)
    _awaits_sleep = True
    _used = False

    async def request(
        self, method: str, path: str, params: Mapping[str, Any], **options: Unpack[CallOptions]
    ) -> dict[str, Any]:
        """Send one API call with plain params and return the decoded JSON object.

        The same as [`Client.request`][lattice_core.Client.request], awaited.

        Args:
            method: The HTTP method, such as `"POST"`.
            path: The API path, such as `"/v1/billing_portal/sessions"`.
            params: The params, as in Stripe's API reference; checked as plain data
                first (see [`plain_params`][lattice_core.plain.plain_params]).
            **options: The [`CallOptions`][lattice_core.client.CallOptions]:
                `stripe_account`, `idempotency_key`, `timeout` and `max_retries`.

        Returns:
            The JSON object Stripe answered with.

        Raises:
            InvalidParamsError: `params` or an option cannot be sent; nothing was.
            StripeError: Stripe refused the call, or could not be reached, after any
                retries.
            ConfigurationError: The client is closed.
        """
        return await self.send(self.prepare(method, path, plain_params(params), dict, **options))

    async def send(self, call: pipeline.Call[T]) -> T:
        """Run a call made by [`prepare`][lattice_core.AsyncClient.prepare] to its end.

        Args:
            call: The prepared call; a call runs once.

        Returns:
            What the call's `decode` made of Stripe's answer.

        Raises:
            StripeError: Stripe refused the call, or could not be reached, after any
                retries.
            ConfigurationError: The call was already sent, or the client is closed.
        """
        self._used = True
        call.start()
        step = call.step
        while step is not None:
            # Awaited here, not in a helper coroutine: every wake-up of the
            # transport passes through each frame above it.
            outcome: pipeline.Outcome
            try:
                if isinstance(step, float):
                    slept = self._sleep(step)
                    if isinstance(slept, Awaitable):  # an async def's; a plain function's None
                        await slept
                    outcome = None
                elif self.closed:  # closed by another task while this call waited
                    raise closed_error()
                else:
                    outcome = await self._transport.handle_async_request(step)
            except BaseException as exc:  # CancelledError too: the flow reports it, re-raises
                outcome = exc
            call.feed(outcome)
            step = call.step
        return call.result

    async def close(self) -> None:
        """Close the transport's connection pool; calling it twice is harmless.

        Calls still running fail with a [`ConfigurationError`][lattice_core.ConfigurationError]
        at their next attempt; none can start after.
        """
        if not self.closed:
            self.closed = True
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __del__(self) -> None:
        if self._used and not getattr(self, "closed", True):
            warnings.warn(
                f"Unclosed {self!r}: use 'async with AsyncClient(...)' or 'await client.close()'.",
                ResourceWarning,
                stacklevel=1,
                source=self,
            )
