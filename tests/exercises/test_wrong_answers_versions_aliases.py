"""Lab 04's alias and CodeDeploy checks against typical wrong answers, set up through boto3 as a
learner would: each mistake fails with its own diagnosis, the reference answer passes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

import lablib.labs.versions_aliases.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check
from lablib.notebook import functions_dir
from lablib.notebook._aws import client
from tests.support import running_aws

aws = pytest.fixture(scope="module", name="aws")(running_aws)
FN = "va-orders"


def diagnosis(result: Any) -> str:
    """The failed step, what happened and its hint, as one text (asserts a clean failure)."""
    assert not result.passed, repr(result)
    failure = result.failure
    assert failure is not None and failure.what != "the check could run", repr(result)
    return f"{failure.what} | {failure.got} | {failure.hint}"


@pytest.fixture(scope="module")
def orders(aws: object) -> Any:
    """The lab's va-orders: versions 1, 2 (broken) and 3; aliases PROD and BETA on 1."""
    lam = client("lambda")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", (functions_dir() / "versions-aliases/app.py").read_text())
    role = client("iam").create_role(RoleName="va-check-role", AssumeRolePolicyDocument="{}")
    lam.create_function(
        FunctionName=FN,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
        Environment={"Variables": {"RELEASE": "1"}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=FN)
    lam.publish_version(FunctionName=FN)
    for env in ({"RELEASE": "2", "BROKEN": "1"}, {"RELEASE": "3"}):
        lam.update_function_configuration(FunctionName=FN, Environment={"Variables": env})
        lam.get_waiter("function_updated_v2").wait(FunctionName=FN)
        lam.publish_version(FunctionName=FN)
    for alias in ("PROD", "BETA"):
        lam.create_alias(FunctionName=FN, Name=alias, FunctionVersion="1")
    return lam


def executed(qualifier: str | None, times: int) -> list[str]:
    lam = client("lambda")
    extra = {"Qualifier": qualifier} if qualifier else {}
    return [
        lam.invoke(FunctionName=FN, Payload=b'{"order": 1}', **extra)["ExecutedVersion"]
        for _ in range(times)
    ]


# --- rollback: PROD was moved to the bad version 2; move it back to 1 -------------------------
def republish_v1_config(lam: Any) -> Any:
    lam.update_function_configuration(FunctionName=FN, Environment={"Variables": {"RELEASE": "1"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName=FN)
    version = lam.publish_version(FunctionName=FN)["Version"]
    return lam.update_alias(FunctionName=FN, Name="PROD", FunctionVersion=version)


ROLLBACKS: list[tuple[str, Callable[[Any], Any], str]] = [
    (
        "a new alias for callers",
        lambda lam: lam.create_alias(FunctionName=FN, Name="PROD-FIXED", FunctionVersion="1"),
        "still runs the bad version 2",
    ),
    (
        "PROD on $LATEST",
        lambda lam: lam.update_alias(FunctionName=FN, Name="PROD", FunctionVersion="$LATEST"),
        "$LATEST is the editable code",
    ),
    (
        "weights left on version 2",
        lambda lam: lam.update_alias(
            FunctionName=FN,
            Name="PROD",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
        ),
        "also pass RoutingConfig",
    ),
    ("version 1 republished", republish_v1_config, "is a new publish"),
]


@pytest.mark.parametrize(("mistake", "cell", "words"), ROLLBACKS, ids=[r[0] for r in ROLLBACKS])
def test_rollback_wrong_answers(
    orders: Any, mistake: str, cell: Callable[[Any], Any], words: str
) -> None:
    orders.update_alias(
        FunctionName=FN,
        Name="PROD",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    seen = diagnosis(check("versions-aliases/rollback", response=cell(orders)))
    assert "PROD points at version 1 only" in seen and words in seen, (mistake, seen)


def test_rollback_reference_passes(orders: Any) -> None:
    orders.update_alias(FunctionName=FN, Name="PROD", FunctionVersion="2")
    response = orders.update_alias(
        FunctionName=FN,
        Name="PROD",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    assert check("versions-aliases/rollback", response=response).passed
    assert "ROLLBACK is filled in" in diagnosis(check("versions-aliases/rollback"))


# --- weighted: BETA on version 1 with a quarter of the calls on version 2 ---------------------
def weighted_mistake(lam: Any, mistake: str) -> list[str]:
    """Run the learner's (wrong) cell and return the COUNTS it leaves."""
    route = {"FunctionName": FN, "Name": "BETA", "FunctionVersion": "1"}
    if mistake == "25 instead of 0.25":
        with pytest.raises(lam.exceptions.ClientError):  # the learner's cell fails here
            lam.update_alias(**route, RoutingConfig={"AdditionalVersionWeights": {"2": 25}})
        return executed("BETA", 100)
    if mistake == "three quarters on version 2":
        lam.update_alias(**route, RoutingConfig={"AdditionalVersionWeights": {"2": 0.75}})
    elif mistake == "the split backwards":
        lam.update_alias(
            **dict(route, FunctionVersion="2"),
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.75}},
        )
    elif mistake == "weights on PROD":
        lam.update_alias(
            **dict(route, Name="PROD"), RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}}
        )
    else:
        lam.update_alias(**route, RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    if mistake == "too few calls":
        return executed("BETA", 20)
    if mistake == "no qualifier":
        return executed(None, 100)
    if mistake == "status codes counted":
        return [str(200)] * 100
    return executed("BETA", 100)


WEIGHTED: list[tuple[str, str, str]] = [
    ("25 instead of 0.25", "with 25 % on version 2", "25 is refused"),
    ("three quarters on version 2", "with 25 % on version 2", "0.75 is not a quarter"),
    ("the split backwards", "with 25 % on version 2", "backwards"),
    ("weights on PROD", "with 25 % on version 2", "the weights are on PROD"),
    ("too few calls", "a quarter of 100+ calls", "20 calls"),
    ("no qualifier", "a quarter of 100+ calls", "Qualifier='BETA'"),
    ("status codes counted", "a quarter of 100+ calls", "not version numbers"),
]


def reset_aliases(lam: Any) -> None:
    for alias in ("PROD", "BETA"):
        lam.update_alias(
            FunctionName=FN,
            Name=alias,
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {}},
        )


def test_weighted_wrong_answers(orders: Any) -> None:
    seen = {}
    for mistake, step, words in WEIGHTED:
        reset_aliases(orders)
        counts = weighted_mistake(orders, mistake)
        seen[mistake] = diagnosis(check("versions-aliases/weighted", counts=counts))
        assert step in seen[mistake].split(" | ")[0] and words in seen[mistake], (mistake, seen)
    assert len(set(seen.values())) == len(seen), seen
    reset_aliases(orders)
    counts = weighted_mistake(orders, "the reference")
    assert check("versions-aliases/weighted", counts=counts).passed


# --- custom-canary: a Lambda TimeBasedCanary of 20 % then the rest after 2 minutes ------------
def create_config(name: str, routing: dict[str, Any], platform: str = "Lambda") -> str:
    client("codedeploy").create_deployment_config(
        deploymentConfigName=name, computePlatform=platform, trafficRoutingConfig=routing
    )
    return name


def canary(percent: int, interval: int) -> dict[str, Any]:
    return {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": percent, "canaryInterval": interval},
    }


CANARIES: list[tuple[str, Callable[[], str], str, str]] = [
    (
        "never created",
        lambda: "Canary20Percent2Minutes-x",
        "exists",
        "DeploymentConfigDoesNotExist",
    ),
    (
        "a predefined config",
        lambda: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "20 % first",
        "predefined",
    ),
    (
        "interval in seconds",
        lambda: create_config("va-canary-seconds", canary(20, 120)),
        "20 % first",
        "not 120 seconds",
    ),
    (
        "percentage and interval swapped",
        lambda: create_config("va-canary-swapped", canary(2, 20)),
        "20 % first",
        "swapped",
    ),
    (
        "linear, not canary",
        lambda: create_config(
            "va-canary-linear",
            {
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": 20, "linearInterval": 2},
            },
        ),
        "20 % first",
        "TimeBasedLinear is not a canary",
    ),
    (
        "server platform",
        lambda: create_config("va-canary-server", canary(20, 2), platform="Server"),
        "20 % first",
        "computePlatform='Lambda'",
    ),
]


def test_custom_canary_wrong_answers(aws: object) -> None:
    seen = {}
    for mistake, cell, step, words in CANARIES:
        try:
            name = cell()
        except client("codedeploy").exceptions.ClientError as exc:  # refused, as on AWS
            pytest.fail(f"{mistake}: {exc}")
        seen[mistake] = diagnosis(check("versions-aliases/custom-canary", name=name))
        assert step in seen[mistake].split(" | ")[0] and words in seen[mistake], (mistake, seen)
    assert len(set(seen.values())) == len(seen), seen
    name = create_config("Canary20Percent2Minutes", canary(20, 2))
    assert check("versions-aliases/custom-canary", name=name).passed


def test_learner_copy_placeholders_fail(aws: object) -> None:
    for exercise, name in (
        ("versions-aliases/weighted", "COUNTS"),
        ("versions-aliases/custom-canary", "CONFIG_NAME"),
    ):
        assert f"{name} is filled in | ... (the placeholder" in diagnosis(check(exercise))
