"""The typed facade over a client's hooks: `Hooks`.

`pm.hook` is untyped; `Hooks` gives each hook a typed method and runs the
per-call ones cheaply: `before_request` implementations are called in a loop
rather than through pluggy's dispatch, and `after_response` / `after_call`
observers are worked out once, each called on its own so one that raises is
logged and skipped. Building a `Hooks` seals its plugin manager (see
`plugins.make_plugin_manager`, which fills it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import pluggy

from ._manager import PluginManager
from .errors import ConfigurationError, LatticeError
from .masking import mask

if TYPE_CHECKING:
    from .billing_portal.rules import FlowType
    from .http import Request, Response
    from .transport import TransportFactory

__all__ = ["Hooks"]


class _Observer(NamedTuple):
    hook: str
    plugin_name: str
    function: Callable[..., object]
    positions: tuple[int, ...]  # where each of its arguments sits in the hook's signature
    leading: int | None  # when those are the first N of the hook's arguments: N


def _observers(caller: Any) -> tuple[_Observer, ...]:
    """The implementations of an observe-only hook, in pluggy's call order."""
    spec_args = list(caller.spec.argnames)
    found = []
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            raise ConfigurationError(
                f"plugin {impl.plugin_name!r} wraps {caller.name}, an observe-only hook; "
                f"implement it as a plain @hookimpl instead."
            )
        positions = tuple(spec_args.index(name) for name in impl.argnames)
        leading = len(positions) if positions == tuple(range(len(positions))) else None
        found.append(_Observer(caller.name, impl.plugin_name, impl.function, positions, leading))
    return tuple(found)


def _request_calls(caller: Any) -> tuple[Callable[[Request], object], ...] | None:
    """A `request`-only hook's implementations in pluggy's call order, to call directly.

    They run on every attempt; calling them in a loop skips pluggy's
    per-call dispatch. `None` when one is a wrapper: pluggy then runs the
    hook itself, since only it can drive a wrapper.
    """
    calls: list[Callable[[Request], object]] = []
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            return None
        calls.append(impl.function if impl.argnames else _without_request(impl.function))
    return tuple(calls)


def _without_request(function: Callable[[], object]) -> Callable[[Request], object]:
    return lambda _: function()


