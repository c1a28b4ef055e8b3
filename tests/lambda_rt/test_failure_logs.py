"""What a handler printed before it timed out, ran out of memory or crashed stays in its log.

On AWS everything the function wrote to stdout/stderr appears between START and the failure
(the ``Task timed out after N.NN seconds`` line, END, REPORT) in CloudWatch Logs and in the
``LogType=Tail`` result.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from tests.lambda_rt.conftest import payload_of

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def invocation_lines(aws: Any, name: str, request_id: str) -> list[str]:
    """This invocation's lines in CloudWatch Logs, START to REPORT, in the order AWS shows."""
    events = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    messages = [e["message"] for e in events]
    start = messages.index(f"START RequestId: {request_id} Version: $LATEST")
    end = next(i for i, m in enumerate(messages) if m.startswith(f"REPORT RequestId: {request_id}"))
    return messages[start : end + 1]


def tail_lines(response: dict[str, Any]) -> list[str]:
    return base64.b64decode(response["LogResult"]).decode().splitlines()


def failed(lam: Any, name: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    response = lam.invoke(FunctionName=name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    body = payload_of(response)
    return response, body, response["ResponseMetadata"]["RequestId"]


def test_timeout_keeps_what_was_printed(aws: Any, lam: Any, make_function: Any) -> None:
    """Verifies: lambda.timeout-message, lambda.tail-log-4kb."""
    code = """
import sys, time
def handler(event, context):
    print("before the wait")
    print("on stderr", file=sys.stderr)
    time.sleep(30)
"""
    name = make_function(code, Timeout=1)
    response, body, request_id = failed(lam, name)
    assert body["errorType"] == "Sandbox.Timedout"
    for lines in (tail_lines(response), invocation_lines(aws, name, request_id)):
        assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
        assert lines[1:3] == ["before the wait", "on stderr"]
        assert re.fullmatch(f"{STAMP} {request_id} Task timed out after 1.00 seconds", lines[3])
        assert lines[4] == f"END RequestId: {request_id}"
        assert lines[5].startswith(f"REPORT RequestId: {request_id}\tDuration: 1000.00 ms\t")
        assert lines[5].endswith("\tStatus: timeout\t")
        assert len(lines) == 6


def test_timeout_keeps_output_up_to_the_kill(aws: Any, lam: Any, make_function: Any) -> None:
    """A handler printing until it is stopped: every line it wrote is there, in order, and
    nothing comes after the timeout line but END and REPORT."""
    code = """
import time
def handler(event, context):
    n = 0
    while True:
        print(f"tick {n}")
        n += 1
        time.sleep(0.05)
"""
    name = make_function(code, Timeout=1)
    response, body, request_id = failed(lam, name)
    assert body["errorType"] == "Sandbox.Timedout"
    lines = invocation_lines(aws, name, request_id)
    ticks = lines[1:-3]
    assert ticks, lines
    assert ticks == [f"tick {n}" for n in range(len(ticks))]
    assert re.fullmatch(f"{STAMP} {request_id} Task timed out after 1.00 seconds", lines[-3])
    assert lines[-2:][0] == f"END RequestId: {request_id}"
    assert tail_lines(response)[-3:] == lines[-3:]


def test_memory_kill_keeps_what_was_printed(aws: Any, lam: Any, make_function: Any) -> None:
    code = """
import sys, time
def handler(event, context):
    print("allocating")
    print("still allocating", file=sys.stderr)
    hog = []
    for _ in range(2000):
        hog.append(bytearray(1024 * 1024))
        time.sleep(0.002)
    return len(hog)
"""
    name = make_function(code, MemorySize=128, Timeout=60)
    response, body, request_id = failed(lam, name)
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    for lines in (tail_lines(response), invocation_lines(aws, name, request_id)):
        assert lines[:3] == [
            f"START RequestId: {request_id} Version: $LATEST",
            "allocating",
            "still allocating",
        ]
        assert lines[3] == f"END RequestId: {request_id}"
        assert lines[4].startswith(f"REPORT RequestId: {request_id}\t")
        assert "\tMax Memory Used: 128 MB\t" in lines[4]
        assert lines[4].endswith("\tStatus: error\t")
        assert len(lines) == 5


def test_crash_keeps_what_was_printed(aws: Any, lam: Any, make_function: Any) -> None:
    code = """
import os, sys
def handler(event, context):
    print("last words")
    print("on stderr too", file=sys.stderr)
    os._exit(3)
"""
    name = make_function(code)
    response, body, request_id = failed(lam, name)
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"] == (
        f"RequestId: {request_id} Error: Runtime exited with error: exit status 3"
    )
    for lines in (tail_lines(response), invocation_lines(aws, name, request_id)):
        assert lines[:3] == [
            f"START RequestId: {request_id} Version: $LATEST",
            "last words",
            "on stderr too",
        ]
        assert lines[3] == f"END RequestId: {request_id}"
        assert lines[4].startswith(f"REPORT RequestId: {request_id}\t")
        assert lines[4].endswith("\tStatus: error\t")
        assert len(lines) == 5


def test_next_invoke_after_timeout_has_only_its_own_output(
    aws: Any, lam: Any, make_function: Any
) -> None:
    """The timed-out environment is discarded; its output never leaks into the next call."""
    code = """
import time
def handler(event, context):
    print(f"call {event['n']}")
    if event.get("sleep"):
        time.sleep(30)
    return event["n"]
"""
    name = make_function(code, Timeout=1)
    failed_response = lam.invoke(FunctionName=name, Payload=b'{"n": 1, "sleep": true}')
    assert failed_response["FunctionError"] == "Unhandled"
    response = lam.invoke(FunctionName=name, Payload=b'{"n": 2}', LogType="Tail")
    assert payload_of(response) == 2
    request_id = response["ResponseMetadata"]["RequestId"]
    assert tail_lines(response)[:2] == [f"START RequestId: {request_id} Version: $LATEST", "call 2"]


def test_timeout_keeps_a_line_without_newline(aws: Any, lam: Any, make_function: Any) -> None:
    """AWS's Python runtime makes stdout and stderr unbuffered: text without a newline is in
    the log as soon as it is written, so a hanging handler's last words are kept."""
    code = """
import sys, time
def handler(event, context):
    sys.stdout.write("waiting for the partner API...")
    time.sleep(30)
"""
    name = make_function(code, Timeout=1)
    response, body, request_id = failed(lam, name)
    assert body["errorType"] == "Sandbox.Timedout"
    lines = tail_lines(response)
    assert lines[1] == "waiting for the partner API..."
    assert re.fullmatch(f"{STAMP} {request_id} Task timed out after 1.00 seconds", lines[2])


def test_timeout_reports_the_memory_really_used(aws: Any, lam: Any, make_function: Any) -> None:
    """The REPORT of a timed-out invocation shows the peak memory of the environment (as the
    watchdog and the kernel saw it before the kill), not the configured memory size."""
    code = """
import time
def handler(event, context):
    time.sleep(30)
"""
    name = make_function(code, MemorySize=512, Timeout=1)
    response, body, request_id = failed(lam, name)
    assert body["errorType"] == "Sandbox.Timedout"
    for lines in (tail_lines(response), invocation_lines(aws, name, request_id)):
        report = lines[-1]
        assert report.startswith(f"REPORT RequestId: {request_id}\t")
        assert report.endswith("\tStatus: timeout\t")
        used = int(re.search(r"\tMax Memory Used: (\d+) MB\t", report).group(1))  # type: ignore[union-attr]
        assert 1 <= used < 256, report
