"""One plugin manager per client, and a typed facade over its hooks.

Entry points in the `lattice` group are discovered once per process and each
is imported at most once; every client then gets its own
`pluggy.PluginManager` so two clients with different plugins never
interfere. Disabled names are blocked *before* loading, so a plugin that fails
to import can still be switched off.
"""

from __future__ import annotations

import functools
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from types import MethodType, ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import pluggy

from . import hookspecs
from .errors import ConfigurationError, LatticeError
from .masking import mask

if TYPE_CHECKING:
    import importlib.metadata

    from .billing_portal.rules import FlowType
    from .http import Request, Response
    from .transport import TransportFactory

__all__ = [
    "Hooks",
    "PluginInfo",
    "list_plugins",
    "make_plugin_manager",
    "plugin_label",
    "refresh_plugins",
]

ENTRY_POINT_GROUP = "lattice"


class PluginInfo(NamedTuple):
    """One installed plugin: an entry point of the `lattice` group."""

    name: str
    """The entry point's name: what `disable_plugins=[...]` takes, such as `"retry"`."""
    value: str
    """What it loads: a module, or `module:Class`."""
    distribution: str
    """The distribution that installed it, such as `"lattice-stripe-core"`."""


CORE_DISTRIBUTION = "lattice-stripe-core"


@functools.cache
def _entry_points() -> tuple[importlib.metadata.EntryPoint, ...]:
    """Built-ins first, then every other plugin by name: registration order.

    pluggy calls the last registered first, so other plugins' hooks run before
    the built-ins' (unless `tryfirst` / `trylast` say otherwise).
    """
    import importlib.metadata  # on the first client, not on import: it reads every installed dist

    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)

    def order(ep: importlib.metadata.EntryPoint) -> tuple[bool, str]:
        return (ep.dist is None or ep.dist.name != CORE_DISTRIBUTION, ep.name)

    return tuple(sorted(found, key=order))


def _failure(
    entry_point: importlib.metadata.EntryPoint, what: str, why: BaseException | str
) -> str:
    dist = entry_point.dist.name if entry_point.dist else "unknown distribution"
    detail = f"{type(why).__name__}." if isinstance(why, BaseException) else why
    return (
        f"plugin {entry_point.name!r} ({entry_point.value}) from {dist} {what}: "
        f"{detail} Fix or uninstall {dist}, or pass disable_plugins=[{entry_point.name!r}]."
    )


@functools.cache
def _load(entry_point: importlib.metadata.EntryPoint) -> ModuleType | object:
    try:
        return cast(object, entry_point.load())
    except Exception as exc:
        raise ConfigurationError(_failure(entry_point, "failed to load", exc)) from exc


