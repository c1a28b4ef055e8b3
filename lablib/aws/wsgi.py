"""Small WSGI helpers shared by the data planes in front of moto."""

from __future__ import annotations

import io
import json
from typing import Any

_BODY_KEY = "lablib.body"


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, read once: later readers (and moto) still see all of it."""
    cached = environ.get(_BODY_KEY)
    if cached is not None:
        return bytes(cached)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ[_BODY_KEY] = body
    return body


def json_object(body: bytes) -> dict[str, Any]:
    """``body`` parsed as a JSON object; {} for anything else."""
    try:
        value = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def replace_body(environ: dict[str, Any], body: bytes) -> None:
    """Hand the next reader (and moto) a different body."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ[_BODY_KEY] = body
