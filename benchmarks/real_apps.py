"""Real serverless applications on the local AWS: deploy each with ``lablib deploy`` against
``lablib serve`` and exercise it the way its README says.

A maintainer benchmark over a LOCAL checkout of public sample collections; it fetches nothing
(and nothing of the apps is copied into this project). Make the checkout once from bare git
mirrors of the collections, then run:

    python benchmarks/real_apps.py --extract MIRROR_GIT_DIR /path/to/corpus   # per collection
    LABLIB_CORPUS=/path/to/corpus python benchmarks/real_apps.py [--only NAME,NAME]

``--extract`` runs ``git archive COMMIT:PATH`` for every app of that collection (the mirror's
``origin`` or directory name tells which collection it is). The corpus layout is
``CORPUS/<collection>/<app folder>``. ``sam init`` starters (cookiecutter folders) are
rendered as ``sam init`` would (one architecture, x86_64) into a temporary folder.

Prints a Markdown table (app, deploy, probe, detail) and ``N/M work``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = "aws-samples/serverless-patterns"
PATTERNS_COMMIT = "fb7b5d06c27d8abb1bd35e52ab7523acf4baab7b"
STARTERS = "aws/aws-sam-cli-app-templates"
STARTERS_COMMIT = "c7285973a74a5b4d8008f30a8781ee69af8c949d"
COLLECTIONS = {PATTERNS: "serverless-patterns", STARTERS: "sam-app-templates"}
DEPLOY_TIMEOUT = 600.0
# PYTHONPATH=<another checkout> measures that checkout's lablib: the server and every
# ``lablib deploy`` run in a temporary folder, so the current folder's lablib does not win.
PYTHON = [sys.executable]
WAIT = 30.0


class ProbeFailed(Exception):
    pass


@dataclass
class Ctx:
    """What a probe needs: the stack's outputs and resources, clients and small helpers."""

    endpoint: str
    stack: str
    outputs: dict[str, str]
    resources: dict[str, str]
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            self._clients[service] = boto3.client(
                service,
                # StartSyncExecution's sync- host prefix cannot resolve on 127.0.0.1
                config=Config(inject_host_prefix=False),
                endpoint_url=self.endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self._clients[service]

    def phys(self, logical: str) -> str:
        if logical not in self.resources:
            raise ProbeFailed(f"stack has no resource {logical}")
        return self.resources[logical]

    # -- API Gateway -------------------------------------------------------------------------
    def url(self, api: str, stage: str, path: str = "") -> str:
        """The local stage URL of the REST API with logical id (or id) ``api``."""
        api_id = self.resources.get(api, api)
        return f"{self.endpoint}/restapis/{api_id}/{stage}/_user_request_/{path.lstrip('/')}"

    def output_url(self, output: str, path: str = "") -> str:
        """An ``https://ID.execute-api.REGION.amazonaws.com/STAGE/...`` output, made local."""
        value = self.outputs.get(output, "")
        match = re.match(r"https://([a-z0-9]+)\.execute-api\.[^/]+/([^/]+)/?(.*)$", value)
        if not match:
            raise ProbeFailed(f"output {output} is not an API URL: {value!r}")
        api_id, stage, rest = match.groups()
        return self.url(api_id, stage, rest + path)

    def http(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        data = None
        if body is not None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def expect(self, method: str, url: str, status: int, body: Any = None, **kw: Any) -> str:
        got, text = self.http(method, url, body, **kw)
        if got != status:
            raise ProbeFailed(f"{method} {url.split('_user_request_')[-1]}: {got} {text[:200]}")
        return text

    def api_key(self, logical: str) -> str:
        return str(
            self.client("apigateway").get_api_key(apiKey=self.phys(logical), includeValue=True)[
                "value"
            ]
        )

    # -- Lambda and logs ---------------------------------------------------------------------
    def function_name(self, logical: str) -> str:
        value = self.phys(logical)
        return value.split(":function:")[-1]

    def invoked(self, logical: str, needle: str = "", timeout: float = WAIT) -> str:
        """Wait until the function logged a finished invocation (and ``needle``)."""
        logs = self.client("logs")
        group = f"/aws/lambda/{self.function_name(logical)}"
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            try:
                events = logs.filter_log_events(logGroupName=group, limit=200)["events"]
            except logs.exceptions.ResourceNotFoundException:
                events = []
            text = "\n".join(e["message"] for e in events)
            if "REPORT RequestId" in text and needle in text:
                return text
            time.sleep(0.3)
        raise ProbeFailed(f"{logical} was not invoked ({needle!r} not logged): {text[-300:]}")

    def not_invoked(self, logical: str) -> None:
        logs = self.client("logs")
        group = f"/aws/lambda/{self.function_name(logical)}"
        try:
            events = logs.filter_log_events(logGroupName=group, limit=50)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return
        if any("REPORT RequestId" in e["message"] for e in events):
            raise ProbeFailed(f"{logical} was invoked although its filter excludes the event")

    def invoke(self, logical: str, payload: Any = None, kind: str = "RequestResponse") -> Any:
        response = self.client("lambda").invoke(
            FunctionName=self.function_name(logical),
            InvocationType=kind,
            Payload=json.dumps(payload if payload is not None else {}).encode(),
        )
        body = response["Payload"].read().decode() if "Payload" in response else ""
        if response.get("FunctionError"):
            raise ProbeFailed(f"{logical} failed: {body[:300]}")
        return json.loads(body) if body else None

    # -- queues, topics, tables, state machines ----------------------------------------------
    def messages(self, queue_url: str, count: int = 1, timeout: float = WAIT) -> list[str]:
        sqs = self.client("sqs")
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            batch = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            got += [m["Body"] for m in batch]
        if len(got) < count:
            raise ProbeFailed(f"{count} message(s) expected on {queue_url}, got {len(got)}")
        return got

    def probe_queue(self) -> tuple[str, str]:
        """A queue of the probe's own (to watch a topic or a bus): (url, arn)."""
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=f"probe-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        return url, str(arn["QueueArn"])

    def watch_topic(self, topic_arn: str) -> str:
        url, arn = self.probe_queue()
        self.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        return url

    def watch_bus(self, bus: str, pattern: dict[str, Any]) -> str:
        url, arn = self.probe_queue()
        events = self.client("events")
        name = f"probe-{uuid.uuid4().hex[:8]}"
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
        return url

    def put_events(self, **entry: Any) -> None:
        entry.setdefault("Detail", "{}")
        out = self.client("events").put_events(Entries=[entry])
        if out.get("FailedEntryCount"):
            raise ProbeFailed(f"PutEvents failed: {out['Entries']}")

    def run(self, arn: str, payload: Any, timeout: float = WAIT) -> dict[str, Any]:
        """Run a state machine to its end (a synchronous one for EXPRESS)."""
        sfn = self.client("stepfunctions")
        kind = sfn.describe_state_machine(stateMachineArn=arn).get("type")
        if kind == "EXPRESS":
            out = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(payload))
            if out["status"] != "SUCCEEDED":
                raise ProbeFailed(f"express execution {out['status']}: {out.get('cause', '')}")
            return dict(out)
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))
        return self.wait_execution(execution["executionArn"], timeout)

    def wait_execution(self, execution_arn: str, timeout: float = WAIT) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = sfn.describe_execution(executionArn=execution_arn)
            if out["status"] != "RUNNING":
                if out["status"] != "SUCCEEDED":
                    raise ProbeFailed(f"execution {out['status']}: {out.get('cause', '')[:300]}")
                return dict(out)
            time.sleep(0.3)
        raise ProbeFailed("execution still RUNNING")

    def item(self, table: str, key: dict[str, Any], timeout: float = WAIT) -> dict[str, Any]:
        ddb = self.client("dynamodb")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = ddb.get_item(TableName=table, Key=key).get("Item")
            if got:
                return dict(got)
            time.sleep(0.3)
        raise ProbeFailed(f"no item {key} in {table}")

    def scan(self, table: str) -> list[dict[str, Any]]:
        return list(self.client("dynamodb").scan(TableName=table)["Items"])

    def kinesis_records(self, stream: str, timeout: float = WAIT) -> list[bytes]:
        kinesis = self.client("kinesis")
        shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = kinesis.get_records(ShardIterator=iterator)
            if out["Records"]:
                return [r["Data"] for r in out["Records"]]
            iterator = out["NextShardIterator"]
            time.sleep(0.3)
        raise ProbeFailed(f"no record on stream {stream}")


