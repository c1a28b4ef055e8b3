"""Cold start per Python runtime: each declared version on its own interpreter's zygote.

Run: `make bench` (or `.venv/bin/python benchmarks/runtimes.py`). Prints a Markdown table:
for every python3.x runtime (its interpreter and where it was found), the client-side
latency of a cold invoke and the REPORT line's Init Duration, median and p95 over
BENCH_COLD_CALLS new functions. The first function of each version starts that version's
zygote and is not counted (the zygote is started once per local AWS, like the host's).
Numbers depend on the machine and its load; nothing here is asserted.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

from _common import ROOT, percentile, zipped  # first: the project on sys.path, LABLIB_HOME

os.environ.setdefault("LABLIB_RUNTIMES_DIR", str(ROOT / ".lablib" / "runtimes"))

from botocore.config import Config  # noqa: E402

from lablib.aws.server import LocalAWS  # noqa: E402
from lablib.runtime import pythons  # noqa: E402

COLD_CALLS = int(os.environ.get("BENCH_COLD_CALLS", "20"))
CODE = "import boto3\ndef handler(event, context):\n    return 'ok'\n"


def main() -> None:
    aws = LocalAWS().start()
    rows = []
    try:
        lam = aws.client("lambda", config=Config(retries={"total_max_attempts": 1}))
        arn = aws.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")[
            "Role"
        ]["Arn"]
        code = zipped(CODE)
        logs = aws.client("logs")
        for version in pythons.VERSIONED:
            runtime = f"python{version}"
            choice = aws.executor.python_for(runtime)
            names = [f"{runtime.replace('.', '')}-{i}" for i in range(COLD_CALLS + 1)]
            cold = []
            for i, name in enumerate(names):
                lam.create_function(FunctionName=name, Runtime=runtime, Role=arn,
                                    Handler="app.handler", Code={"ZipFile": code})  # fmt: skip
                t = time.perf_counter()
                lam.invoke(FunctionName=name, Payload=b"{}")
                if i:
                    cold.append((time.perf_counter() - t) * 1000)
            aws.telemetry.drain()
            init = []
            for name in names[1:]:
                for event in logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]:
                    if "Init Duration" in event["message"]:
                        text = event["message"].split("Init Duration: ")[1]
                        init.append(float(text.split(" ")[0]))
            runs_on = f"Python {choice.version} ({choice.source})"
            if choice.fallback:
                runs_on = f"FALLBACK to Python {choice.version}: not found"
            rows.append((runtime, runs_on, f"{statistics.median(cold):.1f} ms",
                         f"{percentile(cold, 0.95):.1f} ms",
                         f"{statistics.median(init):.1f} ms"))  # fmt: skip
    finally:
        aws.stop()
    print(f"Cold start per Python runtime ({COLD_CALLS} new functions each; {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, lablib on Python "
          f"{pythons.HOST_FULL})\n")  # fmt: skip
    print("| runtime | runs on | cold invoke p50 | p95 | Init Duration p50 |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
