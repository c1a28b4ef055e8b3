"""Exercise checks for lab 04 (versions-aliases); importing this module registers them.

Each check looks at the local AWS through boto3 and says what it expected and what it found.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from lablib.exercises.core import Feedback, exercise

FUNCTION = "va-orders"


def _lambda() -> Any:
    import boto3

    return boto3.client("lambda")


def _alias(fb: Feedback, lam: Any, name: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = lam.get_alias(FunctionName=FUNCTION, Name=name)
    except lam.exceptions.ResourceNotFoundException:
        fb.expect(
            False,
            f"alias {name} of {FUNCTION} exists",
            expected=f"alias {name}",
            got="ResourceNotFoundException",
            hint="run the lab's cells from the top (step 3 creates the aliases), then this one",
        )
        raise AssertionError("unreachable") from None
    return found


@exercise("versions-aliases/rollback", title="Roll PROD back without touching any caller")
def check_rollback(fb: Feedback, response: Any = ...) -> None:
    fb.filled(response, "ROLLBACK")
    lam = _lambda()
    alias = _alias(fb, lam, "PROD")
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    fb.expect(
        alias["FunctionVersion"] == "1" and not weights,
        "alias PROD points at version 1 only",
        expected="FunctionVersion 1, no AdditionalVersionWeights",
        got=f"FunctionVersion {alias['FunctionVersion']}, weights {weights or 'none'}",
        hint="lam.update_alias(FunctionName=..., Name='PROD', FunctionVersion='1')",
    )
    out = lam.invoke(FunctionName=FUNCTION, Qualifier="PROD", Payload=b'{"order": 7}')
    body = json.loads(out["Payload"].read())
    fb.expect(
        out["ExecutedVersion"] == "1" and "FunctionError" not in out,
        "a call through PROD runs version 1 and succeeds",
        expected="ExecutedVersion 1, no FunctionError",
        got=f"ExecutedVersion {out['ExecutedVersion']}, {body}",
    )


@exercise("versions-aliases/weighted", title="Send a quarter of BETA's traffic to version 2")
def check_weighted(fb: Feedback, counts: Any = ...) -> None:
    seen = fb.filled(counts, "COUNTS", (list, tuple, dict))
    if isinstance(seen, dict):  # a Counter (or dict) of version -> count is fine too
        seen = [str(v) for v, n in seen.items() for _ in range(int(n))]
    lam = _lambda()
    alias = _alias(fb, lam, "BETA")
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    fb.expect(
        alias["FunctionVersion"] == "1" and weights == {"2": 0.25},
        "BETA points at version 1 with 25 % on version 2",
        expected="FunctionVersion 1, AdditionalVersionWeights {'2': 0.25}",
        got=f"FunctionVersion {alias['FunctionVersion']}, weights {weights}",
        hint="weights are fractions (0.25), and the extra version goes in RoutingConfig",
    )
    counter = Counter(str(v) for v in seen)
    total = sum(counter.values())
    fb.expect(
        total >= 100 and 0.12 <= counter.get("2", 0) / max(total, 1) <= 0.40,
        "about a quarter of 100+ calls ran version 2 (ExecutedVersion)",
        expected="100 or more calls, 12 %-40 % on version 2",
        got=f"{total} calls: {dict(counter)}",
        hint="count response['ExecutedVersion'] over a loop of at least 100 invokes",
    )


@exercise("versions-aliases/custom-canary", title="A custom 20 % / 2 minute canary config")
def check_custom_canary(fb: Feedback, name: Any = ...) -> None:
    config_name = fb.filled(name, "CONFIG_NAME", str)
    import boto3

    cd = boto3.client("codedeploy")
    try:
        info = cd.get_deployment_config(deploymentConfigName=config_name)["deploymentConfigInfo"]
    except cd.exceptions.DeploymentConfigDoesNotExistException:
        fb.expect(
            False,
            f"deployment config {config_name} exists",
            expected="create_deployment_config(...) ran",
            got="DeploymentConfigDoesNotExistException",
            hint="computePlatform='Lambda' and a trafficRoutingConfig of type TimeBasedCanary",
        )
        return
    routing = info.get("trafficRoutingConfig") or {}
    fb.expect(
        info["computePlatform"] == "Lambda"
        and routing.get("type") == "TimeBasedCanary"
        and routing.get("timeBasedCanary") == {"canaryPercentage": 20, "canaryInterval": 2},
        "a Lambda canary: 20 % first, the rest 2 minutes later",
        expected="TimeBasedCanary {canaryPercentage: 20, canaryInterval: 2}",
        got=f"{info['computePlatform']} {routing}",
        hint="canaryInterval is in minutes",
    )


RELEASES = {
    "payments": (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "10 % for five minutes, then everything in one step: a canary of 10 % for 5 minutes",
    ),
    "batch": (
        "CodeDeployDefault.LambdaAllAtOnce",
        "no users to protect and the fastest release: all traffic at once",
    ),
    "public-api": (
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        "10 % more every minute (a linear shift), so an alarm can stop it at any step",
    ),
}


@exercise("versions-aliases/pick-config", title="Design: a deployment configuration per release")
def check_pick_config(fb: Feedback, answers: Any = ...) -> None:
    """A design task from requirements: one diagnosis per release and per kind of slip."""
    from lablib.deploy.configs import PREDEFINED

    fb.filled(answers, "RELEASE_CONFIGS", dict)
    missing = sorted(set(RELEASES) - set(answers))
    fb.expect(
        not missing,
        "every release has a configuration",
        expected=", ".join(sorted(RELEASES)),
        got=", ".join(sorted(answers)),
        hint=f"add a configuration name for {', '.join(missing)}",
    )
    for key, (right, why) in RELEASES.items():
        given = str(answers[key]).strip()
        if (
            not given.startswith("CodeDeployDefault.")
            and f"CodeDeployDefault.{given}" in PREDEFINED
        ):
            fb.expect(
                False,
                f"{key}: the full configuration name",
                expected=f"CodeDeployDefault.{given}",
                got=given,
                hint="predefined configuration names start with CodeDeployDefault.",
            )
        fb.expect(
            given in PREDEFINED,
            f"{key}: a predefined Lambda configuration",
            expected="one of " + ", ".join(sorted(PREDEFINED)),
            got=given,
            hint="copy a name from the deployment configuration table in step 5",
        )
        kind = "Canary" if "Canary" in right else "Linear" if "Linear" in right else "AllAtOnce"
        hint = why
        if kind not in given:
            hint = f"this release needs a {kind} configuration: {why}"
        fb.expect(given == right, f"{key}: {right}", expected=right, got=given, hint=hint)
