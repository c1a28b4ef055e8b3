"""What every parity scenario uses: a context with clients and helpers, and a way to turn a
boto3 response or error into the plain data LocalStack recorded."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, zip_of


def plain(response: dict[str, Any]) -> dict[str, Any]:
    """A boto3 response as recorded: streamed payloads read (JSON parsed where it is JSON)."""
    out = dict(response)
    payload = out.get("Payload")
    if payload is not None and hasattr(payload, "read"):
        raw = payload.read()
        try:
            out["Payload"] = json.loads(raw)
        except ValueError:
            out["Payload"] = raw.decode("utf-8", "replace")
    meta = out.get("ResponseMetadata")
    if isinstance(meta, dict):
        out["ResponseMetadata"] = {"HTTPStatusCode": meta.get("HTTPStatusCode")}
    return out


def call(operation: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
    """The response, or the error response (as LocalStack records exceptions)."""
    try:
        return plain(operation(**params))
    except ClientError as error:
        return plain(dict(error.response))


def wait_until(check: Callable[[], Any], timeout: float = 60.0, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


class Context:
    """One local AWS shared by the scenarios of a run."""

    def __init__(self, aws: LocalAWS) -> None:
        self.aws = aws
        self._clients: dict[str, Any] = {}
        iam = self.client("iam")
        name = f"parity-role-{uuid.uuid4().hex[:6]}"
        self.role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.aws.client(service, config=NO_RETRY)
        return self._clients[service]

    @property
    def lam(self) -> Any:
        return self.client("lambda")

    @staticmethod
    def name(prefix: str = "fn") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def create_function(
        self, code: str, name: str | None = None, wait: bool = True, **config: Any
    ) -> dict[str, Any]:
        """CreateFunction (response as recorded); waits for Active unless ``wait=False``."""
        params: dict[str, Any] = {
            "FunctionName": name or self.name(),
            "Runtime": "python3.12",
            "Role": self.role,
            "Handler": "handler.handler",
            "Code": {"ZipFile": zip_of({"handler.py": code})},
            "Environment": {"Variables": {}},
        }
        params.update(config)
        response = call(self.lam.create_function, **params)
        if wait and "FunctionName" in response:
            self.wait_active(response["FunctionName"])
        return response

    def wait_active(self, name: str) -> None:
        self.lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 400}
        )

    def wait_updated(self, name: str) -> None:
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 400}
        )

    def queue(self, name: str | None = None, **attributes: str) -> tuple[str, str]:
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name or self.name("q"), Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, arn

    def receive(self, url: str, count: int = 1, timeout: float = 20.0) -> dict[str, Any]:
        """Receive until ``count`` messages arrived; bodies parsed as JSON (as recorded)."""
        sqs = self.client("sqs")
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        response: dict[str, Any] = {}
        while len(messages) < count and time.monotonic() < deadline:
            response = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                MessageAttributeNames=["All"],
            )  # fmt: skip
            messages += response.get("Messages", [])
        for message in messages:
            try:
                message["Body"] = json.loads(message["Body"])
            except ValueError:
                pass
        return {"Messages": messages, "ResponseMetadata": {"HTTPStatusCode": 200}}


def create_wrapped(response: dict[str, Any]) -> dict[str, Any]:
    """LocalStack's create-function fixture records its result in this wrapper."""
    return {"CreateEventSourceMappingResponse": None, "CreateFunctionResponse": response}
