"""Transport bases, in the httpx shape, and how a client finds its transport.

A transport turns one [`Request`][lattice_core.Request] into one
[`Response`][lattice_core.Response] and nothing more: no retries, no hooks, no
decoding. Each transport package maps its library's exceptions onto
[`APIConnectionError`][lattice_core.APIConnectionError] (with
[`no_answer_error`][lattice_core.transport.no_answer_error]) and offers itself
through the [`register_transports`][lattice_core.hookspecs.register_transports]
hook.
"""

from __future__ import annotations

import abc
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, Union

import attrs

from .errors import APIConnectionError, CauseSummary, ConfigurationError
from .http import split_url
from .masking import mask

if TYPE_CHECKING:
    from .http import Request, Response

__all__ = [
    "AsyncTransport",
    "Transport",
    "TransportFactory",
    "TransportOptions",
    "TransportRegistry",
    "attempt_timeout",
    "certificate_error",
    "closed_error",
    "connection_error",
    "describe_cause",
    "no_answer_error",
    "resolve_transport",
]

# Which distribution to install for a transport name we know of.
_KNOWN_DISTRIBUTIONS = {
    "requests": "lattice-stripe-requests",
    "aiohttp": "lattice-stripe-aiohttp",
}


DEFAULT_TIMEOUT = 80.0
"""Seconds an attempt gets unless the client (`timeout=`) or the transport says otherwise."""


@attrs.frozen
class TransportOptions:
    """Settings a client hands to a transport factory."""

    timeout: float = DEFAULT_TIMEOUT
    """Seconds allowed to connect, and again to read the response.

    Each [`Request`][lattice_core.Request] also carries the client's timeout,
    which is what a transport should honour (see
    [`attempt_timeout`][lattice_core.transport.attempt_timeout]).
    """


class Transport(abc.ABC):
    """A synchronous transport: subclass it and implement `handle_request`.

    Pass an instance as `Client(transport=...)`, or offer a factory through the
    [`register_transports`][lattice_core.hookspecs.register_transports] hook so
    users can name it.
    """

    user_agent: str = "custom"
    """Product token for the `User-Agent` header, such as `"requests/2.32.3"`."""

    @abc.abstractmethod
    def handle_request(self, request: Request) -> Response:
        """Send `request` once and return the answer, whatever its HTTP status.

        Args:
            request: What to send; allow it
                [`attempt_timeout`][lattice_core.transport.attempt_timeout] seconds.

        Returns:
            The status, headers (lower-cased names) and raw body.

        Raises:
            APIConnectionError: No HTTP answer came; make it with
                [`no_answer_error`][lattice_core.transport.no_answer_error].
        """

    def close(self) -> None:  # noqa: B027 - optional to override
        """Release pooled connections. Safe to call more than once."""


class AsyncTransport(abc.ABC):
    """An asynchronous transport: subclass it and implement `handle_async_request`.

    The asyncio twin of [`Transport`][lattice_core.Transport], for an
    [`AsyncClient`][lattice_core.AsyncClient].
    """

    user_agent: str = "custom"
    """Product token for the `User-Agent` header, such as `"aiohttp/3.9.5"`."""

    @abc.abstractmethod
    async def handle_async_request(self, request: Request) -> Response:
        """Send `request` once and return the answer, whatever its HTTP status.

        Args:
            request: What to send; allow it
                [`attempt_timeout`][lattice_core.transport.attempt_timeout] seconds.

        Returns:
            The status, headers (lower-cased names) and raw body.

        Raises:
            APIConnectionError: No HTTP answer came; make it with
                [`no_answer_error`][lattice_core.transport.no_answer_error].
        """

    async def aclose(self) -> None:  # noqa: B027 - optional to override
        """Release pooled connections. Safe to call more than once."""


_OPENSSL_VERIFY_FAILED = "certificate verify failed"


