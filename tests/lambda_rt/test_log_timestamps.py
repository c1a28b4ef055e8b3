"""Each log event carries the time it was written, as in CloudWatch Logs on AWS.

A handler that prints, waits and prints again shows two events that far apart; START keeps the
invocation's start time and END/REPORT its end, and what the init phase printed comes before
START. Output written around the runtime's own streams (a subprocess) is still logged, as is.
Only lower bounds and order are asserted: the machine may be slow, never fast.
"""

from __future__ import annotations

from typing import Any

from tests.lambda_rt.conftest import payload_of


def invocation_events(aws: Any, name: str, request_id: str) -> list[dict[str, Any]]:
    """Everything up to this invocation's REPORT, as get_log_events returns it."""
    logs = aws.client("logs")
    group = f"/aws/lambda/{name}"
    (stream,) = logs.describe_log_streams(logGroupName=group)["logStreams"]
    events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"],
                                 startFromHead=True)["events"]  # fmt: skip
    end = next(i for i, e in enumerate(events)
               if e["message"].startswith(f"REPORT RequestId: {request_id}"))  # fmt: skip
    return list(events[: end + 1])


def test_each_line_has_the_time_it_was_written(aws: Any, lam: Any, make_function: Any) -> None:
    code = """
import subprocess, sys, time
print("during init")
def handler(event, context):
    print("first")
    time.sleep(1.5)
    print("second", file=sys.stderr)
    subprocess.run(["echo", "from a child process"], check=True)
    print("last")
    return "ok"
"""
    name = make_function(code, Timeout=30)
    response = lam.invoke(FunctionName=name)
    assert payload_of(response) == "ok"
    request_id = response["ResponseMetadata"]["RequestId"]
    events = invocation_events(aws, name, request_id)
    at = {e["message"]: e["timestamp"] for e in events}
    messages = [e["message"] for e in events]
    start = f"START RequestId: {request_id} Version: $LATEST"
    assert messages[messages.index(start) :][1:5] == [
        "first", "second", "from a child process", "last"]  # fmt: skip
    assert not any("\x00" in m for m in messages)
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    assert at["during init"] <= at[start] <= at["first"]
    assert at["second"] - at["first"] >= 1000
    end = f"END RequestId: {request_id}"
    assert at[end] - at[start] >= 1000
    assert at["last"] <= at[end]
    assert events[-1]["timestamp"] == at[end]  # REPORT: the end as well


def test_filter_log_events_returns_the_write_times(aws: Any, lam: Any, make_function: Any) -> None:
    code = """
import logging, time
logging.getLogger().setLevel(logging.INFO)
def handler(event, context):
    logging.info("one")
    time.sleep(1.5)
    logging.info("two")
"""
    name = make_function(code, Timeout=30)
    lam.invoke(FunctionName=name)
    logs = aws.client("logs")
    found = {}
    for word in ("one", "two"):
        (event,) = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}",
                                          filterPattern=f'"{word}"')["events"]  # fmt: skip
        found[word] = event["timestamp"]
    assert found["two"] - found["one"] >= 1000


def test_stamps_survive_interleaved_streams_and_unstamped_output(tmp_path: Any) -> None:
    """The framing round trip: stdout and stderr sharing one file, a line written in pieces,
    several lines in one write, and raw bytes from outside the runtime's streams."""
    import os

    from lablib.runtime import telemetry, zygote

    path = tmp_path / "output.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    out, err = zygote._unbuffered(fd, "strict"), zygote._unbuffered(fd, "backslashreplace")
    out.write("progress ")
    out.write("done\n")
    err.write("a\nb\n")
    out.buffer.write(b"bytes line\n")
    os.write(fd, b"from a subprocess\n")
    out.write("last, unterminated")
    os.close(fd)
    lines = telemetry.split_stamped(path.read_bytes(), 0, 9_999_999_999_999)
    texts = [text for _, text in lines]
    assert texts == ["progress done", "a", "b", "bytes line", "from a subprocess",
                     "last, unterminated"]  # fmt: skip
    stamps = [ms for ms, _ in lines]
    assert stamps == sorted(stamps)
    assert stamps[-1] < 9_999_999_999_999  # the last line has its own stamp, not the fallback
    assert stamps[4] == stamps[5]  # unstamped: the time of the next stamped line
