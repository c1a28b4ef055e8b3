"""Cold and warm environments, logs, metrics, concurrency, versions, aliases and layers."""

from __future__ import annotations

import base64
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.lambda_rt.conftest import payload_of, zip_of

COUNTER = """
import os
COUNT = 0
STARTED = os.getpid()
def handler(event, context):
    global COUNT
    COUNT += 1
    with open("/tmp/seen.txt", "a") as f:
        f.write("x")
    return {"count": COUNT, "tmp": open("/tmp/seen.txt").read(), "pid": STARTED}
"""


def log_messages(aws: Any, name: str) -> list[str]:
    logs = aws.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [event["message"] for event in events]


def test_warm_environment_keeps_globals_and_tmp(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.warm-globals-persist."""
    name = make_function(COUNTER)
    first = payload_of(lam.invoke(FunctionName=name))
    second = payload_of(lam.invoke(FunctionName=name))
    assert (first["count"], second["count"]) == (1, 2)
    assert second["tmp"] == "xx" and second["pid"] == first["pid"]
    # Changing the code gives a new environment: cold, fresh globals, empty /tmp.
    lam.update_function_code(FunctionName=name, ZipFile=zip_of({"app.py": COUNTER + "\n# v2\n"}))
    third = payload_of(lam.invoke(FunctionName=name))
    assert third["count"] == 1 and third["pid"] != first["pid"]


def test_private_tmp_per_environment(lam: Any, make_function: Any) -> None:
    one = payload_of(lam.invoke(FunctionName=make_function(COUNTER)))
    two = payload_of(lam.invoke(FunctionName=make_function(COUNTER)))
    assert one["tmp"] == two["tmp"] == "x"


def test_log_lines(aws: Any, lam: Any, make_function: Any) -> None:
    """Verifies: lambda.report-line-fields, lambda.log-line-order, lambda.log-group-stream-names."""
    code = """
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("init output")
def handler(event, context):
    print("hello from print")
    logger.info("hello from logging")
    return 1
"""
    name = make_function(code)
    first = lam.invoke(FunctionName=name)["ResponseMetadata"]["RequestId"]
    second = lam.invoke(FunctionName=name)["ResponseMetadata"]["RequestId"]
    messages = log_messages(aws, name)
    assert messages[0].startswith("INIT_START Runtime Version: ")
    assert messages[1] == "init output"
    assert messages[2] == f"START RequestId: {first} Version: $LATEST"
    assert messages[3] == "hello from print"
    assert re.fullmatch(
        rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{first}\thello from logging",
        messages[4],
    )
    assert messages[5] == f"END RequestId: {first}"
    cold = messages[6]
    assert re.fullmatch(
        rf"REPORT RequestId: {first}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t",
        cold,
    )
    warm = messages[-1]
    assert warm.startswith(f"REPORT RequestId: {second}\t") and "Init Duration" not in warm
    duration = float(re.search(r"Duration: ([\d.]+) ms", warm).group(1))  # type: ignore[union-attr]
    billed = int(re.search(r"Billed Duration: (\d+) ms", warm).group(1))  # type: ignore[union-attr]
    assert billed == max(1, int(-(-duration // 1)))
    assert "INIT_START" not in "".join(messages[7:])
    streams = aws.client("logs").describe_log_streams(logGroupName=f"/aws/lambda/{name}")
    assert len(streams["logStreams"]) == 1


def test_metrics(aws: Any, lam: Any, make_function: Any) -> None:
    """Verifies: lambda.metrics-published."""
    name = make_function("def handler(e, c):\n    if e.get('fail'):\n        raise ValueError\n")
    for payload in (b"{}", b"{}", b'{"fail": true}'):
        lam.invoke(FunctionName=name, Payload=payload)
    cloudwatch = aws.client("cloudwatch")
    now = datetime.now(UTC)

    def total(metric: str, stat: str = "Sum") -> float:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=5),
            Period=60,
            Statistics=[stat],
        )["Datapoints"]
        return sum(point[stat] for point in points)

    assert total("Invocations") == 3
    assert total("Errors") == 1
    assert total("Duration", "SampleCount") == 3
    assert total("ConcurrentExecutions", "Maximum") >= 1


def test_reserved_concurrency_throttles(aws: Any, lam: Any, make_function: Any) -> None:
    """Verifies: lambda.reserved-zero-throttles, lambda.metrics-published.

    Each call holds its slot for 5 s, so the two admitted calls are still running when the
    other three arrive, even if a loaded machine starts the threads late."""
    name = make_function(
        "import time\ndef handler(e, c):\n    time.sleep(5)\n    return 1\n", Timeout=10
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    results: list[str] = []

    def call() -> None:
        try:
            lam.invoke(FunctionName=name)
            results.append("ok")
        except ClientError as exc:
            results.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert Counter(results) == {"ok": 2, "TooManyRequestsException": 3}
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName=name)
    error = info.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    cloudwatch = aws.client("cloudwatch")
    now = datetime.now(UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Throttles",
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    assert sum(p["Sum"] for p in points) == 4


def test_versions_and_weighted_alias(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.executed-version."""
    name = make_function("def handler(e, c):\n    return 'v1'\n")
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    assert lam.publish_version(FunctionName=name)["Version"] == "1"  # unchanged code
    lam.update_function_code(
        FunctionName=name, ZipFile=zip_of({"app.py": "def handler(e, c):\n    return 'v2'\n"})
    )
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    assert payload_of(lam.invoke(FunctionName=name, Qualifier="1")) == "v1"
    assert payload_of(lam.invoke(FunctionName=f"{name}:2")) == "v2"
    lam.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}},
    )
    seen: Counter[str] = Counter()
    for _ in range(200):
        response = lam.invoke(FunctionName=name, Qualifier="live")
        assert payload_of(response) == ("v1" if response["ExecutedVersion"] == "1" else "v2")
        seen[response["ExecutedVersion"]] += 1
    assert set(seen) == {"1", "2"}
    assert 30 <= seen["2"] <= 95  # 30 % of 200 = 60, with generous room for chance
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName=name, Qualifier="nope")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_layer_python_dir_is_importable(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.layers-opt."""
    layer = lam.publish_layer_version(
        LayerName="shared-utils",
        Content={
            "ZipFile": zip_of({"python/shared_utils.py": "def shout(s):\n    return s.upper()\n"})
        },
        CompatibleRuntimes=["python3.12"],
    )
    code = "import shared_utils\ndef handler(e, c):\n    return shared_utils.shout('layered')\n"
    name = make_function(code, Layers=[layer["LayerVersionArn"]])
    assert payload_of(lam.invoke(FunctionName=name)) == "LAYERED"


def test_custom_runtime_bootstrap(lam: Any, make_function: Any) -> None:
    bootstrap = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "handling $ID"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT}" >/dev/null
done
"""
    import shutil

    if shutil.which("curl") is None:
        pytest.fail("curl is needed for the shell custom-runtime test")
    name = make_function(
        "",
        Runtime="provided.al2023",
        Handler="unused",
        files={"bootstrap": bootstrap},
        modes={"bootstrap": 0o755},
    )
    response = lam.invoke(FunctionName=name, Payload=b'{"k": 1}')
    assert payload_of(response) == {"echo": {"k": 1}}
    assert payload_of(lam.invoke(FunctionName=name, Payload=b"[2]")) == {"echo": [2]}


def test_account_settings(lam: Any, make_function: Any) -> None:
    name = make_function("def handler(e, c):\n    return 1\n")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=100)
    settings = lam.get_account_settings()
    limit = settings["AccountLimit"]
    assert limit["ConcurrentExecutions"] == 1000
    reserved = sum(
        lam.get_function_concurrency(FunctionName=f["FunctionName"]).get(
            "ReservedConcurrentExecutions", 0
        )
        for f in lam.list_functions()["Functions"]
    )
    assert limit["UnreservedConcurrentExecutions"] == 1000 - reserved
    assert settings["AccountUsage"]["FunctionCount"] >= 1


PEAK = """
import resource
def handler(event, context):
    if event.get("grow"):
        block = bytearray(event["grow"] * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])  # touch every page: resident
        del block
    return {"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
"""


def test_max_memory_used_is_the_environments_peak(lam: Any, make_function: Any) -> None:
    """REPORT's Max Memory Used is the worker's peak resident memory so far: it rises with a
    large allocation and stays up after it is freed, as on AWS."""
    name = make_function(PEAK, MemorySize=512)
    used = []
    for grow in (0, 80, 0):
        response = lam.invoke(FunctionName=name, Payload=f'{{"grow": {grow}}}', LogType="Tail")
        tail = base64.b64decode(response["LogResult"]).decode()
        used.append(int(re.search(r"Max Memory Used: (\d+) MB", tail).group(1)))  # type: ignore[union-attr]
        peak_mb = -(-payload_of(response)["peak_kb"] // 1024)
        assert used[-1] >= peak_mb
    assert used[1] >= used[0] + 70  # the 80 MB block
    assert used[2] >= used[1]  # a peak does not fall when the memory is freed