def certificate_error(exc: BaseException) -> str | None:
    """Why a certificate check failed, if that is what `exc` is about; else `None`.

    HTTP libraries wrap it differently (requests: `SSLError` around urllib3's
    `MaxRetryError` around `ssl.SSLCertVerificationError`; aiohttp:
    `ClientConnectorCertificateError`), so this follows causes, `args` and
    the usual wrapper attributes a few levels down, and knows OpenSSL's wording.

    Args:
        exc: The exception an HTTP library raised.

    Returns:
        OpenSSL's reason (such as `"certificate has expired"`), or `None` when
            `exc` is not about a certificate.
    """
    ssl = sys.modules.get("ssl")  # not imported: then no TLS failure can have happened
    verify_error = ssl.SSLCertVerificationError if ssl is not None else ()
    todo: list[object] = [exc]
    seen: set[int] = set()
    found: str | None = None
    while todo and len(seen) < 32:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, verify_error):
            detail = getattr(item, "verify_message", None)  # a wrapper may lack it
            if isinstance(detail, str) and detail:
                return detail
            found = _OPENSSL_VERIFY_FAILED
        elif _OPENSSL_VERIFY_FAILED in str(item).lower():
            found = _OPENSSL_VERIFY_FAILED
        todo.extend((item.__cause__, item.__context__, *item.args))
        todo.extend(getattr(item, name, None) for name in ("reason", "certificate_error"))
    return found


def no_answer_error(request: Request, exc: BaseException, *, timed_out: bool) -> APIConnectionError:
    """The `APIConnectionError` a transport raises when no answer came.

    One wording for every transport: it names the method, `host:port` and
    path of the call (never its query, a header or the body) and what failed
    below ([describe_cause][lattice_core.transport.describe_cause]), masked.
    Its `__cause__` is already set to a
    [`CauseSummary`][lattice_core.errors.CauseSummary] of `exc` (never `exc`
    itself, which holds the request and its `Authorization` header): raise it as
    it is, not `from exc`. A failed certificate check is not worth retrying, so
    that error says so (`should_retry=False`) and names what to check.

    Args:
        request: The request that got no answer.
        exc: What the HTTP library raised.
        timed_out: Whether the attempt ran out of time.

    Returns:
        The error to raise.
    """
    origin, path = _origin_and_path(request.url)
    call = f"{request.method} {path}"
    bad_certificate = None if timed_out else certificate_error(exc)
    if bad_certificate is not None:
        error = APIConnectionError(
            f"TLS certificate verification failed for {origin} ({call}): "
            f"{_public_name(type(exc))}: {bad_certificate}; not retried. "
            "Check that base_url names the right host, that this machine's clock is right, "
            "and that the CA bundle trusts the server's certificate (REQUESTS_CA_BUNDLE or "
            "SSL_CERT_FILE, or the CA of a TLS-inspecting proxy).",
            should_retry=False,
        )
    elif timed_out:
        limit = f" after {request.timeout:g} s" if request.timeout is not None else ""
        error = APIConnectionError(
            f"timed out{limit} talking to Stripe at {origin} ({call}): {describe_cause(exc)}. "
            "The request may or may not have been applied; retry with the same idempotency "
            "key to be safe."
        )
    elif _dropped_after_connecting(exc):
        error = APIConnectionError(
            f"the connection to Stripe at {origin} closed before an answer ({call}): "
            f"{describe_cause(exc)}. The request may or may not have been applied; retry "
            "with the same idempotency key to be safe."
        )
    else:
        error = APIConnectionError(
            f"could not reach Stripe at {origin} ({call}): {describe_cause(exc)}. "
            "Check the network, proxy settings and base_url."
        )
    error.__cause__ = CauseSummary.of(exc)
    return error


connection_error = no_answer_error
"""Kept for compatibility: the former name of
[`no_answer_error`][lattice_core.transport.no_answer_error] (not the test kit's
[`lattice_core.testing.connection_error`][lattice_core.testing.connection_error])."""


def _origin_and_path(url: str) -> tuple[str, str]:
    """`("api.stripe.com:443", "/v1/...")` for a URL: host and port always, never a query."""
    parts = split_url(url)
    return parts.host_port, mask(parts.path or "/")


