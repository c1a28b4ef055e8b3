"""Every input member of the operations the labs call is classified in the fidelity matrix,
and the matrix reaches `lablib fidelity` and the site page."""

from __future__ import annotations

import subprocess
import sys

import botocore.session
import pytest

from lablib.apigateway.fidelity_checks import PATCH_OPERATION, patch_key
from lablib.aws import fidelity

# Operations of the six labs whose behaviour lablib implements (beyond lambda's own list in
# tests/lambda_rt/test_fidelity.py).
REQUIRED = {
    "lambda": ["CreateEventSourceMapping", "UpdateEventSourceMapping", "AddPermission"],
    "apigateway": [
        "PutIntegration", "PutMethod", "CreateDeployment", "CreateStage", "UpdateStage",
        "CreateUsagePlan", "CreateApiKey", "CreateAuthorizer", "ImportRestApi",
    ],
    "stepfunctions": [
        "CreateStateMachine", "StartExecution", "StartSyncExecution", "SendTaskSuccess",
        "SendTaskFailure", "SendTaskHeartbeat", "StopExecution",
    ],
    "codedeploy": ["CreateDeploymentGroup", "CreateDeployment", "CreateDeploymentConfig"],
    "cloudwatch": ["PutMetricAlarm"],
    "cloudformation": ["CreateStack", "UpdateStack"],
    "s3": ["PutBucketNotificationConfiguration"],
    "sns": ["Subscribe"],
    "events": ["PutRule", "PutTargets"],
    "logs": ["PutSubscriptionFilter"],
}  # fmt: skip


@pytest.mark.parametrize("service", sorted(REQUIRED))
def test_every_input_member_is_classified(service: str) -> None:
    model = botocore.session.get_session().get_service_model(service)
    matrix = fidelity.load()
    unclassified = []
    for operation in REQUIRED[service]:
        assert operation in matrix.get(service, {}), f"{service} {operation} missing"
        members = model.operation_model(operation).input_shape.members
        unclassified += [
            f"{service}.{operation}.{m}" for m in members if m not in matrix[service][operation]
        ]
        stale = set(matrix[service][operation]) - set(members)
        assert not stale, f"{service}.{operation}: rows for parameters AWS does not have: {stale}"
    assert not unclassified, (
        "parameters neither honoured, listed as ignored, nor rejected: "
        + ", ".join(unclassified)
        + " (add them to lablib/aws/fidelity.yaml)"
    )


def test_every_row_that_is_not_faithful_says_how() -> None:
    for row in fidelity.rows():
        if row.status != "faithful":
            assert len(row.how) > 10, f"{row.service}.{row.operation}.{row.parameter}: say how"


def test_behaviour_rows_name_the_notable_approximations() -> None:
    behaviour = fidelity.load()["behaviour"]
    for name in (
        "apigateway-iam-auth", "apigateway-quota-calendar", "codedeploy-timestamps",
        "sam-deployment-preference", "iam-learning-mode", "alarm-windows",
    ):  # fmt: skip
        assert behaviour[name][""].status == "approximated", name
    assert "SigV4" in behaviour["apigateway-iam-auth"][""].how
    assert "UTC" in behaviour["apigateway-quota-calendar"][""].how


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/variables/color", "/variables/{name}"),
        ("/canarySettings/percentTraffic", "/canarySettings/{field}"),
        ("/accessLogSettings/destinationArn", "/accessLogSettings/{field}"),
        ("/tracingEnabled", "/tracingEnabled"),
        ("/*/*/throttling/rateLimit", "{path}/{method}/throttling/{limit}"),
        ("/~1orders/GET/caching/dataEncrypted", "{path}/{method}/caching/dataEncrypted"),
        ("/*/*/logging/loglevel", "{path}/{method}/logging/loglevel"),
        ("/clientCertificateId", "other"),
        ("/*/*/caching/unknownSetting", "other"),
    ],
)
def test_update_stage_patch_paths_map_to_matrix_rows(path: str, key: str) -> None:
    assert patch_key(path) == key
    assert key in fidelity.load()["apigateway"][PATCH_OPERATION]


def test_cli_prints_the_new_rows() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lablib", "fidelity"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for line in (
        "| lambda | CreateEventSourceMapping | TumblingWindowInSeconds | ignored |",
        "| apigateway | UpdateStage:patch | /tracingEnabled | ignored |",
        "| stepfunctions | CreateStateMachine | tracingConfiguration | ignored |",
        "| cloudwatch | PutMetricAlarm | Metrics | ignored |",
        "| cloudformation | CreateStack | DisableRollback | ignored |",
        "| behaviour | codedeploy-timestamps | - | approximated |",
    ):
        assert line in result.stdout, line


def test_site_page_has_the_new_rows() -> None:
    from lablib.site.hooks import fidelity_page

    page = fidelity_page()
    assert "| codedeploy | CreateDeploymentGroup | triggerConfigurations | ignored |" in page
    assert "| behaviour | apigateway-iam-auth | - | approximated |" in page
