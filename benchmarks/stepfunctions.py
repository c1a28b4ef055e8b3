"""Step Functions benchmark: end-to-end time of a 3-state execution and executions per second.

Run: `.venv/bin/python benchmarks/stepfunctions.py`. Prints a Markdown table; nothing is
asserted. The workflow is Task (Lambda, warm) -> Choice -> Pass, started with
StartExecution and polled with DescribeExecution until it finishes ("end to end", as a
client sees it). Throughput starts BENCH_SFN_BATCH executions at once, then waits for all.
Express sync runs the same machine with StartSyncExecution. Numbers depend on the machine
(the reference machine has 2 cores).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time

from _common import ROOT, percentile  # first: the project on sys.path, LABLIB_HOME

from lablib.aws.server import LocalAWS  # noqa: E402
from lablib.labs.step_functions.views import deploy_function, role, state_machine  # noqa: E402
from lablib.stepfunctions.wait import wait_for_execution  # noqa: E402

RUNS = int(os.environ.get("BENCH_SFN_RUNS", "50"))
BATCH = int(os.environ.get("BENCH_SFN_BATCH", "100"))


def definition(function_arn: str) -> dict[str, object]:
    return {
        "StartAt": "Score",
        "States": {
            "Score": {
                "Type": "Task",
                "Resource": function_arn,
                "ResultPath": "$.fraud",
                "Next": "Route",
            },
            "Route": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.fraud.suspicious", "BooleanEquals": True, "Next": "Done"}
                ],
                "Default": "Done",
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }


def main() -> None:
    with LocalAWS() as aws:
        sfn = aws.client("stepfunctions")
        role_arn = role(aws.client("iam"))
        fn = deploy_function(
            aws.client("lambda"), role_arn, ROOT / "labs/functions/step-functions/check_fraud.py"
        )
        standard = state_machine(sfn, "bench-standard", definition(fn), role_arn)
        express = state_machine(sfn, "bench-express", definition(fn), role_arn, kind="EXPRESS")
        payload = json.dumps({"total": 120})
        wait_for_execution(  # warm the function and the clients
            sfn,
            sfn.start_execution(stateMachineArn=standard, input=payload)["executionArn"],
            progress=False,
        )
        latencies = []
        for _ in range(RUNS):
            began = time.perf_counter()
            arn = sfn.start_execution(stateMachineArn=standard, input=payload)["executionArn"]
            wait_for_execution(sfn, arn, poll=0.002, progress=False)
            latencies.append((time.perf_counter() - began) * 1000)
        sync = []
        for _ in range(RUNS):
            began = time.perf_counter()
            sfn.start_sync_execution(stateMachineArn=express, input=payload)
            sync.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        arns = [
            sfn.start_execution(stateMachineArn=standard, input=payload)["executionArn"]
            for _ in range(BATCH)
        ]
        statuses = [wait_for_execution(sfn, a, progress=False)["status"] for a in arns]
        batch_s = time.perf_counter() - began
    ok = statuses.count("SUCCEEDED")
    print(
        f"Step Functions on the local AWS ({platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()})\n"
    )
    print("| measure | value |")
    print("|---|---:|")
    p50 = statistics.median(latencies)
    print(f"| 3-state Standard execution, end to end, p50 ({RUNS} runs) | {p50:.1f} ms |")
    print(f"| same, p90 | {percentile(latencies, 0.9):.1f} ms |")
    print(f"| 3-state Express StartSyncExecution, p50 | {statistics.median(sync):.1f} ms |")
    rate = BATCH / batch_s
    print(f"| executions per second ({BATCH} started at once, {ok} succeeded) | {rate:.1f} /s |")


if __name__ == "__main__":
    main()
