"""`client.get_plugin(name)`, and one rule for every installed plugin: one of each per client.

An object in `plugins=[...]` of an installed plugin's kind is refused while that plugin
is on, and replaces it (taking its name) once it is disabled.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import types
from collections.abc import Iterator
from typing import Any

import lattice_plugin_example
import pluggy
import pytest

import lattice_transport_aiohttp.plugin
import lattice_transport_requests.plugin
from lattice_core import (
    APIError,
    AsyncClient,
    Client,
    ConfigurationError,
    PluginNotFoundError,
    hookimpl,
    plugins,
)
from lattice_core.billing_portal import Session
from lattice_core.builtin import redaction
from lattice_core.builtin.retry import Retry
from lattice_core.builtin.telemetry import Telemetry
from lattice_core.testing import AsyncStubTransport, StubTransport, json_response

from .conftest import API_KEY, SESSION_JSON


class Audit:
    """A user plugin of its own."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def after_call(self) -> None:
        self.calls += 1


class ClassPlugin:
    """A class passed as it is: its static hooks are the plugin."""

    @staticmethod
    @hookimpl
    def redact(text: str) -> str:
        return text


audit_module = types.ModuleType("audit_rules")
audit_module.redact = hookimpl(lambda text: text)  # type: ignore[attr-defined]


def _client(kind: str, **options: Any) -> Client | AsyncClient:
    if kind == "sync":
        return Client(API_KEY, transport=StubTransport(), **options)
    return AsyncClient(API_KEY, transport=AsyncStubTransport(), **options)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ---------------------------------------------------------------------------------------
# get_plugin


def test_each_installed_plugin_by_its_entry_point_name(kind: str) -> None:
    one, two = _client(kind), _client(kind)
    retry = one.get_plugin("retry")
    assert isinstance(retry, Retry)
    assert isinstance(one.get_plugin("telemetry"), Telemetry)
    assert one.get_plugin("redaction") is redaction  # a module entry point: the module
    assert one.get_plugin("requests") is lattice_transport_requests.plugin
    assert one.get_plugin("aiohttp") is lattice_transport_aiohttp.plugin
    assert isinstance(one.get_plugin("example"), lattice_plugin_example.ExamplePlugin)
    # A class entry point is instantiated per client: each client has its own.
    assert two.get_plugin("retry") is not retry
    assert one.get_plugin("retry") is one.hooks.pm.get_plugin("retry")
    for name in one.plugins:
        one.get_plugin(name)  # every listed name is found


def test_objects_passed_in_plugins_by_their_class_or_module_name(kind: str) -> None:
    audit = Audit()
    client = _client(kind, plugins=[audit, ClassPlugin, audit_module])
    assert client.plugins[-3:] == ["Audit", "ClassPlugin", "audit_rules"]
    assert client.get_plugin("Audit") is audit
    assert client.get_plugin("ClassPlugin") is ClassPlugin
    assert client.get_plugin("audit_rules") is audit_module


def test_the_kind_argument_checks_and_types_the_plugin(kind: str) -> None:
    client = _client(kind, plugins=[Audit()])
    retry = client.get_plugin("retry", Retry)
    assert retry.deadline is None  # typed as Retry: no cast needed
    assert client.get_plugin("redaction", types.ModuleType) is redaction
    assert client.get_plugin("Audit", Audit).calls == 0
    with pytest.raises(ConfigurationError, match="plugin 'telemetry' is a Telemetry, not a Retry"):
        client.get_plugin("telemetry", Retry)
    with pytest.raises(ConfigurationError, match="kind must be a class"):
        client.get_plugin("retry", "Retry")  # type: ignore[call-overload]


def test_an_unknown_name_lists_the_clients_plugins(kind: str) -> None:
    client = _client(kind)
    with pytest.raises(PluginNotFoundError) as info:
        client.get_plugin("retyr")
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, ConfigurationError)
    message = str(info.value)
    assert "no plugin named 'retyr'" in message
    assert f"This client's plugins: {', '.join(client.plugins)}." in message


def test_a_disabled_name_says_it_is_disabled(kind: str) -> None:
    client = _client(kind, disable_plugins=["telemetry", "example"])
    for name in ("telemetry", "example"):
        with pytest.raises(PluginNotFoundError, match=rf"'{name}' is disabled .*\['{name}'\]"):
            client.get_plugin(name)
    with pytest.raises(LookupError, match=r"This client's plugins: .*retry"):
        client.get_plugin("telemetry")


