"""The docs site builds with ``mkdocs build --strict`` and documents the public API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
