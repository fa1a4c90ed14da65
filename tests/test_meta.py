"""The package as a whole: public names, documented hooks, light import, typing marker."""

from __future__ import annotations

import inspect
import subprocess
import sys
import zipfile
from pathlib import Path

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


WHEEL_CONTENTS = {
    "lattice_core": (
        "lattice-stripe-core",
        ["[lattice]", "retry = lattice_core.builtin.retry:Retry", "[pytest11]", "lattice-stripe ="],
        ["Requires-Dist: pluggy<2,>=1.5", "Requires-Dist: attrs", "Requires-Dist: cattrs"],
    ),
    "lattice_transport_requests": (
        "lattice-stripe-requests",
        ["[lattice]", "requests = lattice_transport_requests.plugin"],
        ["Requires-Dist: lattice-stripe-core==0.1.0", "Requires-Dist: requests"],
    ),
    "lattice_transport_aiohttp": (
        "lattice-stripe-aiohttp",
        ["[lattice]", "aiohttp = lattice_transport_aiohttp.plugin"],
        ["Requires-Dist: lattice-stripe-core==0.1.0", "Requires-Dist: aiohttp"],
    ),
}


@pytest.mark.parametrize("folder", sorted(WHEEL_CONTENTS))
def test_the_built_wheel_ships_py_typed_entry_points_and_no_tests(
    folder: str, tmp_path: Path
) -> None:
    """Build the wheel as a user's installer would get it, and look inside."""
    build = (
        "import os, sys; from hatchling.build import build_wheel; "
        "os.chdir(sys.argv[1]); print(build_wheel(sys.argv[2]))"
    )
    name = subprocess.run(
        [sys.executable, "-c", build, str(ROOT / folder), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dist, entry_points, requires = WHEEL_CONTENTS[folder]
    with zipfile.ZipFile(tmp_path / name) as wheel:
        files = wheel.namelist()
        info = next(f for f in files if f.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        metadata = wheel.read(f"{info}/METADATA").decode()
        entry_text = wheel.read(f"{info}/entry_points.txt").decode()
    assert f"{folder}/py.typed" in files
    assert f"Name: {dist}\n" in metadata
    assert "Version: 0.1.0\n" in metadata
    for line in requires:
        assert line in metadata
    for line in entry_points:
        assert line in entry_text
    assert not [f for f in files if f.startswith("tests/") or "/tests/" in f]


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