def test_lookup_is_by_name_and_a_class_in_its_place_says_what_to_pass(kind: str) -> None:
    client = _client(kind)
    with pytest.raises(ConfigurationError, match=r"not by class.*get_plugin\('telemetry', Tel"):
        client.get_plugin(Telemetry)  # type: ignore[call-overload]
    with pytest.raises(ConfigurationError, match="not an int"):
        client.get_plugin(3)  # type: ignore[call-overload]


def test_two_objects_sharing_a_name_are_not_guessed_between(kind: str) -> None:
    client = _client(kind, plugins=[Audit(), Audit()])
    assert client.plugins[-2:] == ["Audit", "Audit"]
    with pytest.raises(PluginNotFoundError, match="2 plugins on this client are named 'Audit'"):
        client.get_plugin("Audit")


# ---------------------------------------------------------------------------------------
# One of each installed plugin per client

SECOND_INSTANCES = [
    pytest.param("retry", lambda: Retry(deadline=4.0), "Retry(...)", id="retry"),
    pytest.param("telemetry", lambda: Telemetry(tracer=None), "Telemetry(...)", id="telemetry"),
    pytest.param("redaction", lambda: redaction, "lattice_core.builtin.redaction", id="redaction"),
    pytest.param(
        "example",
        lattice_plugin_example.ExamplePlugin,
        "ExamplePlugin(...)",
        id="third-party",
    ),
]
# What two would do: each built-in says it (`_lattice_twice`), another plugin gets the default.
WITH_BOTH = {
    "retry": "both would decide on retries and spend their own budget, and the built-in "
    "would retry past your deadline",
    "telemetry": "every call would be logged, traced and reported twice",
    "redaction": "its rules would run twice on every message",
    "example": "each would run on every call",
}


@pytest.mark.parametrize(("name", "make", "shown"), SECOND_INSTANCES)
def test_a_second_instance_of_an_installed_plugin_is_refused_with_how_to_replace_it(
    kind: str, name: str, make: Any, shown: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        _client(kind, plugins=[make()])
    message = str(info.value)
    assert f"the installed plugin {name!r}" in message
    assert f"with both, {WITH_BOTH[name]}. To configure it" in message
    assert f"disable_plugins=[{name!r}], plugins=[{shown}]" in message


@pytest.mark.parametrize(("name", "make", "shown"), SECOND_INSTANCES)
def test_disabling_it_and_passing_one_replaces_it_under_its_name(
    kind: str, name: str, make: Any, shown: str
) -> None:
    mine = make()
    client = _client(kind, disable_plugins=[name], plugins=[mine])
    assert client.get_plugin(name) is mine
    assert client.plugins.count(name) == 1
    assert client.plugins[-1] == name  # registered last, as every plugins=[...] object
    assert not client.hooks.pm.is_blocked(name)


def test_a_subclass_counts_as_the_installed_plugins_kind() -> None:
    class QuietTelemetry(Telemetry):
        pass

    with pytest.raises(ConfigurationError, match=r"holds a QuietTelemetry.*'telemetry'") as info:
        Client(API_KEY, transport=StubTransport(), plugins=[QuietTelemetry()])
    assert "plugins=[QuietTelemetry(...)]" in str(info.value)
    quiet = QuietTelemetry()
    options: dict[str, Any] = {"disable_plugins": ["telemetry"], "plugins": [quiet]}
    with Client(API_KEY, transport=StubTransport(), **options) as client:
        assert client.get_plugin("telemetry", Telemetry) is quiet


def test_two_replacements_for_one_plugin_are_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"two plugins standing in for .*'telemetry'"):
        Client(
            API_KEY,
            transport=StubTransport(),
            disable_plugins=["telemetry"],
            plugins=[Telemetry(), Telemetry(tracer=None)],
        )


