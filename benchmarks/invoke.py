"""Lambda invoke benchmark: start-up, warm sync p50/p95, cold start, async throughput.

Run: `make bench` (or `.venv/bin/python benchmarks/invoke.py`). Prints a Markdown table.
Numbers depend on the machine; the table says which one. Nothing here is asserted.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

from _common import percentile, zipped  # first: the project on sys.path, LABLIB_HOME
from botocore.config import Config  # noqa: E402

from lablib.aws.server import LocalAWS  # noqa: E402

WARM_CALLS = int(os.environ.get("BENCH_WARM_CALLS", "1000"))
COLD_CALLS = int(os.environ.get("BENCH_COLD_CALLS", "20"))
ASYNC_EVENTS = int(os.environ.get("BENCH_ASYNC_EVENTS", "500"))


def served_warm_p50(code: bytes) -> tuple[float, float]:
    """Warm invoke latency against `lablib serve` in its own process (client separate)."""
    import subprocess

    import boto3

    proc = subprocess.Popen([sys.executable, "-m", "lablib", "serve"], stdout=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().strip().split("=", 1)[1]
        session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                        region_name="us-east-1")  # fmt: skip
        role = session.client("iam", endpoint_url=endpoint).create_role(
            RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
        lam = session.client("lambda", endpoint_url=endpoint,
                             config=Config(retries={"total_max_attempts": 1}))  # fmt: skip
        lam.create_function(FunctionName="warm", Runtime="python3.12", Role=role,
                            Handler="app.handler", Code={"ZipFile": code})  # fmt: skip
        for _ in range(20):
            lam.invoke(FunctionName="warm", Payload=b'{"k": 1}')
        times = []
        for _ in range(WARM_CALLS):
            t = time.perf_counter()
            lam.invoke(FunctionName="warm", Payload=b'{"k": 1}')
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times), percentile(times, 0.95)
    finally:
        proc.terminate()
        proc.wait(20)
        if proc.stdout is not None:
            proc.stdout.close()


def main() -> None:
    began = time.perf_counter()
    aws = LocalAWS().start()
    startup_ms = (time.perf_counter() - began) * 1000
    try:
        lam = aws.client("lambda", config=Config(retries={"total_max_attempts": 1}))
        role = aws.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")
        arn = role["Role"]["Arn"]
        code = zipped("def handler(event, context):\n    return event\n")
        lam.create_function(
            FunctionName="warm",
            Runtime="python3.12",
            Role=arn,
            Handler="app.handler",
            Code={"ZipFile": code},
        )
        for _ in range(20):
            lam.invoke(FunctionName="warm", Payload=b'{"k": 1}')
        warm = []
        for _ in range(WARM_CALLS):
            t = time.perf_counter()
            lam.invoke(FunctionName="warm", Payload=b'{"k": 1}')
            warm.append((time.perf_counter() - t) * 1000)
        cold, init = [], []
        for i in range(COLD_CALLS):
            name = f"cold{i}"
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=arn,
                Handler="app.handler",
                Code={"ZipFile": code},
            )
            t = time.perf_counter()
            lam.invoke(FunctionName=name, Payload=b"{}")
            cold.append((time.perf_counter() - t) * 1000)
        aws.telemetry.drain()
        logs = aws.client("logs")
        for i in range(COLD_CALLS):
            for event in logs.filter_log_events(logGroupName=f"/aws/lambda/cold{i}")["events"]:
                if "Init Duration" in event["message"]:
                    init.append(float(event["message"].split("Init Duration: ")[1].split(" ")[0]))
        t = time.perf_counter()
        for _ in range(ASYNC_EVENTS):
            lam.invoke(FunctionName="warm", InvocationType="Event", Payload=b"{}")
        accepted_s = time.perf_counter() - t
        aws.lambda_plane.queue.wait_idle(120)
        async_s = time.perf_counter() - t
    finally:
        aws.stop()
    served_p50, served_p95 = served_warm_p50(code)
    rows = [
        ("start-up (LocalAWS().start())", f"{startup_ms:.0f} ms", "target <= 1500 ms"),
        (
            f"warm sync invoke p50 ({WARM_CALLS} calls, boto3)",
            f"{statistics.median(warm):.2f} ms",
            "target < ~2 ms (serverless-offline), ceiling 3 ms",
        ),
        ("warm sync invoke p95", f"{percentile(warm, 0.95):.2f} ms", ""),
        (
            "warm sync invoke p50, `lablib serve` in its own process",
            f"{served_p50:.2f} ms",
            "client and server on separate cores",
        ),
        ("warm sync invoke p95, `lablib serve`", f"{served_p95:.2f} ms", ""),
        (
            f"cold invoke, client-side p50 ({COLD_CALLS} new functions)",
            f"{statistics.median(cold):.1f} ms",
            "target <= 100 ms",
        ),
        ("cold Init Duration p50 (REPORT line)", f"{statistics.median(init):.1f} ms", ""),
        (
            f"async: {ASYNC_EVENTS} Event invokes accepted",
            f"{ASYNC_EVENTS / accepted_s:.0f} /s",
            "",
        ),
        ("async: accepted and run to completion", f"{ASYNC_EVENTS / async_s:.0f} /s", ""),
    ]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print()
    print("| measure | result | note |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")


if __name__ == "__main__":
    main()
