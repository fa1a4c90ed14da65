"""The package as a whole: public names, documented hooks, light import, typing marker."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import lattice_core
import lattice_transport_aiohttp
import lattice_transport_requests
from lattice_core import hookspecs

from .conftest import ROOT

PACKAGES = [lattice_core, lattice_transport_requests, lattice_transport_aiohttp]


@pytest.mark.parametrize("module", PACKAGES, ids=lambda m: m.__name__)
def test_all_is_sorted_and_complete(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public <= set(names)
    for name in names:
        assert hasattr(module, name)


def test_every_hook_spec_is_documented() -> None:
    specs = [
        (name, fn)
        for name, fn in vars(hookspecs).items()
        if inspect.isfunction(fn) and hasattr(fn, "lattice_spec")
    ]
    assert {name for name, _ in specs} >= {
        "before_request",
        "after_response",
        "redact",
        "retry_delay",
        "register_transports",
    }
    for name, fn in specs:
        assert fn.__doc__, name
        assert len(fn.__doc__.split()) > 15, name
        assert name in (hookspecs.__doc__ or ""), f"{name} missing from the call-order overview"


def test_import_lattice_core_loads_no_http_library() -> None:
    code = (
        "import sys, lattice_core, lattice_core.billing_portal; "
        "print(sorted(m for m in ('requests', 'aiohttp', 'urllib3') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("module", PACKAGES, ids=lambda m: m.__name__)
def test_py_typed_is_shipped(module: object) -> None:
    assert module.__file__ is not None  # type: ignore[attr-defined]
    package_dir = ROOT / module.__name__  # type: ignore[attr-defined]
    assert (package_dir / "src" / module.__name__ / "py.typed").is_file()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("folder", "dist"),
    [
        ("lattice_core", "lattice-stripe-core"),
        ("lattice_transport_requests", "lattice-stripe-requests"),
        ("lattice_transport_aiohttp", "lattice-stripe-aiohttp"),
    ],
)
def test_distribution_names_and_versions(folder: str, dist: str) -> None:
    import importlib.metadata

    import tomllib

    meta = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())["project"]
    assert meta["name"] == dist
    assert meta["version"] == "0.1.0" == importlib.metadata.version(dist)
    if folder != "lattice_core":
        assert "lattice-stripe-core==0.1.0" in meta["dependencies"]
    else:
        assert meta["optional-dependencies"] == {
            "requests": ["lattice-stripe-requests==0.1.0"],
            "aiohttp": ["lattice-stripe-aiohttp==0.1.0"],
            "otel": ["opentelemetry-api>=1.20"],
        }