Probe = Callable[[Ctx], str]


@dataclass(frozen=True)
class App:
    name: str
    repo: str
    path: str
    probe: Probe
    parameters: dict[str, str] = field(default_factory=dict)
    template: str = ""  # when not template.yaml / template.yml
    cookiecutter: bool = False

    @property
    def commit(self) -> str:
        return PATTERNS_COMMIT if self.repo == PATTERNS else STARTERS_COMMIT

    def local(self, corpus: Path) -> Path:
        return corpus / COLLECTIONS[self.repo] / self.path.replace("/", "--")


# -- probes (what each README says to do) -----------------------------------------------------
def p_api_key(c: Ctx) -> str:
    url = c.output_url("AppApiEndpoint")
    c.expect("GET", url, 403)
    c.expect("GET", url, 200, headers={"x-api-key": c.api_key("ApiKey")})
    return "403 without key, 200 with key"


def p_data_validation(c: Ctx) -> str:
    url = c.output_url("ProcessApi", "vehicle")
    bad = c.expect("POST", url, 400, {"make": "MINI", "model": "Countryman", "year": 2000})
    if "Invalid request body" not in bad:
        raise ProbeFailed(f"400 without AWS's message: {bad}")
    c.expect("POST", url, 200, {"make": "MINI", "model": "Countryman", "year": 2010})
    return "invalid body 400, valid 200"


