"""AWS's code size limits at the Lambda control plane, checked before moto stores anything.

- a request body over 69,905,067 bytes (a 50 MB zip, base64-encoded) is refused with 413
  ``RequestEntityTooLargeException``, read and discarded in chunks, never kept;
- a function's code plus its layers may unzip to at most 262,144,000 bytes, a layer alone
  too, and a function references at most 5 layers (``InvalidParameterValueException``).
Sizes come from each zip's central directory; nothing is extracted here (the runtime's
unpacking is bounded too, for zips whose headers lie).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from lablib.aws import moto_bridge
from lablib.aws.wsgi import json_object
from lablib.runtime.code import (
    MAX_REQUEST,
    CodeError,
    check_function_size,
    check_layer_size,
    check_zip,
)

_CODE_OPERATIONS = ("CreateFunction", "UpdateFunctionCode", "PublishLayerVersion")
_sizes: dict[bytes, int] = {}


def request_too_large(environ: dict[str, Any], operation: str | None) -> str | None:
    """AWS's message when a code upload's body is over the limit (the body is drained)."""
    if operation not in _CODE_OPERATIONS:
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= MAX_REQUEST:
        return None
    stream = environ["wsgi.input"]
    left = length
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            break
        left -= len(chunk)
    return f"Request must be smaller than {MAX_REQUEST} bytes for the {operation} operation"


def _zip_size(data: bytes) -> int:
    key = data[-64:] + len(data).to_bytes(8, "big")  # cheap identity: the end of directory
    if key not in _sizes:
        if len(_sizes) > 256:
            _sizes.clear()
        _sizes[key] = check_zip(data)
    return _sizes[key]


def _decoded(value: Any) -> bytes:
    try:
        return base64.b64decode(value or b"", validate=False)
    except (binascii.Error, ValueError, TypeError):
        raise CodeError(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None


def _code(spec: dict[str, Any]) -> bytes:
    """The zip a Code/Content/UpdateFunctionCode request carries, inline or in S3."""
    if "ZipFile" in spec:
        return _decoded(spec["ZipFile"])
    if spec.get("S3Bucket") and spec.get("S3Key"):
        try:
            bucket, key = str(spec["S3Bucket"]), str(spec["S3Key"])
            version = spec.get("S3ObjectVersion")
            return moto_bridge.s3_object(moto_bridge.ACCOUNT_ID, "us-east-1", bucket, key, version)
        except moto_bridge.ResolveError:
            return b""  # reported by the zip check
    return b""


def _layer_sizes(arns: list[str], region: str) -> list[int]:
    sizes = []
    for arn in arns:
        data = moto_bridge.layer_code(moto_bridge.ACCOUNT_ID, region, str(arn))
        sizes.append(_zip_size(data) if data else 0)
    return sizes


def check(operation: str | None, path: str, body: bytes, region: str) -> str | None:
    """The limit this request breaks, in AWS's words, or None."""
    try:
        _check(operation, path, json_object(body), region)
    except CodeError as exc:
        return str(exc)
    return None


def _check(operation: str | None, path: str, spec: dict[str, Any], region: str) -> None:
    if operation == "PublishLayerVersion":
        data = _code(spec.get("Content") or {})
        if data:
            check_layer_size(check_zip(data))
        return
    if operation not in ("CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration"):
        return
    name = unquote(path.split("/functions/", 1)[1].split("/")[0]) if "/functions/" in path else ""
    current = moto_bridge.function_code(moto_bridge.ACCOUNT_ID, region, name) if name else None
    code, layers = current or (b"", [])
    if operation == "CreateFunction":
        code = _code(spec.get("Code") or {})
    elif operation == "UpdateFunctionCode":
        code = _code(spec) or code
    if isinstance(spec.get("Layers"), list):
        layers = spec["Layers"]
    if len(layers) > 5:  # before fetching anything
        check_function_size(0, [0] * len(layers))
    unzipped = _zip_size(code) if code else 0
    check_function_size(unzipped, _layer_sizes(layers, region))