class Hooks:
    """Typed calls into a client's plugins: what `client.hooks` is.

    One method per hook in [`lattice_core.hookspecs`][lattice_core.hookspecs]
    (`pm.hook` itself is untyped).
    A client makes one when it is built, and from then on its plugins are fixed:
    who observes each call, and in what order, is worked out here once.

    Args:
        pm: The plugin manager holding the client's plugins. Making a `Hooks`
            seals it: registering or unregistering a plugin afterwards raises a
            [`ConfigurationError`][lattice_core.ConfigurationError].
    """

    __slots__ = (
        "_after_call",
        "_after_response",
        "_before_request",
        "_hook",
        "_redactors",
        "flow_types",
        "pm",
    )

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        """The plugin manager, for reading: which plugins it holds, which are blocked."""
        self._hook: Any = pm.hook
        # Snapshots, so sealed: a plugin registered later would see only half a call.
        if isinstance(pm, PluginManager):
            pm.sealed = True
        self._redactors = [impl.function for impl in reversed(pm.hook.redact.get_hookimpls())]
        # Called directly, unless pluggy must run them (a wrapper, a monitor, a foreign manager).
        self._before_request = (
            _request_calls(pm.hook.before_request) if isinstance(pm, PluginManager) else None
        )
        self._after_response = _observers(pm.hook.after_response)
        self._after_call = _observers(pm.hook.after_call)
        registered: list[FlowType] = []
        self._hook.register_flow_types(register=registered.append)
        self.flow_types: tuple[FlowType, ...] = tuple(registered)
        """Flow types plugins added, in registration order (built-ins not included)."""

    def transports(self) -> dict[str, TransportFactory]:
        """The transports plugins offer, by name; of two with one name, the first called wins.

        Returns:
            Each name with its factory, from the `register_transports` hook.
        """
        found: dict[str, TransportFactory] = {}

        def register(name: str, factory: TransportFactory) -> None:
            found.setdefault(name, factory)

        self._hook.register_transports(register=register)
        return found

    def before_request(self, request: Request) -> None:
        """Run the `before_request` hook, before an attempt is sent.

        Args:
            request: The request about to go to the transport.
        """
        if self._before_request is None or self.pm.monitors:  # type: ignore[attr-defined]
            self._hook.before_request(request=request)
            return
        for function in self._before_request:
            function(request)

    def client_created(self, client: object) -> None:
        """Run the `client_created` hook, once the client is ready.

        Args:
            client: The `Client` or `AsyncClient` just built.
        """
        self._hook.client_created(client=client)

    def after_response(
        self,
        request: Request,
        response: Response | None,
        error: LatticeError | None,
        elapsed: float,
    ) -> None:
        """Tell each `after_response` observer how an attempt went; one that raises is skipped.

        Args:
            request: The request that was sent.
            response: Stripe's response, or `None` when there was none.
            error: What the attempt raised, or `None`.
            elapsed: The attempt's duration in seconds.
        """
        observers = self._after_response
        if observers:
            self._observe(observers, (request, response, error, elapsed))

    def after_call(
        self, request: Request, response: Response | None, error: BaseException | None
    ) -> None:
        """Tell each `after_call` observer a call's outcome; one that raises is skipped.

        Args:
            request: The last attempt's request.
            response: The last response, or `None` when there was none.
            error: What the call raises, or `None` when it succeeded.
        """
        observers = self._after_call
        if observers:
            self._observe(observers, (request, response, error))

    def call_order(self, hook: str) -> list[str]:
        """Names of the plugins implementing `hook`, in the order they are called.

        Args:
            hook: A hook's name, such as `"after_response"`.

        Returns:
            Each implementing plugin's name, first called first.
        """
        observers = {"after_response": self._after_response, "after_call": self._after_call}
        if hook in observers:
            return [observer.plugin_name for observer in observers[hook]]
        return [impl.plugin_name for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls())]

    def _observe(self, observers: tuple[_Observer, ...], args: tuple[Any, ...]) -> None:
        """Call each observer on its own: one that raises is logged and skipped.

        A broken metrics plugin must not turn a session Stripe created into an
        error, swallow a cancellation, or stop the next plugin from ending its span.
        """
        for observer in observers:
            try:
                leading = observer.leading
                if leading == len(args):
                    observer.function(*args)
                elif leading is not None:
                    observer.function(*args[:leading])
                else:
                    observer.function(*[args[i] for i in observer.positions])
            except Exception as exc:
                import logging  # only when a plugin fails

                logging.getLogger("lattice").warning(
                    "plugin %r raised %s in %s; ignored: %s",
                    observer.plugin_name,
                    type(exc).__name__,
                    observer.hook,
                    self.redact(str(exc)),
                )

    def retry_delay(
        self,
        request: Request,
        response: Response | None,
        error: LatticeError | None,
        max_retries: int,
    ) -> float | None:
        """Ask the `retry_delay` hook whether, and after how long, to retry a failed attempt.

        Args:
            request: The request that failed.
            response: Stripe's response, or `None` when there was none.
            error: What the attempt raised, or `None`.
            max_retries: The client's retry limit.

        Returns:
            The seconds to wait before retrying, or `None` to stop.

        Raises:
            ConfigurationError: A plugin returned something other than a
                number >= 0 or `None`.
        """
        delay = self._hook.retry_delay(
            request=request, response=response, error=error, max_retries=max_retries
        )
        if delay is None:
            return None
        if isinstance(delay, bool) or not isinstance(delay, (int, float)):
            seconds = math.nan
        else:
            seconds = float(delay) if abs(delay) < 1e9 else math.inf
        if not (math.isfinite(seconds) and seconds >= 0):  # a sleep that fails or never ends
            shown = (
                f"an int of {delay.bit_length()} bits"
                if isinstance(delay, int) and not isinstance(delay, bool)
                else f"{type(delay).__name__} {mask(repr(delay))[:40]}"
            )
            raise ConfigurationError(
                f"a retry_delay hook returned {shown}; return the seconds to wait "
                "(a number >= 0) or None to stop retrying."
            )
        return seconds

    def redact(self, text: str) -> str:
        """Run `text` through every `redact` implementation, then core masking.

        Implementations chain, each on the last's output; `lattice_core.masking.mask`
        runs last whatever the plugins did, so no plugin setup can unmask a key.

        Args:
            text: The text to mask.

        Returns:
            `text` with secrets masked.
        """
        for function in self._redactors:
            masked = function(text=text)
            if isinstance(masked, str):
                text = masked
        return mask(text)
