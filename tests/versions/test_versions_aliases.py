"""Lambda versions and aliases through boto3: AWS's rules and validation errors.

Test names carry the quiz bank's verify keys (quizzes/versions-aliases.yaml); each docstring
names the key it proves.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.lambda_rt.conftest import payload_of, zip_of

V = "def handler(event, context):\n    return {tag!r}\n"


def code(tag: str) -> bytes:
    return zip_of({"app.py": V.format(tag=tag)})


def new_code(lam: Any, name: str, tag: str) -> None:
    lam.update_function_code(FunctionName=name, ZipFile=code(tag))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)  # as on AWS, before the next


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def two_versions(lam: Any, make_function: Any) -> str:
    name: str = make_function(V.format(tag="v1"))
    lam.publish_version(FunctionName=name)
    new_code(lam, name, "v2")
    lam.publish_version(FunctionName=name)
    new_code(lam, name, "latest")
    return name


def test_va_publish_unchanged_same_version(lam: Any, make_function: Any) -> None:
    """va.publish-unchanged-same-version: PublishVersion with nothing changed returns the
    newest version again, even after re-uploading identical code."""
    name = make_function(V.format(tag="v1"))
    first = lam.publish_version(FunctionName=name)
    assert first["Version"] == "1"
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    new_code(lam, name, "v1")  # the same bytes again: same CodeSha256
    again = lam.publish_version(FunctionName=name)
    assert again["Version"] == "1"
    assert again["CodeSha256"] == first["CodeSha256"]
    lam.update_function_configuration(FunctionName=name, MemorySize=256)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"  # configuration changed
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]


def test_va_unqualified_runs_latest(lam: Any, two_versions: str) -> None:
    """va.unqualified-runs-latest: no qualifier runs $LATEST, not the newest version."""
    response = lam.invoke(FunctionName=two_versions)
    assert response["ExecutedVersion"] == "$LATEST"
    assert payload_of(response) == "latest"


def test_va_qualifier_version_executed(lam: Any, two_versions: str) -> None:
    """va.qualifier-version-executed: Qualifier='2' runs version 2 and says so."""
    response = lam.invoke(FunctionName=two_versions, Qualifier="2")
    assert (response["ExecutedVersion"], payload_of(response)) == ("2", "v2")
    by_name = lam.invoke(FunctionName=f"{two_versions}:1")
    assert (by_name["ExecutedVersion"], payload_of(by_name)) == ("1", "v1")
    arn = lam.get_function(FunctionName=two_versions)["Configuration"]["FunctionArn"]
    by_arn = lam.invoke(FunctionName=f"{arn}:2")
    assert (by_arn["ExecutedVersion"], payload_of(by_arn)) == ("2", "v2")


def test_va_version_snapshot_unchanged_after_update(lam: Any, make_function: Any) -> None:
    """va.version-snapshot-unchanged-after-update: UpdateFunctionCode changes $LATEST only;
    version 1 keeps the code it was published with."""
    name = make_function(V.format(tag="before"))
    lam.publish_version(FunctionName=name)
    new_code(lam, name, "fixed")
    assert payload_of(lam.invoke(FunctionName=name, Qualifier="1")) == "before"
    assert payload_of(lam.invoke(FunctionName=name)) == "fixed"
    with pytest.raises(ClientError) as info:
        lam.update_function_code(FunctionName=f"{name}:1", ZipFile=code("nope"))
    assert error_of(info)[0] in {"InvalidParameterValueException", "ValidationException"}


def test_va_version_numbers_not_reused(lam: Any, make_function: Any) -> None:
    """va.version-numbers-not-reused: delete version 3, publish again -> version 4."""
    name = make_function(V.format(tag="a"))
    for tag in ("b", "c", "d"):
        lam.publish_version(FunctionName=name)
        new_code(lam, name, tag)
    lam.delete_function(FunctionName=name, Qualifier="3")
    published = lam.publish_version(FunctionName=name)
    assert published["Version"] == "4"
    assert published["FunctionArn"].endswith(f":{name}:4")
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "2", "4"]


def test_va_context_invoked_arn_alias(lam: Any, make_function: Any) -> None:
    """va.context-invoked-arn-alias: the alias name is the last segment of
    context.invoked_function_arn."""
    name = make_function(
        "def handler(event, context):\n"
        "    return {'arn': context.invoked_function_arn,"
        " 'version': context.function_version}\n"
    )
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="PROD", FunctionVersion="1")
    seen = payload_of(lam.invoke(FunctionName=name, Qualifier="PROD"))
    assert seen["arn"].endswith(f":function:{name}:PROD")
    assert seen["arn"].split(":")[-1] == "PROD"
    assert seen["version"] == "1"
    plain = payload_of(lam.invoke(FunctionName=name))
    assert plain["arn"].endswith(f":function:{name}")


def test_va_alias_cannot_target_alias(lam: Any, two_versions: str) -> None:
    """va.alias-cannot-target-alias: FunctionVersion must be a number or $LATEST."""
    lam.create_alias(FunctionName=two_versions, Name="PROD", FunctionVersion="1")
    with pytest.raises(ClientError) as info:
        lam.create_alias(FunctionName=two_versions, Name="LIVE", FunctionVersion="PROD")
    code_, message = error_of(info)
    assert code_ == "ValidationException"
    assert "functionVersion" in message and "PROD" in message
    with pytest.raises(ClientError) as info:
        lam.update_alias(FunctionName=two_versions, Name="PROD", FunctionVersion="PROD")
    assert error_of(info)[0] == "ValidationException"


def test_alias_to_missing_version_is_not_found(lam: Any, two_versions: str) -> None:
    """Bad input: an alias to version 9 that does not exist."""
    with pytest.raises(ClientError) as info:
        lam.create_alias(FunctionName=two_versions, Name="PROD", FunctionVersion="9")
    code_, message = error_of(info)
    assert code_ == "ResourceNotFoundException"
    assert f"{two_versions}:9" in message


def test_va_alias_repoint_rollback(lam: Any, two_versions: str) -> None:
    """va.alias-repoint-rollback: UpdateAlias back to the old version rolls back without
    touching callers, which keep calling the alias."""
    alias = lam.create_alias(FunctionName=two_versions, Name="PROD", FunctionVersion="2")
    assert payload_of(lam.invoke(FunctionName=alias["AliasArn"])) == "v2"
    updated = lam.update_alias(FunctionName=two_versions, Name="PROD", FunctionVersion="1")
    assert updated["AliasArn"] == alias["AliasArn"]
    assert updated["RevisionId"] != alias["RevisionId"]
    response = lam.invoke(FunctionName=alias["AliasArn"])
    assert (response["ExecutedVersion"], payload_of(response)) == ("1", "v1")


def test_va_delete_version_referenced_by_alias(lam: Any, two_versions: str) -> None:
    """va.delete-version-referenced-by-alias: deleting a version an alias points at (or
    routes weight to) is refused with ResourceConflictException."""
    lam.create_alias(
        FunctionName=two_versions,
        Name="PROD",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    for version in ("1", "2"):
        with pytest.raises(ClientError) as info:
            lam.delete_function(FunctionName=two_versions, Qualifier=version)
        code_, message = error_of(info)
        assert code_ == "ResourceConflictException"
        assert "PROD" in message
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    lam.update_alias(
        FunctionName=two_versions, Name="PROD", RoutingConfig={"AdditionalVersionWeights": {}}
    )
    lam.delete_function(FunctionName=two_versions, Qualifier="2")
    assert payload_of(lam.invoke(FunctionName=two_versions, Qualifier="PROD")) == "v1"


def test_va_weighted_alias_executed_version(lam: Any, two_versions: str) -> None:
    """va.weighted-alias-executed-version: each response's ExecutedVersion names the version
    that ran; the split follows the weight."""
    lam.create_alias(
        FunctionName=two_versions,
        Name="LIVE",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    seen: Counter[str] = Counter()
    for _ in range(120):
        response = lam.invoke(FunctionName=two_versions, Qualifier="LIVE")
        body = payload_of(response)
        assert body == {"1": "v1", "2": "v2"}[response["ExecutedVersion"]]
        seen[response["ExecutedVersion"]] += 1
    assert set(seen) == {"1", "2"}
    assert 30 <= seen["2"] <= 90


def test_va_weights_one_extra_version_only(lam: Any, two_versions: str) -> None:
    """va.weights-one-extra-version-only: two additional versions are rejected."""
    lam.publish_version(FunctionName=two_versions)  # version 3
    with pytest.raises(ClientError) as info:
        lam.create_alias(
            FunctionName=two_versions,
            Name="LIVE",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}},
        )
    code_, message = error_of(info)
    assert code_ == "ValidationException"
    assert "additionalVersionWeights" in message and "less than or equal to 1" in message


def test_va_weights_out_of_range(lam: Any, two_versions: str) -> None:
    """va.weights-out-of-range: a weight of 10 (meaning 10 %) is rejected: use 0.1."""
    lam.create_alias(FunctionName=two_versions, Name="LIVE", FunctionVersion="1")
    with pytest.raises(ClientError) as info:
        lam.update_alias(
            FunctionName=two_versions,
            Name="LIVE",
            RoutingConfig={"AdditionalVersionWeights": {"2": 10}},
        )
    code_, message = error_of(info)
    assert code_ == "ValidationException"
    assert "1.0" in message and "0.0" in message
    alias = lam.get_alias(FunctionName=two_versions, Name="LIVE")
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_va_alias_latest_with_weights_rejected(lam: Any, two_versions: str) -> None:
    """va.alias-latest-with-weights-rejected: weighted routing needs published versions."""
    with pytest.raises(ClientError) as info:
        lam.create_alias(
            FunctionName=two_versions,
            Name="CANARY",
            FunctionVersion="$LATEST",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
        )
    code_, message = error_of(info)
    assert code_ == "InvalidParameterValueException"
    assert "$LATEST" in message


def test_weight_on_own_version_or_missing_version(lam: Any, two_versions: str) -> None:
    """Bad input: the extra version is the alias's own version, or does not exist."""
    with pytest.raises(ClientError) as info:
        lam.create_alias(
            FunctionName=two_versions,
            Name="LIVE",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
        )
    assert error_of(info)[0] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as info:
        lam.create_alias(
            FunctionName=two_versions,
            Name="LIVE",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"7": 0.5}},
        )
    assert error_of(info)[0] == "ResourceNotFoundException"


