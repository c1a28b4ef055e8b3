"""The first API Gateway request does not pay for importing the data plane: it is imported
in the background when the local AWS starts (installing it stays lazy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, time
import lablib
aws = lablib.start()
deadline = time.monotonic() + 120
while "lablib.apigateway.plugin" not in sys.modules and time.monotonic() < deadline:
    time.sleep(0.1)
installed = [type(p).__module__ for p in aws.plugins.loaded]
print("imported" if "lablib.apigateway.plugin" in sys.modules else "missing")
print("installed:", ",".join(installed) or "none")
aws.stop()
"""


def test_api_gateway_plane_is_imported_at_start_without_a_request(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "LABLIB_HOME": str(tmp_path), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "imported"
    assert "apigateway" not in lines[1]  # imported, not installed: no request asked for it