def p_hello(output: str, needle: str = "hello world") -> Probe:
    def probe(c: Ctx) -> str:
        text = c.expect("GET", c.output_url(output), 200)
        if needle not in text:
            raise ProbeFailed(f"body {text[:200]}")
        return f"GET 200 {text[:40]}"

    return probe


def p_apigw_dynamodb(c: Ctx) -> str:
    key = {"x-api-key": c.api_key("ApiKey")}
    base = c.output_url("ApiRootUrl")
    c.expect("POST", base + "/music", 403, {"artist": "a", "album": "b"})
    c.expect("POST", base + "/music", 200, {"artist": "Queen", "album": "Jazz"}, headers=key)
    text = c.expect("GET", base + "/music/Queen", 200, headers=key)
    if "Jazz" not in text:
        raise ProbeFailed(f"query answered {text[:200]}")
    return "PutItem + Query through AWS integrations"


def p_apigw_eventbridge(c: Ctx) -> str:
    queue = c.watch_bus("MyCustomEventBus", {"source": ["probe.app"]})
    entry = {"Detail": '{"data": "Order is created"}', "DetailType": "Test", "Source": "probe.app"}
    c.expect("POST", c.output_url("ApiEndpoint"), 200, {"items": [entry]})  # the README's body
    c.messages(queue)
    return "event delivered on the custom bus"


def p_apigw_sfn(c: Ctx) -> str:
    api = c.resources["apiGateway"]
    started = {"Id": "probe-1", "StartTimestamp": "2021-06-25T17:47:00Z"}  # README input
    text = c.expect("POST", c.url(api, "dev"), 200, started)
    arn = json.loads(text).get("executionArn")
    if not arn:
        raise ProbeFailed(f"no executionArn in {text[:200]}")
    c.wait_execution(arn)
    return "StartExecution via API, execution SUCCEEDED"


def p_apigw_sqs(c: Ctx) -> str:
    text = c.expect("POST", c.output_url("AppApiEndpoint"), 200, {"order": 1})
    if "MessageId" not in text:
        raise ProbeFailed(f"answer {text[:200]}")
    body = c.messages(c.outputs["QueueURL"])[0]
    return f"message {body[:30]}"


def p_usage_plans(c: Ctx) -> str:
    url = c.output_url("UsagePlanApi")
    c.expect("GET", url, 403)
    c.expect("POST", url, 200, {"x": 1}, headers={"x-api-key": c.api_key("UsagePlanApiKey")})
    return "403 without key, 200 with key"


def p_apigw_lambda_dynamodb(c: Ctx) -> str:
    c.expect("POST", c.output_url("EndpointUrl"), 200, {"id": "1", "Weather": "Sunny"})
    if not c.scan("WeatherData"):
        raise ProbeFailed("table WeatherData is empty")
    return "item written"


def p_apigw_ddb_stream(c: Ctx) -> str:
    order = {"id": "1", "name": "n", "description": "d", "customer": "c"}  # the handler's fields
    c.expect("POST", c.output_url("EndpointUrl"), 200, order)
    c.invoked("ConsumerFunction")
    return "item written, stream consumer invoked"


