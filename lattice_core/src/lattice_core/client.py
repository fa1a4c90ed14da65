"""`Client`: configuration checked up front, then a short loop that only does I/O.

Everything a call decides (headers, hooks, retries, errors) lives in
`lattice_core.pipeline`; the client drives that flow with a blocking
transport and `time.sleep`.
"""

from __future__ import annotations

import functools
import re
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, TypedDict, TypeVar, overload
from urllib.parse import urlsplit

from . import pipeline
from ._version import __version__
from .errors import ConfigurationError
from .http import is_loopback_host
from .masking import mask
from .plain import plain_params
from .plugins import Hooks, find_plugin, make_plugin_manager, plugin_names
from .transport import (
    AnyTransport,
    AsyncTransport,
    Transport,
    TransportOptions,
    TransportT,
    closed_error,
    resolve_transport,
)
from .wording import with_article

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["DEFAULT_API_VERSION", "DEFAULT_BASE_URL", "AsyncClient", "CallOptions", "Client"]

DEFAULT_BASE_URL: Final = "https://api.stripe.com"
"""Where a client sends its calls unless given `base_url`."""
DEFAULT_API_VERSION: Final = "2026-10-28.endive"
"""The Stripe API version Lattice's models and checks are written for, sent as `Stripe-Version`."""
_KEY_MIN_BODY = 8
_KEY_SHAPE = re.compile(rf"(?:sk|rk)_[A-Za-z0-9_]{{{_KEY_MIN_BODY},}}")
T = TypeVar("T")
P = TypeVar("P")


class CallOptions(TypedDict, total=False):
    """Per-call options: keyword arguments every API call takes, after its params.

    For example `Session.create(client, params, idempotency_key="order-42")`.
    """

    stripe_account: str | None
    """Connected account for this call; overrides the client's."""
    idempotency_key: str | None
    """Sent as `Idempotency-Key`; a fresh UUID4 when missing."""


def _check_api_key(api_key: object) -> str:
    """Reject a malformed key without ever echoing it.

    Only the exact shape is let through, because `repr` and the `redact`
    rules can mask only what looks like a key: a stray character would leak the
    rest of it into logs.
    """
    problem = functools.partial(ConfigurationError, option="api_key")
    where = "Find your secret key at https://dashboard.stripe.com/apikeys."
    if not isinstance(api_key, str):
        raise problem(
            f"api_key must be a str ('sk_...' or 'rk_...'), not {type(api_key).__name__}. {where}"
        )
    if not api_key:
        raise problem(f"api_key is empty; pass your Stripe secret key. {where}")
    if api_key.startswith("pk_"):
        raise problem(
            f"api_key is a publishable key (pk_...), which cannot create portal sessions; "
            f"pass the secret key (sk_...) or a restricted key (rk_...). {where}"
        )
    if not _KEY_SHAPE.fullmatch(api_key):
        shape = (
            f"'sk_' or 'rk_' followed by at least {_KEY_MIN_BODY} ASCII letters, digits or "
            "underscores; no whitespace, dashes or other characters"
        )
        whitespace = _key_whitespace_problem(api_key)
        if whitespace is not None:
            compact = "".join(api_key.split())
            if compact and not _KEY_SHAPE.fullmatch(compact):  # whitespace is not all of it
                whitespace += f" Even without it, api_key is not a key ({shape})."
            raise problem(f"{whitespace} {where}")
        wrapping = _key_wrapping_problem(api_key)
        if wrapping is not None:
            raise problem(f"{wrapping} {where}")
        described = with_article(f"{len(api_key)}-character string")
        raise problem(
            f"api_key is malformed ({described} that is not {shape}); pass the secret or "
            f"restricted key exactly as shown in the Dashboard. {where}"
        )
    return api_key


_WHITESPACE_NAMES = {" ": "a space", "\n": "a newline", "\r": "a carriage return", "\t": "a tab"}


def _whitespace_names(chars: str) -> str:
    """`"a newline and a space"` for the whitespace in `chars` (nothing else is named)."""
    names: list[str] = []
    for char in chars:
        if char.isspace():
            name = _WHITESPACE_NAMES.get(char, f"a Unicode space U+{ord(char):04X}")
            if name not in names:
                names.append(name)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _key_whitespace_problem(api_key: str) -> str | None:
    """What is wrong with whitespace in `api_key`, in words; `None` if it has none.

    Names only the kind and place of the whitespace, never a character of the key.
    """
    stripped = api_key.strip()
    if not stripped:
        return f"api_key is only whitespace ({_whitespace_names(api_key)}); pass your secret key."
    if stripped != api_key:
        lead, trail = api_key != api_key.lstrip(), api_key != api_key.rstrip()
        where = "leading and trailing" if lead and trail else "leading" if lead else "trailing"
        edges = api_key[: len(api_key) - len(api_key.lstrip())] + api_key[len(api_key.rstrip()) :]
        return (
            f"api_key has {where} whitespace ({_whitespace_names(edges)}), as a key read "
            "from a file or an environment variable often has; strip it, e.g. key.strip()."
        )
    if any(char.isspace() for char in api_key):
        return (
            f"api_key has whitespace inside it ({_whitespace_names(api_key)}); a key has "
            "none, so it was probably split or wrapped when copied. Copy it again in one piece."
        )
    return None


