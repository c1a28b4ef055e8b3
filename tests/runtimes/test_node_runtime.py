"""Node.js functions over the Runtime API (node_bootstrap.js), with the same shapes AWS's Node
runtime gives: results, {errorType, errorMessage, trace} errors, Runtime.ImportModuleError,
timeouts, the context object and console lines in CloudWatch Logs."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import uuid
import zipfile
from datetime import datetime
from typing import Any

import pytest

from lablib.aws.server import LocalAWS

from .test_custom_runtime_exit import NO_RETRY, aws  # noqa: F401 - the module fixture

# Where node is missing only the clear-error test can run (it runs everywhere).
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _function(
    local: LocalAWS, files: dict[str, str], runtime: str = "nodejs22.x", **config: Any
) -> str:
    role = local.client("iam").create_role(
        RoleName=f"r-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    name = f"node-{uuid.uuid4().hex[:8]}"
    local.client("lambda").create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=role,
        Handler=config.pop("Handler", "index.handler"),
        Code={"ZipFile": _zip(files)},
        **config,
    )
    return name


def _invoke(local: LocalAWS, name: str, event: Any = None) -> tuple[dict[str, Any], Any]:
    reply = local.client("lambda", config=NO_RETRY).invoke(
        FunctionName=name, Payload=json.dumps(event or {}).encode()
    )
    return reply, json.loads(reply["Payload"].read())


@needs_node
@pytest.mark.parametrize("runtime", ["nodejs20.x", "nodejs22.x", "nodejs24.x"])
@needs_node
def test_async_handler_returns_its_result(aws: LocalAWS, runtime: str) -> None:  # noqa: F811
    code = "exports.handler = async (event) => ({sum: event.a + event.b, node: process.version});\n"
    name = _function(aws, {"index.js": code}, runtime)
    reply, body = _invoke(aws, name, {"a": 2, "b": 3})
    assert reply["StatusCode"] == 200 and "FunctionError" not in reply
    assert body["sum"] == 5 and body["node"].startswith("v")


@needs_node
def test_callback_style_and_es_module_handlers(aws: LocalAWS) -> None:  # noqa: F811
    callback = (
        "exports.handler = (event, context, callback) => {\n"
        "  setTimeout(() => callback(null, {echo: event.x}), 20);\n"
        "};\n"
    )
    name = _function(aws, {"index.js": callback})
    assert _invoke(aws, name, {"x": "cb"})[1] == {"echo": "cb"}
    esm = "export const handler = async (event) => `esm ${event.x}`;\n"
    name = _function(aws, {"app.mjs": esm}, Handler="app.handler")
    assert _invoke(aws, name, {"x": 1})[1] == "esm 1"
    nested = "exports.handler = (event, context, callback) => callback(null);\n"
    name = _function(aws, {"src/lib/index.js": nested}, Handler="src/lib/index.handler")
    assert _invoke(aws, name)[1] is None


@needs_node
def test_handler_error_has_nodes_shape(aws: LocalAWS) -> None:  # noqa: F811
    code = (
        "class OrderError extends Error {\n"
        "  constructor(m) { super(m); this.name = 'OrderError'; }\n"
        "}\n"
        "exports.handler = async (event) => { throw new OrderError(`bad order ${event.id}`); };\n"
    )
    name = _function(aws, {"index.js": code})
    reply, body = _invoke(aws, name, {"id": 7})
    assert reply["StatusCode"] == 200 and reply["FunctionError"] == "Unhandled"
    assert set(body) == {"errorType", "errorMessage", "trace"}
    assert body["errorType"] == "OrderError" and body["errorMessage"] == "bad order 7"
    assert body["trace"][0] == "OrderError: bad order 7"
    assert any("index.js:4" in line for line in body["trace"][1:])
    callback_string = "exports.handler = (e, c, callback) => callback('plain failure');\n"
    name = _function(aws, {"index.js": callback_string})
    _, body = _invoke(aws, name)
    assert body == {"errorType": "string", "errorMessage": "plain failure", "trace": []}


@needs_node
def test_missing_module_is_import_module_error(aws: LocalAWS) -> None:  # noqa: F811
    code = "const pad = require('left-pad');\nexports.handler = async () => pad('x', 3);\n"
    name = _function(aws, {"index.js": code})
    reply, body = _invoke(aws, name)
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"].startswith("Error: Cannot find module 'left-pad'")
    assert "Require stack:" in body["errorMessage"]
    assert body["trace"][0].startswith("Runtime.ImportModuleError: Error: Cannot find module")
    name = _function(aws, {"index.js": "exports.other = 1;\n"})
    _, body = _invoke(aws, name)
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "index.handler is undefined or not exported"
    name = _function(aws, {"index.js": "exports.handler = async () => {\n"})
    _, body = _invoke(aws, name)
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    logs = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert any("Uncaught Exception" in e["message"] for e in logs)
    assert any(e["message"].startswith("INIT_REPORT") for e in logs)


@needs_node
def test_timeout(aws: LocalAWS) -> None:  # noqa: F811
    code = "exports.handler = () => new Promise((r) => setTimeout(() => r('late'), 5000));\n"
    name = _function(aws, {"index.js": code}, Timeout=1)
    reply, body = _invoke(aws, name)
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    code_fast = "exports.handler = async () => 'fast';\n"
    aws.client("lambda").update_function_code(
        FunctionName=name, ZipFile=_zip({"index.js": code_fast})
    )
    assert _invoke(aws, name)[1] == "fast"  # a fresh environment after the timeout


@needs_node
def test_context_fields(aws: LocalAWS) -> None:  # noqa: F811
    code = (
        "exports.handler = async (event, context) => ({\n"
        "  functionName: context.functionName, functionVersion: context.functionVersion,\n"
        "  awsRequestId: context.awsRequestId, memoryLimitInMB: context.memoryLimitInMB,\n"
        "  invokedFunctionArn: context.invokedFunctionArn, logGroupName: context.logGroupName,\n"
        "  logStreamName: context.logStreamName,\n"
        "  remaining: context.getRemainingTimeInMillis(),\n"
        "  region: process.env.AWS_REGION, env: process.env.AWS_EXECUTION_ENV,\n"
        "});\n"
    )
    name = _function(aws, {"index.js": code}, MemorySize=256, Timeout=7)
    reply, body = _invoke(aws, name)
    request_id = reply["ResponseMetadata"]["RequestId"]
    assert body["functionName"] == name and body["functionVersion"] == "$LATEST"
    assert body["awsRequestId"] == request_id
    assert body["memoryLimitInMB"] == "256"
    assert body["invokedFunctionArn"].endswith(f":function:{name}")
    assert body["logGroupName"] == f"/aws/lambda/{name}"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", body["logStreamName"])
    assert 6000 < body["remaining"] <= 7000
    assert body["region"] == "us-east-1" and body["env"] == "AWS_Lambda_nodejs22.x"


@needs_node
def test_console_lines_reach_cloudwatch_logs(aws: LocalAWS) -> None:  # noqa: F811
    code = (
        "exports.handler = async (event, context) => {\n"
        "  console.log('order', event.id, {qty: 2});\n"
        "  console.warn('low stock');\n"
        "  console.error(new Error('just logged'));\n"
        "  console.log('two\\nlines');\n"
        "  return 'ok';\n"
        "};\n"
    )
    name = _function(aws, {"index.js": code})
    reply, _ = _invoke(aws, name, {"id": 42})
    request_id = reply["ResponseMetadata"]["RequestId"]
    logs = aws.client("logs")
    messages: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(m.startswith("REPORT") for m in messages):
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        messages = [e["message"] for e in events]
        time.sleep(0.1)
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    own = [m for m in messages if f"\t{request_id}\t" in m]
    assert re.fullmatch(rf"{stamp}\t{request_id}\tINFO\torder 42 {{ qty: 2 }}\n?", own[0])
    assert re.fullmatch(rf"{stamp}\t{request_id}\tWARN\tlow stock\n?", own[1])
    assert re.match(rf"{stamp}\t{request_id}\tERROR\tError: just logged\r    at ", own[2])
    assert own[3].rstrip("\n").endswith("\tINFO\ttwo\rlines")  # one event per console call
    assert messages[0].startswith("INIT_START") or messages[0].startswith("START")
    assert any(m.startswith(f"START RequestId: {request_id}") for m in messages)
    assert any(m.startswith(f"REPORT RequestId: {request_id}") for m in messages)


@needs_node
def test_console_lines_carry_the_time_they_were_written(aws: LocalAWS) -> None:  # noqa: F811
    """Two console.log calls 1.5 s apart are two events at least 1 s apart, between START
    and END; the ISO time in each line is its event's timestamp."""
    code = (
        "exports.handler = async () => {\n"
        "  console.log('first');\n"
        "  await new Promise((done) => setTimeout(done, 1500));\n"
        "  console.log('second');\n"
        "  return 'ok';\n"
        "};\n"
    )
    name = _function(aws, {"index.js": code})
    reply, _ = _invoke(aws, name)
    request_id = reply["ResponseMetadata"]["RequestId"]
    events = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    at = {e["message"].rstrip("\n").rsplit("\t", 1)[-1]: e for e in events}
    first, second = at["first"], at["second"]
    assert second["timestamp"] - first["timestamp"] >= 1000
    start = next(e for e in events if e["message"].startswith(f"START RequestId: {request_id}"))
    end = next(e for e in events if e["message"].startswith(f"END RequestId: {request_id}"))
    assert start["timestamp"] <= first["timestamp"] <= second["timestamp"] <= end["timestamp"]
    for event in (first, second):
        assert "\x00" not in event["message"]
        written = datetime.fromisoformat(event["message"].split("\t")[0].replace("Z", "+00:00"))
        assert int(written.timestamp() * 1000) == event["timestamp"]


def test_node_missing_gives_a_clear_error(aws: LocalAWS, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("LABLIB_NODE", "")
    name = _function(aws, {"index.js": "exports.handler = async () => 1;\n"}, "nodejs20.x")
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        _invoke(aws, name)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidRuntimeException"
    assert "needs Node.js, and no 'node' executable was found" in error["Message"]
    assert "LABLIB_NODE" in error["Message"]


TRACE = r"Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0"


@needs_node
def test_each_invocation_gets_its_own_trace_header(aws: LocalAWS) -> None:  # noqa: F811
    """As on AWS, the runtime client puts the invocation's X-Ray trace header in
    _X_AMZN_TRACE_ID (SDKs and loggers read it there)."""
    code = "exports.handler = async () => process.env._X_AMZN_TRACE_ID;\n"
    name = _function(aws, {"index.js": code})
    before = int(time.time())
    traces = [_invoke(aws, name)[1] for _ in range(2)]
    stamps = [re.fullmatch(TRACE, trace) for trace in traces]
    assert all(stamps) and traces[0] != traces[1]
    assert all(before <= int(m.group(1), 16) <= int(time.time()) for m in stamps if m)
