"""The front refuses what a web page could send: foreign Host names (DNS rebinding),
foreign Origins, and unsigned AWS API calls; SDKs, the CLI, presigned URLs and stage URLs
keep working, and the server keeps serving."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest
import requests

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, zip_of

FAKE_SIGV4 = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef",
    "X-Amz-Date": "20260101T000000Z",
}


@pytest.fixture(scope="module")
def function(aws: LocalAWS) -> str:
    iam = aws.client("iam")
    role = iam.create_role(RoleName=f"front-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}")
    name = f"front-{uuid.uuid4().hex[:6]}"
    aws.client("lambda", config=NO_RETRY).create_function(
        FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role["Role"]["Arn"],
        Code={"ZipFile": zip_of({"app.py": "def handler(e, c):\n    return {'ok': True}\n"})},
    )  # fmt: skip
    return name


@pytest.fixture(scope="module")
def stage_url(aws: LocalAWS) -> str:
    ag = aws.client("apigateway", config=NO_RETRY)
    api = ag.create_rest_api(name="front")["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    ag.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(
        restApiId=api, resourceId=root, httpMethod="GET", type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )  # fmt: skip
    ag.put_method_response(restApiId=api, resourceId=root, httpMethod="GET", statusCode="200")
    ag.put_integration_response(
        restApiId=api, resourceId=root, httpMethod="GET", statusCode="200",
        responseTemplates={"application/json": '{"stage": "$context.stage"}'},
    )  # fmt: skip
    ag.create_deployment(restApiId=api, stageName="prod")
    return f"{aws.endpoint}/restapis/{api}/prod/_user_request_/"


def invoke_url(aws: LocalAWS, name: str) -> str:
    return f"{aws.endpoint}/2015-03-31/functions/{name}/invocations"


def still_serving(aws: LocalAWS, function: str) -> None:
    answer = aws.client("lambda", config=NO_RETRY).invoke(FunctionName=function)
    assert json.loads(answer["Payload"].read()) == {"ok": True}


def port(aws: LocalAWS) -> str:
    return aws.endpoint.rsplit(":", 1)[1]


# -- Host: DNS rebinding ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
     "localhost.evil.example", "127.0.0.1.nip.io:{port}", "sync-127.0.0.1:{port}",
     "0.0.0.0:{port}", "10.0.0.1", "[::ffff:7f00:1]:{port}", ""],
)  # fmt: skip
def test_foreign_host_is_refused_everywhere(
    aws: LocalAWS, function: str, stage_url: str, host: str
) -> None:
    headers = {"Host": host.format(port=port(aws)), **FAKE_SIGV4}
    for url, method in (
        (invoke_url(aws, function), "POST"),
        (stage_url, "GET"),
        (f"{aws.endpoint}/_lablib/iam-mode", "GET"),
        (f"{aws.endpoint}/2015-03-31/functions", "POST"),
    ):
        answer = requests.request(method, url, headers=headers, data=b"{}", timeout=30)
        assert answer.status_code == 421, (url, answer.text)
        assert answer.json()["__type"] == "MisdirectedRequestException"
        assert "DNS rebinding" in answer.json()["message"]
    still_serving(aws, function)


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}",
             "127.0.0.2:{port}", "bucket.localhost:{port}"],
)  # fmt: skip
def test_loopback_hosts_are_served(aws: LocalAWS, stage_url: str, host: str) -> None:
    answer = requests.get(stage_url, headers={"Host": host.format(port=port(aws))}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"stage": "prod"}


def test_sdk_sends_no_host_prefix(aws: LocalAWS) -> None:
    """StartSyncExecution's 'sync-' host prefix would give Host sync-127.0.0.1 (refused,
    and unresolvable anyway): lablib sets AWS_DISABLE_HOST_PREFIX_INJECTION for SDKs."""
    sfn = aws.client("stepfunctions", config=NO_RETRY)
    seen: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        seen.append(request.url)

    sfn.meta.events.register("before-send.sfn.StartSyncExecution", capture)
    with pytest.raises(sfn.exceptions.ClientError):
        sfn.start_sync_execution(
            stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:none"
        )
    assert seen and seen[0].startswith(aws.endpoint + "/")


# -- Origin: web pages -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "https://evil.example", "null", "http://127.0.0.1.evil.example",
     "http://localhost.evil.example:8888", "file://", "chrome-extension://abcdef",
     "http://user@127.0.0.1", "http://127.0.0.1/path"],
)  # fmt: skip
def test_foreign_origin_is_refused(
    aws: LocalAWS, function: str, stage_url: str, origin: str
) -> None:
    for url, method in (
        (invoke_url(aws, function), "POST"),
        (stage_url, "GET"),
        (stage_url, "OPTIONS"),
        (f"{aws.endpoint}/_lablib/iam-mode", "POST"),
    ):
        answer = requests.request(
            method, url, headers={"Origin": origin, **FAKE_SIGV4}, data=b"{}", timeout=30
        )  # fmt: skip
        assert answer.status_code == 403, (url, answer.text)
        assert answer.json()["__type"] == "AccessDeniedException"
        assert "web page" in answer.json()["message"]
        assert "Access-Control-Allow-Origin" not in answer.headers
    still_serving(aws, function)


def test_pages_on_this_machine_may_call(aws: LocalAWS, stage_url: str) -> None:
    for origin in ("http://localhost:8888", "http://127.0.0.1:5000", "http://[::1]:8888"):
        answer = requests.get(stage_url, headers={"Origin": origin}, timeout=30)
        assert answer.status_code == 200, answer.text


def test_moto_no_longer_echoes_origins(aws: LocalAWS) -> None:
    s3 = aws.client("s3", config=NO_RETRY)
    s3.create_bucket(Bucket="front-cors")
    s3.put_object(Bucket="front-cors", Key="k", Body=b"v")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "front-cors", "Key": "k"})
    answer = requests.get(url, headers={"Origin": "http://localhost:8888"}, timeout=30)
    assert answer.status_code == 200 and answer.content == b"v"
    assert "Access-Control-Allow-Origin" not in answer.headers


# -- SigV4: unsigned AWS API calls ---------------------------------------------------------------
def test_unsigned_invoke_is_refused(aws: LocalAWS, function: str) -> None:
    answer = requests.post(invoke_url(aws, function), data=b"{}", timeout=30)
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert answer.json()["__type"] == "MissingAuthenticationTokenException"
    assert answer.json()["message"] == "Missing Authentication Token"
    assert "SigV4" in answer.json()["lablibHint"]
    still_serving(aws, function)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/2015-03-31/functions", {"FunctionName": "x", "Runtime": "python3.12",
      "Role": "arn:aws:iam::123456789012:role/r", "Handler": "a.b", "Code": {"ZipFile": "UEs="}}),
     ("GET", "/2015-03-31/functions/", None),
     ("DELETE", "/2015-03-31/functions/{function}", None),
     ("POST", "/?Action=CreateQueue&QueueName=q", None),
     ("GET", "/?Action=ListUsers&Version=2010-05-08", None),
     ("PUT", "/unsigned-bucket", None),
     ("POST", "/restapis", {"name": "x"})],
)  # fmt: skip
def test_unsigned_api_calls_are_refused(
    aws: LocalAWS, function: str, method: str, path: str, body: Any
) -> None:
    url = aws.endpoint + path.format(function=function)
    answer = requests.request(method, url, json=body, timeout=30)
    assert answer.status_code == 403, answer.text
    assert answer.json()["__type"] == "MissingAuthenticationTokenException"
    still_serving(aws, function)


@pytest.mark.parametrize(
    ("authorization", "missing"),
    [("Bearer eyJhbGciOi", "'Credential'"),
     ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request",
      "'Signature'"),
     ("AWS4-HMAC-SHA256 Signature=abc", "'SignedHeaders'")],
)  # fmt: skip
def test_malformed_signatures_are_refused(
    aws: LocalAWS, function: str, authorization: str, missing: str
) -> None:
    answer = requests.post(
        invoke_url(aws, function), data=b"{}", timeout=30,
        headers={"Authorization": authorization, "X-Amz-Date": "20260101T000000Z"},
    )  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert answer.json()["__type"] == "IncompleteSignatureException"
    assert f"Authorization header requires {missing} parameter" in answer.json()["message"]


def test_stage_urls_need_no_signature(stage_url: str) -> None:
    assert requests.get(stage_url, timeout=30).json() == {"stage": "prod"}


def test_presigned_urls_and_posts_work(aws: LocalAWS) -> None:
    s3 = aws.client("s3", config=NO_RETRY)
    s3.create_bucket(Bucket="front-presigned")
    put = s3.generate_presigned_url(
        "put_object", Params={"Bucket": "front-presigned", "Key": "a.txt"}
    )
    assert requests.put(put, data=b"via presigned PUT", timeout=30).status_code == 200
    get = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "front-presigned", "Key": "a.txt"}
    )
    assert requests.get(get, timeout=30).content == b"via presigned PUT"
    form = s3.generate_presigned_post("front-presigned", "b.txt")
    answer = requests.post(
        form["url"], data=form["fields"], files={"file": ("b.txt", b"via POST")}, timeout=30
    )
    assert answer.status_code == 204, answer.text
    assert s3.get_object(Bucket="front-presigned", Key="b.txt")["Body"].read() == b"via POST"


def test_lablib_routes_need_no_signature(aws: LocalAWS) -> None:
    from lablib.iam_mode import learning_mode

    assert learning_mode(aws.endpoint) in (True, False)


def test_aws_cli_still_works(aws: LocalAWS, function: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", aws.endpoint, "lambda",
         "get-function-configuration", "--function-name", function],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["FunctionName"] == function


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("localhost", True),
     ("app.localhost", True), ("LOCALHOST.", True), ("::ffff:7f00:1", False),
     ("::ffff:127.0.0.1", False), ("0.0.0.0", False), ("10.0.0.1", False), ("::", False),
     ("localhost.evil.example", False), ("", False)],
)  # fmt: skip
def test_loopback_names_are_the_same_on_every_python(host: str, allowed: bool) -> None:
    from lablib.aws.front_guard import loopback_name

    assert loopback_name(host) is allowed
