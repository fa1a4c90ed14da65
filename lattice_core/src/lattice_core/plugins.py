"""One plugin manager per client, and a typed facade over its hooks.

Entry points in the `lattice` group are discovered once per process and each
is imported at most once; every client then gets its own
`pluggy.PluginManager` so two clients with different plugins never
interfere. Disabled names are blocked *before* loading, so a plugin that fails
to import can still be switched off.

Each installed plugin runs at most once per client: an object in
`plugins=[...]` of an installed plugin's kind (an instance of the class its
entry point names, or that module) is refused while the installed one is on,
and takes its name when that one is disabled, as its replacement.
"""

from __future__ import annotations

import functools
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from types import MethodType, ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar, cast

import pluggy

from . import hookspecs
from .errors import ConfigurationError, LatticeError, PluginNotFoundError
from .masking import mask
from .wording import with_article

if TYPE_CHECKING:
    import importlib.metadata

    from .billing_portal.rules import FlowType
    from .http import Request, Response
    from .transport import TransportFactory

__all__ = [
    "Hooks",
    "PluginInfo",
    "find_plugin",
    "list_plugins",
    "make_plugin_manager",
    "plugin_label",
    "plugin_names",
    "refresh_plugins",
]

P = TypeVar("P")
_Kinds: TypeAlias = "list[tuple[importlib.metadata.EntryPoint, object]]"

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
        raise ConfigurationError(
            _failure(entry_point, "failed to load", exc), option="disable_plugins"
        ) from exc