def p_apigw_kinesis(c: Ctx) -> str:
    stream = c.phys("KinesisStream")
    url = c.output_url("ApiRootUrl", f"/streams/{stream}/record")
    c.expect("PUT", url, 200, {"Data": "hello", "PartitionKey": "p1"})
    c.invoked("LambdaConsumer")
    return "PutRecord via API, consumer invoked"


def p_mock(c: Ctx) -> str:
    c.expect("GET", c.output_url("AppApiEndpoint"), 200)
    return "mock 200"


def p_mapping_template(c: Ctx) -> str:
    # The README: the response template overrides the status to 400 and rewrites the body.
    text = c.expect("POST", c.output_url("API"), 400)
    if json.loads(text) != {"statuscode": 650, "body": "changed"}:
        raise ProbeFailed(f"body not rewritten by the template: {text[:200]}")
    return "status and body overridden by the response template"


def p_authorizer(c: Ctx) -> str:
    url = c.output_url("AppApiEndpoint")
    c.expect("GET", url, 401)
    c.expect("GET", url, 403, headers={"authorizationToken": "Bearer deny"})
    c.expect("GET", url, 200, headers={"authorizationToken": "Bearer allow"})
    return "401/403/200 by token"


def p_ddb_filters(c: Ctx) -> str:
    ddb = c.client("dynamodb")
    table = c.phys("DynamoDBTable")
    ddb.put_item(TableName=table, Item={"id": {"S": "1"}})
    c.invoked("putItemTriggerFunction")
    c.not_invoked("deleteItemTriggerFunction")
    ddb.delete_item(TableName=table, Key={"id": {"S": "1"}})
    c.invoked("deleteItemTriggerFunction")
    return "INSERT and REMOVE filtered to their functions"


def p_ddb_lambda(c: Ctx) -> str:
    c.client("dynamodb").put_item(TableName=c.phys("MyDynamoDBtable"), Item={"id": {"S": "1"}})
    c.invoked("DynamoDBProcessStreamFunction")
    return "stream record delivered"


def p_eventbridge_lambda(c: Ctx) -> str:
    c.put_events(Source="custom.myApp", DetailType="transaction", Detail='{"location": "US-1"}')
    c.put_events(Source="custom.myApp", DetailType="transaction", Detail='{"location": "EUR-1"}')
    log = c.invoked("ConsumerFunction", "EUR-1")
    if "US-1" in log:
        raise ProbeFailed("the prefix filter let US-1 through")
    return "prefix-matching event delivered"


def p_eventbridge_sqs(c: Ctx) -> str:
    c.put_events(Source="demo.sqs", DetailType="probe", Detail='{"a": 1}')
    c.messages(c.outputs["SQSqueueURL"])
    return "event in queue"


def p_eventbridge_sns(c: Ctx) -> str:
    queue = c.watch_topic(c.outputs["MySnsTopicArn"])
    c.put_events(Source="demo.cli", DetailType="probe", Detail='{"a": 1}')
    c.messages(queue)
    return "event published to topic"


def p_eventbridge_sfn(c: Ctx) -> str:
    arn = c.outputs["EC2StateWatcherArn"]
    rules = c.client("events").list_rule_names_by_target(TargetArn=arn)["RuleNames"]
    if not rules:
        raise ProbeFailed("no rule targets the state machine")
    c.run(arn, {"state": "running"})
    return "rule targets machine; execution SUCCEEDED (aws.ec2 events cannot be put)"


def p_eventbridge_kinesis(c: Ctx) -> str:
    c.put_events(
        Source="my-application", DetailType="probe", Detail='{"a": 1}', EventBusName="test-bus"
    )
    data = c.kinesis_records("test-stream")
    return f"record {data[0][:30]!r}"


def p_schedule(c: Ctx) -> str:
    c.invoked("ScheduledFunction", timeout=90)
    return "schedule fired (lab clock)"


def p_kinesis_lambda(c: Ctx) -> str:
    c.client("kinesis").put_record(
        StreamName=c.outputs["KinesisStream"], Data=b"{}", PartitionKey="k"
    )
    c.invoked("ApplicationFunction")
    return "record delivered"


def p_aws_sdk_v2(logical: str) -> Probe:
    """Node 18+ runtimes ship SDK v3 only: ``require('aws-sdk')`` fails on AWS as well."""

    def probe(c: Ctx) -> str:
        try:
            c.invoke(logical)
        except ProbeFailed as exc:
            if "Cannot find module 'aws-sdk'" in str(exc):
                return "ImportModuleError aws-sdk, as on AWS (nodejs24.x has SDK v3 only)"
            raise
        raise ProbeFailed("require('aws-sdk') worked; AWS's nodejs24.x has no SDK v2")

    return probe


