"""Fixtures for API Gateway tests: everything through boto3 and plain HTTP (requests)."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import pytest
import requests

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, running_aws


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


aws = pytest.fixture(scope="package", name="aws")(running_aws)


class Api:
    """Builds REST APIs with plain boto3 calls, as a learner would."""

    def __init__(self, aws: LocalAWS) -> None:
        self.aws = aws
        self.ag = aws.client("apigateway", config=NO_RETRY)
        self.lam = aws.client("lambda", config=NO_RETRY)
        self.iam = aws.client("iam")
        self.http = requests.Session()
        try:
            self.role = self.iam.get_role(RoleName="apigw-test-role")["Role"]["Arn"]
        except self.iam.exceptions.NoSuchEntityException:
            self.role = self.iam.create_role(
                RoleName="apigw-test-role", AssumeRolePolicyDocument="{}"
            )["Role"]["Arn"]

    # -- Lambda -------------------------------------------------------------------------------
    def function(
        self, code: str, name: str | None = None, permit: bool = True, **config: Any
    ) -> str:
        name = name or f"fn-{uuid.uuid4().hex[:10]}"
        self.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=self.role,
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": code})},
            **config,
        )
        if permit:
            self.permit(name)
        return name

    def permit(self, name: str, qualifier: str | None = None) -> None:
        extra = {"Qualifier": qualifier} if qualifier else {}
        self.lam.add_permission(
            FunctionName=name,
            StatementId=f"apigw-{uuid.uuid4().hex[:8]}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            **extra,
        )

    def lambda_uri(self, name: str, suffix: str = "") -> str:
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}{suffix}"
        return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"

    # -- API ----------------------------------------------------------------------------------
    def create(self, name: str | None = None, **kwargs: Any) -> str:
        api_id: str = self.ag.create_rest_api(name=name or f"api-{uuid.uuid4().hex[:6]}", **kwargs)[
            "id"
        ]
        return api_id

    def resource(self, api: str, path: str) -> str:
        items = self.ag.get_resources(restApiId=api)["items"]
        by_path = {item["path"]: item["id"] for item in items}
        current = "/"
        for part in [p for p in path.split("/") if p]:
            parent = by_path[current]
            current = (current.rstrip("/") + "/" + part) if current != "/" else "/" + part
            if current not in by_path:
                by_path[current] = self.ag.create_resource(
                    restApiId=api, parentId=parent, pathPart=part
                )["id"]
        return by_path[current]

    def method(
        self,
        api: str,
        path: str,
        verb: str,
        integration: dict[str, Any],
        responses: list[dict[str, Any]] | None = None,
        **method_kwargs: Any,
    ) -> str:
        res = self.resource(api, path)
        method_kwargs.setdefault("authorizationType", "NONE")
        self.ag.put_method(restApiId=api, resourceId=res, httpMethod=verb, **method_kwargs)
        integration.setdefault("integrationHttpMethod", "POST")
        self.ag.put_integration(restApiId=api, resourceId=res, httpMethod=verb, **integration)
        for response in responses or []:
            status = response["statusCode"]
            self.ag.put_method_response(
                restApiId=api, resourceId=res, httpMethod=verb, statusCode=status
            )
            self.ag.put_integration_response(
                restApiId=api, resourceId=res, httpMethod=verb, **response
            )
        return res

    def proxy(self, api: str, path: str, function: str, verb: str = "ANY", **kw: Any) -> str:
        return self.method(
            api, path, verb, {"type": "AWS_PROXY", "uri": self.lambda_uri(function)}, **kw
        )

    def deploy(self, api: str, stage: str = "prod", **kwargs: Any) -> str:
        deployment: str = self.ag.create_deployment(restApiId=api, stageName=stage, **kwargs)["id"]
        return deployment

    def url(self, api: str, stage: str, path: str = "/") -> str:
        return f"{self.aws.endpoint}/restapis/{api}/{stage}/_user_request_{path}"

    def get(self, api: str, stage: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(api, stage, path), timeout=60, **kwargs)

    def post(self, api: str, stage: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url(api, stage, path), timeout=60, **kwargs)

    def settings(self, api: str, stage: str, **values: str) -> None:
        """update_stage method settings for */*: e.g. throttling/rateLimit='1'."""
        ops = [{"op": "replace", "path": f"/*/*/{k}", "value": v} for k, v in values.items()]
        self.ag.update_stage(restApiId=api, stageName=stage, patchOperations=ops)


@pytest.fixture(scope="package")
def apigw(aws: LocalAWS) -> Api:
    return Api(aws)


ECHO = """import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(event)}
"""


@pytest.fixture(scope="package")
def echo(apigw: Api) -> str:
    return apigw.function(ECHO, name="apigw-echo")
