"""Discovery: a real third-party distribution, broken plugins, disabling, and call order."""

from __future__ import annotations

import importlib.metadata
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import lattice_plugin_example
import pytest

from lattice_core import Client, ConfigurationError, hookimpl, plugins
from lattice_core.billing_portal import Session
from lattice_core.masking import mask
from lattice_core.testing import StubTransport, json_response

from .conftest import API_KEY, SESSION_JSON


def test_the_example_plugin_is_an_installed_distribution_with_an_entry_point() -> None:
    dist = importlib.metadata.distribution("lattice-plugin-example")
    (entry_point,) = [ep for ep in dist.entry_points if ep.group == "lattice"]
    assert (entry_point.name, entry_point.value) == (
        "example",
        "lattice_plugin_example:ExamplePlugin",
    )
    # Installed like a user would: from site-packages, not imported from the tests folder.
    assert "site-packages" in (lattice_plugin_example.__file__ or "")


def test_it_is_discovered_called_and_adds_its_header() -> None:
    stub = StubTransport(json_response(200, SESSION_JSON), json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub) as client:
        plugin = client.hooks.pm.get_plugin("example")
        assert isinstance(plugin, lattice_plugin_example.ExamplePlugin)
        Session.create(client, {"customer": "cus_1"})
        Session.create(client, {"customer": "cus_1"})
    assert [r.headers[lattice_plugin_example.HEADER] for r in stub.requests] == ["1", "2"]
    assert (plugin.attempts, plugin.calls) == (2, 2)


def test_disable_plugins_removes_it() -> None:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub, disable_plugins=["example"]) as client:
        assert client.hooks.pm.get_plugin("example") is None
        Session.create(client, {"customer": "cus_1"})
    assert lattice_plugin_example.HEADER not in stub.requests[0].headers


def test_hooks_run_in_the_documented_order() -> None:
    order: list[tuple[str, list[str]]] = []
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub) as client:
        pm = client.hooks.pm

        def before(hook_name: str, impls: Any, kwargs: Any) -> None:
            if hook_name == "before_request":
                order.append((hook_name, [pm.get_name(impl.plugin) for impl in reversed(impls)]))

        undo = pm.add_hookcall_monitoring(before, lambda *args: None)
        Session.create(client, {"customer": "cus_1"})
        undo()
        # Third-party plugins before the built-ins; telemetry stamps last and measures first.
        assert dict(order)["before_request"] == ["example", "retry", "telemetry"]
        assert client.hooks.call_order("before_request") == ["example", "retry", "telemetry"]
        # The observe-only hooks are called one plugin at a time, in this order.
        assert client.hooks.call_order("after_response") == ["telemetry", "example"]
        assert client.hooks.call_order("after_call") == ["example", "telemetry", "retry"]
    assert lattice_plugin_example.HEADER in stub.requests[0].headers


class _BrokenEntryPoint:
    """Quacks like importlib.metadata.EntryPoint, for a plugin whose import fails."""

    name = "broken"
    value = "lattice_broken_plugin_does_not_exist"
    group = "lattice"

    class dist:
        name = "lattice-broken-plugin"

    def load(self) -> Any:
        return importlib.import_module(self.value)


@pytest.fixture
def broken_plugin_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    found = (*plugins._entry_points(), _BrokenEntryPoint())
    monkeypatch.setattr(plugins, "_entry_points", lambda: found)
    yield
    plugins._load.cache_clear()


def test_a_plugin_that_fails_to_import_names_its_distribution(
    broken_plugin_installed: None,
) -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(API_KEY, transport=StubTransport())
    message = str(info.value)
    assert "plugin 'broken'" in message
    assert "lattice-broken-plugin" in message
    assert "disable_plugins=['broken']" in message
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_a_broken_plugin_can_be_disabled(broken_plugin_installed: None) -> None:
    with Client(API_KEY, transport=StubTransport(), disable_plugins=["broken"]) as client:
        assert "broken" not in client.plugins
        assert {"retry", "telemetry", "redaction"} <= set(client.plugins)


