"""Event source benchmark: SQS-to-handler latency and messages per second through a mapping.

Run: `.venv/bin/python benchmarks/events.py`. Prints a Markdown table. Numbers depend on the
machine (the table says which one; the reference machine has 2 cores). Nothing is asserted.
Latency = handler start minus the message's SentTimestamp (one message at a time).
Throughput = messages preloaded with the mapping disabled, then drained after enabling it.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time

from _common import zipped  # first: the project on sys.path, LABLIB_HOME

from lablib.aws import server  # noqa: E402
from lablib.aws.server import LocalAWS  # noqa: E402

LATENCY_MESSAGES = int(os.environ.get("BENCH_LATENCY_MESSAGES", "100"))
THROUGHPUT_MESSAGES = int(os.environ.get("BENCH_THROUGHPUT_MESSAGES", "500"))

HANDLER = """
import json, os, time, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    now = time.time() * 1000
    lat = [now - int(r["attributes"]["SentTimestamp"]) for r in event["Records"]]
    sqs.send_message(QueueUrl=os.environ["OUT"],
                     MessageBody=json.dumps({"n": len(lat), "lat": lat, "t": time.time()}))
"""


def drain(sqs: object, url: str) -> list[dict[str, object]]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])  # type: ignore[attr-defined]
        if not got:
            return out
        out += [json.loads(m["Body"]) for m in got]
        sqs.delete_message_batch(  # type: ignore[attr-defined]
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )


def main() -> None:
    import faulthandler

    if os.environ.get("BENCH_DEBUG"):
        faulthandler.dump_traceback_later(float(os.environ["BENCH_DEBUG"]), exit=True)
    server.PLUGINS = ("lablib.events.plugin",)
    with LocalAWS() as aws:
        lam, sqs, iam = aws.client("lambda"), aws.client("sqs"), aws.client("iam")
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        out = sqs.create_queue(QueueName="bench-out")["QueueUrl"]
        lam.create_function(
            FunctionName="bench",
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": zipped(HANDLER)},
            Timeout=3,
            Environment={"Variables": {"OUT": out}},
        )
        rows = []
        # latency: one message at a time
        src = sqs.create_queue(QueueName="bench-lat")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="bench", BatchSize=1)
        time.sleep(0.3)
        latencies: list[float] = []
        for i in range(LATENCY_MESSAGES + 5):
            sqs.send_message(QueueUrl=src, MessageBody=str(i))
            got: list[dict[str, object]] = []
            while not got:
                got = drain(sqs, out)
            if i >= 5:  # first few warm the environment
                latencies += [float(x) for g in got for x in g["lat"]]  # type: ignore[attr-defined]
        latencies.sort()
        rows.append(("SQS -> handler latency p50 (ms)", f"{statistics.median(latencies):.1f}"))
        rows.append(
            ("SQS -> handler latency p95 (ms)", f"{latencies[int(len(latencies) * 0.95) - 1]:.1f}")
        )
        for batch in (10, 100):
            name = f"bench-tp-{batch}"
            src = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            extra = {"MaximumBatchingWindowInSeconds": 1} if batch > 10 else {}
            mapping = lam.create_event_source_mapping(
                EventSourceArn=arn, FunctionName="bench", BatchSize=batch, Enabled=False, **extra
            )
            for _ in range(0, THROUGHPUT_MESSAGES, 10):
                sqs.send_message_batch(
                    QueueUrl=src,
                    Entries=[{"Id": str(j), "MessageBody": "x"} for j in range(10)],
                )
            time.sleep(0.2)
            began = time.time()
            lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
            done, last = 0, began
            while done < THROUGHPUT_MESSAGES and time.time() - began < 120:
                for g in drain(sqs, out):
                    done += int(g["n"])  # type: ignore[call-overload]
                    last = max(last, float(g["t"]))  # type: ignore[arg-type]
            rate = done / (last - began) if last > began else 0.0
            rows.append((f"messages/s through a mapping, BatchSize {batch}", f"{rate:.0f}"))
        print(
            f"Event sources benchmark on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        print()
        print("| measurement | value |")
        print("|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
