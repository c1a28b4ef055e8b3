"""Non-proxy integrations: VTL mapping templates, passthrough, selection patterns, Mock,
HTTP (loopback), and AWS service integrations."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.apigateway.conftest import Api

RETURN_EVENT = "def handler(event, context):\n    return event\n"
ORDERS = """
def handler(event, context):
    action = event.get("action")
    if action == "missing":
        raise Exception("NotFound: order 42")
    if action == "bad":
        raise Exception("BadRequest: quantity must be positive")
    return {"order": 42, "action": action}
"""


@pytest.fixture(scope="module")
def returner(apigw: Api) -> str:
    return apigw.function(RETURN_EVENT)


def custom(apigw: Api, fn: str, template: str | None, passthrough: str = "WHEN_NO_MATCH",
           responses: list[dict[str, object]] | None = None, path: str = "/x") -> str:  # fmt: skip
    api = apigw.create()
    integration: dict[str, object] = {
        "type": "AWS", "uri": apigw.lambda_uri(fn), "passthroughBehavior": passthrough,
    }  # fmt: skip
    if template is not None:
        integration["requestTemplates"] = {"application/json": template}
    apigw.method(api, path, "POST", integration, responses or [{"statusCode": "200"}])
    apigw.deploy(api)
    return api


def test_vtl_input_path_vs_json(apigw: Api, returner: str) -> None:
    """apigw.vtl-input-path: $input.path renders an object as {name=Ann, tier=2} (not JSON);
    $input.json renders JSON."""
    body = json.dumps({"customer": {"name": "Ann", "tier": 2}})
    api = custom(apigw, returner, "{\"customer\": $input.path('$.customer')}")
    broken = apigw.post(api, "prod", "/x", data=body, headers={"Content-Type": "application/json"})
    # The template's output is not JSON, so Lambda refuses it: 500, server keeps going.
    assert broken.status_code == 500
    api = custom(apigw, returner, '{"customer": $input.json(\'$.customer\'), '
                 '"name": "$input.path(\'$.customer.name\')"}')  # fmt: skip
    fixed = apigw.post(api, "prod", "/x", data=body, headers={"Content-Type": "application/json"})
    assert fixed.json() == {"customer": {"name": "Ann", "tier": 2}, "name": "Ann"}


def test_vtl_object_rendering_is_java_style(apigw: Api, returner: str) -> None:
    api = custom(apigw, returner, '{"shown": "$input.path(\'$.customer\')"}')
    answer = apigw.post(api, "prod", "/x", data='{"customer": {"name": "Ann", "tier": 2}}')
    assert answer.json() == {"shown": "{name=Ann, tier=2}"}


def test_vtl_params_util_context_stage_variables(apigw: Api, returner: str) -> None:
    template = """#set($q = $input.params('q'))
{"action": "$input.params('action')", "q": "$q", "hdr": "$input.params('X-Trace')",
 "stage": "$context.stage", "method": "$context.httpMethod", "resource": "$context.resourcePath",
 "requestId": "$context.requestId", "alias": "$stageVariables.alias",
 "escaped": "$util.escapeJavaScript($input.path('$.text'))",
 "url": "$util.urlEncode('a b&c')", "b64": "$util.base64Encode('hi')",
 "parsed": $util.parseJson('{"k": 1}').k,
 "all": "$input.params().querystring"}"""
    api = apigw.create()
    apigw.method(
        api, "/apiname/{action}", "POST",
        {"type": "AWS", "uri": apigw.lambda_uri(returner), "requestTemplates": {"application/json": template}},  # noqa: E501
        [{"statusCode": "200"}],
    )  # fmt: skip
    apigw.deploy(api, "beta", variables={"alias": "BETA"})
    answer = apigw.post(
        api, "beta", "/apiname/getcustomers?q=z", data='{"text": "say \\"hi\\""}',
        headers={"X-Trace": "t1", "Content-Type": "application/json"},
    )  # fmt: skip
    got = answer.json()
    assert got["action"] == "getcustomers" and got["q"] == "z" and got["hdr"] == "t1"
    assert (got["stage"], got["method"], got["resource"]) == ("beta", "POST", "/apiname/{action}")
    assert got["alias"] == "BETA" and got["requestId"] == answer.headers["x-amzn-RequestId"]
    assert got["escaped"] == 'say "hi"'
    assert (got["url"], got["b64"], got["parsed"]) == ("a+b%26c", "aGk=", 1)
    assert got["all"] == "{q=z}"


def test_passthrough_never_415(apigw: Api, returner: str) -> None:
    """apigw.passthrough-never-415: only an application/json template + NEVER, client sends
    text/xml -> 415 Unsupported Media Type."""
    api = custom(apigw, returner, '{"ok": true}', passthrough="NEVER")
    answer = apigw.post(api, "prod", "/x", data="<a/>", headers={"Content-Type": "text/xml"})
    assert answer.status_code == 415
    assert answer.json() == {"message": "Unsupported Media Type"}
    ok = apigw.post(api, "prod", "/x", data="{}", headers={"Content-Type": "application/json"})
    assert ok.json() == {"ok": True}


def test_passthrough_when_no_match_and_when_no_templates(apigw: Api, returner: str) -> None:
    api = custom(apigw, returner, '{"templated": true}', passthrough="WHEN_NO_MATCH")
    answer = apigw.post(
        api, "prod", "/x", data='{"raw": 1}', headers={"Content-Type": "text/plain"}
    )
    assert answer.json() == {"raw": 1}  # passed through untouched
    api = custom(apigw, returner, '{"templated": true}', passthrough="WHEN_NO_TEMPLATES")
    answer = apigw.post(
        api, "prod", "/x", data='{"raw": 1}', headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 415
    api = custom(apigw, returner, None, passthrough="WHEN_NO_TEMPLATES")
    answer = apigw.post(
        api, "prod", "/x", data='{"raw": 2}', headers={"Content-Type": "text/plain"}
    )
    assert answer.json() == {"raw": 2}


def _orders_api(apigw: Api, not_found_pattern: str) -> str:
    fn = apigw.function(ORDERS)
    template = '{"action": "$input.params(\'action\')"}'
    return custom(
        apigw, fn, template, path="/orders/{action}",
        responses=[
            {"statusCode": "200"},
            {"statusCode": "404", "selectionPattern": not_found_pattern,
             "responseTemplates": {"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'}},  # noqa: E501
            {"statusCode": "400", "selectionPattern": "BadRequest:.*"},
        ],
    )  # fmt: skip


def test_selection_pattern(apigw: Api) -> None:
    """apigw.selection-pattern: "NotFound:.*" matches the whole errorMessage -> 404."""
    api = _orders_api(apigw, "NotFound:.*")
    answer = apigw.post(api, "prod", "/orders/missing")
    assert answer.status_code == 404
    assert answer.json() == {"error": "NotFound: order 42"}
    bad = apigw.post(api, "prod", "/orders/bad")
    assert bad.status_code == 400
    assert bad.json()["errorMessage"] == "BadRequest: quantity must be positive"
    ok = apigw.post(api, "prod", "/orders/list")
    assert (ok.status_code, ok.json()) == (200, {"order": 42, "action": "list"})


def test_selection_pattern_must_match_whole_message(apigw: Api) -> None:
    """apigw.selection-pattern: "NotFound" alone does not match "NotFound: order 42", so the
    default 200 response carries the error JSON."""
    api = _orders_api(apigw, "NotFound")
    answer = apigw.post(api, "prod", "/orders/missing")
    assert answer.status_code == 200
    assert answer.json()["errorMessage"] == "NotFound: order 42"
    assert answer.json()["errorType"] == "Exception"


def test_response_template_and_header_mapping(apigw: Api, returner: str) -> None:
    api = custom(
        apigw, returner, '{"n": 3}',
        responses=[{
            "statusCode": "200",
            "responseTemplates": {"application/json": '#set($n = $input.path(\'$.n\'))'
                                  '{"double": #set($d = $n * 2)$d}'},
            "responseParameters": {"method.response.header.X-Kind": "'custom'"},
        }],
    )  # fmt: skip
    answer = apigw.post(api, "prod", "/x", data="{}")
    assert answer.json() == {"double": 6}
    assert answer.headers["X-Kind"] == "custom"


def test_response_override_status(apigw: Api, returner: str) -> None:
    api = custom(
        apigw, returner, '{"n": 3}',
        responses=[{"statusCode": "200", "responseTemplates": {
            "application/json": '#set($context.responseOverride.status = 418){"teapot": true}'}}],
    )  # fmt: skip
    answer = apigw.post(api, "prod", "/x", data="{}")
    assert (answer.status_code, answer.json()) == (418, {"teapot": True})


def test_vtl_syntax_error_500_and_server_stays_up(apigw: Api, returner: str) -> None:
    api = custom(apigw, returner, '#if($input.path("$.a") {"x": 1}')
    answer = apigw.post(api, "prod", "/x", data="{}")
    assert answer.status_code == 500
    assert answer.json() == {"message": "Internal server error"}
    api2 = custom(apigw, returner, '{"fine": true}')
    assert apigw.post(api2, "prod", "/x", data="{}").json() == {"fine": True}


def test_no_default_integration_response_500(apigw: Api, returner: str) -> None:
    api = custom(
        apigw, returner, '{"a": 1}', responses=[{"statusCode": "400", "selectionPattern": "x"}]
    )
    assert apigw.post(api, "prod", "/x", data="{}").status_code == 500


def test_mock_integration(apigw: Api) -> None:
    """apigw.mock-integration: MOCK returns fixed JSON with no backend."""
    api = apigw.create()
    apigw.method(
        api, "/products", "GET",
        {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        [{"statusCode": "200", "responseTemplates": {
            "application/json": '[{"id": 1, "name": "sample"}]'}}],
    )  # fmt: skip
    apigw.deploy(api)
    answer = apigw.get(api, "prod", "/products")
    assert (answer.status_code, answer.json()) == (200, [{"id": 1, "name": "sample"}])


def test_cors_preflight_with_mock_options(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/c", echo, verb="GET")
    apigw.method(
        api, "/c", "OPTIONS",
        {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        [{"statusCode": "200", "responseParameters": {
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'"}}],
    )  # fmt: skip
    apigw.deploy(api)
    answer = apigw.http.options(apigw.url(api, "prod", "/c"), timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"


class _Backend(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        status = 404 if "missing" in self.path else 200
        payload = json.dumps({"method": self.command, "path": self.path, "body": body,
                              "x": self.headers.get("X-From-Gateway")}).encode()  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "yes")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_http_proxy_integration(apigw: Api, backend: str) -> None:
    api = apigw.create()
    apigw.method(
        api, "/svc/{proxy+}", "ANY",
        {"type": "HTTP_PROXY", "integrationHttpMethod": "ANY", "uri": backend + "/{proxy}",
         "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}},
    )  # fmt: skip
    apigw.deploy(api)
    answer = apigw.post(api, "prod", "/svc/a/b?z=1", data="hello")
    assert answer.status_code == 200
    assert answer.json()["path"] == "/a/b?z=1" and answer.json()["body"] == "hello"
    assert answer.headers["X-Backend"] == "yes"
    assert apigw.get(api, "prod", "/svc/missing").status_code == 404


def test_http_custom_integration_and_loopback_only(apigw: Api, backend: str) -> None:
    api = apigw.create()
    apigw.method(
        api, "/h/{id}", "POST",
        {"type": "HTTP", "integrationHttpMethod": "POST", "uri": backend + "/items/{id}",
         "requestParameters": {"integration.request.path.id": "method.request.path.id",
                               "integration.request.header.X-From-Gateway": "'yes'"},
         "requestTemplates": {"application/json": '{"wrapped": $input.json(\'$\')}'}},
        [{"statusCode": "200"}, {"statusCode": "404", "selectionPattern": "404"}],
    )  # fmt: skip
    apigw.method(
        api,
        "/far",
        "GET",
        {"type": "HTTP", "integrationHttpMethod": "GET", "uri": "http://example.com/"},
        [{"statusCode": "200"}],
    )
    apigw.deploy(api)
    answer = apigw.post(api, "prod", "/h/7", data='{"a": 1}')
    got = answer.json()
    assert got["path"] == "/items/7" and json.loads(got["body"]) == {"wrapped": {"a": 1}}
    assert got["x"] == "yes"
    assert apigw.post(api, "prod", "/h/missing", data="{}").status_code == 404
    far = apigw.get(api, "prod", "/far")
    assert far.status_code == 500


def test_aws_service_sqs_dynamodb_stepfunctions(apigw: Api) -> None:
    sqs = apigw.aws.client("sqs")
    queue = sqs.create_queue(QueueName="apigw-orders")["QueueUrl"]
    ddb = apigw.aws.client("dynamodb")
    ddb.create_table(
        TableName="apigw-items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )  # fmt: skip
    sfn = apigw.aws.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="apigw-flow", roleArn=apigw.role,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]  # fmt: skip
    api = apigw.create()
    apigw.method(
        api, "/queue", "POST",
        {"type": "AWS", "uri": "arn:aws:apigateway:us-east-1:sqs:path/123456789012/apigw-orders",
         "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},  # noqa: E501
         "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"}},  # noqa: E501
        [{"statusCode": "200"}],
    )  # fmt: skip
    apigw.method(
        api, "/items", "POST",
        {"type": "AWS", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
         "requestTemplates": {"application/json":
            '{"TableName": "apigw-items", "Item": {"id": {"S": "$input.path(\'$.id\')"}}}'}},
        [{"statusCode": "200", "responseTemplates": {"application/json": '{"saved": true}'}},
         {"statusCode": "400", "selectionPattern": "4\\d\\d"}],
    )  # fmt: skip
    apigw.method(
        api, "/flows", "POST",
        {"type": "AWS", "uri": "arn:aws:apigateway:us-east-1:states:action/StartExecution",
         "requestTemplates": {"application/json":
            f'{{"stateMachineArn": "{machine}", "input": "$util.escapeJavaScript($input.body)"}}'}},
        [{"statusCode": "200"}],
    )  # fmt: skip
    apigw.deploy(api)
    sent = apigw.post(api, "prod", "/queue", data='{"order": 1}')
    assert sent.status_code == 200  # AWS's query-protocol shape, as templates read it
    assert sent.json()["SendMessageResponse"]["SendMessageResult"]["MessageId"]
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"][0]["Body"]
    assert json.loads(got) == {"order": 1}
    assert apigw.post(api, "prod", "/items", data='{"id": "a1"}').json() == {"saved": True}
    assert ddb.get_item(TableName="apigw-items", Key={"id": {"S": "a1"}})["Item"]["id"]["S"] == "a1"
    started = apigw.post(api, "prod", "/flows", data='{"go": 1}')
    assert started.status_code == 200
    arn = started.json()["executionArn"]
    assert json.loads(sfn.describe_execution(executionArn=arn)["input"]) == {"go": 1}