def test_a_configured_telemetry_logs_each_call_once(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    stub = StubTransport(json_response(200, SESSION_JSON))
    options: dict[str, Any] = {"disable_plugins": ["telemetry"], "plugins": [Telemetry()]}
    with Client(API_KEY, transport=stub, **options) as client:
        Session.create(client, {"customer": "cus_1"})
        assert client.hooks.call_order("after_response")[0] == "telemetry"
    assert [r.levelname for r in no_secret_in_logs if r.name == "lattice"] == ["DEBUG", "INFO"]


def test_the_replacement_is_the_one_called_sync_and_async() -> None:
    class Counting(Retry):
        def __init__(self) -> None:
            super().__init__()
            self.decided = 0

        @hookimpl(trylast=True)
        def retry_delay(self, *args: Any, **kwargs: Any) -> float | None:
            self.decided += 1
            return None

    failing = json_response(500, {"error": {"type": "api_error"}})
    mine = Counting()
    options: dict[str, Any] = {"disable_plugins": ["retry"], "plugins": [mine]}
    with Client(API_KEY, transport=StubTransport(failing), **options) as client:
        with pytest.raises(APIError):
            Session.create(client, {"customer": "cus_1"})
        assert client.get_plugin("retry", Counting) is mine

    async def run() -> None:
        stub = AsyncStubTransport(failing)
        async with AsyncClient(API_KEY, transport=stub, **options) as client:
            with pytest.raises(APIError):
                await Session.create_async(client, {"customer": "cus_1"})
            assert client.get_plugin("retry", Counting) is mine

    asyncio.run(run())
    assert mine.decided == 2


class _EntryPoint:
    """Quacks like importlib.metadata.EntryPoint."""

    group = "lattice"

    class dist:
        name = "lattice-unimported-plugin"

    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value

    def load(self) -> object:
        raise AssertionError(f"{self.name} must not be imported while it is disabled")


@pytest.fixture
def unimported_plugin_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    found = (*plugins._entry_points(), _EntryPoint("unimported", "lattice_unimported_x:Plugin"))
    monkeypatch.setattr(plugins, "_entry_points", lambda: found)
    yield
    plugins._load.cache_clear()


def test_a_disabled_plugin_is_not_imported_to_find_its_replacement(
    unimported_plugin_installed: None,
) -> None:
    audit = Audit()
    options: dict[str, Any] = {"disable_plugins": ["unimported"], "plugins": [audit]}
    with Client(API_KEY, transport=StubTransport(), **options) as client:
        assert client.get_plugin("Audit") is audit
        with pytest.raises(PluginNotFoundError, match="'unimported' is disabled"):
            client.get_plugin("unimported")
    assert "lattice_unimported_x" not in sys.modules


def test_an_entry_point_skipped_for_its_name_is_never_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two distributions declare "example": the first wins, the second is not imported.
    found = (*plugins._entry_points(), _EntryPoint("example", "lattice_unimported_x:Plugin"))
    monkeypatch.setattr(plugins, "_entry_points", lambda: found)
    try:
        with Client(API_KEY, transport=StubTransport(), plugins=[Audit()]) as client:
            assert isinstance(client.get_plugin("example"), lattice_plugin_example.ExamplePlugin)
    finally:
        plugins._load.cache_clear()
    assert "lattice_unimported_x" not in sys.modules


def test_no_plugin_can_be_unblocked_once_the_client_is_built() -> None:
    with Client(API_KEY, transport=StubTransport(), disable_plugins=["telemetry"]) as client:
        with pytest.raises(ConfigurationError, match="cannot unblock a plugin"):
            client.hooks.pm.unblock("telemetry")
        assert client.hooks.pm.is_blocked("telemetry")


def test_a_replacement_is_wired_from_the_kept_blueprint(monkeypatch: pytest.MonkeyPatch) -> None:
    options: dict[str, Any] = {"disable_plugins": ["telemetry"]}
    Client(API_KEY, transport=StubTransport(), plugins=[Telemetry()], **options).close()
    scanned: list[str] = []
    original = pluggy.PluginManager.parse_hookimpl_opts

    def counting(self: Any, owner: Any, name: str) -> Any:
        scanned.append(name)
        return original(self, owner, name)

    monkeypatch.setattr(pluggy.PluginManager, "parse_hookimpl_opts", counting)
    mine = Telemetry()
    with Client(API_KEY, transport=StubTransport(), plugins=[mine], **options) as client:
        assert client.hooks.call_order("after_response")[0] == "telemetry"
        assert client.get_plugin("telemetry") is mine
    assert scanned == []