def test_disabling_redaction_cannot_unmask_anything(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    # Masking is core: without the plugin, messages and logs are masked all the same.
    logging.getLogger("lattice").setLevel(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = Client(API_KEY, transport=StubTransport(), disable_plugins=["redaction"])
    assert caught == []
    assert "redaction" not in client.plugins
    assert client.hooks.redact(f"key {API_KEY}") == f"key {mask(API_KEY)}"
    client.close()


class _EntryPoint:
    """Quacks like importlib.metadata.EntryPoint for a plugin that imports fine."""

    group = "lattice"

    class dist:
        name = "lattice-odd-plugin"

    def __init__(self, name: str, loaded: object) -> None:
        self.name = name
        self.value = f"lattice_odd_plugin:{name}"
        self._loaded = loaded

    def load(self) -> object:
        return self._loaded


class _FailsToStart:
    def __init__(self) -> None:
        raise RuntimeError("no config")


class _WrongArguments:
    @hookimpl
    def before_request(self, request: Any, nonsense: Any) -> None:
        """Takes an argument no hook has."""


@pytest.mark.parametrize(
    ("loaded", "what"), [(_FailsToStart, "failed to start"), (_WrongArguments(), "not a valid")]
)
def test_a_plugin_that_fails_to_start_or_register_names_its_distribution(
    monkeypatch: pytest.MonkeyPatch, loaded: object, what: str
) -> None:
    found = (*plugins._entry_points(), _EntryPoint("odd", loaded))
    monkeypatch.setattr(plugins, "_entry_points", lambda: found)
    try:
        with pytest.raises(ConfigurationError, match=what) as info:
            Client(API_KEY, transport=StubTransport())
        assert "plugin 'odd'" in str(info.value)
        assert "lattice-odd-plugin" in str(info.value)
        assert "disable_plugins=['odd']" in str(info.value)
        assert info.value.__cause__ is not None
        with Client(API_KEY, transport=StubTransport(), disable_plugins=["odd"]) as client:
            assert "odd" not in client.plugins
    finally:
        plugins._load.cache_clear()


def test_an_invalid_plugin_object_is_a_configuration_error_naming_its_class() -> None:
    with pytest.raises(ConfigurationError, match="_WrongArguments") as info:
        Client(API_KEY, transport=StubTransport(), plugins=[_WrongArguments()])
    assert "nonsense" in str(info.value)


class _MisspelledHook:
    @hookimpl
    def before_reqest(self, request: Any) -> None:
        """A typo pluggy itself would accept; the hook would just never run."""


def test_a_misspelled_hook_or_a_plugin_without_hooks_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="before_reqest matches no Lattice hook") as info:
        Client(API_KEY, transport=StubTransport(), plugins=[_MisspelledHook()])
    assert "_MisspelledHook" in str(info.value)
    assert "before_request" in str(info.value)  # the list of real hooks, to spot the typo
    with pytest.raises(ConfigurationError, match="int: it has no @hookimpl methods"):
        Client(API_KEY, transport=StubTransport(), plugins=[42])


def test_an_installed_plugin_with_a_misspelled_hook_names_its_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = (*plugins._entry_points(), _EntryPoint("typo", _MisspelledHook()))
    monkeypatch.setattr(plugins, "_entry_points", lambda: found)
    try:
        with pytest.raises(ConfigurationError, match="before_reqest") as info:
            Client(API_KEY, transport=StubTransport())
        assert "plugin 'typo'" in str(info.value)
        assert "lattice-odd-plugin" in str(info.value)
        assert "disable_plugins=['typo']" in str(info.value)
    finally:
        plugins._load.cache_clear()


class Audit:
    """A user plugin of its own: listed by its class name."""

    @hookimpl
    def after_call(self) -> None:
        """Counts nothing; it only has to be a plugin."""


def test_client_plugins_lists_what_is_registered_by_readable_name() -> None:
    plugins._warn_unknown_disabled.cache_clear()
    with (
        pytest.warns(UserWarning, match=r"'retyr'.*Installed plugins: .*retry") as caught,
        Client(
            API_KEY,
            transport=StubTransport(),
            plugins=[Audit()],
            disable_plugins=["telemetry", "retyr"],
        ) as client,
    ):
        names = client.plugins
    assert caught[0].filename == __file__
    assert "telemetry" not in names
    assert "retyr" not in names
    assert {"retry", "redaction", "example", "requests", "Audit"} <= set(names)
    assert names[-1] == "Audit"
    assert not any(name.isdigit() for name in names)


def test_plugin_classes_are_instantiated_per_client_modules_are_shared() -> None:
    with (
        Client(API_KEY, transport=StubTransport()) as one,
        Client(API_KEY, transport=StubTransport()) as two,
    ):
        assert one.hooks.pm.get_plugin("example") is not two.hooks.pm.get_plugin("example")
        assert one.hooks.pm.get_plugin("telemetry") is not two.hooks.pm.get_plugin("telemetry")
        assert one.hooks.pm.get_plugin("redaction") is two.hooks.pm.get_plugin("redaction")


def test_entry_points_are_discovered_once_per_process() -> None:
    before = plugins._entry_points.cache_info().misses
    for _ in range(3):
        Client(API_KEY, transport=StubTransport()).close()
    assert plugins._entry_points.cache_info().misses == before


LATE_INSTALL = """
import sys
from lattice_core import Client, list_plugins, refresh_plugins
from lattice_core.testing import StubTransport

before = Client({key!r}, transport=StubTransport())
sys.path.append({folder!r})  # what pip installing into site-packages amounts to
cached = Client({key!r}, transport=StubTransport())
assert "late" not in cached.plugins and "late" not in [p.name for p in list_plugins()]
refresh_plugins()
after = Client({key!r}, transport=StubTransport())
print(*["late" in client.plugins for client in (before, cached, after)])
"""


def test_a_plugin_installed_while_running_is_seen_after_refresh_plugins(tmp_path: Any) -> None:
    # In its own interpreter, so the suite's clients never pick the plugin up.
    import subprocess
    import sys

    (tmp_path / "late_plugin.py").write_text(
        "from lattice_core import hookimpl\n\n"
        "@hookimpl\ndef before_request(request):\n    request.headers['X-Late'] = '1'\n"
    )
    info = tmp_path / "late_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: late-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[lattice]\nlate = late_plugin\n")
    code = LATE_INSTALL.format(key=API_KEY, folder=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "False", "True"]