def _is_async_function(function: object) -> bool:
    import inspect  # only for a sleep= given, which tests do

    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


def _key_wrapping_problem(api_key: str) -> str | None:
    """Quotes, a `NAME=` prefix or an invisible character around a key, in words; else `None`.

    Never repeats a character of the key: only the variable's name, or the
    code point of an invisible character, is quoted.
    """
    if api_key[:1] in "'\"" and api_key[-1:] in "'\"" and len(api_key) > 1:
        return (
            "api_key is wrapped in quotes, as a value copied from a .env file or a shell "
            "line often is; pass the key without them."
        )
    name, equals, value = api_key.partition("=")
    if equals and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,40}", name):
        if not _KEY_SHAPE.fullmatch(value.strip("'\"")):
            return None
        shown = "a name" if name.startswith(("sk_", "rk_")) else repr(f"{name}=")
        return (
            f"api_key starts with {shown} (a whole 'NAME=value' line was passed); pass only "
            f"the value, e.g. os.environ[{name!r}]."
        )
    import unicodedata  # only on this error path

    invisible = [c for c in api_key if unicodedata.category(c) in ("Cf", "Cc", "Zs")]
    if invisible:
        names = ", ".join(
            dict.fromkeys(
                f"U+{ord(c):04X} {unicodedata.name(c, 'CONTROL CHARACTER')}" for c in invisible
            )
        )
        return (
            f"api_key holds an invisible character ({names}), as text saved with a "
            "byte-order mark or copied from a web page may; delete it, or copy the key again."
        )
    return None


def _origin(scheme: str, host: str, port: int | None) -> str:
    """`scheme://host:port`, an IPv6 host in brackets; the port only when one was given."""
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" if port is None else f"{scheme}://{shown}:{port}"


_SCHEME_TYPO = re.compile(r"(https?)(?::/?|/+)(?=[^/:])", re.IGNORECASE)


def _missing_scheme_problem(base_url: str) -> str | None:
    """What to say of a `base_url` with no `scheme://` (`"localhost:12111"`), else `None`.

    Suggests the URL to pass: the same host and port, `https://` (`http://`
    for a loopback host). Only a host and a port are repeated, never a path,
    query or credentials.
    """
    if "://" in base_url:
        return None
    typo = _SCHEME_TYPO.match(base_url)
    if typo:
        rest = base_url[typo.end() :]
    else:  # "//host" names a host; "/v1" is a path with none
        rest = (
            base_url[2:] if base_url.startswith("//") else "" if base_url[:1] == "/" else base_url
        )
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname or "", parts.port
    except ValueError:  # "[::1" or a port out of range: no host to suggest
        host, port = "", None
    if typo:
        scheme = typo.group(1).lower()
        fixed = repr(_origin(scheme, host, port)) if host else f"a URL such as '{scheme}://...'"
        return f"base_url must start with '{scheme}://', not {typo.group(0)!r}; pass {fixed}."
    if not host:
        return (
            "base_url has no scheme (https:// or http://); pass a URL such as "
            "'https://api.stripe.com' (Stripe) or 'http://127.0.0.1:12111' (a local fake server)."
        )
    if is_loopback_host(host):
        return (
            f"base_url has no scheme (http:// or https://); pass {_origin('http', host, port)!r} "
            "for a local fake server (Stripe itself is 'https://api.stripe.com')."
        )
    return (
        f"base_url has no scheme (https:// or http://); pass {_origin('https', host, port)!r} "
        "(plain http:// is only for a local fake server, such as 'http://127.0.0.1:12111')."
    )


