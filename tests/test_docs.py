"""The docs site builds with ``mkdocs build --strict`` and documents the public API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT


def test_mkdocs_strict_build_and_reference(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    reference = (tmp_path / "reference" / "index.html").read_text()
    for name in ("Session", "InvalidParamsError", "before_request", "RequestsTransport"):
        assert name in reference, name
    assert (tmp_path / "quickstart" / "index.html").is_file()


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text().split("## Quickstart")[0]
    assert "bash scripts/demo.sh" in head
    assert "bash scripts/test.sh" in head
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_deep_link_flow_examples_run_against_the_fake() -> None:
    """Every Python block of docs/flows.md runs, in order, against the fake Stripe."""
    import re

    from lattice_core import Client
    from lattice_core.billing_portal import Session
    from lattice_core.testing import FakeStripe, StubTransport

    text = (ROOT / "docs" / "flows.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 8
    from lattice_core.billing_portal import FlowType
    from lattice_core.billing_portal.rules import BUILTIN_FLOW_TYPES, obj, string

    resume = FlowType("subscription_resume", obj({"subscription": string(required=True)}))
    transport = StubTransport.from_app(FakeStripe(flow_types=(*BUILTIN_FLOW_TYPES, resume)))
    with Client("sk_test_docs_examples", transport=transport) as client:
        namespace = {"client": client, "Session": Session, "client_transport": transport}
        for block in blocks:
            exec(compile(block, "docs/flows.md", "exec"), namespace)  # noqa: S102
    flow_types = {transport.params(r)["flow_data"]["type"] for r in transport.requests}
    assert flow_types == {
        "customer_update",
        "payment_method_update",
        "subscription_cancel",
        "subscription_pause",
        "subscription_update",
        "subscription_update_confirm",
        "subscription_resume",
    }


def test_write_your_own_telemetry_plugin_example_runs() -> None:
    """The step-by-step plugin on docs/plugins.md works as written."""
    import re

    text = (ROOT / "docs" / "plugins.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/plugins.md", "exec"), namespace)  # noqa: S102
    metrics = namespace["metrics"]
    assert metrics.calls == {"ok": 2}  # type: ignore[attr-defined]
    assert metrics.seconds > 0  # type: ignore[attr-defined]
    namespace["client"].close()  # type: ignore[attr-defined]


def test_async_page_examples_run_against_the_fake(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/async.md: the script and the FastAPI-style handler, with FastAPI stood in for.

    The examples build their own ``AsyncClient``; the test points that name at one wired
    to the fake, the way docs/testing.md tells users to test such apps.
    """
    import asyncio
    import functools
    import re
    import types

    import lattice_core
    from lattice_core.testing import AsyncStubTransport, FakeStripe

    fake = FakeStripe()
    wired = functools.partial(lattice_core.AsyncClient, transport=AsyncStubTransport.from_app(fake))
    monkeypatch.setattr(lattice_core, "AsyncClient", wired)
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_docs_examples")

    class FastAPI:
        def __init__(self, lifespan: Any) -> None:
            self.lifespan = lifespan
            self.routes: dict[str, Any] = {}

        def post(self, path: str) -> Any:
            return lambda handler: self.routes.setdefault(path, handler)

    class HTTPException(Exception):
        def __init__(self, status: int, detail: str) -> None:
            super().__init__(status, detail)

    class RedirectResponse:
        def __init__(self, url: str, status_code: int) -> None:
            self.url, self.status_code = url, status_code

    class User:
        stripe_customer_id = "cus_docs"

    stand_ins = {
        "fastapi": {"FastAPI": FastAPI, "HTTPException": HTTPException, "Depends": lambda f: f},
        "fastapi.responses": {"RedirectResponse": RedirectResponse},
        "myapp": {},
        "myapp.auth": {"User": User, "current_user": User},
    }
    for name, attributes in stand_ins.items():
        module = types.ModuleType(name)
        vars(module).update(attributes)
        monkeypatch.setitem(sys.modules, name, module)

    script, web_app = re.findall(
        r"```python\n(.*?)```", (ROOT / "docs" / "async.md").read_text(), re.S
    )[:2]
    exec(compile(script, "docs/async.md", "exec"), {})  # noqa: S102 - runs asyncio.run(main())
    assert "Session(id='bps_" in capsys.readouterr().out

    namespace: dict[str, Any] = {}
    exec(compile(web_app, "docs/async.md", "exec"), namespace)  # noqa: S102
    app = namespace["app"]

    async def serve_one_request() -> Any:
        async with app.lifespan(app):
            return await app.routes["/billing"](User())

    response = asyncio.run(serve_one_request())
    assert response.status_code == 303
    assert response.url == fake.sessions[-1]["url"]
    assert fake.sessions[-1]["customer"] == "cus_docs"
    assert len(fake.sessions) == 2
