"""A client after the first is wired from kept blueprints, exactly as pluggy would wire it.

pluggy scans a plugin's attributes and reads its functions' signatures on every
``register``; Lattice does that once per plugin class (or module) and builds
later clients' managers from the result. These tests hold the two ways to the
same answer, and show the scan is really skipped (a count, not a timing).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pluggy
import pytest

from lattice_core import Client, ConfigurationError, Request, Response, hookimpl, hookspecs
from lattice_core._manager import PluginManager
from lattice_core.plugins import make_plugin_manager
from lattice_core.testing import StubTransport, json_response

from .conftest import API_KEY, SESSION_JSON


class Counting:
    """Every kind of hook implementation pluggy knows, each keeping per-instance state."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl(tryfirst=True)
    def before_request(self, request: Request) -> None:
        self.seen.append(request.method)

    @hookimpl(trylast=True)
    def after_call(self, request: Request, response: Response | None) -> None:
        self.seen.append(f"after {response.status_code if response else None}")

    @hookimpl(wrapper=True)
    def retry_delay(self, max_retries: int) -> Generator[None, Any, Any]:
        answer = yield
        self.seen.append(f"retry_delay {max_retries}")
        return answer

    @staticmethod
    @hookimpl
    def redact(text: str) -> str:
        return text.replace("secret", "[masked]")

    @classmethod
    @hookimpl
    def client_created(cls, client: Any) -> None:
        assert client.hooks


def _layout(pm: pluggy.PluginManager, plugin: object) -> list[tuple[Any, ...]]:
    """What decides how ``plugin``'s hooks are called, comparable between managers."""
    found = []
    for caller in pm.get_hookcallers(plugin) or []:
        impls = caller.get_hookimpls()
        for index, impl in enumerate(impls):
            if impl.plugin is not plugin:
                continue
            function = getattr(impl.function, "__func__", impl.function)
            bound_to = getattr(impl.function, "__self__", None)
            found.append(
                (
                    caller.name,
                    index,
                    len(impls),
                    function,
                    bound_to is plugin,
                    impl.plugin_name,
                    impl.argnames,
                    impl.kwargnames,
                    dict(impl.opts),
                    impl.wrapper,
                    impl.tryfirst,
                    impl.trylast,
                )
            )
    return sorted(found, key=lambda row: (row[0], row[1]))


def _pluggy_own(plugin: object, name: str) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for other_name, other in make_plugin_manager(disable_plugins=["example"]).list_name_plugin():
        if other is not None:
            pm.register(other, name=other_name)
    pm.register(plugin, name=name)
    return pm


def test_a_blueprint_wires_a_new_instance_as_pluggy_itself_would() -> None:
    first, second = Counting(), Counting()
    make_plugin_manager([first], disable_plugins=["example"])  # the blueprint is made here
    ours = make_plugin_manager([second], disable_plugins=["example"])
    theirs = _pluggy_own(second, ours.get_name(second) or "")
    assert _layout(ours, second) == _layout(theirs, second)
    assert len(_layout(ours, second)) == 5
    spec_names = set(vars(theirs.hook))
    assert set(vars(ours.hook)) == spec_names
    for name in spec_names:
        assert getattr(ours.hook, name).spec.argnames == getattr(theirs.hook, name).spec.argnames


def test_each_client_calls_its_own_instance_through_the_blueprint() -> None:
    first, second = Counting(), Counting()
    for plugin in (first, second):
        stub = StubTransport(json_response(200, SESSION_JSON))
        with Client(API_KEY, transport=stub, plugins=[plugin]) as client:
            client.request("POST", "/v1/billing_portal/sessions", {"customer": "cus_1"})
            assert client.hooks.redact("a secret") == "a [masked]"
    assert first.seen == ["POST", "after 200"]
    assert second.seen == ["POST", "after 200"]


def test_a_client_after_the_first_does_not_rescan_its_plugins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Client(API_KEY, transport=StubTransport()).close()  # the first: blueprints made
    scanned: list[str] = []
    for method in ("parse_hookimpl_opts", "parse_hookspec_opts"):  # pluggy's attribute scan
        original = getattr(pluggy.PluginManager, method)

        def counting(self: Any, owner: Any, name: str, original: Any = original) -> Any:
            scanned.append(name)
            return original(self, owner, name)

        monkeypatch.setattr(pluggy.PluginManager, method, counting)
    with Client(API_KEY, transport=StubTransport()) as client:
        assert {"retry", "telemetry", "redaction"} <= set(client.plugins)
    assert scanned == []


def test_a_plugin_refused_once_is_refused_again() -> None:
    class Typo:
        @hookimpl
        def before_reqest(self, request: Request) -> None:  # a typo pluggy would accept
            raise AssertionError("never called")

    for _ in range(2):
        with pytest.raises(ConfigurationError, match="before_reqest matches no Lattice hook"):
            Client(API_KEY, transport=StubTransport(), plugins=[Typo()])


def test_one_instance_twice_and_blocked_names_keep_pluggys_answers() -> None:
    plugin = Counting()
    make_plugin_manager([Counting()])  # blueprint exists
    with pytest.raises(ConfigurationError, match="passed twice"):
        make_plugin_manager([plugin, plugin])
    pm = make_plugin_manager(disable_plugins=["retry"])
    assert not pm.has_plugin("retry")
    assert isinstance(pm, PluginManager)
    assert pm.is_blocked("retry")
