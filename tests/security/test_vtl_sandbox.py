"""Mapping templates cannot reach Python: each attack is sent as a learner's API would be
built (boto3) and called (plain HTTP on the stage URL); the client gets API Gateway's 500,
the reason goes to the execution log, and the server keeps serving."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, zip_of

BODY = '{"name": "Ann", "tags": ["a", "b"], "_id": 7, "nested": {"k": "v"}}'


RETURNER = f"""def handler(event, context):
    import json
    return json.loads({BODY!r})
"""


class Gateway:
    """REST APIs whose POST /t runs a Lambda function (returning BODY) through an AWS
    integration with the templates under test."""

    def __init__(self, aws: LocalAWS) -> None:
        self.aws = aws
        self.ag = aws.client("apigateway", config=NO_RETRY)
        self.logs = aws.client("logs", config=NO_RETRY)
        lam = aws.client("lambda", config=NO_RETRY)
        iam = aws.client("iam")
        role = iam.create_role(
            RoleName=f"sec-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}"
        )
        self.function = f"sec-returner-{uuid.uuid4().hex[:6]}"
        lam.create_function(
            FunctionName=self.function, Runtime="python3.12", Handler="app.handler",
            Role=role["Role"]["Arn"], Code={"ZipFile": zip_of({"app.py": RETURNER})},
        )  # fmt: skip
        lam.add_permission(
            FunctionName=self.function, StatementId="apigw", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
        )  # fmt: skip

    def api(self, response_template: str, request_template: str | None = None) -> str:
        """POST /t with these templates, deployed to prod; returns its stage URL."""
        api = self.ag.create_rest_api(name=f"sec-{uuid.uuid4().hex[:6]}")["id"]
        root = self.ag.get_resources(restApiId=api)["items"][0]["id"]
        res = self.ag.create_resource(restApiId=api, parentId=root, pathPart="t")["id"]
        self.ag.put_method(
            restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE"
        )
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function}"
        self.ag.put_integration(
            restApiId=api, resourceId=res, httpMethod="POST", type="AWS",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
            **({"requestTemplates": {"application/json": request_template}}
               if request_template else {}),
        )  # fmt: skip
        self.ag.put_method_response(
            restApiId=api, resourceId=res, httpMethod="POST", statusCode="200"
        )
        self.ag.put_integration_response(
            restApiId=api, resourceId=res, httpMethod="POST", statusCode="200",
            responseTemplates={"application/json": response_template},
        )  # fmt: skip
        self.ag.create_deployment(restApiId=api, stageName="prod")
        self.ag.update_stage(
            restApiId=api, stageName="prod",
            patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"}],
        )  # fmt: skip
        return f"{self.aws.endpoint}/restapis/{api}/prod/_user_request_/t"

    def call(self, url: str, body: str = BODY) -> requests.Response:
        return requests.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=60
        )

    def execution_log(self, url: str) -> str:
        api = url.split("/restapis/")[1].split("/")[0]
        group = f"API-Gateway-Execution-Logs_{api}/prod"
        for _ in range(50):  # the log is written by a background thread: bounded wait
            try:
                events = self.logs.filter_log_events(logGroupName=group)["events"]
            except self.logs.exceptions.ResourceNotFoundException:
                events = []
            if events:
                return "\n".join(e["message"] for e in events)
            time.sleep(0.1)
        return ""


@pytest.fixture(scope="module")
def gw(aws: LocalAWS) -> Gateway:
    return Gateway(aws)


@pytest.fixture(scope="module")
def healthy(gw: Gateway) -> str:
    return gw.api('{"ok": "$input.path(\'$.name\')"}')


def refused(gw: Gateway, healthy: str, template: str, reason: str, **kw: Any) -> str:
    url = gw.api(template, **kw)
    answer = gw.call(url)
    assert answer.status_code == 500, answer.text
    assert answer.json() == {"message": "Internal server error"}
    assert answer.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    log = gw.execution_log(url)
    assert any(one in log for one in reason.split("|")), log
    still = gw.call(healthy)  # the server keeps serving
    assert still.status_code == 200 and still.json() == {"ok": "Ann"}
    return log


UNDERSCORE = "cannot reach members whose names start with '_'"


@pytest.mark.parametrize(
    "template",
    [
        "$util.escapeJavaScript.__globals__.__builtins__.__import__('os').getcwd()",
        "$util.escapeJavaScript('x').__class__.__mro__",
        "$util.__class__",
        "$input.json('$').__class__.__base__.__subclasses__()",
        "$input.path('$').__class__",
        "$input.path('$.tags').__len__()",
        "$input._params",
        "$input.params().__getitem__('path')",
        "$context.__class__",
        "$context.requestId.__class__",
        "$stageVariables.__init__.__globals__",
        "#set($x = $util)$x.__dict__",
        "#foreach($k in $context.keySet())$k.__class__#end",
        "$input.path('$.name').format.__globals__",
        "#set($m = {})$m.__class__.__init__",
    ],
)
def test_python_internals_are_unreachable(gw: Gateway, healthy: str, template: str) -> None:
    refused(gw, healthy, template, UNDERSCORE)


@pytest.mark.parametrize(
    "template",
    [
        "$util.escapeJavaScript",  # a method without a call is nothing, as in Java
        "$util.class",
        "$util.getClass()",
        "$input.getClass().getName()",
        "$input.path('$').getClass()",
        "$input.path('$.name').getClass()",
        "$input.path('$.name').format('{0.__class__}')",
        "$input.path('$.name').encode('utf-8')",
        "$input.path('$.tags').pop()",
        "$input.path('$.nested').items()",
        "$input.path('$.nested').class",
        "$context.keys()",
    ],
)
def test_non_java_members_resolve_to_nothing(gw: Gateway, healthy: str, template: str) -> None:
    answer = gw.call(gw.api("[" + template + "]"))
    assert answer.status_code == 200, answer.text
    assert answer.text == "[]"


@pytest.mark.parametrize("directive", ["#evaluate($input.body)", "#include('/etc/passwd')",
                                       "#parse('/etc/passwd')", "#evaluate('$util')"])  # fmt: skip
def test_evaluate_include_parse_are_refused(gw: Gateway, healthy: str, directive: str) -> None:
    name = directive[1:].split("(")[0]
    refused(gw, healthy, directive, f"#{name} is not available in API Gateway mapping templates")


def test_evaluate_of_the_request_body_in_a_request_template(gw: Gateway, healthy: str) -> None:
    log = refused(
        gw, healthy, '{"done": true}',
        "#evaluate is not available",
        request_template="#set($b = $input.body)#evaluate($b)",
    )  # fmt: skip
    assert "request template" in log


def test_request_data_is_data_not_template(gw: Gateway) -> None:
    url = gw.api('{"echo": "$util.escapeJavaScript($input.params(\'x\'))"}')
    attack = "$util.escapeJavaScript.__globals__.__builtins__ #evaluate($util)"
    answer = requests.post(url, params={"x": attack}, json={}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"echo": attack}


def test_java_methods_and_data_keys_still_work(gw: Gateway) -> None:
    template = (
        "#set($n = $input.path('$.name'))"
        "$n.length() $n.toUpperCase() $n.substring(1) $n.replaceAll('(n+)', '<$1>') "
        "$n.matches('A.*') $n.split('n') $input.path('$.tags').size() "
        "$input.path('$.tags').get(1) $input.path('$.nested').keySet() "
        "$input.path('$')._id $input.path('$.tags').empty"
    )
    answer = gw.call(gw.api(template))
    assert answer.status_code == 200, answer.text
    assert answer.text == "3 ANN nn A<nn> true [A] 2 b [k] 7 false"


def test_foreach_stops_at_1000_iterations(gw: Gateway) -> None:
    template = "#set($c = 0)#foreach($i in [1..5000])#set($c = $c + 1)#end$c"
    answer = gw.call(gw.api(template))
    assert answer.status_code == 200 and answer.text == "1000"


def test_foreach_builds_valid_json_when_cut(gw: Gateway) -> None:
    template = "[#foreach($i in [1..1500])$i#if($foreach.hasNext),#end#end]"
    answer = gw.call(gw.api(template))
    assert answer.json() == list(range(1, 1001))


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("#set($a = 'xxxxxxxx')#foreach($i in [1..60])#set($a = \"$a$a\")#end$a.length()",
         "the template built more than"),
        ("#set($a = 'x')#foreach($i in [1..60])#set($a = $a + $a)#end$a",
         "a string grew beyond 10,485,760 characters"),
        ("#set($l = [1])#foreach($i in [1..60])$l.addAll($l)#end$l.size()",
         "the template built more than"),
        ("#set($b = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..19])#set($b = \"$b$b\")#end"
         "#set($l = [])#foreach($i in [1..1000])$l.add($b)#end$l",
         "a list or map's text grew beyond"),  # one 8 MB string, listed 1,000 times
        ("#set($l = [1])$l.add($l)$l", "contains itself"),
        ("#macro(bomb $n)#bomb($n)#end#bomb(1)", "Max calling depth of 20 was exceeded"),
        ("#macro(a)#a()#a()#end#a()", "Max calling depth of 20 was exceeded"),
        ("#foreach($i in [1..1000000000])#end", "the template built more than"),
        ("#set($x = 'a' * 100000000)$x", "'*' works on numbers only"),
        ("#set($x = '%s%s' % 'a')$x", "'%' works on numbers only"),
        ("#set($x = 2)#foreach($i in [1..200])#set($x = $x * $x)#end$x", "integer overflow"),
        ("$input.path('$.name').replaceAll('(a)\\1', 'b')", "is not supported here"),
        ("#foreach($i in [1..1000])#foreach($j in [1..1000])"
         "$input.json('$')$input.json('$')$input.json('$')#end#end",
         # whichever bound a loaded machine reaches first: work, output size or time
         "the template built more than|rendering took longer than 3 s"
         "|the rendered text grew beyond"),
    ],
)  # fmt: skip
def test_resource_bombs_stop_with_a_clear_reason(
    gw: Gateway, healthy: str, template: str, reason: str
) -> None:
    refused(gw, healthy, template, reason)


def test_regular_expressions_cannot_backtrack_forever(gw: Gateway) -> None:
    """Java's engine would take ages on (a|aa)+$ against 8,192 a's and a '!': RE2 is
    linear, so the answer comes back."""
    template = "#set($s = $input.path('$.name').replaceAll('.*', 'a'))" + (
        '#foreach($i in [1..12])#set($s = "$s$s")#end'
        "#set($s = \"$s!\")$s.matches('(a|aa)+$') $s.replaceAll('(a|aa)+$', '').length()"
    )
    answer = gw.call(gw.api(template))
    assert answer.status_code == 200, answer.text[:200]
    assert answer.text == "false 8193"  # ".*" matches "Ann" and the empty end: "aa"


def test_render_time_is_bounded(gw: Gateway, healthy: str) -> None:
    template = (
        "#foreach($i in [1..1000])#foreach($j in [1..1000])#foreach($k in [1..1000])#end#end#end"
    )
    began = time.monotonic()
    refused(gw, healthy, template, "rendering took longer than 3 s")
    assert time.monotonic() - began < 60


def test_the_playground_uses_the_same_sandbox() -> None:
    from lablib.labs.api_gateway import views as lab

    out = lab.render_template("$util.escapeJavaScript.__globals__", "{}")
    assert out.startswith("TEMPLATE ERROR:") and UNDERSCORE in out
    out = lab.render_template("#evaluate('$util')", "{}")
    assert "#evaluate is not available" in out
    assert lab.render_template("$input.json('$.a')", json.dumps({"a": [1]})) == "[1]"
