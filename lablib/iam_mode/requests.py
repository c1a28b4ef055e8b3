"""Which IAM action and resource an AWS API request asks for.

The service comes from the SigV4 credential scope, the operation from the protocol (the
``X-Amz-Target`` header for JSON services, the ``Action`` form field for query services,
the HTTP method and path for REST services, matched against botocore's own service model),
and the resource ARN from the request's parameters for the services labs use (S3, DynamoDB,
SQS, SNS, SSM, KMS, Lambda, CloudWatch Logs); other resources are ``*``.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

from lablib.aws.moto_bridge import iam as bridge

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_MODEL_NAMES = {"states": "stepfunctions", "monitoring": "cloudwatch", "email": "ses"}
# Operations whose IAM action has another name.
_ACTIONS = {
    "s3:ListObjects": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:HeadObject": "s3:GetObject",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:GetObjectAcl": "s3:GetObjectAcl",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:InvokeAsync": "lambda:InvokeFunction",
    "states:StartSyncExecution": "states:StartSyncExecution",
}


@dataclass(frozen=True)
class Call:
    service: str  # signing name, e.g. "s3"
    protocol: str  # botocore protocol: json, query, rest-json, rest-xml, ec2
    action: str  # e.g. "s3:GetObject"
    resource: str  # an ARN or "*"


@lru_cache(maxsize=64)
def _model(service: str) -> Any:
    import botocore.session

    session = botocore.session.get_session()
    return session.get_service_model(_MODEL_NAMES.get(service, service))


def describe(environ: dict[str, Any], body: bytes, account: str) -> Call | None:
    """The IAM view of a request, or None when it cannot be mapped."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return None
    region, service = match.group(1), match.group(2)
    try:
        model = _model(service)
    except Exception:  # noqa: BLE001 - an unknown service: not judged
        return None
    protocol = str(model.protocol)
    prefix = str(model.metadata.get("signingName") or service)
    params: dict[str, Any] = {}
    operation: str | None = None
    if protocol == "json" or environ.get("HTTP_X_AMZ_TARGET"):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.rsplit(".", 1)[-1] if target else None
        try:
            loaded = json.loads(body or b"{}")
            params = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            params = {}
        protocol = "json"
    elif protocol in ("query", "ec2"):
        form = parse_qs(body.decode("utf-8", "replace")) if body else {}
        form.update(parse_qs(environ.get("QUERY_STRING", "")))
        params = {k: v[0] for k, v in form.items()}
        operation = params.get("Action")
    else:
        operation, params = _rest_operation(model, environ)
    if not operation:
        return None
    action = f"{prefix}:{operation}"
    action = _ACTIONS.get(action, action)
    resource = _resource(service, operation, params, region, account, environ)
    return Call(service, protocol, action, resource)


def _rest_operation(model: Any, environ: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    best: tuple[int, str, dict[str, Any]] | None = None
    for name in model.operation_names:
        http = model.operation_model(name).http
        if http.get("method") != method:
            continue
        uri, _, needed = str(http.get("requestUri", "/")).partition("?")
        if needed and not all(_has(query, part) for part in needed.split("&")):
            continue
        if not _headers_fit(name, environ, query):
            continue
        regex, names = _uri_regex(uri)
        found = re.fullmatch(regex.rstrip("/") + "/?", path)
        if not found:
            continue
        score = len(uri.replace("{", "").replace("}", "")) - 10 * len(names) + 5 * len(needed)
        if best is None or score > best[0]:
            best = (
                score,
                name,
                {n: unquote(v) for n, v in zip(names, found.groups(), strict=True)},
            )
    return (best[1], best[2]) if best else (None, {})


def _has(query: dict[str, list[str]], part: str) -> bool:
    key, sep, value = part.partition("=")
    return key in query and (not sep or value in query[key])


# Operations that share a method and path and differ by a header or query parameter.
_NEEDS = {
    "CopyObject": ("HTTP_X_AMZ_COPY_SOURCE", None),
    "UploadPartCopy": ("HTTP_X_AMZ_COPY_SOURCE", "partNumber"),
    "UploadPart": (None, "partNumber"),
}


def _headers_fit(name: str, environ: dict[str, Any], query: dict[str, list[str]]) -> bool:
    header, param = _NEEDS.get(name, (None, None))
    if header and header not in environ:
        return False
    if param and param not in query:
        return False
    if name == "PutObject" and "HTTP_X_AMZ_COPY_SOURCE" in environ:
        return False
    return not (name == "PutObject" and "partNumber" in query)


def _uri_regex(uri: str) -> tuple[str, list[str]]:
    """A regex for a botocore requestUri ("/{Bucket}/{Key+}") and its parameter names."""
    names: list[str] = []

    def group(m: re.Match[str]) -> str:
        raw = m.group(1).replace("\\", "")
        names.append(raw.rstrip("+"))
        return "(.+)" if raw.endswith("+") else "([^/]+)"

    escaped = re.escape(uri).replace(r"\{", "{").replace(r"\}", "}")
    return re.sub(r"\{([^}]+)\}", group, escaped), names


def _resource(
    service: str,
    operation: str,
    params: dict[str, Any],
    region: str,
    account: str,
    environ: dict[str, Any],
) -> str:
    if service == "s3":
        bucket, key = params.get("Bucket"), params.get("Key")
        if bucket and key:
            return f"arn:aws:s3:::{bucket}/{key}"
        return f"arn:aws:s3:::{bucket}" if bucket else "*"
    if service == "dynamodb":
        table = params.get("TableName") or next(iter(params.get("RequestItems") or {}), None)
        return f"arn:aws:dynamodb:{region}:{account}:table/{table}" if table else "*"
    if service == "sqs":
        url = params.get("QueueUrl") or params.get("QueueName")
        if url:
            return f"arn:aws:sqs:{region}:{account}:{str(url).rstrip('/').rsplit('/', 1)[-1]}"
        return "*"
    if service == "sns":
        return str(params.get("TopicArn") or params.get("TargetArn") or "*")
    if service == "ssm":
        name = params.get("Name") or params.get("Path") or (params.get("Names") or [None])[0]
        if name:
            return f"arn:aws:ssm:{region}:{account}:parameter/{str(name).lstrip('/')}"
        return "*"
    if service == "kms":
        if params.get("KeyId"):
            return bridge.kms_key_arn(account, region, str(params["KeyId"])) or "*"
        blob = params.get("CiphertextBlob")
        if blob:
            try:
                return bridge.kms_key_of_ciphertext(account, region, base64.b64decode(blob)) or "*"
            except ValueError:
                return "*"
        return "*"
    if service == "lambda":
        name = params.get("FunctionName")
        if name:
            name = str(name)
            return (
                name
                if name.startswith("arn:")
                else (f"arn:aws:lambda:{region}:{account}:function:{name}")
            )
        return "*"
    if service == "logs":
        group = params.get("logGroupName")
        return f"arn:aws:logs:{region}:{account}:log-group:{group}:*" if group else "*"
    del operation, environ
    return "*"
