"""`lablib serve` and `lablib env`: the local AWS as a process, and the shell lines to use it."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from typing import Any


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the local AWS until Ctrl-C / SIGTERM")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    serve.add_argument("--region", default="us-east-1")
    serve.set_defaults(handler=cmd_serve)
    fid = sub.add_parser("fidelity", help="print what the local AWS simulates, and how")
    fid.set_defaults(handler=cmd_fidelity)
    env = sub.add_parser("env", help="print export lines for the running `lablib serve`")
    env.add_argument("--endpoint", default=None, help="endpoint (default: the running server)")
    env.add_argument(
        "--wait",
        type=float,
        nargs="?",
        const=60.0,
        default=0.0,
        metavar="SECONDS",
        help="wait for a `lablib serve` that is starting (default 60 s)",
    )
    env.set_defaults(handler=cmd_env)


def cmd_fidelity(args: argparse.Namespace) -> int:
    from lablib.aws import fidelity

    print(fidelity.table())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from lablib.aws import shell
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
    print(shell.export_lines(aws.endpoint, aws.region), flush=True)
    record = shell.record_server(aws.endpoint, aws.region)
    print(f"# region {aws.region}; {aws.clock.describe()}; Ctrl-C to stop", file=sys.stderr)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        shell.forget_server(record)
        aws.stop()
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    from lablib.aws import shell

    if args.endpoint:
        print(shell.export_lines(args.endpoint, os.environ.get("AWS_DEFAULT_REGION", "us-east-1")))
        return 0
    found = shell.running_server()
    deadline = time.monotonic() + args.wait
    while found is None and time.monotonic() < deadline:
        time.sleep(0.2)
        found = shell.running_server()
    if found is None:
        print(
            "lablib env: no `lablib serve` is running for this LABLIB_HOME; start one "
            "(`lablib serve &`) or pass --endpoint http://127.0.0.1:PORT",
            file=sys.stderr,
        )
        return 1
    print(shell.export_lines(found.endpoint, found.region))
    return 0