def _register_entry_point(pm: pluggy.PluginManager, ep: importlib.metadata.EntryPoint) -> None:
    loaded = _load(ep)
    # A class is instantiated per client, so its state (a retry budget,
    # the last request's timing) belongs to that client alone.
    try:
        plugin = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:
        raise ConfigurationError(_failure(ep, "failed to start", exc)) from exc
    try:
        pm.register(plugin, name=ep.name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise ConfigurationError(f"{_failure(ep, 'is not a valid plugin', exc)} {exc}") from exc
    problem = _hook_problem(pm, plugin)
    if problem is not None:
        pm.unregister(plugin)
        raise ConfigurationError(_failure(ep, "is not a valid plugin", problem))


def plugin_label(plugin: object) -> str:
    """A readable name for a plugin object: a module's name, else its class name."""
    return plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__name__


_HOOK_NAMES = tuple(
    sorted(
        name for name, f in vars(hookspecs).items() if hasattr(f, f"{hookspecs.PROJECT_NAME}_spec")
    )
)


def _hook_problem(pm: pluggy.PluginManager, plugin: object) -> str | None:
    """Why a registered plugin cannot work as written, or `None`.

    pluggy accepts a `@hookimpl` whose name matches no hook (it would just
    never be called), so a typo such as `before_reqest` would fail silently.
    A class (or module) found sound once is sound for every client after: its
    wiring is kept as a blueprint (see `PluginManager.register`).
    """
    owner = _owner(plugin)
    if owner is not None and owner in _BLUEPRINTS:
        return None
    problem = _find_hook_problem(pm, plugin)
    if problem is None and isinstance(pm, PluginManager):
        pm._record_blueprint(plugin)
    return problem


def _find_hook_problem(pm: pluggy.PluginManager, plugin: object) -> str | None:
    callers = pm.get_hookcallers(plugin) or []
    unknown = sorted(
        caller.name
        for caller in callers
        if not caller.has_spec()
        and not all(impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin)
    )
    if unknown:
        return (
            f"@hookimpl {', '.join(unknown)} matches no Lattice hook "
            f"(the hooks: {', '.join(_HOOK_NAMES)})."
        )
    if not callers:
        return "it has no @hookimpl methods (decorate them with lattice_core.hookimpl)."
    return None


def _register_object(pm: pluggy.PluginManager, plugin: object) -> None:
    try:
        pm.register(plugin)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise ConfigurationError(
            f"plugins=[...] holds an invalid plugin {plugin_label(plugin)}: {exc}. Check that "
            "each @hookimpl is named after a hook in lattice_core.hookspecs and only takes "
            "that hook's arguments, and that no plugin object is passed twice."
        ) from exc
    problem = _hook_problem(pm, plugin)
    if problem is not None:
        pm.unregister(plugin)
        raise ConfigurationError(
            f"plugins=[...] holds an invalid plugin {plugin_label(plugin)}: {problem}"
        )


def refresh_plugins() -> None:
    """Look for installed plugins again, for clients built from now on.

    Entry points are read once per process, when the first client is built (a
    scan of every installed distribution, too slow to repeat per client). Call
    this after installing a plugin while the process runs, in a notebook say;
    clients that already exist keep the plugins they were built with.
    """
    import importlib

    importlib.invalidate_caches()  # the import system's view of the directories, too
    _entry_points.cache_clear()
    _warn_unknown_disabled.cache_clear()


def list_plugins() -> list[PluginInfo]:
    """The plugins installed in the `lattice` entry-point group.

    Returns:
        One [`PluginInfo`][lattice_core.PluginInfo] per entry point, in the order
            clients register them: the built-ins first, then the others by name.
    """
    return [
        PluginInfo(ep.name, ep.value, ep.dist.name if ep.dist else "") for ep in _entry_points()
    ]


class PluginManager(pluggy.PluginManager):
    """A client's plugin manager: complete once the client is built.

    `Hooks` works out who observes `after_response` / `after_call`
    and the `redact` chain once, when the client is made; a plugin
    registered afterwards would get `before_request` but never `after_call`
    (a span nothing ends). So once sealed, `register` and
    `unregister` raise a `ConfigurationError`
    saying to pass the plugin when building the client instead.
    """

    sealed = False
    monitors = 0
    """How many hook-call monitors are on (`add_hookcall_monitoring`, `enable_tracing`).

    While any is, every hook goes through pluggy so that they see it.
    """

    def _refuse_if_sealed(self, what: str) -> None:
        if self.sealed:
            raise ConfigurationError(
                f"cannot {what} a plugin on a client that is already built: its hooks are "
                "fixed when it is made. Pass plugins=[...] (or disable_plugins=[...]) to "
                "Client(...) / AsyncClient(...) instead."
            )

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any:
        self._refuse_if_sealed("unregister")
        return super().unregister(plugin, name)

    def add_hookcall_monitoring(self, before: Any, after: Any) -> Callable[[], None]:
        undo = super().add_hookcall_monitoring(before, after)
        self.monitors += 1

        def stop() -> None:
            undo()
            self.monitors -= 1

        return stop

    def set_blocked(self, name: str) -> None:
        self._refuse_if_sealed("block")
        super().set_blocked(name)

    # pluggy finds a plugin's hooks by looking up every attribute statically and
    # reading each function's signature: nearly all a client's construction would
    # cost. What it finds depends only on the plugin's class (or module), so the
    # first registration of each is recorded as a blueprint, validated once, and
    # later instances are wired from it.
    def register(self, plugin: object, name: str | None = None) -> str | None:
        self._refuse_if_sealed("register")
        owner = _owner(plugin)
        blueprint = _BLUEPRINTS.get(owner) if owner is not None else None
        if blueprint is None:
            return super().register(plugin, name)
        plugin_name = name or self.get_canonical_name(plugin)
        if plugin_name in self._name2plugin or plugin in self._name2plugin.values():
            return super().register(plugin, name)  # blocked or twice: pluggy's own answer
        self._name2plugin[plugin_name] = plugin
        for hook_name, template in blueprint:
            getattr(self.hook, hook_name)._add_hookimpl(_rebind(template, plugin, plugin_name))
        return plugin_name

    def add_hookspecs(self, module_or_class: Any) -> None:
        specs = _SPECS.get(module_or_class)
        if specs is None or self.hook.__dict__:
            super().add_hookspecs(module_or_class)
            if module_or_class is hookspecs and len(self.hook.__dict__) == len(_HOOK_NAMES):
                _SPECS[module_or_class] = [
                    (name, caller.spec) for name, caller in vars(self.hook).items()
                ]
            return
        for name, spec in specs:
            caller = pluggy.HookCaller(name, self._hookexec)
            caller.spec = spec  # specs are read-only once made: one per process is enough
            setattr(self.hook, name, caller)

    def _record_blueprint(self, plugin: object) -> None:
        """Remember how `plugin` (registered and found sound) is wired, for its kind."""
        owner = _owner(plugin)
        if owner is None or owner in _BLUEPRINTS:
            return
        blueprint: list[tuple[str, pluggy.HookImpl]] = []
        for caller in self.get_hookcallers(plugin) or []:
            if caller.spec is None or caller.is_historic():
                return  # unusual wiring: leave it to pluggy every time
            blueprint.extend(
                (caller.name, impl) for impl in caller.get_hookimpls() if impl.plugin is plugin
            )
        _BLUEPRINTS[owner] = tuple(blueprint)


_Blueprint = tuple[tuple[str, pluggy.HookImpl], ...]
_BLUEPRINTS: dict[object, _Blueprint] = {}
_SPECS: dict[object, list[tuple[str, Any]]] = {}
# Each slot's setter, skipping the name lookup setattr would make per slot.
_IMPL_SLOTS = tuple(
    (slot, getattr(pluggy.HookImpl, slot).__set__) for slot in pluggy.HookImpl.__slots__
)


def _rebind(template: pluggy.HookImpl, plugin: object, plugin_name: str) -> pluggy.HookImpl:
    """`template`'s hook implementation, for another plugin of the same class or module."""
    if plugin is template.plugin and plugin_name == template.plugin_name:
        return template  # a module (or class) plugin: nothing to rebind, nothing mutates it
    function = template.function
    if isinstance(function, MethodType) and function.__self__ is template.plugin:
        function = MethodType(function.__func__, plugin)  # a method: bind it to the new one
    own = {"function": function, "plugin": plugin, "plugin_name": plugin_name}
    impl = pluggy.HookImpl.__new__(pluggy.HookImpl)
    for slot, set_slot in _IMPL_SLOTS:  # Final in pluggy's typing; this one is being built
        set_slot(impl, own[slot] if slot in own else getattr(template, slot))
    return impl


def _owner(plugin: object) -> object | None:
    """What decides a plugin's hooks: its module or class; `None` if the instance adds any."""
    if isinstance(plugin, (ModuleType, type)):
        return plugin
    marker = f"{hookspecs.PROJECT_NAME}_impl"  # how pluggy marks a hook implementation
    if any(hasattr(value, marker) for value in _instance_dict(plugin).values()):
        return None
    return type(plugin)


def _instance_dict(plugin: object) -> dict[str, Any]:
    try:
        found = object.__getattribute__(plugin, "__dict__")
    except AttributeError:
        return {}
    return found if isinstance(found, dict) and not isinstance(plugin, ModuleType) else {}


def make_plugin_manager(
    plugins: Iterable[object] = (),
    disable_plugins: Iterable[str] = (),
) -> PluginManager:
    """Build a fresh plugin manager: entry points minus `disable_plugins`, plus `plugins`."""
    pm = PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    disabled = tuple(disable_plugins)
    for name in disabled:
        pm.set_blocked(name)
    known = tuple(ep.name for ep in _entry_points())
    unknown = tuple(sorted(set(disabled) - set(known)))
    if unknown:
        _warn_unknown_disabled(unknown, tuple(sorted(set(known))))
    for ep in _entry_points():
        if not (pm.is_blocked(ep.name) or pm.has_plugin(ep.name)):
            _register_entry_point(pm, ep)
    for plugin in plugins:
        _register_object(pm, plugin)
    _check_one_retry(pm)
    return pm


def _user_stacklevel() -> int:
    """`stacklevel` for a `warnings.warn` made by our caller: the first frame outside us."""
    frame = sys._getframe(1)  # the caller, which warns: stacklevel 1
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("lattice_core"):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


@functools.cache
def _warn_unknown_disabled(unknown: tuple[str, ...], known: tuple[str, ...]) -> None:
    warnings.warn(
        f"disable_plugins names no installed plugin: {mask(', '.join(map(repr, unknown)))}. "
        f"Installed plugins: {', '.join(known)}.",
        UserWarning,
        stacklevel=_user_stacklevel(),
    )


def _check_one_retry(pm: pluggy.PluginManager) -> None:
    from .builtin.retry import Retry

    if sum(isinstance(plugin, Retry) for plugin in pm.get_plugins()) > 1:
        raise ConfigurationError(
            "two retry plugins are registered: the built-in 'retry' and the Retry you passed "
            "in plugins=[...]. Both would decide and spend budget, and the built-in would "
            "ignore your deadline. Pass disable_plugins=['retry'] with plugins=[Retry(...)]."
        )


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
    """Typed calls into a plugin manager's hooks (`pm.hook` itself is untyped)."""

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
        #: Flow types plugins added, in registration order (built-ins not included).
        self.flow_types: tuple[FlowType, ...] = tuple(registered)

    def transports(self) -> dict[str, TransportFactory]:
        found: dict[str, TransportFactory] = {}

        def register(name: str, factory: TransportFactory) -> None:
            found.setdefault(name, factory)

        self._hook.register_transports(register=register)
        return found

    def before_request(self, request: Request) -> None:
        if self._before_request is None or self.pm.monitors:  # type: ignore[attr-defined]
            self._hook.before_request(request=request)
            return
        for function in self._before_request:
            function(request)

    def client_created(self, client: object) -> None:
        self._hook.client_created(client=client)

    def after_response(
        self,
        request: Request,
        response: Response | None,
        error: LatticeError | None,
        elapsed: float,
    ) -> None:
        observers = self._after_response
        if observers:
            self._observe(observers, (request, response, error, elapsed))

    def after_call(
        self, request: Request, response: Response | None, error: BaseException | None
    ) -> None:
        observers = self._after_call
        if observers:
            self._observe(observers, (request, response, error))

    def call_order(self, hook: str) -> list[str]:
        """Names of the plugins implementing `hook`, in the order they are called."""
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
        """
        for function in self._redactors:
            masked = function(text=text)
            if isinstance(masked, str):
                text = masked
        return mask(text)