# The standard library's network failures: the most telling part of a foreign exception.
_ROOT_MODULES = frozenset({"builtins", "socket", "ssl"})
_DETAIL_CHARS = 200
# A path with a query, in an HTTP library's message ("with url: /v1/x?key=..."): the query goes.
_QUERY = re.compile(r"(/[^\s?'\"]*)\?[^\s'\")]*")


def describe_cause(exc: BaseException) -> str:
    """What went wrong below the transport, in one line of a message: class and masked text.

    Names the HTTP library's exception and, when it wraps one, the operating
    system's error underneath, whose text says the most:
    `requests.ConnectionError (ConnectionRefusedError: [Errno 111] Connection refused)`.
    Texts are masked ([mask][lattice_core.masking.mask]), lose any URL query and
    are cut short. Built only when a call failed.

    Args:
        exc: What the HTTP library raised.

    Returns:
        One line naming the library's exception and the OS error under it.
    """
    name = _public_name(type(exc))
    root = _root_os_error(exc)
    if root is not None and root is not exc:
        text = _detail(root)
        inner = _public_name(type(root))
        return f"{name} ({inner}: {text})" if text else f"{name} ({inner})"
    text = _detail(exc)
    return f"{name}: {text}" if text else name


def _public_name(kind: type[BaseException]) -> str:
    """`requests.ConnectionError` for `requests.exceptions.ConnectionError`: the shortest import."""
    module, name = kind.__module__, kind.__qualname__
    if module == "builtins":
        return name
    top = module.partition(".")[0]
    if getattr(sys.modules.get(top), name, None) is kind:
        return f"{top}.{name}"
    return f"{module}.{name}"


def _wrapped(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception it wraps (causes, contexts, args, `reason`), breadth first."""
    found: list[BaseException] = []
    todo: list[object] = [exc]
    seen: set[int] = set()
    while todo and len(seen) < 32:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        todo.extend((item.__cause__, item.__context__, *item.args))
        todo.extend(getattr(item, name, None) for name in ("reason", "os_error"))
    return found


def _root_os_error(exc: BaseException) -> BaseException | None:
    """The deepest standard-library `OSError` that `exc` wraps (itself included), if any."""
    roots = [
        e for e in _wrapped(exc) if isinstance(e, OSError) and type(e).__module__ in _ROOT_MODULES
    ]
    return roots[-1] if roots else None


# A connection that was made, then dropped: the request may have reached Stripe.
_DROPPED = frozenset(
    {
        "RemoteDisconnected",  # http.client, under requests
        "ServerDisconnectedError",  # aiohttp
        "ConnectionResetError",
        "BrokenPipeError",
        "IncompleteRead",
        "ClientPayloadError",
    }
)
# Failing to connect at all: nothing was sent.
_NOT_CONNECTED = frozenset(
    {
        "ConnectionRefusedError",
        "gaierror",
        "NewConnectionError",
        "NameResolutionError",
        "ClientConnectorError",
        "ClientConnectorDNSError",
        "ClientProxyConnectionError",
        "ProxyError",
    }
)


def _dropped_after_connecting(exc: BaseException) -> bool:
    """Whether `exc` says a connection was made and then lost, so the call may have landed."""
    names = {kind.__name__ for item in _wrapped(exc) for kind in type(item).__mro__}
    return not names & _NOT_CONNECTED and bool(names & _DROPPED)


def _detail(exc: BaseException) -> str:
    try:
        text = " ".join(str(exc).split())
    except Exception:  # a broken __str__ must not hide the real error
        return ""
    text = mask(_QUERY.sub(r"\1", text))
    return text if len(text) <= _DETAIL_CHARS else text[:_DETAIL_CHARS] + "…"


def attempt_timeout(request: Request, own: float | None) -> float:
    """The seconds a transport allows this attempt: the request's, capped by its own.

    The shorter wins, so a transport instance passed to a client honours both.

    Args:
        request: The attempt; its `timeout` is the client's (shortened by a retry
            deadline), or `None`.
        own: The timeout the transport was built with, if any.

    Returns:
        Seconds, for connecting and again for reading; 80 when neither says.
    """
    wanted = request.timeout
    if wanted is None:
        return DEFAULT_TIMEOUT if own is None else own
    return wanted if own is None or wanted <= own else own


def closed_error() -> ConfigurationError:
    """What a call on a closed client (or transport) raises: never retried, never sent.

    Returns:
        A [`ConfigurationError`][lattice_core.ConfigurationError] saying to make a
            new client or keep this one open.
    """
    return ConfigurationError(
        "the client is closed (a call cannot start, or retry, after close()); "
        "create a new client, or keep this one open until its calls finish."
    )


AnyTransport = Union[Transport, AsyncTransport]  # noqa: UP007 - runtime alias
"""A transport of either kind."""
TransportT = TypeVar("TransportT", Transport, AsyncTransport)
TransportFactory = Callable[[TransportOptions], AnyTransport]
"""A transport factory: the client's options in, a transport out."""


