"""Request validation as API Gateway does it before the integration runs: with a request
validator on the method, required request parameters (``method.request.querystring.x``,
``.header.x``, ``.path.x`` marked ``true``) must be present, else 400 ``Missing required
request parameters: [x, y]``; and the body must match the request model for its content
type (JSON Schema draft 4, the ``$default`` model as a fallback), else 400
``Invalid request body``. Both are the ``BAD_REQUEST_*`` gateway responses, so a
GatewayResponse can restyle them."""

from __future__ import annotations

import json
from typing import Any

from lablib.apigateway.context import Call
from lablib.apigateway.errors import GatewayError


def check(call: Call) -> None:
    method = call.method
    if method is None or not (method.validate_body or method.validate_parameters):
        return
    if method.validate_parameters:
        missing = [
            name.rsplit(".", 1)[-1]
            for name, required in method.request_parameters.items()
            if required and not _present(call, name)
        ]
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            raise GatewayError("BAD_REQUEST_PARAMETERS", message, message=message)
    if method.validate_body:
        schema = _schema(call)
        if schema is not None:
            problem = _invalid(call.request.body, schema)
            if problem:
                raise GatewayError(
                    "BAD_REQUEST_BODY",
                    f"Request body does not match model schema for content type: {problem}",
                    message="Invalid request body",
                )


def _present(call: Call, name: str) -> bool:
    parts = name.split(".")
    if len(parts) < 4:
        return True
    where, key = parts[2], ".".join(parts[3:])
    if where == "querystring":
        return any(k == key for k, _ in call.request.query)
    if where == "header":
        return call.request.header(key) is not None
    if where == "path":
        return bool(call.path_params.get(key))
    return True


def _schema(call: Call) -> Any:
    assert call.method is not None
    models = call.method.request_models
    if not models:
        return None
    content_type = (call.request.header("Content-Type") or "application/json").split(";")[0]
    schema = models.get(content_type.strip().lower(), models.get("$default"))
    if schema is None and len(models) == 1:
        schema = next(iter(models.values()))
    return schema


def _invalid(body: bytes, schema: Any) -> str | None:
    import jsonschema

    try:
        document = json.loads(body.decode("utf-8")) if body.strip() else None
    except ValueError as exc:
        return f"not JSON ({exc})"
    if not isinstance(schema, dict):
        return None
    checker = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    errors = sorted(checker(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        return "; ".join(error.message for error in errors[:5])
    return None