def p_lambda_dynamodb(c: Ctx) -> str:
    c.invoke("LambdaPutDynamoDB")
    if not c.scan(c.phys("DynamoTable")):
        raise ProbeFailed("no item written")
    return "item written"


def p_lambda_s3(c: Ctx) -> str:
    c.invoke("PutObjectFunction")
    keys = c.client("s3").list_objects_v2(Bucket="lablib-probe-dest").get("Contents", [])
    if not keys:
        raise ProbeFailed("no object written")
    return f"object {keys[0]['Key']}"


def p_lambda_sfn(c: Ctx) -> str:
    c.invoke("LambdaProxy", {"probe": 1})
    return "function started the express machine"


def p_destinations(c: Ctx) -> str:
    c.invoke("MainLambdaFunction", {}, kind="Event")
    c.invoked("OnSuccessLambdaFunction")
    c.invoke("MainLambdaFunction", {"type": "failure"}, kind="Event")
    body = c.messages(c.outputs["OnFailureSqsQueue"], timeout=60)[0]
    if "requestContext" not in body:
        raise ProbeFailed(f"failure record {body[:200]}")
    return "OnSuccess Lambda invoked, OnFailure record in SQS"


def p_esm_filters(c: Ctx) -> str:
    message = {
        "region": "us-east-1",
        "rating": 5,
        "address": {"country": "USA", "street": "x", "state": "GA"},
    }
    c.client("sns").publish(TopicArn=c.outputs["SNSArn"], Message=json.dumps(message))
    for fn in ("NoFilter", "Prefix", "And", "Or"):
        c.invoked(f"EsmSqsFilterFunction{fn}")
    c.not_invoked("EsmSqsFilterFunctionAnythingBut")
    return "filters matched as documented"


def p_s3_sqs(c: Ctx) -> str:
    c.client("s3").put_object(Bucket="lablib-probe-src", Key="a.txt", Body=b"x")
    url = c.phys("StandardQueue")
    bodies = c.messages(url)
    if not any("ObjectCreated" in b for b in bodies):
        raise ProbeFailed(f"no ObjectCreated record: {bodies[0][:200]}")
    return "S3 event in queue"


def p_s3_sns(c: Ctx) -> str:
    queue = c.watch_topic(c.phys("SNSTopic"))
    c.client("s3").put_object(Bucket="lablib-probe-src-sns", Key="a.txt", Body=b"x")
    bodies = c.messages(queue)
    if "ObjectCreated" not in bodies[0]:
        raise ProbeFailed(f"no ObjectCreated record: {bodies[0][:200]}")
    return "S3 event published"


def p_s3_eventbridge_sns(c: Ctx) -> str:
    queue = c.watch_topic(c.outputs["SNSTopicARN"])
    c.client("s3").put_object(Bucket=c.outputs["S3Bucket"], Key="a.txt", Body=b"x")
    body = c.messages(queue)[0]
    if "Object Created" not in body:
        raise ProbeFailed(f"not an S3 EventBridge event: {body[:200]}")
    return "Object Created event via EventBridge to SNS"


def p_sns_fanout(c: Ctx) -> str:
    sns = c.client("sns")
    for metric in ("Temperature", "Humidity", "WindSpeed"):
        attrs = {"MetricType": {"DataType": "String", "StringValue": metric}}
        sns.publish(TopicArn=c.outputs["SNStopicARN"], Message=metric, MessageAttributes=attrs)
    everything = c.messages(c.phys("AllMetricsSqsQueue"), 3)
    temperature = c.messages(c.phys("TemperatureSqsQueue"), 1)
    humidity = c.messages(c.phys("HumiditySqsQueue"), 1)
    if temperature != ["Temperature"] or humidity != ["Humidity"] or len(everything) != 3:
        raise ProbeFailed(f"routing: all={everything} t={temperature} h={humidity}")
    return "filter policies route raw messages"


def p_sfn_output(output: str, payload: Any) -> Probe:
    def probe(c: Ctx) -> str:
        out = c.run(c.outputs[output], payload)
        return f"SUCCEEDED {str(out.get('output'))[:40]}"

    return probe


