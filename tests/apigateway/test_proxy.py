"""Lambda proxy integration: the event (snapshot), response validation, routing, errors."""

from __future__ import annotations

import json
from typing import Any

from tests.apigateway.conftest import Api

VOLATILE = {
    "requestId", "extendedRequestId", "requestTime", "requestTimeEpoch", "apiId",
    "domainName", "domainPrefix", "deploymentId", "resourceId", "Host", "X-Amzn-Trace-Id",
    "Via", "X-Amz-Cf-Id",
}  # fmt: skip


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE else normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def test_proxy_event_shape(apigw: Api, echo: str) -> None:
    """apigw.proxy-event-shape: the REST (1.0) proxy event, snapshotted key by key."""
    api = apigw.create()
    apigw.proxy(api, "/orders/{orderId}", echo, verb="POST")
    apigw.deploy(api, "prod", variables={"table": "orders-prod"})
    answer = apigw.post(
        api, "prod", "/orders/42?expand=items&expand=notes",
        data='{"qty": 2}', headers={"Content-Type": "application/json", "User-Agent": "t/1"},
    )  # fmt: skip
    assert answer.status_code == 200
    event = normalise(answer.json())
    headers = {k: v for k, v in event["headers"].items() if k not in ("Accept", "Accept-Encoding")}
    # Content-Length and hop-by-hop headers (Connection) do not reach the function; an
    # edge-optimized API adds CloudFront's headers.
    assert headers == {
        "Content-Type": "application/json",
        "User-Agent": "t/1",
        "CloudFront-Forwarded-Proto": "https",
        "CloudFront-Is-Desktop-Viewer": "true",
        "CloudFront-Is-Mobile-Viewer": "false",
        "CloudFront-Is-SmartTV-Viewer": "false",
        "CloudFront-Is-Tablet-Viewer": "false",
        "CloudFront-Viewer-ASN": "16509",
        "CloudFront-Viewer-Country": "US",
        "Via": "<volatile>",
        "X-Amz-Cf-Id": "<volatile>",
        "Host": "<volatile>",
        "X-Amzn-Trace-Id": "<volatile>",
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    event.pop("headers")
    assert event.pop("multiValueHeaders")["User-Agent"] == ["t/1"]
    assert event == {
        "resource": "/orders/{orderId}",
        "path": "/orders/42",
        "httpMethod": "POST",
        "queryStringParameters": {"expand": "notes"},
        "multiValueQueryStringParameters": {"expand": ["items", "notes"]},
        "pathParameters": {"orderId": "42"},
        "stageVariables": {"table": "orders-prod"},
        "requestContext": {
            "resourceId": "<volatile>",
            "resourcePath": "/orders/{orderId}",
            "httpMethod": "POST",
            "extendedRequestId": "<volatile>",
            "requestTime": "<volatile>",
            "path": "/prod/orders/42",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": "<volatile>",
            "requestTimeEpoch": "<volatile>",
            "requestId": "<volatile>",
            "identity": {
                "sourceIp": "127.0.0.1",
                "userAgent": "t/1",
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
                "accessKey": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "principalOrgId": None,
            },
            "domainName": "<volatile>",
            "deploymentId": "<volatile>",
            "apiId": "<volatile>",
        },
        "body": '{"qty": 2}',
        "isBase64Encoded": False,
    }
    assert {"httpMethod", "pathParameters"} <= set(answer.json())
    raw = answer.json()
    assert raw["headers"]["Host"] == raw["requestContext"]["domainName"]
    assert raw["headers"]["Host"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert raw["requestContext"]["extendedRequestId"] != raw["requestContext"]["requestId"]


def test_proxy_keeps_header_casing_and_trailing_slash(apigw: Api, echo: str) -> None:
    """apigw.proxy-event-shape: header names as the client sent them (Authorization is the
    one AWS re-cases), no hop-by-hop headers, the path as asked (trailing slash kept)."""
    api = apigw.create()
    apigw.proxy(api, "/{proxy+}", echo, verb="GET")
    apigw.deploy(api, "prod")
    event = apigw.get(
        api,
        "prod",
        "/a/b/",
        headers={"tEsT-HEADeR": "v", "authorization": "x", "Connection": "close"},
    ).json()
    assert event["headers"]["tEsT-HEADeR"] == "v"
    assert event["multiValueHeaders"]["tEsT-HEADeR"] == ["v"]
    assert "Test-Header" not in event["headers"]
    assert event["headers"]["Authorization"] == "x"
    assert not any(k.lower() == "connection" for k in event["headers"])
    assert event["path"] == "/a/b/"
    assert event["requestContext"]["path"] == "/prod/a/b/"
    assert event["pathParameters"] == {"proxy": "a/b"}


def test_proxy_null_maps(apigw: Api, echo: str) -> None:
    """apigw.proxy-null-maps: no query string, path parameters or stage variables -> null."""
    api = apigw.create()
    apigw.proxy(api, "/items", echo, verb="GET")
    apigw.deploy(api, "dev")
    event = apigw.get(api, "dev", "/items").json()
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None


def test_path_parameters(apigw: Api, echo: str) -> None:
    """apigw.path-parameters: /orders/{orderId} called as /orders/42 -> {"orderId": "42"};
    the seeds' /apiname/{action} -> {"action": "getcustomers"}."""
    api = apigw.create()
    apigw.proxy(api, "/orders/{orderId}", echo, verb="GET")
    apigw.proxy(api, "/apiname/{action}", echo, verb="GET")
    apigw.deploy(api)
    assert apigw.get(api, "prod", "/orders/42").json()["pathParameters"] == {"orderId": "42"}
    event = apigw.get(api, "prod", "/apiname/getcustomers").json()
    assert event["pathParameters"] == {"action": "getcustomers"}
    assert event["resource"] == "/apiname/{action}"


def test_stage_variables_in_event(apigw: Api, echo: str) -> None:
    """apigw.stage-variables-in-event: event['stageVariables']['table']."""
    api = apigw.create()
    apigw.proxy(api, "/t", echo, verb="GET")
    apigw.deploy(api, "prod", variables={"table": "orders-prod"})
    apigw.deploy(api, "dev", variables={"table": "orders-dev"})
    assert apigw.get(api, "prod", "/t").json()["stageVariables"] == {"table": "orders-prod"}
    assert apigw.get(api, "dev", "/t").json()["stageVariables"] == {"table": "orders-dev"}


def test_greedy_proxy_and_any(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/{proxy+}", echo, verb="ANY")
    apigw.proxy(api, "/users/me", echo, verb="GET")
    apigw.deploy(api)
    event = apigw.http.delete(apigw.url(api, "prod", "/a/b/c"), timeout=30).json()
    assert event["resource"] == "/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c"}
    assert event["httpMethod"] == "DELETE"
    assert apigw.get(api, "prod", "/users/me").json()["resource"] == "/users/me"
    assert apigw.get(api, "prod", "/users/you").json()["resource"] == "/{proxy+}"


def test_missing_route_403(apigw: Api, echo: str) -> None:
    """apigw.missing-route-403: unknown path or method -> 403 Missing Authentication Token."""
    api = apigw.create()
    apigw.proxy(api, "/users", echo, verb="GET")
    apigw.deploy(api)
    for answer in (
        apigw.get(api, "prod", "/user"),
        apigw.post(api, "prod", "/users"),
        apigw.get(api, "nostage", "/users"),
    ):
        assert answer.status_code == 403
        assert answer.text == '{"message":"Missing Authentication Token"}'
        assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_deploy_required(apigw: Api, echo: str) -> None:
    """apigw.deploy-required: a method added after the deployment is not live until a
    new deployment to the stage."""
    api = apigw.create()
    apigw.proxy(api, "/orders", echo, verb="GET")
    apigw.deploy(api)
    apigw.proxy(api, "/orders", echo, verb="POST")
    assert apigw.post(api, "prod", "/orders").status_code == 403
    apigw.deploy(api)
    assert apigw.post(api, "prod", "/orders").status_code == 200


def _returning(apigw: Api, code: str) -> tuple[str, str]:
    fn = apigw.function(code)
    api = apigw.create()
    apigw.proxy(api, "/x", fn, verb="GET")
    apigw.deploy(api)
    return api, fn


def test_proxy_bad_response_502(apigw: Api) -> None:
    """apigw.proxy-bad-response-502: a reply without the {statusCode, headers, body} shape
    is a malformed proxy response: 502 Internal server error."""
    api, _ = _returning(apigw, 'def handler(e, c):\n    return {"status": 200, "message": "ok"}\n')
    answer = apigw.get(api, "prod", "/x")
    assert answer.status_code == 502
    assert answer.json() == {"message": "Internal server error"}


def test_proxy_non_string_body_502(apigw: Api) -> None:
    """apigw.proxy-bad-response-502: body must be a string (json.dumps it)."""
    api, _ = _returning(
        apigw, 'def handler(e, c):\n    return {"statusCode": 200, "body": {"id": 7}}\n'
    )
    assert apigw.get(api, "prod", "/x").status_code == 502
    api, _ = _returning(
        apigw,
        'import json\ndef handler(e, c):\n    return {"statusCode": 201, "body": json.dumps({"id": 7})}\n',  # noqa: E501
    )
    answer = apigw.get(api, "prod", "/x")
    assert (answer.status_code, answer.json()) == (201, {"id": 7})


def test_proxy_returns_none_502(apigw: Api) -> None:
    api, _ = _returning(apigw, "def handler(e, c):\n    return None\n")
    assert apigw.get(api, "prod", "/x").status_code == 502


def test_proxy_headers_and_multivalue(apigw: Api) -> None:
    api, _ = _returning(
        apigw,
        'def handler(e, c):\n    return {"statusCode": 200, "headers": {"X-One": "1"},'
        ' "multiValueHeaders": {"X-Many": ["a", "b"]}, "body": "hi"}\n',
    )
    answer = apigw.get(api, "prod", "/x")
    assert answer.status_code == 200 and answer.text == "hi"
    assert answer.headers["X-One"] == "1"
    assert answer.headers["X-Many"] == "a, b"


def test_proxy_function_error_502(apigw: Api) -> None:
    """apigw.proxy-function-error-502: an unhandled exception -> 502 Internal server error."""
    api, _ = _returning(apigw, "def handler(e, c):\n    raise ValueError('boom')\n")
    answer = apigw.get(api, "prod", "/x")
    assert answer.status_code == 502
    assert answer.text == '{"message":"Internal server error"}'


def test_missing_function_500(apigw: Api) -> None:
    api = apigw.create()
    apigw.proxy(api, "/x", "no-such-function", verb="GET")
    apigw.deploy(api)
    answer = apigw.get(api, "prod", "/x")
    assert answer.status_code == 500
    assert answer.json() == {"message": "Internal server error"}
    assert apigw.get(api, "prod", "/x").status_code == 500  # server still up


def test_lambda_permission_missing_500(apigw: Api) -> None:
    """apigw.lambda-permission-missing-500: no resource-based permission for
    apigateway.amazonaws.com -> 500 Internal server error; add-permission fixes it."""
    fn = apigw.function(
        'def handler(e, c):\n    return {"statusCode": 200, "body": "ok"}\n', permit=False
    )
    api = apigw.create()
    apigw.proxy(api, "/x", fn, verb="GET")
    apigw.deploy(api)
    answer = apigw.get(api, "prod", "/x")
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal server error"})
    apigw.permit(fn)
    assert apigw.get(api, "prod", "/x").text == "ok"


def test_unknown_api_and_body_too_large(apigw: Api, echo: str) -> None:
    answer = apigw.get("nosuchapi1", "prod", "/x")
    assert answer.status_code == 404
    assert "nosuchapi1" in answer.json()["message"]
    api = apigw.create()
    apigw.proxy(api, "/x", echo, verb="POST")
    apigw.deploy(api)
    huge = apigw.post(api, "prod", "/x", data=b"x" * (10 * 1024 * 1024 + 1))
    assert huge.status_code == 413
    assert huge.json() == {"message": "Request Too Long"}
    ok = apigw.post(api, "prod", "/x", data=json.dumps({"a": 1}))
    assert ok.json()["body"] == '{"a": 1}'


BINARY = (
    "import base64\n"
    "def handler(event, context):\n"
    "    if event['isBase64Encoded']:\n"
    "        return {'statusCode': 200, 'body': event['body']}\n"
    "    return {'statusCode': 200, 'headers': {'Content-Type': 'application/octet-stream'},\n"
    "            'body': base64.b64encode(b'\\x00bin').decode(), 'isBase64Encoded': True}\n"
)


def test_binary_media_types_decide_base64(apigw: Api) -> None:
    """apigw.binary-media: isBase64Encoded answers are decoded only when binaryMediaTypes
    matches the request's Accept; a request body of a binary type arrives base64-encoded."""
    fn = apigw.function(BINARY)
    plain = apigw.create()
    binary = apigw.create(binaryMediaTypes=["application/octet-stream", "image/*"])
    for api in (plain, binary):
        apigw.proxy(api, "/file", fn, verb="ANY")
        apigw.deploy(api, "prod")
    octet = {"Accept": "application/octet-stream"}
    assert apigw.get(plain, "prod", "/file", headers=octet).text == "AGJpbg=="
    assert apigw.get(binary, "prod", "/file", headers={"Accept": "application/json"}).text == (
        "AGJpbg=="
    )
    assert apigw.get(binary, "prod", "/file", headers=octet).content == b"\x00bin"
    echoed = apigw.post(
        binary, "prod", "/file", data=b"\x89PNG", headers={"Content-Type": "image/png"}
    )
    assert echoed.text == "iVBORw=="  # the function saw the body base64-encoded
