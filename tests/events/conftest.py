"""Fixtures for event source tests: one local AWS per session, boto3 clients, the lab's
recorder handler deployed on demand, and a results queue the handler reports to."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from lablib.aws import server
from lablib.aws.server import LocalAWS
from tests.support import WAIT_S, wait_until

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "labs" / "functions" / "event-sources"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture(scope="package")
def aws() -> Iterator[LocalAWS]:
    # Only the event sources plugin: these tests must not depend on other data planes.
    saved = server.PLUGINS
    server.PLUGINS = ("lablib.events.plugin",)
    try:
        local = LocalAWS().start()
    finally:
        server.PLUGINS = saved
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="package")
def clients(aws: LocalAWS) -> Any:
    class Clients:
        lam = aws.client("lambda", config=NO_RETRY)
        sqs = aws.client("sqs")
        sns = aws.client("sns")
        s3 = aws.client("s3")
        kinesis = aws.client("kinesis")
        ddb = aws.client("dynamodb")
        events = aws.client("events")
        logs = aws.client("logs")
        cw = aws.client("cloudwatch")
        iam = aws.client("iam")

    return Clients


@pytest.fixture(scope="package")
def role(clients: Any) -> str:
    arn: str = clients.iam.create_role(RoleName="events-role", AssumeRolePolicyDocument="{}")[
        "Role"
    ]["Arn"]
    return arn


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def results(clients: Any) -> Results:
    url = clients.sqs.create_queue(QueueName=unique("results"))["QueueUrl"]
    return Results(clients.sqs, url)


class Results:
    """What the recorder handler reported (one JSON message per processed record)."""

    def __init__(self, sqs: Any, url: str) -> None:
        self.sqs = sqs
        self.url = url
        self.items: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        while True:
            got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not got:
                return self.items
            for message in got:
                self.items.append(json.loads(message["Body"]))
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
                ],
            )


@pytest.fixture
def recorder(clients: Any, role: str) -> Callable[..., str]:
    """Deploy labs/functions/event-sources/recorder.py; returns the function name."""

    def make(environment: dict[str, str] | None = None, timeout: int = 5, name: str = "") -> str:
        # 5 s: the handler makes one local HTTP call per ten records, which a loaded machine
        # can stretch past 1 s; a timed-out batch would come back and run twice.
        name = name or unique("recorder")
        clients.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="recorder.handler",
            Timeout=timeout,
            Code={"ZipFile": zip_of({"recorder.py": (FUNCTIONS / "recorder.py").read_text()})},
            Environment={"Variables": environment or {}},
        )
        return name

    return make


@pytest.fixture
def handler_code(clients: Any, role: str) -> Callable[..., str]:
    """Deploy a small inline handler (app.handler); returns the function name."""

    def make(code: str, timeout: int = 1, name: str = "", **extra: Any) -> str:
        name = name or unique("fn")
        clients.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Timeout=timeout,
            Code={"ZipFile": zip_of({"app.py": code})},
            **extra,
        )
        return name

    return make


def wait_for(check: Callable[[], Any], timeout: float = WAIT_S, every: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy; fail with its last value."""
    return wait_until(check, timeout=timeout, every=every)


def queue_arn(sqs: Any, url: str) -> str:
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return arn


def drain_queue(sqs: Any, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not got:
            return out
        out += got
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )
