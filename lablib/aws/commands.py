"""`lablib serve` and `lablib lab`: the local AWS as a process, and JupyterLab with it."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the local AWS until Ctrl-C / SIGTERM")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    serve.add_argument("--region", default="us-east-1")
    serve.set_defaults(handler=cmd_serve)
    fid = sub.add_parser("fidelity", help="print what the local AWS simulates, and how")
    fid.set_defaults(handler=cmd_fidelity)
    lab = sub.add_parser("lab", help="open JupyterLab with the local AWS ready")
    lab.add_argument("--port", type=int, default=0)
    lab.set_defaults(handler=cmd_lab)


def cmd_fidelity(args: argparse.Namespace) -> int:
    from lablib.aws import fidelity

    print(fidelity.table())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from lablib.aws.server import LocalAWS

    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        aws = LocalAWS(port=args.port, region=args.region).start()
    except OSError as exc:
        print(f"lablib serve: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"AWS_ENDPOINT_URL={aws.endpoint}", flush=True)
    print(f"# region {aws.region}; {aws.clock.describe()}; Ctrl-C to stop", file=sys.stderr)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        aws.stop()
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    """Open JupyterLab in labs/. Each notebook starts its own local AWS with lablib.start()
    (about 0.2 s), so nothing else needs to run first."""
    root = Path.cwd()
    labs = root / "labs" if (root / "labs").is_dir() else root
    print("Opening JupyterLab; in a notebook, `aws = lablib.start()` starts the local AWS.")
    command = [sys.executable, "-m", "jupyter", "lab", str(labs)]
    if args.port:
        command.append(f"--port={args.port}")
    return subprocess.call(command, env=dict(os.environ))