def _register_entry_point(pm: pluggy.PluginManager, ep: importlib.metadata.EntryPoint) -> None:
    loaded = _load(ep)
    # A class is instantiated per client, so its state (a retry budget,
    # the last request's timing) belongs to that client alone.
    try:
        plugin = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:
        raise ConfigurationError(
            _failure(ep, "failed to start", exc), option="disable_plugins"
        ) from exc
    try:
        pm.register(plugin, name=ep.name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise ConfigurationError(
            f"{_failure(ep, 'is not a valid plugin', exc)} {exc}", option="disable_plugins"
        ) from exc
    problem = _hook_problem(pm, plugin)
    if problem is not None:
        pm.unregister(plugin)
        raise ConfigurationError(
            _failure(ep, "is not a valid plugin", problem), option="disable_plugins"
        )


def plugin_label(plugin: object) -> str:
    """A readable name for a plugin object: a module's or class's own name, else its class's."""
    return plugin.__name__ if isinstance(plugin, (ModuleType, type)) else type(plugin).__name__


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


def _register_object(pm: pluggy.PluginManager, plugin: object, name: str | None) -> None:
    try:
        pm.register(plugin, name=name)
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

    def unblock(self, name: str) -> bool:
        self._refuse_if_sealed("unblock")
        return super().unblock(name)

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
    kinds: _Kinds | None = None
    replaced: set[str] = set()
    for plugin in plugins:
        if kinds is None:  # only a client given plugins pays for this
            kinds = _installed_kinds(pm)
        _register_object(pm, plugin, _replaces(pm, plugin, kinds, replaced))
    return pm


def _installed_kinds(pm: pluggy.PluginManager) -> _Kinds:
    """Each entry point with what it loads: the registered ones, and the disabled ones
    whose module is already imported (a disabled plugin is never imported for this).
    """
    found: _Kinds = []
    names: set[str] = set()
    for ep in _entry_points():
        if ep.name in names:
            continue  # a second entry point of that name was skipped: never loaded
        names.add(ep.name)
        if pm.is_blocked(ep.name):
            loaded = _imported_target(ep.value)
            if loaded is not None:
                found.append((ep, loaded))
        elif pm.has_plugin(ep.name):
            found.append((ep, _load(ep)))
    return found


def _imported_target(value: str) -> object | None:
    """What an entry point's value (`pkg.module:Class`) names, or `None` until it is imported."""
    module_name, _, attrs = value.partition("[")[0].partition(":")  # no `[extras]`
    target: object | None = sys.modules.get(module_name.strip())
    for attr in attrs.strip().split(".") if attrs.strip() else ():
        target = getattr(target, attr, None)
    return target


def _is_kind(plugin: object, loaded: object) -> bool:
    """Whether `plugin` is what an entry point that loads `loaded` registers."""
    return plugin is loaded or (isinstance(loaded, type) and isinstance(plugin, loaded))


def _replaces(
    pm: pluggy.PluginManager,
    plugin: object,
    kinds: _Kinds,
    replaced: set[str],
) -> str | None:
    """The installed plugin's name `plugin` stands in for, or `None` for a plugin of its own.

    Raises:
        ConfigurationError: The installed plugin of its kind is on (or already
            replaced): with both, each would run on every call.
    """
    for ep, loaded in kinds:
        if not _is_kind(plugin, loaded):
            continue
        if pm.is_blocked(ep.name):
            pm.unblock(ep.name)  # the replacement takes the name of what it replaces
            replaced.add(ep.name)
            return ep.name
        raise ConfigurationError(_second_instance(plugin, ep, loaded, ep.name in replaced))
    return None


def _second_instance(
    plugin: object, ep: importlib.metadata.EntryPoint, loaded: object, replaced: bool
) -> str:
    label = plugin_label(plugin)
    whole = isinstance(plugin, (ModuleType, type))  # passed as it is, not an instance
    configured = label if whole else f"{label}(...)"
    fix = f"disable_plugins=[{ep.name!r}], plugins=[{configured}]"
    if replaced:
        return (
            f"plugins=[...] holds two plugins standing in for the disabled plugin {ep.name!r} "
            f"(the second: {_described(plugin)}): each would run on every call. Pass one: {fix}."
        )
    return (
        f"plugins=[...] holds {_described(plugin)}, but the installed plugin {ep.name!r} "
        f"({ep.value}) is already on this client: with both, "
        f"{_twice(loaded)}. To configure it, "
        f"replace it: {fix}."
    )


def _twice(loaded: object) -> str:
    """What two of a plugin would do, for the message that refuses the second.

    A plugin's class (or module) may say so in `_lattice_twice`, as the built-ins
    do: what is true of a particular plugin lives with that plugin.
    """
    try:
        said = getattr(loaded, "_lattice_twice", None)
    except Exception:  # a third-party module's __getattr__ is its own business
        said = None
    return said if isinstance(said, str) else "each would run on every call"


def _described(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return f"the module {plugin.__name__}"
    if isinstance(plugin, type):
        return f"the class {plugin.__name__}"
    return with_article(type(plugin).__name__)


def plugin_names(pm: pluggy.PluginManager) -> list[tuple[str, object]]:
    """Each registered plugin with its name, in registration order.

    Entry points (and what replaces one) by the entry point's name, other
    objects by their class (or module) name; disabled ones are left out.
    """
    return [
        (plugin_label(plugin) if name == pm.get_canonical_name(plugin) else name, plugin)
        for name, plugin in pm.list_name_plugin()
        if plugin is not None
    ]


def find_plugin(pm: pluggy.PluginManager, name: str, kind: type[P]) -> P:
    """The plugin registered as `name`, a name `plugin_names` gives: `Client.get_plugin`.

    Raises:
        PluginNotFoundError: No plugin, or more than one, has that name.
        ConfigurationError: `name` is not a str, `kind` not a class, or the
            plugin is not a `kind`.
    """
    if not isinstance(kind, type):
        raise ConfigurationError(
            f"get_plugin(name, kind): kind must be a class, such as Retry; "
            f"got {type(kind).__name__}."
        )
    names = plugin_names(pm)
    if isinstance(name, type):
        of_kind = [n for n, plugin in names if _is_kind(plugin, name)]
        example = of_kind[0] if len(of_kind) == 1 else "retry"
        raise ConfigurationError(
            f"get_plugin looks plugins up by name (a str, as client.plugins lists), not by "
            f"class; pass the class as well to have the plugin checked and typed: "
            f"get_plugin({example!r}, {name.__name__})."
        )
    if not isinstance(name, str):
        raise ConfigurationError(
            f"get_plugin takes a plugin's name (a str, as client.plugins lists), "
            f"not {with_article(type(name).__name__)}."
        )
    found = [plugin for n, plugin in names if n == name]
    listed = ", ".join(dict.fromkeys(n for n, _ in names)) or "none"
    if not found:
        why = (
            f"plugin {name!r} is disabled on this client (disable_plugins=[{name!r}])"
            if pm.is_blocked(name)
            else f"no plugin named {name!r} is registered on this client"
        )
        raise PluginNotFoundError(f"{why}. This client's plugins: {listed}.")
    if len(found) > 1:
        raise PluginNotFoundError(
            f"{len(found)} plugins on this client are named {name!r} (objects of one class "
            f"passed in plugins=[...]); keep a reference to the one you passed instead."
        )
    plugin = found[0]
    if not isinstance(plugin, kind):
        raise ConfigurationError(
            f"plugin {name!r} is {with_article(plugin_label(plugin))}, not "
            f"{with_article(kind.__name__)}."
        )
    return plugin


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