def p_sfn_sqs(c: Ctx) -> str:
    c.run(c.outputs["StateMachinetoSQSArn"], {"message": "hello"})
    body = c.messages(c.outputs["MyQueueURL"])[0]
    return f"message {body[:30]}"


def p_sns_sqs(c: Ctx) -> str:
    c.client("sns").publish(TopicArn=c.outputs["MySnsTopicArn"], Message="hello")
    c.messages(c.outputs["MySqsQueueURL"])
    return "message fanned out"


def p_sns_lambda(topic_output: str, fn: str, needle: str = "probe") -> Probe:
    def probe(c: Ctx) -> str:
        topic = c.outputs.get(topic_output) or c.phys(topic_output)
        c.client("sns").publish(TopicArn=topic, Message='{"hello": "probe"}')
        c.invoked(fn, needle)
        return "subscriber invoked"

    return probe


def p_sqs_lambda(queue: str, fn: str) -> Probe:
    def probe(c: Ctx) -> str:
        url = c.outputs.get(queue) or c.phys(queue)
        c.client("sqs").send_message(QueueUrl=url, MessageBody='{"hello": "probe"}')
        c.invoked(fn, "probe")
        return "consumer invoked"

    return probe


def p_layer(c: Ctx) -> str:
    c.invoke("PyMySQLLayerLambdaFunction")
    try:
        c.invoke("PyMySQLNoLayerLambdaFunction")
    except ProbeFailed as exc:
        if "pymysql" not in str(exc):
            raise
        return "with layer imports pymysql; without fails (as the README says)"
    raise ProbeFailed("the function without the layer imported pymysql")


def p_starter_s3(c: Ctx) -> str:
    c.client("s3").put_object(Bucket="lablib-probe-app", Key="data.json", Body=b'{"probe": 1}')
    c.invoked("S3JsonLoggerFunction")
    return "ObjectCreated on .json invoked the logger"


def p_starter_web(c: Ctx) -> str:
    url = c.output_url("WebEndpoint")
    c.expect("POST", url, 200, {"id": "id1", "name": "probe"})
    text = c.expect("GET", url + "id1", 200)
    if "probe" not in text:
        raise ProbeFailed(f"GET /id1 answered {text[:200]}")
    c.expect("GET", url, 200)
    return "put, get by id, list"


def p_starter_sfn(c: Ctx) -> str:
    out = c.run(c.outputs["StockTradingStateMachineArn"], {})
    return f"SUCCEEDED {str(out.get('output'))[:40]}"


def _sp(name: str, probe: Probe, **kw: Any) -> App:
    return App(name, PATTERNS, name, probe, **kw)


def _st(path: str, probe: Probe, **kw: Any) -> App:
    return App("sam-init/" + path, STARTERS, path, probe, cookiecutter=True, **kw)