class TransportRegistry(Protocol):
    """Where [`resolve_transport`][lattice_core.transport.resolve_transport] looks a name up.

    A client's hooks are one: they collect what the
    [`register_transports`][lattice_core.hookspecs.register_transports] hooks offer.
    A protocol rather than the plugin machinery's own class, so that this module,
    which the hook specs name, never imports that machinery back.
    """

    def transports(self) -> dict[str, TransportFactory]:
        """Each registered transport's factory, by name."""
        ...


def _discard(instance: AnyTransport) -> None:
    """Close a transport made for the wrong kind of client, without an event loop."""
    if isinstance(instance, Transport):
        instance.close()
        return
    closing = instance.aclose()
    try:
        closing.send(None)  # an unused async transport closes without awaiting I/O
    except StopIteration:
        return
    closing.close()  # it wanted to wait: give up rather than block a constructor


def resolve_transport(
    transport: str | AnyTransport,
    hooks: TransportRegistry,
    options: TransportOptions,
    *,
    want: type[TransportT],
) -> TransportT:
    """Turn `Client(transport=...)` into a transport instance of the wanted kind.

    Args:
        transport: A name, looked up among the transports the plugins
            registered, or an instance, used as it is.
        hooks: The client's hooks, which know the registered transports.
        options: What a factory gets.
        want: [`Transport`][lattice_core.Transport] or
            [`AsyncTransport`][lattice_core.AsyncTransport]: the client's kind.

    Returns:
        The transport instance.

    Raises:
        ConfigurationError: The name is not installed, or the transport is of the
            other kind; the message says which transport to use instead.
    """
    kind = "a synchronous" if want is Transport else "an asynchronous"
    if isinstance(transport, str):
        factories = hooks.transports()
        factory = factories.get(transport)
        if factory is None:
            dist = _KNOWN_DISTRIBUTIONS.get(transport)
            hint = f" Install it: pip install {dist}." if dist else ""
            available = ", ".join(sorted(factories)) or "none"
            raise ConfigurationError(
                f"transport {transport!r} is not installed (or its plugin is disabled).{hint} "
                f"Installed transports: {available}."
            )
        instance: AnyTransport = factory(options)
        label = f"transport {transport!r}"
    elif isinstance(transport, (Transport, AsyncTransport)):
        instance = transport
        label = f"transport {type(transport).__name__}"
    else:
        raise ConfigurationError(
            "transport must be a transport name such as 'requests' or a Transport / "
            f"AsyncTransport instance, not {type(transport).__name__}."
        )
    if not isinstance(instance, want):
        if isinstance(transport, str):  # we made it, so we close it; an instance is the caller's
            _discard(instance)
        suggestion = (
            "'requests' (pip install lattice-stripe-requests); for asyncio use AsyncClient"
            if want is Transport
            else "'aiohttp' (pip install lattice-stripe-aiohttp); for blocking code use Client"
        )
        raise ConfigurationError(
            f"{label} is not {kind[kind.index(' ') + 1 :]}; this client needs {kind} transport "
            f"such as {suggestion}."
        )
    return instance
