"""%%lambda and %invoke in a real IPython kernel (nbclient); deployed state checked via boto3."""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import nbformat
import pytest
from nbclient import NotebookClient

from tests.labs.nbrun import kernel_env, text_of

HANDLER = "def handler(event, context):\n    return {'got': event, 'v': 1}\n"


def tiny_wheel(folder: Path) -> None:
    """A wheel for a package that exists only here (pip installs it with no network)."""
    dist = "tinylablib_dep-0.1.dist-info"
    files = {
        "tinylablib_dep/__init__.py": "def shout(s):\n    return s.upper() + '!'\n",
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: tinylablib-dep\nVersion: 0.1\n",
        f"{dist}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    files[f"{dist}/RECORD"] = "".join(f"{n},,\n" for n in files) + f"{dist}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    (folder / "tinylablib_dep-0.1-py3-none-any.whl").write_bytes(buffer.getvalue())


class Kernel:
    def __init__(self, client: NotebookClient) -> None:
        self.client = client
        self.count = 0

    def run(self, source: str) -> tuple[str, list[dict[str, Any]]]:
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.client.nb.cells) - 1)
        errors = [o for o in cell.outputs if o["output_type"] == "error"]
        return text_of(cell), errors


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Kernel, Any]]:
    wheels = tmp_path_factory.mktemp("wheels")
    tiny_wheel(wheels)
    kernel_env()
    saved = {k: os.environ.get(k) for k in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}
    os.environ.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    client = NotebookClient(
        nbformat.v4.new_notebook(), timeout=120, kernel_name="python3", allow_errors=True
    )
    try:
        with client.setup_kernel():
            k = Kernel(client)
            setup = "import lablib\naws = lablib.start()\n%load_ext lablib.notebook\n"
            out, errors = k.run(setup + "print(aws.endpoint)")
            assert not errors, errors
            endpoint = re.search(r"http://127\.0\.0\.1:\d+", out).group(0)  # type: ignore[union-attr]
            lam = boto3.client(
                "lambda",
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            yield k, lam
            k.run("lablib.stop()")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_deploy_redeploy_only_on_change_and_cold_after_update(kernel: tuple[Kernel, Any]) -> None:
    k, lam = kernel
    out, errors = k.run(f"%%lambda mag-orders --memory 256 --timeout 4 --env STAGE=dev\n{HANDLER}")
    assert not errors and out.startswith("created mag-orders")
    config = lam.get_function_configuration(FunctionName="mag-orders")
    assert (config["MemorySize"], config["Timeout"], config["Runtime"]) == (256, 4, "python3.12")
    assert config["Environment"]["Variables"] == {"STAGE": "dev"}
    assert config["Handler"] == "app.handler" and config["State"] == "Active"
    out, _ = k.run('%invoke mag-orders {"id": 7}')
    assert out.startswith("mag-orders: status 200 (cold start) duration")
    assert '"got": {\n    "id": 7\n  }' in out and "REPORT RequestId" in out
    out, _ = k.run('%invoke mag-orders {"id": 8}')
    assert "(warm)" in out.splitlines()[0]
    sha = config["CodeSha256"]
    out, _ = k.run(f"%%lambda mag-orders --memory 256 --timeout 4 --env STAGE=dev\n{HANDLER}")
    assert out.startswith("unchanged mag-orders")
    assert lam.get_function_configuration(FunctionName="mag-orders")["CodeSha256"] == sha
    out, _ = k.run('%invoke mag-orders {"id": 9}')
    assert "(warm)" in out.splitlines()[0]
    changed = HANDLER.replace("'v': 1", "'v': 2")
    out, _ = k.run(f"%%lambda mag-orders --memory 256 --timeout 4 --env STAGE=dev\n{changed}")
    assert out.startswith("updated mag-orders (code)") and "next invoke is a cold start" in out
    out, _ = k.run("%invoke mag-orders {}")
    assert "(cold start)" in out.splitlines()[0] and '"v": 2' in out
    assert lam.get_function_configuration(FunctionName="mag-orders")["CodeSha256"] != sha


def test_function_error_shows_inline(kernel: tuple[Kernel, Any]) -> None:
    k, _ = kernel
    k.run("%%lambda mag-fail\ndef handler(e, c):\n    raise ValueError('bad order')\n")
    out, errors = k.run("%invoke mag-fail {}")
    assert not errors
    assert "status 200, FunctionError: Unhandled" in out and "bad order" in out


@pytest.mark.parametrize(
    ("cell", "message", "name"),
    [
        (
            "%%lambda mag-bad1 --colour red\n" + HANDLER,
            "unrecognized arguments: --colour",
            "mag-bad1",
        ),
        ("%%lambda mag-bad2\ndef handler(e, c)\n    return 1\n", "app.py line 1", "mag-bad2"),
        ("%%lambda bad/name\n" + HANDLER, "function name 'bad/name' is invalid", None),
        ("%%lambda mag-bad3 --env NOVALUE\n" + HANDLER, "write KEY=VALUE", "mag-bad3"),
        (
            "%%lambda mag-bad4 --memory 20000\n" + HANDLER,
            "memory 20000 MB is out of range",
            "mag-bad4",
        ),
        (
            "%%lambda mag-bad5 --requirements no-such-pkg-xyz\n" + HANDLER,
            "no-such-pkg-xyz",
            "mag-bad5",
        ),
        ("%%lambda mag-bad6 --env AWS_REGION=x\n" + HANDLER, "reserved keys", "mag-bad6"),
        ("%invoke mag-none {}", "ResourceNotFoundException", None),
        ("%invoke mag-orders {not json", "the JSON part is not valid", None),
        ('%invoke mag-orders {"a": 1} trailing', "unexpected text after the JSON part", None),
        (
            "%%lambda mag-nohandler\ndef main(event, context):\n    return 1\n",
            "no function 'handler' in this cell",
            "mag-nohandler",
        ),
    ],
)
def test_bad_input_is_a_clear_message_and_deploys_nothing(
    kernel: tuple[Kernel, Any], cell: str, message: str, name: str | None
) -> None:
    k, lam = kernel
    out, _ = k.run(cell)  # IPython shows a UsageError as one line on stderr, no traceback
    assert out.startswith("UsageError: ") and message in out, out
    assert "Traceback" not in out
    if name:
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.get_function(FunctionName=name)


def test_requirements_become_a_layer(kernel: tuple[Kernel, Any]) -> None:
    k, lam = kernel
    code = "import tinylablib_dep\ndef handler(e, c):\n    return tinylablib_dep.shout('hi')\n"
    out, errors = k.run(f"%%lambda mag-deps --requirements tinylablib-dep\n{code}")
    assert not errors, errors
    layers = lam.get_function_configuration(FunctionName="mag-deps")["Layers"]
    assert len(layers) == 1 and ":layer:requirements-" in layers[0]["Arn"]
    out, _ = k.run("%invoke mag-deps {}")
    assert '"HI!"' in out


def test_api_and_sfn_magics_show_results_inline(kernel: tuple[Kernel, Any]) -> None:
    """%api calls a stage URL and shows status and body; %sfn runs a state machine and shows
    the path it took as a diagram (text fallback under nbclient)."""
    k, _ = kernel
    setup = """
import boto3, json
apigw = boto3.client("apigateway")
api = apigw.create_rest_api(name="magic-api")["id"]
root = apigw.get_resources(restApiId=api)["items"][0]["id"]
res = apigw.create_resource(restApiId=api, parentId=root, pathPart="ping")["id"]
apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
apigw.put_method_response(restApiId=api, resourceId=res, httpMethod="GET", statusCode="200")
apigw.put_integration_response(restApiId=api, resourceId=res, httpMethod="GET",
    statusCode="200", responseTemplates={"application/json": '{"pong": true}'})
apigw.create_deployment(restApiId=api, stageName="dev")
sfn = boto3.client("stepfunctions")
iam = boto3.client("iam")
role = iam.create_role(RoleName="magic-sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
sfn.create_state_machine(name="magic-flow", roleArn=role, definition=json.dumps({
    "StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}], "Default": "Small"},
        "Big": {"Type": "Pass", "Result": "big", "End": True},
        "Small": {"Type": "Pass", "Result": "small", "End": True}}}))
print(api)
"""
    out, errors = k.run(setup)
    assert not errors, errors
    api_id = out.strip().splitlines()[-1]
    out, errors = k.run(f"%api {api_id} dev /ping")
    assert not errors, errors
    assert "-> 200" in out and '"pong": true' in out
    # as the README prints it: a notebook variable and a trailing comment
    out, errors = k.run("%api $api dev GET /ping {}   # through the stage URL")
    assert not errors, errors
    assert "-> 200" in out and '"pong": true' in out
    out, errors = k.run("%api {api} dev /ping  # braces expand too")
    assert "-> 200" in out, out
    out, errors = k.run(f"%api {api_id} dev /missing")
    assert "-> 403" in out and "Missing Authentication Token" in out
    out, errors = k.run('%sfn magic-flow {"n": 5}')
    assert not errors, errors
    assert "SUCCEEDED" in out and '"big"' in out
    assert "path: Check -> Big" in out
    k.run("n = 0")
    out, errors = k.run('%sfn magic-flow {"n": $n}  # a variable inside the JSON')
    assert "path: Check -> Small" in out, out
    out, errors = k.run("%sfn no-such-machine")
    assert "no state machine named 'no-such-machine'" in out + str(errors)