APPS: list[App] = [
    _sp("apigw-api-key", p_api_key),
    _sp("apigw-data-validation", p_data_validation),
    _sp("apigw-rest-api-lambda-python", p_hello("HelloWorldApi")),
    _sp("apigw-rest-api-lambda-node", p_hello("HelloWorldApi")),
    _sp("apigw-rest-api-dynamodb", p_apigw_dynamodb),
    _sp("apigw-rest-api-eventbridge-sam", p_apigw_eventbridge),
    _sp("apigw-rest-stepfunction", p_apigw_sfn),
    _sp("apigw-sqs-rest", p_apigw_sqs),
    _sp("apigw-usage-plans", p_usage_plans),
    _sp("apigw-lambda-dynamodb", p_apigw_lambda_dynamodb),
    _sp("apigw-lambda-dynamodb-stream-lambda", p_apigw_ddb_stream),
    _sp("apigw-kinesis-lambda", p_apigw_kinesis),
    _sp("apigw-rest-api-mock-integration", p_mock),
    _sp("apigw-mappingtemplate-lambda", p_mapping_template),
    _sp("apigw-lambda-authorizer", p_authorizer),
    _sp("dynamodb-streams-lambda-event-filters", p_ddb_filters),
    _sp("dynamodb-lambda", p_ddb_lambda),
    _sp("eventbridge-lambda", p_eventbridge_lambda),
    _sp("eventbridge-sqs", p_eventbridge_sqs),
    _sp("eventbridge-sns", p_eventbridge_sns),
    _sp("eventbridge-sfn", p_eventbridge_sfn),
    _sp("eventbridge-kinesis", p_eventbridge_kinesis),
    _sp("eventbridge-scheduled-lambda", p_schedule),
    _sp("kinesis-lambda", p_kinesis_lambda),
    _sp("lambda-sqs", p_aws_sdk_v2("QueuePublisherFunction")),
    _sp("lambda-sns", p_aws_sdk_v2("TopicPublisherFunction")),
    _sp("lambda-eventbridge", p_aws_sdk_v2("PublisherFunction")),
    _sp("lambda-dynamodb", p_aws_sdk_v2("LambdaPutDynamoDB")),
    _sp("lambda-sfn", p_aws_sdk_v2("LambdaProxy")),
    _sp("lambda-s3", p_lambda_s3, parameters={"DestinationBucketName": "lablib-probe-dest"}),
    _sp("lambda-destinations-sam", p_destinations),
    _sp("lambda-esm-sqs-filters-sam", p_esm_filters),
    _sp("lambda-layer", p_layer),
    _sp("s3-sqs", p_s3_sqs, parameters={"SourceBucketName": "lablib-probe-src"}),
    _sp("s3-sns", p_s3_sns, parameters={"SourceBucketName": "lablib-probe-src-sns"}),
    _sp("s3-eventbridge-sns-sam", p_s3_eventbridge_sns),
    _sp("sfn-lambda", p_sfn_output("StateMachineExpressSynctoLambda", {})),
    _sp("sfn-sqs", p_sfn_sqs),
    _sp(
        "sfn-sns",
        p_sfn_output("StateMachineExpressSynctoSNS", {"message": "hi"}),
        parameters={"SNSEndpoint": "learner@example.com"},
    ),
    _sp("sfn-sfn", p_sfn_output("ParentStateMachineArn", {"hello": "world"})),
    _sp("sns-sqs", p_sns_sqs),
    _sp("sns-sqs-fanout", p_sns_fanout),
    _sp("sns-lambda", p_sns_lambda("SNStopicARN", "TopicConsumerFunction1")),
    _sp("sqs-lambda-python-sam", p_sqs_lambda("ProcessingQueueURL", "ProcessorFunction")),
    _sp("sqs-lambda-nodejs-sam", p_sqs_lambda("ProcessingQueueURL", "ProcessorFunction")),
    _sp("sns-lambda-python-sam", p_sns_lambda("ProcessingTopicArn", "ProcessorFunction")),
    _st("python3.12/hello", p_hello("HelloWorldApi")),
    _st("nodejs22.x/hello", p_hello("HelloWorldApi")),
    _st("python3.12/step-func", p_starter_sfn),
    _st("nodejs22.x/sqs", p_sqs_lambda("SimpleQueue", "SQSPayloadLogger")),
    # console.log prints the record as "Sns: [Object]" (Node's depth limit), so no needle
    _st("nodejs22.x/sns", p_sns_lambda("SimpleTopic", "SNSPayloadLogger", needle="")),
    _st("nodejs22.x/s3", p_starter_s3, parameters={"AppBucketName": "lablib-probe-app"}),
    _st("nodejs22.x/web", p_starter_web),
]


# -- running ------------------------------------------------------------------------------------
def render_cookiecutter(source: Path, target: Path) -> Path:
    """What ``sam init`` does with a starter: defaults, one architecture (x86_64)."""
    config = json.loads((source / "cookiecutter.json").read_text())
    project = source / "{{cookiecutter.project_name}}"
    shutil.copytree(project, target)
    name = "sam-app"
    for path in target.rglob("*"):
        if not path.is_file() or path.suffix not in {".yaml", ".yml", ".json", ".toml", ".md"}:
            continue
        text = path.read_text()
        if "{{" not in text and "{%" not in text:
            continue
        text = re.sub(r"^\s*\{%-?[^%]*%\}\s*$\n?", "", text, flags=re.M)
        text = re.sub(r"\{%-?[^%]*%\}", "", text)
        text = re.sub(r"\{\{\s*arch\s*\}\}", "x86_64", text)
        text = re.sub(r"\{\{\s*cookiecutter\.project_name\s*\}\}", name, text)
        text = re.sub(r"\{\{\s*cookiecutter\.runtime\s*\}\}", str(config.get("runtime")), text)
        path.write_text(text)
    return target


def template_of(folder: Path) -> Path:
    for name in ("template.yaml", "template.yml"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder}: no template.yaml")


