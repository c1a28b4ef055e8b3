"""Control-plane shims in front of moto's API Gateway, for what moto accepts but does not
keep or implement: a deployment snapshots the API (so changes need a redeploy, as on AWS);
a redeploy keeps the stage's settings (moto would reset them); canary settings on
CreateDeployment / CreateStage / UpdateStage / GetStage(s); GetUsage; FlushStageCache;
``cacheKeyParameters`` on PutIntegration; OpenAPI export with API Gateway extensions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from lablib.apigateway.gateway import Gateway
from lablib.apigateway.model import CanarySpec
from lablib.apigateway.openapi import ImportProblem, export_document, normalise_import
from lablib.aws.moto_bridge import apigateway as bridge
from lablib.aws.wsgi import json_object, replace_body

StartResponse = Callable[..., Any]
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/restapis/?$"), "import_rest_api"),
    ("PUT", re.compile(r"^/restapis/(?P<api>[^/]+)/?$"), "put_rest_api"),
    ("POST", re.compile(r"^/restapis/(?P<api>[^/]+)/deployments/?$"), "create_deployment"),
    ("POST", re.compile(r"^/restapis/(?P<api>[^/]+)/stages/?$"), "create_stage"),
    ("PATCH", re.compile(r"^/restapis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)/?$"), "update_stage"),
    ("GET", re.compile(r"^/restapis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)/?$"), "get_stage"),
    ("GET", re.compile(r"^/restapis/(?P<api>[^/]+)/stages/?$"), "get_stages"),
    (
        "DELETE",
        re.compile(r"^/restapis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)/cache/data/?$"),
        "flush",
    ),
    ("GET", re.compile(r"^/usageplans/(?P<plan>[^/]+)/usage/?$"), "get_usage"),
    (
        "PUT",
        re.compile(
            r"^/restapis/(?P<api>[^/]+)/resources/(?P<res>[^/]+)/methods/(?P<method>[^/]+)/integration/?$"
        ),
        "put_integration",
    ),
    (
        "POST",
        re.compile(
            r"^/restapis/(?P<api>[^/]+)/resources/(?P<res>[^/]+)/methods/(?P<method>[^/]+)/?$"
        ),
        "test_invoke_method",
    ),
    (
        "GET",
        re.compile(r"^/restapis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)/exports/(?P<kind>[^/]+)/?$"),
        "get_export",
    ),
]


def region_of(environ: dict[str, Any], default: str) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        parts = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(parts) >= 3:
            return str(parts[2])
    return default


class ControlShims:
    def __init__(self, gateway: Gateway, moto_app: Any) -> None:
        self.gateway = gateway
        self.moto_app = moto_app

    def find(self, environ: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        if not path.startswith(("/restapis", "/usageplans/")):
            return None
        for verb, pattern, name in _ROUTES:
            if verb == method:
                found = pattern.match(path)
                if found:
                    return name, found.groupdict()
        return None

    def matches(self, environ: dict[str, Any]) -> bool:
        return self.find(environ) is not None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        found = self.find(environ)
        assert found is not None
        name, args = found
        body = _read(environ)
        region = region_of(environ, self.gateway.region)
        handler = getattr(self, name)
        status, headers, out = handler(environ, body, region, **args)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(out))))
        start_response(status, headers)
        return [out]

    # -- helpers --------------------------------------------------------------------------
    def _moto(
        self, environ: dict[str, Any], body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        replace_body(environ, body)
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, list(headers)

        out = b"".join(self.moto_app(environ, start))
        return captured["status"], captured["headers"], out

    def _with_canary(self, api: str, stage: dict[str, Any]) -> dict[str, Any]:
        canary = self.gateway.canaries.get((api, str(stage.get("stageName"))))
        if canary is not None:
            stage["canarySettings"] = {
                "deploymentId": canary.deployment_id,
                "percentTraffic": canary.percent,
                "stageVariableOverrides": dict(canary.variable_overrides),
                "useStageCache": canary.use_stage_cache,
            }
        return stage

    # -- handlers -------------------------------------------------------------------------
    def create_deployment(self, environ: dict[str, Any], body: bytes, region: str, api: str) -> Any:
        spec = json_object(body)
        stage_name = spec.get("stageName")
        canary = spec.get("canarySettings")
        saved = (
            bridge.stage_snapshot(self.gateway.account, region, api, stage_name)
            if stage_name
            else None
        )
        status, headers, out = self._moto(environ, body)
        if not status.startswith("201"):
            return status, headers, out
        deployment = json.loads(out)["id"]
        self.gateway.take_snapshot(region, api, deployment)
        if stage_name and saved is not None:
            # a canary deployment leaves the stage on its deployment (and variables)
            target = saved["deployment_id"] if canary else deployment
            variables = None if canary else spec.get("variables")
            bridge.restore_stage(
                self.gateway.account, region, api, stage_name, saved, target, variables
            )
            if canary:
                self.gateway.canaries[(api, stage_name)] = _canary(canary, deployment)
        return status, headers, out

    def create_stage(self, environ: dict[str, Any], body: bytes, region: str, api: str) -> Any:
        spec = json_object(body)
        status, headers, out = self._moto(environ, body)
        canary = spec.get("canarySettings")
        if status.startswith("201") and canary and canary.get("deploymentId"):
            self.gateway.canaries[(api, str(spec.get("stageName")))] = _canary(
                canary, canary["deploymentId"]
            )
            out = json.dumps(self._with_canary(api, json.loads(out))).encode()
        return status, headers, out

    def update_stage(
        self, environ: dict[str, Any], body: bytes, region: str, api: str, stage: str
    ) -> Any:
        spec = json_object(body)
        passed = []
        key = (api, stage)
        for op in spec.get("patchOperations") or []:
            path = str(op.get("path", ""))
            verb = op.get("op")
            source = str(op.get("from", ""))
            if verb == "copy" and source.startswith("/canarySettings"):
                canary = self.gateway.canaries.get(key)
                if canary is None:
                    continue
                if source == "/canarySettings/deploymentId" and path == "/deploymentId":
                    passed.append(
                        {"op": "replace", "path": "/deploymentId", "value": canary.deployment_id}
                    )
                elif source == "/canarySettings/stageVariableOverrides" and path == "/variables":
                    for name, value in canary.variable_overrides.items():
                        passed.append(
                            {"op": "replace", "path": f"/variables/{name}", "value": value}
                        )
                continue
            if not path.startswith("/canarySettings"):
                passed.append(op)
                continue
            self._canary_op(key, verb, path, op.get("value"))
        if any(op.get("path", "").startswith(("/*/*/caching", "/cacheCluster")) for op in passed):
            self.gateway.cache.flush(api, stage)
        status, headers, out = self._moto(environ, json.dumps({"patchOperations": passed}).encode())
        if status.startswith("200"):
            out = json.dumps(self._with_canary(api, json.loads(out))).encode()
        return status, headers, out

    def _canary_op(self, key: tuple[str, str], verb: Any, path: str, value: Any) -> None:
        canary = self.gateway.canaries.get(key)
        if verb == "remove" and path == "/canarySettings":
            self.gateway.canaries.pop(key, None)
            return
        if canary is None:
            canary = CanarySpec(deployment_id="", percent=0.0)
        field = path[len("/canarySettings/") :]
        if field == "percentTraffic":
            canary = CanarySpec(
                canary.deployment_id,
                float(value or 0),
                canary.variable_overrides,
                canary.use_stage_cache,
            )
        elif field == "deploymentId":
            canary = CanarySpec(
                str(value), canary.percent, canary.variable_overrides, canary.use_stage_cache
            )
        elif field == "useStageCache":
            canary = CanarySpec(
                canary.deployment_id,
                canary.percent,
                canary.variable_overrides,
                str(value).lower() == "true",
            )
        elif field.startswith("stageVariableOverrides/"):
            overrides = dict(canary.variable_overrides)
            name = field[len("stageVariableOverrides/") :]
            if verb == "remove":
                overrides.pop(name, None)
            else:
                overrides[name] = str(value)
            canary = CanarySpec(
                canary.deployment_id, canary.percent, overrides, canary.use_stage_cache
            )
        if canary.deployment_id:
            self.gateway.canaries[key] = canary

    def get_stage(
        self, environ: dict[str, Any], body: bytes, region: str, api: str, stage: str
    ) -> Any:
        status, headers, out = self._moto(environ, body)
        if status.startswith("200"):
            out = json.dumps(self._with_canary(api, json.loads(out))).encode()
        return status, headers, out

    def get_stages(self, environ: dict[str, Any], body: bytes, region: str, api: str) -> Any:
        status, headers, out = self._moto(environ, body)
        if status.startswith("200"):
            listing = json.loads(out)
            listing["item"] = [self._with_canary(api, s) for s in listing.get("item", [])]
            out = json.dumps(listing).encode()
        return status, headers, out

    def flush(self, environ: dict[str, Any], body: bytes, region: str, api: str, stage: str) -> Any:
        self.gateway.cache.flush(api, stage)
        return "202 Accepted", [("Content-Type", "application/json")], b"{}"

    def get_usage(self, environ: dict[str, Any], body: bytes, region: str, plan: str) -> Any:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        view = bridge.usage_plan(self.gateway.account, region, plan)
        if view is None:
            return _error(404, "NotFoundException", f"Invalid Usage Plan ID specified: {plan}")
        if "startDate" not in query or "endDate" not in query:
            return _error(
                400, "BadRequestException", "GetUsage needs startDate and endDate (YYYY-MM-DD)"
            )
        try:
            usage = self.gateway.limiter.usage(
                plan, view.quota, query["startDate"], query["endDate"], query.get("keyId")
            )
        except ValueError as exc:
            return _error(400, "BadRequestException", f"Invalid date range: {exc}")
        return "200 OK", [("Content-Type", "application/json")], json.dumps(usage).encode()

    def put_integration(
        self, environ: dict[str, Any], body: bytes, region: str, api: str, res: str, method: str
    ) -> Any:
        status, headers, out = self._moto(environ, body)
        keys = json_object(body).get("cacheKeyParameters")
        if status.startswith(("200", "201")) and keys:
            bridge.set_cache_key_parameters(
                self.gateway.account, region, api, res, method, list(keys)
            )
            answer = json.loads(out)
            answer["cacheKeyParameters"] = list(keys)
            out = json.dumps(answer).encode()
        return status, headers, out

    def test_invoke_method(
        self, environ: dict[str, Any], body: bytes, region: str, api: str, res: str, method: str
    ) -> Any:
        from lablib.apigateway.test_invoke import NotFound, test_invoke

        try:
            spec = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "BadRequestException", "Could not parse request body into json")
        if not isinstance(spec, dict):
            return _error(400, "BadRequestException", "Could not parse request body into json")
        try:
            answer = test_invoke(self.gateway, region, api, res, method, spec)
        except NotFound as exc:
            return _error(404, "NotFoundException", str(exc))
        return "200 OK", [("Content-Type", "application/json")], json.dumps(answer).encode()

    def import_rest_api(self, environ: dict[str, Any], body: bytes, region: str) -> Any:
        if "mode=import" not in environ.get("QUERY_STRING", ""):
            status, headers, out = self._moto(environ, body)  # plain CreateRestApi
            types = json_object(body).get("binaryMediaTypes")
            if types and status.startswith("2"):  # moto drops them: keep them, as AWS does
                created = json.loads(out)
                bridge.set_binary_media_types(
                    self.gateway.account, region, created["id"], [str(t) for t in types]
                )
                created["binaryMediaTypes"] = list(types)
                out = json.dumps(created).encode()
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Length", str(len(out))))
            return status, headers, out
        return self._import(environ, body)

    def put_rest_api(self, environ: dict[str, Any], body: bytes, region: str, api: str) -> Any:
        return self._import(environ, body)

    def _import(self, environ: dict[str, Any], body: bytes) -> Any:
        try:
            normalised = normalise_import(body)
        except ImportProblem as exc:
            return _error(400, "BadRequestException", str(exc))
        status, headers, out = self._moto(environ, normalised)
        if status.startswith("500"):
            return _error(
                400,
                "BadRequestException",
                "Invalid OpenAPI input: the local AWS (moto) could not import this document; "
                "simplify it (paths with x-amazon-apigateway-integration) or build the API "
                "with boto3 calls",
            )
        return status, headers, out

    def get_export(
        self, environ: dict[str, Any], body: bytes, region: str, api: str, stage: str, kind: str
    ) -> Any:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        extensions = ",".join(query.get("extensions", []))
        if kind not in ("oas30", "swagger"):
            return _error(
                400,
                "BadRequestException",
                f"No API exporter for type '{kind}'; use oas30 or swagger",
            )
        deployment = bridge.stage_deployment(self.gateway.account, region, api, stage)
        if deployment is None:
            return _error(404, "NotFoundException", f"Invalid stage identifier specified: {stage}")
        snapshot = self.gateway.snapshot_for(region, api, deployment)
        variables = {}
        view = bridge.read_stage(self.gateway.account, region, api, stage)
        if view is not None:
            variables = view.variables
        document = export_document(snapshot, kind, stage, region, extensions, variables)
        accept = environ.get("HTTP_ACCEPT", "application/json")
        if "yaml" in accept:
            import yaml

            text = yaml.safe_dump(document, sort_keys=False).encode()
            return "200 OK", [("Content-Type", "application/yaml")], text
        return (
            "200 OK",
            [("Content-Type", "application/json")],
            json.dumps(document, indent=2).encode(),
        )


def _canary(settings: dict[str, Any], deployment: str) -> CanarySpec:
    return CanarySpec(
        deployment_id=str(settings.get("deploymentId") or deployment),
        percent=float(settings.get("percentTraffic") or 0.0),
        variable_overrides={
            k: str(v) for k, v in (settings.get("stageVariableOverrides") or {}).items()
        },
        use_stage_cache=bool(settings.get("useStageCache", False)),
    )


def _read(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _error(status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    reasons = {400: "Bad Request", 404: "Not Found"}
    return (
        f"{status} {reasons.get(status, 'Error')}",
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)],
        json.dumps({"message": message}).encode(),
    )
