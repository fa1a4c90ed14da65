"""Plugins: discovery, registration and validation, one plugin manager per client.

Entry points in the `lattice` group are discovered once per process and each
is imported at most once; every client then gets its own plugin manager
(`make_plugin_manager`) so two clients with different plugins never
interfere. Disabled names are blocked *before* loading, so a plugin that fails
to import can still be switched off. Each plugin is validated as it is
registered: a `@hookimpl` that matches no hook is refused, not ignored.

Each installed plugin runs at most once per client: an object in
`plugins=[...]` of an installed plugin's kind (an instance of the class its
entry point names, or that module) is refused while the installed one is on,
and takes its name when that one is disabled, as its replacement.

Calling the hooks is `lattice_core.hooks`' job (`Hooks`, re-exported here);
the plugin manager class itself is private to the two of them.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar, cast

import pluggy

from . import hookspecs
from ._manager import BLUEPRINTS, HOOK_NAMES, IMPL_MARKER, PluginManager, owner_of
from .errors import ConfigurationError, PluginNotFoundError
from .hooks import Hooks
from .masking import mask
from .wording import with_article

if TYPE_CHECKING:
    import importlib.metadata

    from .transport import TransportFactory

__all__ = [
    "Hooks",
    "PluginInfo",
    "find_plugin",
    "find_transport",
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


def _started(ep: importlib.metadata.EntryPoint) -> object:
    """The plugin an entry point gives: what it loads, or an instance of that class.

    A class is instantiated per client, so its state (a retry budget, the last
    request's timing) belongs to that client alone.
    """
    loaded = _load(ep)
    try:
        return loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:
        raise ConfigurationError(
            _failure(ep, "failed to start", exc), option="disable_plugins"
        ) from exc


def _register_entry_point(pm: pluggy.PluginManager, ep: importlib.metadata.EntryPoint) -> None:
    plugin = _started(ep)
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


def _hook_problem(pm: pluggy.PluginManager, plugin: object) -> str | None:
    """Why a registered plugin cannot work as written, or `None`.

    pluggy accepts a `@hookimpl` whose name matches no hook (it would just
    never be called), so a typo such as `before_reqest` would fail silently.
    A class (or module) found sound once is sound for every client after: its
    wiring is kept as a blueprint (see `PluginManager.register`).
    """
    owner = owner_of(plugin)
    if owner is not None and owner in BLUEPRINTS:
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
            f"(the hooks: {', '.join(HOOK_NAMES)})."
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


def find_transport(name: str, disable_plugins: Iterable[str] = ()) -> TransportFactory | None:
    """The factory an installed plugin offers as transport `name`, without a plugin manager.

    For a caller that must know a transport's kind before it builds a client
    (the command line picks `Client` or `AsyncClient` by it). The installed
    plugins not disabled are asked in the order a client's plugin manager
    calls them (the last registered first; `tryfirst` before, `trylast`
    after), and the first to offer `name` wins, as in
    [`Hooks.transports`][lattice_core.hooks.Hooks.transports]. Only a plugin
    that implements `register_transports` is started; a client still checks
    every plugin when it is built.

    Args:
        name: A transport name, such as `"requests"`.
        disable_plugins: Plugins not to ask, as a client's `disable_plugins`.

    Returns:
        The factory, or `None` when no plugin offers `name`.

    Raises:
        ConfigurationError: A plugin failed to load or to start, as a client
            built with it would say.
    """
    skipped = set(disable_plugins)
    asked: list[tuple[int, importlib.metadata.EntryPoint]] = []
    for ep in _entry_points():
        if ep.name in skipped:
            continue
        skipped.add(ep.name)  # a second entry point of a name is never registered
        options = getattr(getattr(_load(ep), "register_transports", None), IMPL_MARKER, None)
        if isinstance(options, dict) and not (options.get("wrapper") or options.get("hookwrapper")):
            asked.append((0 if options.get("tryfirst") else 2 if options.get("trylast") else 1, ep))
    asked.reverse()  # pluggy calls the last registered first ...
    asked.sort(key=lambda pair: pair[0])  # ... within tryfirst, plain and trylast
    found: dict[str, TransportFactory] = {}
    for _, ep in asked:
        plugin: Any = _started(ep)
        plugin.register_transports(register=found.setdefault)
        if name in found:  # the first to offer a name wins: no later call can change it
            return found[name]
    return None


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
