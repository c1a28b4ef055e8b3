"""The hub test's one outside tool: configurable-http-proxy, installed from npm once into
build/hub-node (reused by later runs; `make clean` removes it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_PREFIX = ROOT / "build" / "hub-node"
CHP_VERSION = "5"


@pytest.fixture(scope="session")
def chp() -> Path:
    """The configurable-http-proxy executable (npm package, major version 5)."""
    program = NODE_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"
    if not program.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install configurable-http-proxy (apt: npm)"
        NODE_PREFIX.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund",
             "--loglevel=error", f"configurable-http-proxy@{CHP_VERSION}"],
            capture_output=True,
            text=True,
            timeout=240,
        )  # fmt: skip
        assert done.returncode == 0, f"npm install configurable-http-proxy: {done.stderr}"
    assert program.exists()
    return program
