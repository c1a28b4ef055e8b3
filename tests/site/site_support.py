"""Helpers shared by the site tests: build the real site strictly, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# The tests serve the site under a sub-path, as a project site on GitHub Pages is served
# (https://owner.github.io/<repo>/): every page, and the 404 page, must work there.
SUBPATH = "/serverless-lab/"


def build_site(dest: Path, **env_extra: str) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the repository's site into dest (a subprocess, like CI),
    for publishing under SUBPATH."""
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "LABLIB_SITE_URL": f"http://127.0.0.1:8000{SUBPATH}",
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml")]
        + ["-d", str(dest)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
