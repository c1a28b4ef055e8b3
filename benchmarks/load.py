"""Load benchmark: concurrent sync invokes, asynchronous fan-in, SQS throughput.

Run: `.venv/bin/python benchmarks/load.py` (also part of `make bench`). Prints a Markdown
table and the machine it ran on. Nothing here is asserted; the counts (errors, delivered,
left) show whether anything was lost under load.
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time

from _common import percentile, zipped  # first: the project on sys.path, LABLIB_HOME
from botocore.config import Config  # noqa: E402

from lablib.aws.server import LocalAWS  # noqa: E402

SYNC_CALLS = int(os.environ.get("BENCH_LOAD_SYNC_CALLS", "2000"))
ASYNC_EVENTS = int(os.environ.get("BENCH_LOAD_ASYNC_EVENTS", "2000"))
SQS_MESSAGES = int(os.environ.get("BENCH_LOAD_SQS_MESSAGES", "1000"))
CONFIG = Config(retries={"total_max_attempts": 1}, max_pool_connections=64, read_timeout=120)
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def concurrent_sync(aws: LocalAWS, name: str, threads: int) -> tuple[str, str]:
    lam = aws.client("lambda", config=CONFIG)
    per_thread = SYNC_CALLS // threads
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run() -> None:
        mine: list[float] = []
        for _ in range(per_thread):
            began = time.perf_counter()
            try:
                response = lam.invoke(FunctionName=name)
                response["Payload"].read()
                failed = "FunctionError" in response
            except Exception:
                failed = True
            mine.append((time.perf_counter() - began) * 1000)
            if failed:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    for _ in range(threads):  # warm one environment per client thread first
        lam.invoke(FunctionName=name)
    began = time.perf_counter()
    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    total = per_thread * threads
    return (
        f"{total / elapsed:,.0f} invokes/s; p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms",
        f"{total:,} calls, {errors[0]} errors",
    )


def async_fan_in(aws: LocalAWS, name: str) -> tuple[str, str]:
    lam = aws.client("lambda", config=CONFIG)
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="fan-in-done")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    senders = 8
    accepted = [0]
    lock = threading.Lock()

    def send(count: int) -> None:
        done = 0
        for n in range(count):
            response = lam.invoke(
                FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": n}).encode()
            )
            done += response["StatusCode"] == 202
        with lock:
            accepted[0] += done

    began = time.perf_counter()
    workers = [
        threading.Thread(target=send, args=(ASYNC_EVENTS // senders,)) for _ in range(senders)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    accept_s = time.perf_counter() - began
    aws.lambda_plane.queue.wait_idle(600)
    run_s = time.perf_counter() - began
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    delivered = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
    return (
        f"{accepted[0] / accept_s:,.0f} accepted/s; all run in {run_s:.1f} s "
        f"({accepted[0] / run_s:,.0f} events/s)",
        f"{accepted[0]:,} accepted (202), {delivered:,} delivered to the OnSuccess queue",
    )


def sqs_throughput(aws: LocalAWS, name: str) -> tuple[str, str]:
    lam = aws.client("lambda", config=CONFIG)
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="load-source")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for start in range(0, SQS_MESSAGES, 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps({"n": start + i})} for i in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    began = time.perf_counter()
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=10)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    left = SQS_MESSAGES
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        left = sum(int(attributes[n]) for n in names)
        if left == 0:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - began
    return (
        f"{(SQS_MESSAGES - left) / elapsed:,.0f} msg/s at BatchSize 10",
        f"{SQS_MESSAGES:,} messages, {left} left in the queue",
    )


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    with LocalAWS() as aws:
        lam = aws.client("lambda", config=CONFIG)
        role = aws.client("iam").create_role(RoleName="load", AssumeRolePolicyDocument="{}")
        for name in ("sync-load", "async-load", "sqs-load"):
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                Handler="app.handler", Code={"ZipFile": zipped(HANDLER)},
            )  # fmt: skip
        for threads in (8, 32):
            result, note = concurrent_sync(aws, "sync-load", threads)
            rows.append((f"concurrent sync invokes, {threads} client threads", result, note))
        rows.append(("async fan-in (8 senders, Event invokes)", *async_fan_in(aws, "async-load")))
        rows.append(("SQS event source throughput", *sqs_throughput(aws, "sqs-load")))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| measure | result | note |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")


if __name__ == "__main__":
    main()