def test_qualified_arn_in_event_source_mapping(aws: Any, lam: Any, two_versions: str) -> None:
    """Qualified ARNs are accepted where a function ARN is: an SQS mapping on the alias ARN
    keeps that ARN, and after UpdateAlias its messages reach the new version (no caller
    changed)."""
    alias = lam.create_alias(FunctionName=two_versions, Name="PROD", FunctionVersion="1")
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{two_versions}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    mapping = lam.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=alias["AliasArn"], BatchSize=1
    )
    assert mapping["FunctionArn"] == alias["AliasArn"]
    listed = lam.list_event_source_mappings(FunctionName=alias["AliasArn"])
    assert [m["FunctionArn"] for m in listed["EventSourceMappings"]] == [alias["AliasArn"]]
    try:
        sqs.send_message(QueueUrl=url, MessageBody="first")
        assert wait_for_version(lam, two_versions, "1")
        lam.update_alias(FunctionName=two_versions, Name="PROD", FunctionVersion="2")
        assert (
            lam.get_event_source_mapping(UUID=mapping["UUID"])["FunctionArn"] == alias["AliasArn"]
        )
        sqs.send_message(QueueUrl=url, MessageBody="second")
        assert wait_for_version(lam, two_versions, "2")
    finally:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])


def wait_for_version(lam: Any, name: str, version: str, timeout: float = 60) -> bool:
    """Did the SQS mapping invoke ``version``? (one log stream per version's environment)"""
    import time

    import boto3

    logs = boto3.client("logs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
        except logs.exceptions.ResourceNotFoundException:
            streams = []
        if any(f"[{version}]" in s["logStreamName"] for s in streams):
            return True
        time.sleep(0.1)
    return False


def test_publish_with_update_code_flag(lam: Any, make_function: Any) -> None:
    """UpdateFunctionCode(Publish=True) publishes the new code as the next version."""
    name = make_function(V.format(tag="one"))
    lam.publish_version(FunctionName=name)
    updated = lam.update_function_code(FunctionName=name, ZipFile=code("two"), Publish=True)
    assert updated["Version"] == "2"
    assert payload_of(lam.invoke(FunctionName=name, Qualifier="2")) == "two"
    assert payload_of(lam.invoke(FunctionName=name, Qualifier="1")) == "one"