def _check_base_url(base_url: object) -> str:
    problem = functools.partial(ConfigurationError, option="base_url")
    example = "such as 'https://api.stripe.com' or 'http://127.0.0.1:12111'"
    if not isinstance(base_url, str) or not base_url:
        raise problem(f"base_url must be a URL string {example}.")
    if not base_url.isprintable() or " " in base_url:
        raise problem(
            f"base_url must not contain spaces or control characters (NUL, CR, LF, tab); "
            f"pass a URL {example}."
        )
    missing = _missing_scheme_problem(base_url)
    if missing is not None:
        raise problem(missing)
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError as exc:  # "[::1" or a port out of range
        raise problem(
            f"base_url is not a valid URL ({exc}); pass a scheme, a host (an IPv6 address in "
            f"brackets, e.g. 'http://[::1]:12111') and an optional port from 1 to 65535, "
            f"{example}."
        ) from None
    if port == 0:
        raise problem(f"base_url has port 0; pass a port from 1 to 65535, {example}.")
    host, scheme = parts.hostname or "", parts.scheme
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if len(scheme) <= 16 else "another scheme"
        fixed = (
            repr(_origin("https", host, port)) if host else "a URL such as 'https://api.stripe.com'"
        )
        raise problem(
            f"base_url must be https:// (or http:// to a local fake server on a loopback "
            f"host), not {shown}; pass {fixed}."
        )
    if not host:
        raise problem(f"base_url has no host after '{scheme}://'; pass a URL {example}.")
    if scheme == "http" and not is_loopback_host(host):
        raise problem(
            f"base_url is plain http:// to {host!r}, which is not a loopback host; pass "
            f"{_origin('https', host, port)!r} (plain http:// is only for a local fake server "
            "on 127.0.0.1, ::1 or localhost, such as 'http://127.0.0.1:12111')."
        )
    if "v1" in parts.path.split("/"):
        raise problem(
            f"base_url must not include /v1 (Lattice adds '/v1/...' to every call); pass "
            f"the origin only: {_origin(scheme, host, port)!r}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise problem(
            "base_url must not carry a query, fragment or credentials; pass the API key as api_key."
        )
    return base_url.rstrip("/")


def _check_number(
    name: str, value: object, *, minimum: float, maximum: float, integer: bool
) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not minimum <= value <= maximum:
        what = "an int" if integer else "a number"
        bits = value.bit_length() if isinstance(value, int) else 0
        got = f"an int of {bits} bits" if bits > 64 else repr(value)  # repr() may refuse it
        # NaN fails the range check too: it compares false with everything.
        raise ConfigurationError(
            f"{name} must be {what} from {minimum} to {maximum}, got {got}.", option=name
        )


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
        timeout: float = 80.0,
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
        self._api_key = _check_api_key(api_key)
        self.base_url: str = _check_base_url(base_url)
        """The API origin calls go to (`base_url`, without a trailing slash)."""
        if not isinstance(api_version, str) or not pipeline.is_header_token(api_version):
            raise ConfigurationError(
                f"api_version must be a Stripe API version string such as "
                f"{DEFAULT_API_VERSION!r} (printable ASCII, no spaces), got {api_version!r}.",
                option="api_version",
            )
        self.api_version: str = api_version
        """The Stripe API version sent as `Stripe-Version`."""
        problem = pipeline.stripe_account_problem(stripe_account)
        if problem is not None:
            raise ConfigurationError(problem, option="stripe_account")
        self.stripe_account: str | None = stripe_account
        """The connected account calls act as unless they name their own; `None`: yours."""
        _check_number("max_retries", max_retries, minimum=0, maximum=100, integer=True)
        # A day bounds any sane HTTP call; past it, socket APIs overflow or never return.
        _check_number("timeout", timeout, minimum=0.001, maximum=86_400, integer=False)
        self.max_retries: int = max_retries
        """How many times a failed call may be retried."""
        self.timeout: float = float(timeout)
        """Seconds each attempt may take to connect, and again to read."""
        if isinstance(disable_plugins, str):
            raise ConfigurationError(
                f"disable_plugins must be a list of plugin names, e.g. [{disable_plugins!r}].",
                option="disable_plugins",
            )
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
            if not callable(sleep):
                raise ConfigurationError(
                    "sleep must be a function of the seconds to wait (plain or async def), "
                    f"such as lambda seconds: None; got {type(sleep).__name__}.",
                    option="sleep",
                )
            if not self._awaits_sleep and _is_async_function(sleep):
                raise ConfigurationError(
                    "sleep is an async def function, which a Client calls without awaiting, "
                    "so it would never wait; pass a plain function such as time.sleep, or "
                    "use it with an AsyncClient.",
                    option="sleep",
                )
            self._sleep = sleep
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
            idempotency_key: Sent as `Idempotency-Key` on every attempt; `None` makes
                a fresh UUID4.

        Returns:
            The prepared [`Call`][lattice_core.pipeline.Call], inert until `send` runs it.

        Raises:
            ConfigurationError: The client is closed.
            InvalidParamsError: `stripe_account` or `idempotency_key` is malformed.
        """
        self._check_open()
        request = pipeline.build_request(
            method=method,
            url=self.base_url + path,
            params=params,
            base_headers=self._base_headers,
            stripe_account=stripe_account if stripe_account is not None else self.stripe_account,
            idempotency_key=idempotency_key,
            timeout=self.timeout,
        )
        return pipeline.Call(pipeline.call_flow(request, self.hooks, self.max_retries, decode))

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
                `stripe_account` and `idempotency_key`.

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
                `stripe_account` and `idempotency_key`.

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
