"""The documentation site builds with ``mkdocs build --strict`` and has an API reference."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_strict_build_renders_the_reference(tmp_path: Path) -> None:
    site_dir = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"mkdocs build --strict failed ({result.returncode})\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )

    reference = site_dir / "reference" / "index.html"
    assert reference.is_file(), sorted(p.name for p in site_dir.iterdir())
    html = reference.read_text(encoding="utf-8")
    for name in ("Session", "InvalidParamsError"):
        assert name in html, f"{name} is missing from the API reference page"
