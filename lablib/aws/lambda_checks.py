"""Lambda control-plane requests checked as AWS checks them, before moto sees them: which
requests are Lambda's (``_LAMBDA_CONTROL_PREFIXES``, ``_lambda_operation``), CreateFunction's
name and runtime, the code (a broken zip is refused at upload) and the configuration (memory,
timeout, runtime, reserved environment variables). ``server.Front`` applies them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lablib.aws import moto_bridge
from lablib.aws.wsgi import json_object
from lablib.runtime.code import CodeError, check_zip
from lablib.runtime.model import KNOWN_RUNTIMES
from lablib.runtime.spawner import _RESERVED_ENV

FUNCTIONS_PATH = "/2015-03-31/functions"
_LAMBDA_CONTROL_PREFIXES = (
    FUNCTIONS_PATH,
    "/2017-10-31/functions",
    "/2019-09-25/functions",
    "/2018-10-31/layers",
    "/2015-03-31/event-source-mappings",
)
_LAMBDA_OPERATIONS = (
    ("POST", re.compile(r"^/2015-03-31/functions/?$"), "CreateFunction"),
    (
        "PUT",
        re.compile(r"^/2015-03-31/functions/[^/]+/configuration$"),
        "UpdateFunctionConfiguration",
    ),
    ("PUT", re.compile(r"^/2015-03-31/functions/[^/]+/code$"), "UpdateFunctionCode"),
    ("POST", re.compile(r"^/2015-03-31/functions/[^/]+/versions$"), "PublishVersion"),
    ("POST", re.compile(r"^/2015-03-31/functions/[^/]+/aliases$"), "CreateAlias"),
    ("PUT", re.compile(r"^/2015-03-31/functions/[^/]+/aliases/[^/]+$"), "UpdateAlias"),
    (
        "PUT",
        re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config$"),
        "PutFunctionEventInvokeConfig",
    ),
    ("POST", re.compile(r"^/2018-10-31/layers/[^/]+/versions$"), "PublishLayerVersion"),
)


def _lambda_operation(method: str, path: str) -> str | None:
    for verb, pattern, operation in _LAMBDA_OPERATIONS:
        if method == verb and pattern.match(path):
            return operation
    return None


def _code_for(problem: str) -> str:
    return (
        "ValidationException"
        if problem.startswith("1 validation error")
        else ("InvalidParameterValueException")
    )


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def _check_create(body: bytes) -> str | None:
    spec = json_object(body)
    runtime = spec.get("Runtime")
    if spec.get("PackageType", "Zip") == "Zip" and runtime not in KNOWN_RUNTIMES:
        return (
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
            f"enum value set: [{', '.join(sorted(KNOWN_RUNTIMES))}] or be a valid ARN"
        )
    return _check_code(json.dumps(spec.get("Code") or {}).encode()) or _check_config(body)


# CreateFunction's FunctionName as botocore's model gives it (a name, or a full or partial ARN).
_FUNCTION_NAME = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
_FUNCTION_NAME_RE = re.compile(_FUNCTION_NAME)


def _check_name(environ: dict[str, Any], body: bytes) -> str | None:
    """Validate CreateFunction's FunctionName as AWS does; an ARN is stored by its name."""
    spec = json_object(body)
    name = spec.get("FunctionName")
    if not isinstance(name, str):
        return None
    prefix = f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
    match = _FUNCTION_NAME_RE.fullmatch(name)
    if match is None:
        return (
            prefix + f"constraint: Member must satisfy regular expression pattern: {_FUNCTION_NAME}"
        )
    if len(name) > 140 or len(match.group(11)) > 64:
        limit = 140 if len(name) > 140 else 64
        return prefix + f"constraint: Member must have length less than or equal to {limit}"
    if name != match.group(11):  # moto would store the ARN as the name: give it the name
        from lablib.aws.wsgi import replace_body

        spec["FunctionName"] = match.group(11)
        replace_body(environ, json.dumps(spec).encode())
    return None


def _check_code(body: bytes) -> str | None:
    """A broken zip (inline or from S3) is refused at upload, as AWS does."""
    import base64

    code = json_object(body)
    try:
        if "ZipFile" in code:
            check_zip(base64.b64decode(code["ZipFile"]))
        elif code.get("S3Bucket") and code.get("S3Key"):
            data = moto_bridge.s3_object(
                moto_bridge.ACCOUNT_ID,
                "us-east-1",
                str(code["S3Bucket"]),
                str(code["S3Key"]),
                code.get("S3ObjectVersion"),
            )
            check_zip(data)
    except (CodeError, ValueError) as exc:
        return str(exc)
    except moto_bridge.ResolveError as exc:
        return exc.message
    return None


_LIMITS = (
    ("MemorySize", "memorySize", 128, 10240),
    ("Timeout", "timeout", 1, 900),
)


def _check_config(body: bytes) -> str | None:
    spec = json_object(body)
    for key, field, low, high in _LIMITS:
        value = spec.get(key)
        if isinstance(value, int) and not low <= value <= high:
            bound = "less" if value > high else "greater"
            limit = high if value > high else low
            return (
                f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
                f"constraint: Member must have value {bound} than or equal to {limit}"
            )
    if "Runtime" in spec and spec["Runtime"] not in KNOWN_RUNTIMES:
        return f"Value {spec['Runtime']} at 'runtime' failed to satisfy constraint"
    variables = (spec.get("Environment") or {}).get("Variables") or {}
    reserved = sorted(set(variables) & _RESERVED_ENV)
    if reserved:
        return (
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not "
            f"supported for modification. Reserved keys used in this request: {', '.join(reserved)}"  # noqa: E501
        )
    return None
