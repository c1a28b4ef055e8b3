"""Function errors, load errors, timeouts, crashes and limits: exact AWS shapes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.lambda_rt.conftest import payload_of


def invoke_error(lam: Any, name: str, payload: bytes = b"{}") -> tuple[dict[str, Any], Any]:
    response = lam.invoke(FunctionName=name, Payload=payload)
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    return response, payload_of(response)


def test_handler_exception_shape(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.unhandled-error-shape."""
    code = "def handler(event, context):\n    raise ValueError('boom ' + event['x'])\n"
    name = make_function(code)
    response, body = invoke_error(lam, name, b'{"x": "now"}')
    assert set(body) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert body["errorMessage"] == "boom now"
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert len(body["stackTrace"]) == 1
    frame = body["stackTrace"][0]
    assert frame.startswith('  File "') and 'app.py", line 2, in handler\n' in frame
    assert "raise ValueError('boom ' + event['x'])" in frame


def test_import_error(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.import-error-shape."""
    name = make_function("import not_installed_anywhere\ndef handler(e, c):\n    pass\n")
    _, body = invoke_error(lam, name)
    assert body == {
        "errorMessage": "Unable to import module 'app': No module named 'not_installed_anywhere'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


def test_missing_handler_function(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.import-error-shape."""
    name = make_function("def other(e, c):\n    pass\n")
    _, body = invoke_error(lam, name)
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'handler' missing on module 'app'"
    assert body["requestId"] == ""


def test_missing_handler_file(lam: Any, make_function: Any) -> None:
    name = make_function("x = 1\n", Handler="missing.handler")
    _, body = invoke_error(lam, name)
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'missing': No module named 'missing'"


def test_syntax_error(lam: Any, make_function: Any) -> None:
    name = make_function("def handler(e, c)\n    return 1\n")
    _, body = invoke_error(lam, name)
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    assert body["errorMessage"].startswith("Syntax error in module 'app': ")


def test_exception_at_import_keeps_its_type(lam: Any, make_function: Any) -> None:
    name = make_function("raise KeyError('config')\ndef handler(e, c):\n    pass\n")
    _, body = invoke_error(lam, name)
    assert body["errorType"] == "KeyError"
    assert body["requestId"] == ""


def test_marshal_error(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.marshal-error."""
    name = make_function("def handler(e, c):\n    return {1, 2}\n")
    _, body = invoke_error(lam, name)
    assert body["errorType"] == "Runtime.MarshalError"
    assert body["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )


def test_timeout_discards_environment(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.timeout-message, lambda.warm-globals-persist."""
    code = """
import time
CALLS = 0
def handler(event, context):
    global CALLS
    CALLS += 1
    if event.get("sleep"):
        time.sleep(5)
    return CALLS
"""
    name = make_function(code, Timeout=1)
    assert payload_of(lam.invoke(FunctionName=name)) == 1
    assert payload_of(lam.invoke(FunctionName=name)) == 2
    response, body = invoke_error(lam, name, b'{"sleep": true}')
    assert body["errorType"] == "Sandbox.Timedout"
    request_id = response["ResponseMetadata"]["RequestId"]
    assert (
        body["errorMessage"] == f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"
    )
    # The environment was discarded: the next call is a cold start with fresh globals.
    assert payload_of(lam.invoke(FunctionName=name)) == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "import sys\ndef handler(e, c):\n    sys.exit()\n",
            "Runtime exited without providing a reason",
        ),
        (
            "import os\ndef handler(e, c):\n    os._exit(3)\n",
            "Runtime exited with error: exit status 3",
        ),
    ],
)
def test_process_exit(lam: Any, make_function: Any, code: str, message: str) -> None:
    name = make_function(code)
    response, body = invoke_error(lam, name)
    assert body["errorType"] == "Runtime.ExitError"
    assert (
        body["errorMessage"]
        == f"RequestId: {response['ResponseMetadata']['RequestId']} Error: {message}"
    )  # noqa: E501


def test_memory_limit_kills(lam: Any, make_function: Any) -> None:
    code = """
import time
def handler(event, context):
    hog = []
    for _ in range(400):
        hog.append(bytearray(1024 * 1024))
        time.sleep(0.002)
    return len(hog)
"""
    name = make_function(code, MemorySize=128, Timeout=10)
    response, body = invoke_error(lam, name)
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    # A new environment serves the next call.
    ok = make_function("def handler(e, c):\n    return 'fine'\n", MemorySize=128)
    assert payload_of(lam.invoke(FunctionName=ok)) == "fine"


def test_response_too_large(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.response-size-limit."""
    name = make_function("def handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n")
    _, body = invoke_error(lam, name)
    assert body["errorType"] == "Function.ResponseSizeTooLarge"
    assert "6291556 bytes" in body["errorMessage"]


def test_huge_output_does_not_break_the_server(lam: Any, make_function: Any) -> None:
    name = make_function("def handler(e, c):\n    print('z' * (10 * 1024 * 1024))\n    return 1\n")
    assert payload_of(lam.invoke(FunctionName=name)) == 1


def test_unknown_runtime_rejected_at_create(make_function: Any) -> None:
    with pytest.raises(ClientError) as info:
        make_function("x=1", Runtime="python2.0")
    assert info.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "runtime" in info.value.response["Error"]["Message"]


def test_zip_that_is_not_a_zip(lam: Any, role: str) -> None:
    with pytest.raises(ClientError) as info:
        lam.create_function(
            FunctionName="notzip",
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": b"plain text"},
        )
    assert info.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "Could not unzip uploaded file" in info.value.response["Error"]["Message"]


def test_unavailable_runtime_says_so(lam: Any, make_function: Any) -> None:
    name = make_function("x", Runtime="java21", Handler="Example::handleRequest")
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName=name)
    assert "not available in this local lab" in info.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"MemorySize": 10241}, "memorySize"),
        ({"Timeout": 901}, "timeout"),
        ({"EphemeralStorage": {"Size": 10241}}, "ephemeralStorage"),
    ],
)
def test_configuration_limits(make_function: Any, config: dict[str, Any], fragment: str) -> None:
    """Verifies: lambda.config-limits-validation."""
    with pytest.raises(ClientError) as info:
        make_function("def handler(e, c):\n    pass\n", **config)
    assert fragment in info.value.response["Error"]["Message"]


def test_configuration_defaults_and_maximums(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.config-limits-validation."""
    name = make_function("def handler(e, c):\n    pass\n")
    config = lam.get_function_configuration(FunctionName=name)
    assert (config["Timeout"], config["MemorySize"]) == (3, 128)
    assert config["EphemeralStorage"] == {"Size": 512}
    big = make_function("def handler(e, c):\n    pass\n", MemorySize=10240, Timeout=900,
                        EphemeralStorage={"Size": 10240})  # fmt: skip
    config = lam.get_function_configuration(FunctionName=big)
    assert (config["Timeout"], config["MemorySize"]) == (900, 10240)
