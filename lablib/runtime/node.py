"""Node.js runtimes (nodejs20.x, nodejs22.x, nodejs24.x) where ``node`` is installed.

An environment runs ``node node_bootstrap.js`` (a lean runtime interface client that speaks
the Runtime API) through the zygote's exec path, which needs one executable: ``launcher``
writes a small shell script that sets ``NODE_PATH`` as Lambda does (layers' ``nodejs/``
folders, then the function's code) and execs node with the client script. The installed
node serves every Node.js runtime id; its version may differ from the one named.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

from lablib.runtime.model import RuntimeUnavailable

CLIENT = Path(__file__).with_name("node_bootstrap.js")


def node_binary() -> str | None:
    """Path of the ``node`` executable (``LABLIB_NODE`` overrides; '' disables Node)."""
    override = os.environ.get("LABLIB_NODE")
    if override is not None:
        return override if override and os.access(override, os.X_OK) else None
    return shutil.which("node")


def require(runtime: str) -> str:
    """The node executable for ``runtime``, or RuntimeUnavailable saying how to get one."""
    node = node_binary()
    if node is None:
        raise RuntimeUnavailable(
            f"The runtime {runtime!r} needs Node.js, and no 'node' executable was found on "
            "this machine. Install Node.js (https://nodejs.org, or your package manager's "
            "nodejs package) so 'node' is on PATH, or set LABLIB_NODE to its path; or use a "
            "Python runtime."
        )
    return node


def launcher(directory: Path, node: str, layer_dirs: Sequence[Path], task_root: Path) -> str:
    """Write ``directory/bootstrap-node`` (executable) running ``node`` with the client."""
    node_path = [str(d / "nodejs" / "node_modules") for d in layer_dirs]
    node_path += [str(d / "nodejs") for d in layer_dirs] + [str(task_root)]
    script = directory / "bootstrap-node"
    script.write_text(
        "#!/bin/sh\n"
        f"export NODE_PATH={shlex.quote(os.pathsep.join(node_path))}\n"
        f"exec {shlex.quote(node)} {shlex.quote(str(CLIENT))}\n"
    )
    script.chmod(0o755)
    return str(script)
