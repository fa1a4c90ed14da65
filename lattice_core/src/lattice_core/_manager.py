"""The plugin manager a client's plugins live in, private to `plugins` and `hooks`.

`plugins.make_plugin_manager` fills one (discovery, registration, validation)
and `hooks.Hooks` seals it and calls into it. It is a `pluggy.PluginManager`
that refuses changes once its client is built, counts hook-call monitors, and
wires each later plugin of a class (or module) from the blueprint the first one
left, since finding a plugin's hooks is nearly all a client's construction
would cost.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MethodType, ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import ConfigurationError

HOOK_NAMES = tuple(
    sorted(
        name for name, f in vars(hookspecs).items() if hasattr(f, f"{hookspecs.PROJECT_NAME}_spec")
    )
)
"""Every hook's name, sorted: for messages, and to know the specs are complete."""
IMPL_MARKER = f"{hookspecs.PROJECT_NAME}_impl"
"""The attribute by which pluggy marks a hook implementation (its options, a dict)."""


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
        owner = owner_of(plugin)
        blueprint = BLUEPRINTS.get(owner) if owner is not None else None
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
            if module_or_class is hookspecs and len(self.hook.__dict__) == len(HOOK_NAMES):
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
        owner = owner_of(plugin)
        if owner is None or owner in BLUEPRINTS:
            return
        blueprint: list[tuple[str, pluggy.HookImpl]] = []
        for caller in self.get_hookcallers(plugin) or []:
            if caller.spec is None or caller.is_historic():
                return  # unusual wiring: leave it to pluggy every time
            blueprint.extend(
                (caller.name, impl) for impl in caller.get_hookimpls() if impl.plugin is plugin
            )
        BLUEPRINTS[owner] = tuple(blueprint)


_Blueprint = tuple[tuple[str, pluggy.HookImpl], ...]
BLUEPRINTS: dict[object, _Blueprint] = {}
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


def owner_of(plugin: object) -> object | None:
    """What decides a plugin's hooks: its module or class; `None` if the instance adds any."""
    if isinstance(plugin, (ModuleType, type)):
        return plugin
    if any(hasattr(value, IMPL_MARKER) for value in _instance_dict(plugin).values()):
        return None
    return type(plugin)


def _instance_dict(plugin: object) -> dict[str, Any]:
    try:
        found = object.__getattribute__(plugin, "__dict__")
    except AttributeError:
        return {}
    return found if isinstance(found, dict) and not isinstance(plugin, ModuleType) else {}
