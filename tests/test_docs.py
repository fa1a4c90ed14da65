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