def start_server(home: Path) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, LABLIB_HOME=str(home))
    process = subprocess.Popen(
        [*PYTHON, "-m", "lablib", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=home.parent,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("AWS_ENDPOINT_URL="):
        process.kill()
        raise SystemExit(f"lablib serve did not start: {line!r}")
    return process, line.split("=", 1)[1]


def run_app(app: App, corpus: Path, endpoint: str, work: Path) -> tuple[str, str, str]:
    """(deploy, probe, detail) for one app."""
    source = app.local(corpus)
    if not source.is_dir():
        return "missing", "-", f"{source} not in the corpus (see --extract)"
    folder = work / app.name.replace("/", "--")
    if app.cookiecutter:
        render_cookiecutter(source, folder)
    else:
        shutil.copytree(source, folder)
    template = template_of(folder)
    stack = re.sub(r"[^A-Za-z0-9-]", "-", app.name)[:120]
    command = [*PYTHON, "-m", "lablib", "deploy", str(template), "--stack-name", stack]
    for key, value in app.parameters.items():
        command += ["-p", f"{key}={value}"]
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint)
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            timeout=DEPLOY_TIMEOUT,
            check=False,
            cwd=work,
        )
    except subprocess.TimeoutExpired:
        return "timeout", "-", f"lablib deploy took over {DEPLOY_TIMEOUT:.0f} s"
    if done.returncode != 0:
        lines = (done.stdout + "\n" + done.stderr).strip().splitlines()
        text = [line for line in lines if not line.startswith("build: ")] or lines
        detail = " | ".join(line.strip() for line in text[-3:])
        return "FAILED", "-", detail[:400]
    ctx = Ctx(endpoint, stack, {}, {})
    cfn = ctx.client("cloudformation")
    stack_info = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    ctx.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack_info.get("Outputs") or []}
    for summary in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]:
        ctx.resources[summary["LogicalResourceId"]] = summary.get("PhysicalResourceId", "")
    try:
        return "ok", "ok", app.probe(ctx)
    except ProbeFailed as exc:
        return "ok", "FAILED", str(exc)[:400]
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
        return "ok", "ERROR", f"{type(exc).__name__}: {str(exc)[:300]}"


def extract(mirror: Path, corpus: Path) -> None:
    """Extract the apps of one collection from a bare git mirror (no network)."""
    name = mirror.resolve().as_posix()
    repo = PATTERNS if "serverless-patterns" in name else STARTERS
    for app in (a for a in APPS if a.repo == repo):
        target = app.local(corpus)
        if target.exists():
            continue
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", f"--git-dir={mirror}", "archive", f"{app.commit}:{app.path}"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        print(f"extracted {app.name} -> {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("LABLIB_CORPUS"))
    parser.add_argument("--only", default="", help="comma-separated app names")
    parser.add_argument("--extract", metavar="MIRROR_GIT_DIR", help="extract apps, then exit")
    parser.add_argument("--list", action="store_true", help="print the corpus list and exit")
    args = parser.parse_args()
    if args.list:
        for app in APPS:
            print(f"{app.name}\t{app.repo}\t{app.path}\t{app.commit}")
        return 0
    if not args.corpus:  # `make bench` runs every script: without a corpus there is nothing
        print("real_apps: no corpus (give its folder or set LABLIB_CORPUS); see --help")
        return 0
    corpus = Path(args.corpus)
    if args.extract:
        extract(Path(args.extract), corpus)
        return 0
    chosen = [a for a in APPS if not args.only or a.name in args.only.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on kill too
    with tempfile.TemporaryDirectory(prefix="lablib-apps-") as tmp:
        process, endpoint = start_server(Path(tmp) / "home")
        rows = []
        try:
            for app in chosen:
                started = time.monotonic()
                deployed, probed, detail = run_app(app, corpus, endpoint, Path(tmp))
                seconds = time.monotonic() - started
                rows.append((app, deployed, probed, detail, seconds))
                print(f"{app.name}: {deployed}/{probed} ({seconds:.1f} s) {detail}", flush=True)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    working = sum(1 for row in rows if row[2] == "ok")
    print()
    print("| app | source | deploy | probe | detail |")
    print("|---|---|---|---|---|")
    for app, deployed, probed, detail, _ in rows:
        cell = detail.replace("|", "/").replace("\n", " ")
        print(f"| {app.name} | {app.repo} | {deployed} | {probed} | {cell} |")
    print()
    print(f"{working}/{len(rows)} work")
    return 0


if __name__ == "__main__":
    sys.exit(main())
