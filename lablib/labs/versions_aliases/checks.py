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
    with fb.found(
        lam.exceptions.ResourceNotFoundException,
        f"alias {name} of {FUNCTION} exists",
        expected=f"alias {name}",
        hint="run the lab's cells from the top (step 3 creates the aliases), then this one",
    ):
        found: dict[str, Any] = lam.get_alias(FunctionName=FUNCTION, Name=name)
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
        hint=_rollback_hint(alias["FunctionVersion"], weights),
    )
    out = lam.invoke(FunctionName=FUNCTION, Qualifier="PROD", Payload=b'{"order": 7}')
    body = json.loads(out["Payload"].read())
    fb.expect(
        out["ExecutedVersion"] == "1" and "FunctionError" not in out,
        "a call through PROD runs version 1 and succeeds",
        expected="ExecutedVersion 1, no FunctionError",
        got=f"ExecutedVersion {out['ExecutedVersion']}, {body}",
    )


def _rollback_hint(version: str, weights: dict[str, float]) -> str:
    """What the alias says about the slip: still on the bad version, on $LATEST, version 1
    with weights left over, or a newly published version instead of the known good one."""
    fix = "lam.update_alias(FunctionName=..., Name='PROD', FunctionVersion='1')"
    if version == "1":
        return (
            f"version 1 is right, but AdditionalVersionWeights {weights} still sends calls "
            "elsewhere: also pass RoutingConfig={'AdditionalVersionWeights': {}}"
        )
    if version == "$LATEST":
        return (
            "$LATEST is the editable code, not a release: a rollback points PROD at the "
            f"published version that was good: {fix}"
        )
    if version == "2":
        return f"PROD still runs the bad version 2 (callers keep calling PROD): {fix}"
    return (
        f"version {version} is a new publish, not the release known to be good: roll back "
        f"to version 1: {fix}"
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
        hint=_weighted_hint(lam, alias["FunctionVersion"], weights),
    )
    counter = Counter(str(v) for v in seen)
    total = sum(counter.values())
    hint = "count response['ExecutedVersion'] over a loop of at least 100 invokes"
    if total >= 100 and set(counter) == {"$LATEST"}:
        hint = "every call ran $LATEST: invoke with Qualifier='BETA' (the alias routes, "
        hint += "an unqualified call does not)"
    elif total and not set(counter) <= {"1", "2", "$LATEST"}:
        hint = f"{sorted(counter)} are not version numbers: collect response['ExecutedVersion']"
    fb.expect(
        total >= 100 and 0.12 <= counter.get("2", 0) / max(total, 1) <= 0.40,
        "about a quarter of 100+ calls ran version 2 (ExecutedVersion)",
        expected="100 or more calls, 12 %-40 % on version 2",
        got=f"{total} calls: {dict(counter)}",
        hint=hint,
    )


def _weighted_hint(lam: Any, version: str, weights: dict[str, float]) -> str:
    """Why BETA's routing is off: the split set the other way round, the weight inverted,
    no weights (a weight of 25 is refused: weights are fractions), or set on another alias."""
    if version == "2" and weights == {"1": 0.75}:
        return (
            "that splits the calls the same way, but backwards: the alias points at the "
            "stable version 1 and the weight is the new version's share ({'2': 0.25})"
        )
    if version == "1" and set(weights) == {"2"}:
        return (
            f"the weight is the share that goes to version 2: {weights['2']} is not a "
            "quarter; use {'2': 0.25}"
        )
    if not weights:
        others = [
            a["Name"]
            for a in lam.list_aliases(FunctionName=FUNCTION)["Aliases"]
            if (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights") == {"2": 0.25}
        ]
        if others:
            return f"the weights are on {', '.join(others)}: this exercise updates BETA"
        return (
            "BETA has no AdditionalVersionWeights: RoutingConfig={'AdditionalVersionWeights': "
            "{'2': 0.25}} (weights are fractions: 25 is refused)"
        )
    return "weights are fractions (0.25), and the extra version goes in RoutingConfig"


@exercise("versions-aliases/custom-canary", title="A custom 20 % / 2 minute canary config")
def check_custom_canary(fb: Feedback, name: Any = ...) -> None:
    config_name = fb.filled(name, "CONFIG_NAME", str)
    import boto3

    cd = boto3.client("codedeploy")
    with fb.found(
        cd.exceptions.DeploymentConfigDoesNotExistException,
        f"deployment config {config_name} exists",
        expected="create_deployment_config(...) ran",
        hint="computePlatform='Lambda' and a trafficRoutingConfig of type TimeBasedCanary",
    ):
        info = cd.get_deployment_config(deploymentConfigName=config_name)["deploymentConfigInfo"]
    routing = info.get("trafficRoutingConfig") or {}
    fb.expect(
        info["computePlatform"] == "Lambda"
        and routing.get("type") == "TimeBasedCanary"
        and routing.get("timeBasedCanary") == {"canaryPercentage": 20, "canaryInterval": 2},
        "a Lambda canary: 20 % first, the rest 2 minutes later",
        expected="TimeBasedCanary {canaryPercentage: 20, canaryInterval: 2}",
        got=f"{info['computePlatform']} {routing}",
        hint=_canary_hint(config_name, info["computePlatform"], routing),
    )


def _canary_hint(name: str, platform: str, routing: dict[str, Any]) -> str:
    """The slip a config shows: a predefined one, not for Lambda, linear instead of canary,
    the interval in seconds, or percentage and interval swapped."""
    canary = routing.get("timeBasedCanary") or {}
    if name.startswith("CodeDeployDefault."):
        return (
            f"{name} is a predefined configuration: create your own with "
            "cd.create_deployment_config(...) and give its name"
        )
    if platform != "Lambda":
        return f"computePlatform is {platform}: a Lambda deployment needs computePlatform='Lambda'"
    if routing.get("type") != "TimeBasedCanary":
        return (
            f"type {routing.get('type')} is not a canary: TimeBasedCanary shifts 20 % once, "
            "then the rest in one step"
        )
    if canary.get("canaryInterval") == 120:
        return "canaryInterval is in minutes: 2, not 120 seconds"
    if canary == {"canaryPercentage": 2, "canaryInterval": 20}:
        return "percentage and interval are swapped: canaryPercentage=20, canaryInterval=2"
    return "canaryPercentage=20 (a whole percent), canaryInterval=2 (minutes)"


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

    fb.answered(
        answers,
        "RELEASE_CONFIGS",
        RELEASES,
        what="every release has a configuration",
        add="a configuration name",
    )
    for key, (right, why) in RELEASES.items():
        given = str(answers[key]).strip()
        if (
            not given.startswith("CodeDeployDefault.")
            and f"CodeDeployDefault.{given}" in PREDEFINED
        ):
            fb.fail(
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
